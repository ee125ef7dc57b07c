"""回应效果评估 routes: the reviewer's queue, reviewing one unit's response, an incident's
reviews. Refusals: 404 not visible, 403 not a reviewer or his own unit, 409 wrong state or
already reviewed, 422 bad input; the event is published after the commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, UowDep
from service.core.events import EventType
from service.core.inputs import StrictModel
from service.core.params import IdPath, Offset
from service.incidents.deps import EngineDep
from service.incidents.events import incident_event
from service.review import service as rv
from service.review.models import ACCOUNTABILITY_GROUNDS, Review

router = APIRouter(tags=["review"])


class ReviewIn(StrictModel):
    unit: str = Field(min_length=2, max_length=200, description="被评估的回应单位")
    accuracy: int = Field(ge=0, le=100, description="回应准确 0–100")
    authority: int = Field(ge=0, le=100, description="发声权威 0–100")
    handling: int = Field(ge=0, le=100, description="处置得当 0–100")
    comments: str = Field("", max_length=5000, description="评估意见")
    accountability: bool = Field(False, description="是否提出问责")
    accountability_ground: str | None = Field(None, max_length=16,
                                              description="问责事由：" + " / ".join(ACCOUNTABILITY_GROUNDS))
    accountability_note: str | None = Field(None, max_length=2000, description="问责理由（至少4个字）")


@router.get("/api/reviews/queue", summary="待评估回应队列 / responses awaiting review in the viewer's scope")
def review_queue(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
                 reviewed: bool = Query(False, description="false 待评估 / true 已评估"),
                 limit: int = Query(50, ge=1, le=500), offset: Offset = 0) -> dict:
    return rv.queue(session, engine, viewer, reviewed=reviewed, limit=limit, offset=offset)


@router.get("/api/incidents/{incident_id}/reviews", summary="事件的回应评估 / reviews of an incident's responses")
def incident_reviews(incident_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return rv.of_incident(session, engine, viewer, incident_id)


@router.post("/api/incidents/{incident_id}/reviews", status_code=201,
             summary="评估一个单位的回应 / review one unit's response")
def review_response(incident_id: IdPath, body: ReviewIn, viewer: Annotated[Principal, Allowed(Action.REVIEW)],
                    uow: UowDep, engine: EngineDep) -> Review:
    row, incident = rv.review(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                              judgement=rv.Judgement(**body.model_dump()))
    uow.publish(incident_event(EventType.REVIEWED, incident))
    uow.commit()
    return row
