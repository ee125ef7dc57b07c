"""Each unit's steps on its own duty (issue 15): claim, answer, confirm the lead's answer; the
coordinator's agreed statement (会商/统一口径) and the report to the Party committee.

Keyword-only, no commit (the unit of work commits, then publishes); each step is audited with
actor = the viewer and raises a domain error before anything is written. A duty that is the
incident's only required answer goes through the incident's own claim and response
(service.incidents.service), so a single-unit incident works as it always has.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from routing.duties import DutyRole
from service.audit.actions import (
    AuditAction,
    DutyClaimed,
    DutyConfirmed,
    DutyResponded,
    PartyReported,
    StatementRecorded,
)
from service.audit.log import record
from service.auth.rules import Action, Principal, assignment_of, may
from service.core.columns import id_of, utcnow
from service.core.errors import Conflict, Forbidden, Invalid, NotFound, refused
from service.incidents import service as wf
from service.incidents.duty_answers import active, answer, settle
from service.incidents.duty_rules import CLAIMED, DROPPED, MET, OPEN, DutyCase, DutyStep, check_duty
from service.incidents.duty_sync import meet_clock
from service.incidents.models import Incident, IncidentDuty, IncidentStatement, Response
from service.incidents.pipeline import Engine
from service.incidents.rules import Channel, Status
from service.incidents.visible import visible_incident

ReportMethod = str  # 书面报告 / 电话报告 / 当面报告 / 会议报告 (service.incidents.duty_views.REPORT_METHODS)


def case_of(duty: IncidentDuty, incident: Incident) -> DutyCase:
    return DutyCase(unit=duty.unit, role=DutyRole(duty.role), status=duty.status,
                    incident_status=Status(incident.status), met_unit=duty.met_unit,
                    confirmed=duty.confirmed_at is not None)


def _load(session: Session, engine: Engine, viewer: Principal, incident_id: int, duty_id: int,
          step: DutyStep | None) -> tuple[Incident, IncidentDuty]:
    incident = visible_incident(session, engine.org, viewer, incident_id, lock=True)
    duty = session.get(IncidentDuty, duty_id)
    if duty is None or duty.incident_id != incident_id or duty.status == DROPPED:
        raise NotFound("该事件没有这项职责", "no such duty on this incident")
    if step is not None and (refusal := check_duty(viewer, step, case_of(duty, incident))) is not None:
        raise refused(refusal.status, refusal.zh, refusal.en)
    return incident, duty


def claim_duty(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, duty_id: int,
               now: datetime | None = None) -> Incident:
    incident, duty = _load(session, engine, viewer, incident_id, duty_id, DutyStep.CLAIM)
    if duty.clock_kind == "response":  # the incident's one answer: its own claim
        return wf.claim(session=session, engine=engine, viewer=viewer, incident_id=incident_id, now=now)
    now = now or utcnow()
    won = session.exec(update(IncidentDuty).where(col(IncidentDuty.id) == duty_id, col(IncidentDuty.status) == OPEN)
                       .values(status=CLAIMED, claimed_by=viewer.username, claimed_at=now)).rowcount
    if won != 1:
        raise Conflict("本单位职责已被认领", "someone else claimed this duty meanwhile")
    # the first unit to claim is the incident's claimant too (the board's 已认领, claim expiry)
    session.exec(update(Incident).where(col(Incident.id) == incident_id, col(Incident.status) == Status.UNCLAIMED.value)
                 .values(status=Status.CLAIMED.value, claimed_by=viewer.username, claimed_unit=viewer.unit,
                         claimed_at=now))
    session.refresh(incident)
    record(session, AuditAction.DUTY_CLAIMED, DutyClaimed(duty_id=duty_id, unit=duty.unit, role=duty.role),
           incident_id=incident_id, actor=viewer.username)
    return incident


def respond_duty(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, duty_id: int,
                 channel: Channel, text: str, link: str | None = None, now: datetime | None = None) -> Incident:
    incident, duty = _load(session, engine, viewer, incident_id, duty_id, DutyStep.RESPOND)
    if duty.clock_kind == "response":
        if incident.claimed_unit != viewer.unit:  # the incident's one answer, claimed by this unit's duty
            raise Conflict("请先认领本单位职责", "claim the duty first")
        return wf.respond(session=session, engine=engine, viewer=viewer, incident_id=incident_id, channel=channel,
                          text=text, link=link, now=now)
    now = now or utcnow()
    response = Response(incident_id=incident_id, kind="response", channel=channel.value, text=text, link=link,
                        actor=viewer.username, unit=viewer.unit, at=now)
    session.add(response)
    session.flush()
    met_rows, met = answer(session, incident, viewer, response, now)
    labels = [r.label for r in met_rows if r.clock_kind in met]
    labels += [engine.policy.clock(kind).label for kind in settle(session, incident)]
    record(session, AuditAction.DUTY_RESPONDED, DutyResponded(
        duty_id=duty_id, unit=duty.unit, role=duty.role, channel=channel.value, text=text, link=link,
        answers_for=[r.unit for r in met_rows], deadlines=labels, statement_id=duty.statement_id,
        on_time=duty.due_at is None or now <= duty.due_at), incident_id=incident_id, actor=viewer.username)
    return incident


def confirm_duty(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, duty_id: int,
                 note: str | None = None, now: datetime | None = None) -> Incident:
    """The unit records that the lead's answer speaks for it too (确保回应的信息准确一致)."""
    incident, duty = _load(session, engine, viewer, incident_id, duty_id, DutyStep.CONFIRM)
    duty.confirmed_by, duty.confirmed_at, duty.note = viewer.username, now or utcnow(), note
    session.add(duty)
    record(session, AuditAction.DUTY_CONFIRMED, DutyConfirmed(duty_id=duty_id, unit=duty.unit, lead=duty.met_unit,
           note=note), incident_id=incident_id, actor=viewer.username)
    return incident


