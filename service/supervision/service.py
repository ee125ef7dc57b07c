"""督办单 on the database: issue a notice (with its own clock, which the sweep escalates like
any other), answer it (meets the clock), list them. Refusals raise domain errors before anything is
written; nothing here commits — the route commits, then publishes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from routing.escalation import next_due
from service.audit.actions import AuditAction, Supervised, SupervisionAnswered
from service.audit.log import record
from service.auth.rules import Action, Principal, assignment_of, may
from service.core.columns import utcnow
from service.core.errors import Conflict, Forbidden, Invalid
from service.incidents.models import Clock, EscalationStep, Incident
from service.incidents.pipeline import Engine
from service.incidents.rules import Status
from service.incidents.units import scoped
from service.incidents.visible import visible_incident
from service.supervision.documents import allocate, supervised_notice
from service.supervision.models import SupervisionNotice, clock_kind
from service.supervision.rules import answer_refusal, due_problem, state_of, supervised_units

STATE_LABEL = {"open": "办理中", "overdue": "已超期", "answered": "已反馈"}


def _visible(session: Session, engine: Engine, viewer: Principal, incident_id: int, lock: bool = False) -> Incident:
    return visible_incident(session, engine.org, viewer, incident_id, lock=lock)


def issue(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, requirement: str,
          due_at: datetime, units: Sequence[str] | None = None,
          now: datetime | None = None) -> tuple[SupervisionNotice, Incident]:
    now = now or utcnow()
    incident = _visible(session, engine, viewer, incident_id, lock=True)
    a = assignment_of(incident)
    if not may(viewer, Action.SUPERVISE, a, engine.org):
        raise Forbidden("您无权对该事件督办", "you may not supervise this incident")
    if Status(incident.status) is Status.CLOSED:
        raise Conflict("事件已办结，不能督办", "a closed incident is not supervised")
    problem = due_problem(due_at, now)
    if problem is not None:
        raise Invalid(*problem, field="due_at")
    names, unknown, unassigned = supervised_units(units, incident.first_responsible, a.units, engine.org.handling_units)
    if unknown or not names:
        raise Invalid(f"组织架构中没有单位：{'、'.join(unknown) or '（空）'}",
                       f"unknown units: {', '.join(unknown) or '(none given)'}", field="units", units=unknown)
    if unassigned:
        raise Invalid(f"{'、'.join(unassigned)}未承办该事件，请先转办",
                       f"not assigned this incident (transfer it first): {', '.join(unassigned)}",
                       field="units", units=unassigned)
    region = viewer.region or engine.org.home  # the issuing government office's region (a token: home)
    year, seq, doc_no = allocate(session, region, now)
    notice = SupervisionNotice(incident_id=incident_id, units=names, requirement=requirement.strip(),
                               issued_by=viewer.username, issued_unit=viewer.unit, issued_at=now, due_at=due_at,
                               doc_no=doc_no, doc_region=region, doc_year=year, doc_seq=seq)
    session.add(notice)
    session.flush()
    assert notice.id is not None  # assigned by the flush
    clock = Clock(incident_id=incident_id, kind=clock_kind(notice.id), label=f"督办单#{notice.id}反馈",
                  started_at=now, due_at=due_at, next_due_at=next_due(now, due_at, engine.policy.escalation))
    session.add(clock)
    session.flush()
    notice.clock_id = clock.id
    session.add(notice)
    record(session, AuditAction.INCIDENT_SUPERVISED, Supervised(notice_id=notice.id, units=names,
           requirement=notice.requirement, due_at=due_at.isoformat()), incident_id=incident_id, actor=viewer.username)
    return notice, incident


def answer(*, session: Session, engine: Engine, viewer: Principal, notice_id: int, text: str,
           now: datetime | None = None) -> tuple[SupervisionNotice, Incident]:
    now = now or utcnow()
    notice, incident = supervised_notice(session, engine, viewer, notice_id, lock=True)
    a = assignment_of(incident)
    if not may(viewer, Action.RESPOND, a, engine.org) or viewer.unit not in notice.units:
        raise Forbidden("只有被督办单位可以反馈办理情况", "only a supervised unit answers this notice")
    if refusal := answer_refusal(notice.signed_at is not None, notice.answered_at is not None):
        raise Conflict(*refusal)
    # guarded on the row: of two answers at once exactly one lands (SQLite too)
    won = session.exec(update(SupervisionNotice).where(col(SupervisionNotice.id) == notice_id,
                                                          col(SupervisionNotice.answered_at).is_(None))
                          .values(answered_at=now, answered_by=viewer.username, answered_unit=viewer.unit,
                                  answer=text.strip())).rowcount
    if won != 1:
        raise Conflict("该督办单已反馈", "this supervision notice was answered already")
    if notice.clock_id is not None:
        session.execute(update(Clock).where(col(Clock.id) == notice.clock_id, col(Clock.met_at).is_(None))
                        .values(met_at=now, next_due_at=None))  # a met clock never escalates
    session.refresh(notice)
    record(session, AuditAction.INCIDENT_SUPERVISION_ANSWERED, SupervisionAnswered(
        notice_id=notice_id, unit=viewer.unit, answer=notice.answer, late=now > notice.due_at),
        incident_id=incident.id, actor=viewer.username)
    return notice, incident


def _view(n: SupervisionNotice, viewer: Principal, may_answer: bool, steps: list[str], now: datetime) -> dict:
    state = state_of(n.due_at, n.answered_at, now)
    supervised = may_answer and viewer.unit in n.units
    return {**n.model_dump(), "state": state, "state_label": STATE_LABEL[state], "escalations": steps,
            "may_sign": supervised and n.signed_at is None,
            "may_answer": supervised and n.answered_at is None and n.signed_at is not None}


def _steps(session: Session, notices: Sequence[SupervisionNotice]) -> dict[int | None, list[str]]:
    """Escalation labels by clock; keyed so that a notice without a clock (None) finds none."""
    ids = [n.clock_id for n in notices if n.clock_id is not None]
    out: dict[int | None, list[str]] = {}
    if ids:
        for clock_id, label in session.exec(select(EscalationStep.clock_id, EscalationStep.label)
                                            .where(col(EscalationStep.clock_id).in_(ids))
                                            .order_by(col(EscalationStep.id))):
            out.setdefault(clock_id, []).append(label)
    return out


def of_incident(session: Session, engine: Engine, viewer: Principal, incident_id: int) -> dict:
    incident = _visible(session, engine, viewer, incident_id)
    a, now = assignment_of(incident), utcnow()
    notices = list(session.exec(select(SupervisionNotice).where(SupervisionNotice.incident_id == incident_id)
                                .order_by(col(SupervisionNotice.id))))
    steps, responds = _steps(session, notices), may(viewer, Action.RESPOND, a, engine.org)
    return {"incident_id": incident_id,
            "notices": [_view(n, viewer, responds, steps.get(n.clock_id, []), now) for n in notices],
            "may_issue": may(viewer, Action.SUPERVISE, a, engine.org) and Status(incident.status) is not Status.CLOSED,
            "default_units": list(incident.first_responsible)}


def open_notices(session: Session, engine: Engine, viewer: Principal, *, limit: int, offset: int) -> dict:
    """Unanswered notices on open incidents in the viewer's scope, the nearest due first."""
    visible = scoped(select(Incident.id), viewer, engine.org).where(col(Incident.status) != Status.CLOSED.value)
    q = (select(SupervisionNotice, Incident).join(Incident, col(Incident.id) == col(SupervisionNotice.incident_id))
         .where(col(SupervisionNotice.incident_id).in_(visible), col(SupervisionNotice.answered_at).is_(None)))
    rows = session.exec(q.order_by(col(SupervisionNotice.due_at), col(SupervisionNotice.id))
                        .offset(offset).limit(limit)).all()
    steps, now = _steps(session, [n for n, _ in rows]), utcnow()
    return {"notices": [{**_view(n, viewer, may(viewer, Action.RESPOND, assignment_of(i), engine.org),
                                 steps.get(n.clock_id, []), now),
                         "topic": i.topic, "severity": i.severity, "incident_status": i.status} for n, i in rows]}
