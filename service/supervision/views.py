"""督办单 routes: the coordinator issues a notice on an incident (its own tracked deadline),
a supervised unit's liaison answers it (办理情况反馈), everyone who sees the incident reads
them. Refusals: 404 not visible, 403 not the role or not a supervised unit, 409 wrong state,
422 bad input; events are published after the commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, Field

from service.attachments import service as att
from service.attachments.views import Files, uploads_of
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.events import EventType
from service.core.inputs import StrictModel
from service.core.params import IdPath, Offset
from service.incidents.deps import EngineDep
from service.incidents.events import incident_event
from service.supervision import documents
from service.supervision import service as sv
from service.supervision.models import SupervisionNotice
from service.supervision.rules import MIN_REQUIREMENT

router = APIRouter(tags=["supervision"])


class IssueIn(StrictModel):
    requirement: str = Field(min_length=MIN_REQUIREMENT, max_length=5000, description="督办要求")
    due_at: AwareDatetime = Field(description="办理时限（带时区，晚于现在，至多30天）")
    units: list[str] | None = Field(None, max_length=20, description="被督办单位；缺省为第一责任单位")


class AnswerIn(StrictModel):
    answer: str = Field(min_length=4, max_length=10000, description="办理情况反馈")


@router.get("/api/supervision", summary="未反馈的督办单（当前用户可见范围） / open supervision notices in the viewer's scope")
def open_notices(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
                 limit: int = Query(100, ge=1, le=500), offset: Offset = 0) -> dict:
    return sv.open_notices(session, engine, viewer, limit=limit, offset=offset)


@router.get("/api/incidents/{incident_id}/supervision", summary="事件的督办单 / supervision notices of an incident")
def incident_notices(incident_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return sv.of_incident(session, engine, viewer, incident_id)


@router.post("/api/incidents/{incident_id}/supervision",
             status_code=201, summary="下发督办单 / issue a supervision notice")
def issue(incident_id: IdPath, body: IssueIn, viewer: Annotated[Principal, Allowed(Action.SUPERVISE)],
          uow: UowDep, engine: EngineDep) -> SupervisionNotice:
    notice, incident = sv.issue(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                                requirement=body.requirement, due_at=body.due_at, units=body.units)
    uow.publish(incident_event(EventType.SUPERVISED, incident))
    uow.commit()
    return notice


@router.post("/api/supervision/{notice_id}/answer",
             summary="反馈督办单办理情况 / answer a supervision notice")
def answer(notice_id: IdPath, body: AnswerIn, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
           uow: UowDep, engine: EngineDep) -> SupervisionNotice:
    notice, incident = sv.answer(session=uow.session, engine=engine, viewer=viewer, notice_id=notice_id,
                                 text=body.answer)
    uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return notice


@router.get("/api/supervision/{notice_id}", summary="督办单（文书） / one supervision notice as a document")
def notice_document(notice_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return documents.document(session=session, engine=engine, viewer=viewer, notice_id=notice_id)


@router.post("/api/supervision/{notice_id}/sign",
             summary="签收督办单（待认领的事件同时认领） / sign for a notice (claims a 待认领 incident)")
def sign(notice_id: IdPath, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
         uow: UowDep, engine: EngineDep) -> SupervisionNotice:
    notice, incident = documents.sign(session=uow.session, engine=engine, viewer=viewer, notice_id=notice_id)
    uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return notice


@router.post("/api/supervision/{notice_id}/attachments", status_code=201,
             summary="上传督办单反馈附件 / attach files to a notice's answer")
def attach(notice_id: IdPath, files: Files, viewer: Annotated[Principal, Allowed(Action.RESPOND)],
           uow: UowDep, settings: SettingsDep, engine: EngineDep) -> dict:
    rows = documents.attach(session=uow.session, settings=settings, engine=engine, viewer=viewer,
                            notice_id=notice_id, uploads=uploads_of(files.files, settings))
    uow.commit()
    return {"attachments": [att.view(a) for a in rows]}