def _coordinated(session: Session, engine: Engine, viewer: Principal, incident_id: int, what: str) -> Incident:
    incident = visible_incident(session, engine.org, viewer, incident_id, lock=True)
    if not may(viewer, Action.ARBITRATE, assignment_of(incident), engine.org):
        raise Forbidden(f"只有组织协调单位可以{what}", f"only the coordinators may record this ({what})")
    if incident.status == Status.CLOSED.value:
        raise Conflict(f"事件已办结，不能{what}", "the incident is closed")
    return incident


def record_statement(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, text: str,
                     now: datetime | None = None) -> IncidentStatement:
    """会商/统一口径: the agreed statement the units' answers follow from now on."""
    incident = _coordinated(session, engine, viewer, incident_id, "登记统一口径")
    statement = IncidentStatement(incident_id=id_of(incident), text=text, actor=viewer.username, unit=viewer.unit,
                                  at=now or utcnow())
    session.add(statement)
    session.flush()
    record(session, AuditAction.STATEMENT_RECORDED, StatementRecorded(statement_id=statement.id, text=text),
           incident_id=incident_id, actor=viewer.username)
    return statement


def report_to_party(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, reporter: str,
                    method: ReportMethod, reported_at: datetime | None = None, note: str | None = None,
                    now: datetime | None = None) -> Incident:
    """Seed 001 四 同时应向同级党委报告: who reported, when and how, on the report's own clock."""
    incident = _coordinated(session, engine, viewer, incident_id, "登记向同级党委报告")
    now = now or utcnow()
    at = reported_at or now
    if at > now or at < incident.received_at:
        raise Invalid("报告时间须在接收舆情之后、不晚于现在", "reported_at must lie between the receipt and now")
    duty = next((d for d in active(session, incident_id) if d.role == DutyRole.PARTY_REPORT), None)
    if duty is None:
        raise Conflict("该事件不是特别重大舆情，无需向同级党委报告", "only an especially major incident is reported")
    if duty.status == MET:
        raise Conflict("已登记向同级党委报告", "the report is already recorded")
    duty.status, duty.met_at, duty.met_by, duty.met_unit = MET, at, viewer.username, viewer.unit or duty.unit
    duty.reporter, duty.channel, duty.note = reporter, method, note
    session.add(duty)
    meet_clock(session, incident_id, duty.clock_kind, at)
    record(session, AuditAction.PARTY_REPORTED, PartyReported(
        duty_id=id_of(duty), report_to=incident.report_to, reporter=reporter, method=method,
        reported_at=at.isoformat(), note=note, on_time=duty.due_at is None or at <= duty.due_at),
        incident_id=incident_id, actor=viewer.username)
    return incident
