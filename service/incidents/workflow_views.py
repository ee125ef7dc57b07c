"""Workflow routes under /api/incidents/{id}/…: claim, respond, follow up, close, return,
arbitrate, transfer, designate a lead, merge. Permission and state are checked by
`Allowed(Action.X)` (403 before the body is read when the role may never take X) and by
service.incidents.rules (404 not visible, 403 not yours, 409 wrong state); events are
published after the commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from service.auth.deps import Allowed
from service.auth.rules import Action, Principal
from service.core.deps import UowDep
from service.core.events import EventType
from service.core.inputs import Id, StrictModel
from service.core.params import IdPath
from service.core.uow import UnitOfWork
from service.incidents import service as wf
from service.incidents.deps import EngineDep
from service.incidents.events import incident_event
from service.incidents.models import Incident
from service.incidents.rules import Channel, FollowUp

router = APIRouter(prefix="/api/incidents", tags=["workflow"])

URL = r"^https?://[^\s<>\"']+$"  # only web links: a javascript: link would run in the dashboard


class RespondIn(StrictModel):
    channel: Channel = Field(description="发布权威信息 / 新闻发布会或吹风会 / 接受媒体采访 / 政府网站 / 政务新媒体")
    text: str = Field(min_length=2, max_length=10000)
    link: str | None = Field(None, max_length=2000, pattern=URL)


class FollowUpIn(StrictModel):
    kind: FollowUp = Field(description="info 跟进发布权威信息 / result 调查结果")
    text: str = Field(min_length=2, max_length=10000)
    link: str | None = Field(None, max_length=2000, pattern=URL)
    channel: Channel | None = None


class CloseIn(StrictModel):
    # required and not blank (service.incidents.rules.close_note_refusal: 422 otherwise); the
    # body stays optional here so that a close without one gets that rule's own message
    note: str | None = Field(None, max_length=2000, description="办结说明（必填）：办理结果")


class ReturnIn(StrictModel):
    grounds: str = Field(min_length=4, max_length=2000, description="退回理由（不属于本单位职责的依据）")


class ArbitrateIn(StrictModel):
    accept: bool
    units: list[str] | None = Field(None, max_length=20)
    note: str = Field(min_length=2, max_length=2000)


class TransferIn(StrictModel):
    units: list[str] = Field(min_length=1, max_length=20)
    co_units: list[str] | None = Field(None, max_length=20, description="配合单位（缺省：保留原配合单位）")
    note: str = Field(min_length=2, max_length=2000)


class LeadIn(StrictModel):
    unit: str = Field(min_length=2, max_length=200)
    note: str | None = Field(None, max_length=2000)


class MergeIn(StrictModel):
    other_incident_id: Id = Field(description="并入本事件的另一事件编号")


def _done(uow: UnitOfWork, *events: tuple[EventType, Incident]) -> None:
    uow.publish(*(incident_event(kind, incident) for kind, incident in events))
    uow.commit()


@router.post("/{incident_id}/claim", summary="认领 / claim")
def claim(incident_id: IdPath, viewer: Annotated[Principal, Allowed(Action.CLAIM)],
          uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.claim(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id)
    _done(uow, (EventType.CLAIMED, incident))
    return incident


@router.post("/{incident_id}/respond", summary="回应 / respond")
def respond(incident_id: IdPath, body: RespondIn, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
            uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.respond(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                          channel=body.channel, text=body.text, link=body.link)
    _done(uow, (EventType.RESPONDED, incident))
    return incident


@router.post("/{incident_id}/follow-up", summary="跟进发布权威信息 / 调查结果 / follow up")
def follow_up(incident_id: IdPath, body: FollowUpIn, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
              uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.follow_up(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                            kind=body.kind, text=body.text, link=body.link, channel=body.channel)
    _done(uow, (EventType.UPDATED, incident))
    return incident


@router.post("/{incident_id}/close",
             summary="办结 / close")
def close(incident_id: IdPath, viewer: Annotated[Principal, Allowed(Action.RESPOND, Action.ARBITRATE)],
          uow: UowDep, engine: EngineDep, body: CloseIn | None = None) -> Incident:
    incident = wf.close(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                        note=body.note if body else None)
    _done(uow, (EventType.CLOSED, incident))
    return incident


@router.post("/{incident_id}/return", summary="退回（非本单位职责） / return: not ours")
def return_incident(incident_id: IdPath, body: ReturnIn, viewer: Annotated[Principal, Allowed(Action.RETURN)],
                    uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.return_incident(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                                  grounds=body.grounds)
    _done(uow, (EventType.RETURNED, incident))
    return incident


@router.post("/{incident_id}/arbitrate", summary="审定退回 / arbitrate a return")
def arbitrate(incident_id: IdPath, body: ArbitrateIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
              uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.arbitrate(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                            accept=body.accept, units=body.units, note=body.note)
    _done(uow, (EventType.UPDATED, incident))
    return incident


@router.post("/{incident_id}/transfer", summary="转办 / transfer")
def transfer(incident_id: IdPath, body: TransferIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
             uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.transfer(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                           units=body.units, note=body.note, co_units=body.co_units)
    _done(uow, (EventType.UPDATED, incident))
    return incident


@router.post("/{incident_id}/lead", summary="指定牵头部门 / designate the lead department")
def lead(incident_id: IdPath, body: LeadIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
         uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.designate_lead(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                                 unit=body.unit, note=body.note)
    _done(uow, (EventType.UPDATED, incident))
    return incident


@router.post("/{incident_id}/merge", summary="合并事件（另一事件并入本事件） / merge another incident into this one")
def merge(incident_id: IdPath, body: MergeIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
          uow: UowDep, engine: EngineDep) -> dict:
    survivor, absorbed = wf.merge(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                                  other_id=body.other_incident_id)
    _done(uow, (EventType.UPDATED, survivor), (EventType.CLOSED, absorbed))
    return {"incident": survivor, "merged": absorbed.id}
