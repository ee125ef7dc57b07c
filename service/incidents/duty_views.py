"""Duty routes under /api/incidents/{id}/…: each unit's duties with their state (read), a
unit's claim, answer and confirmation of the lead's answer, the coordinator's agreed statement
(统一口径) and the report to the Party committee. `Allowed(Action.X)` refuses a role that may
never take the step; service.incidents.duty_rules the rest (404 not visible, 403 not your
unit's duty, 409 wrong state). Events are published after the commit."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from sqlmodel import col, select

from routing.duties import ROLE_LABEL, DutyRole
from service.auth.deps import Allowed, ReaderDep
from service.auth.names import display_names
from service.auth.rules import Action, Principal, assignment_of, may
from service.core.deps import SessionDep, UowDep
from service.core.events import EventType
from service.core.inputs import StrictModel, parse_instant, representable
from service.core.params import IdPath
from service.incidents import duties as dw
from service.incidents.deps import EngineDep
from service.incidents.duty_rules import DUTY_STATUS_LABEL, MET, steps_for
from service.incidents.events import incident_event
from service.incidents.models import Incident, IncidentDuty, IncidentStatement, Response
from service.incidents.visible import visible_incident
from service.incidents.workflow_views import RespondIn

router = APIRouter(prefix="/api/incidents", tags=["duties"])


class ReportMethod(StrEnum):
    """How the report reached the Party committee."""

    WRITTEN = "书面报告"
    PHONE = "电话报告"
    IN_PERSON = "当面报告"
    MEETING = "会议报告"


class ConfirmIn(StrictModel):
    note: str | None = Field(None, max_length=2000)


class StatementIn(StrictModel):
    text: str = Field(min_length=2, max_length=10000, description="会商确定的统一口径")


class PartyReportIn(StrictModel):
    reporter: str = Field(min_length=2, max_length=200, description="报告人（姓名、职务）")
    method: ReportMethod = Field(description="书面报告 / 电话报告 / 当面报告 / 会议报告")
    reported_at: Annotated[AwareDatetime | None, BeforeValidator(parse_instant), AfterValidator(
        lambda v: v if v is None else representable(v))] = Field(None, description="报告时间（默认现在）")
    note: str | None = Field(None, max_length=2000)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def duty_json(d: IncidentDuty, incident: Incident, viewer: Principal, answers: dict[int, Response],
              names: dict[str, str] | None = None) -> dict:
    answer = answers.get(d.response_id) if d.response_id else None
    on_time = None if d.status != MET or d.met_at is None or d.due_at is None else d.met_at <= d.due_at
    return {
        "id": d.id, "unit": d.unit, "role": d.role, "role_label": ROLE_LABEL[DutyRole(d.role)], "owes": d.owes,
        "clause": d.clause, "required": d.required, "label": d.label, "clock_kind": d.clock_kind,
        "status": d.status, "status_label": DUTY_STATUS_LABEL[d.status], "due_at": _iso(d.due_at),
        "claimed_by": d.claimed_by, "claimed_at": _iso(d.claimed_at), "met_at": _iso(d.met_at), "met_by": d.met_by,
        "met_unit": d.met_unit, "on_time": on_time, "confirmed_by": d.confirmed_by,
        "confirmed_at": _iso(d.confirmed_at), "reporter": d.reporter, "channel": d.channel, "note": d.note,
        "statement_id": d.statement_id,
        "answer": {"text": answer.text, "channel": answer.channel, "link": answer.link, "unit": answer.unit,
                   "at": _iso(answer.at)} if answer else None,
        "may": steps_for(viewer, dw.case_of(d, incident)),
        # the UI shows people by 姓名 (service.auth.names), never by username
        **{f"{k}_name": (names or {}).get(v, v) if v else None
           for k, v in (("claimed_by", d.claimed_by), ("met_by", d.met_by), ("confirmed_by", d.confirmed_by))},
    }


@router.get("/{incident_id}/duties", summary="各单位职责（认领、回应、时限） / each unit's duty on the incident")
def duties(incident_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    incident = visible_incident(session, engine.org, viewer, incident_id)
    rows = list(session.exec(select(IncidentDuty).where(IncidentDuty.incident_id == incident_id,
                                                        IncidentDuty.status != "dropped")
                             .order_by(col(IncidentDuty.id))).all())
    ids = [d.response_id for d in rows if d.response_id]
    answers = {r.id: r for r in session.exec(select(Response).where(col(Response.id).in_(ids)))
               if r.id is not None} if ids else {}
    statements = session.exec(select(IncidentStatement).where(IncidentStatement.incident_id == incident_id)
                              .order_by(col(IncidentStatement.id))).all()
    coordinates = may(viewer, Action.ARBITRATE, assignment_of(incident), engine.org)
    names = display_names(session, [u for d in rows for u in (d.claimed_by, d.met_by, d.confirmed_by)]
                          + [s.actor for s in statements])
    return {"received_at": _iso(incident.received_at), "report_to": incident.report_to,
            "duties": [duty_json(d, incident, viewer, answers, names) for d in rows],
            "statements": [{"id": s.id, "text": s.text, "actor": s.actor, "actor_name": names.get(s.actor, s.actor),
                            "unit": s.unit, "at": _iso(s.at)}
                           for s in statements],
            "may_coordinate": coordinates and incident.status != "closed",
            "report_methods": [m.value for m in ReportMethod]}


@router.post("/{incident_id}/duties/{duty_id}/claim", summary="认领本单位职责 / claim the unit's duty")
def claim(incident_id: IdPath, duty_id: IdPath, viewer: Annotated[Principal, Allowed(Action.CLAIM)],
          uow: UowDep, engine: EngineDep) -> Incident:
    incident = dw.claim_duty(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                             duty_id=duty_id)
    uow.publish(incident_event(EventType.CLAIMED, incident))
    uow.commit()
    return incident


@router.post("/{incident_id}/duties/{duty_id}/respond", summary="回应本单位职责 / answer the unit's duty")
def respond(incident_id: IdPath, duty_id: IdPath, body: RespondIn,
            viewer: Annotated[Principal, Allowed(Action.RESPOND)], uow: UowDep, engine: EngineDep) -> Incident:
    incident = dw.respond_duty(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                               duty_id=duty_id, channel=body.channel, text=body.text, link=body.link)
    uow.publish(incident_event(EventType.RESPONDED, incident))
    uow.commit()
    return incident


@router.post("/{incident_id}/duties/{duty_id}/confirm", summary="确认牵头部门的回应 / confirm the lead's answer")
def confirm(incident_id: IdPath, duty_id: IdPath, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
            uow: UowDep, engine: EngineDep, body: ConfirmIn | None = None) -> Incident:
    incident = dw.confirm_duty(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                               duty_id=duty_id, note=body.note if body else None)
    uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return incident


@router.post("/{incident_id}/statement", status_code=201, summary="登记统一口径（会商） / record the agreed statement")
def statement(incident_id: IdPath, body: StatementIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
              uow: UowDep, engine: EngineDep) -> dict:
    s = dw.record_statement(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                            text=body.text)
    incident = uow.session.get(Incident, incident_id)
    if incident is not None:
        uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return {"id": s.id, "text": s.text, "actor": s.actor, "at": _iso(s.at)}


@router.post("/{incident_id}/party-report", summary="登记向同级党委报告 / record the report to the Party committee")
def party_report(incident_id: IdPath, body: PartyReportIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
                 uow: UowDep, engine: EngineDep) -> Incident:
    incident = dw.report_to_party(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                                  reporter=body.reporter, method=body.method.value, reported_at=body.reported_at,
                                  note=body.note)
    uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return incident

