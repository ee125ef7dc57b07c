"""Incidents as each viewer may see them: the scoped list with the dashboard's filters, the
detail with its timeline, and the coordinator's corrections (topic, severity, split)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Query
from fastapi import Response as HttpResponse
from pydantic import Field
from sqlmodel import Session, col, select

from routing.facts import Severity
from service.audit.actions import AuditAction, ItemSplit, Returned
from service.audit.log import record
from service.audit.models import AuditEntry
from service.auth.deps import Allowed, ReaderDep
from service.auth.names import display_names
from service.auth.rules import Action, Principal, assignment_of
from service.core.deps import SessionDep, UowDep
from service.core.errors import Conflict, Invalid, NotFound
from service.core.events import EventType
from service.core.inputs import StrictModel
from service.core.params import IdPath, Offset
from service.core.uow import UnitOfWork
from service.incidents import service as wf
from service.incidents.cursor import MAX_CHARS
from service.incidents.deps import EngineDep
from service.incidents.events import incident_event
from service.incidents.listing import Filters, Order, View, filtered, in_view, keyset, ordered_ids, org_units
from service.incidents.models import Clock, EscalationStep, Incident, IncidentUnit, Item, Response
from service.incidents.rules import STATUS_LABEL, Status, Transition, available
from service.incidents.splitting import split_item
from service.incidents.units import REGION
from service.incidents.visible import visible_incident
from service.register.service import contacts_for

router = APIRouter(prefix="/api/incidents", tags=["incidents"])

@router.get("", summary="事件列表（按当前用户可见范围） / incidents the viewer may see")
def list_incidents(viewer: ReaderDep, session: SessionDep, engine: EngineDep, response: HttpResponse,
                   view: View = Query("all", description="unclaimed 待认领 / mine 我的 / escalated 升级督办 / all 全部"),
                   status: Status | Literal["open"] | None = Query(None, description="open = 未办结"),
                   topic: str | None = None, severity: Severity | None = None,
                   region: str | None = Query(None, description="地区（含下级）"),
                   unit: str | None = Query(None, max_length=200,
                                            description="责任单位（第一责任、配合、牵头；全称、简称或别名）"),
                   q: str | None = Query(None, max_length=200, description="全文检索（标题、正文、地点、单位）"),
                   order: Order = Query("newest", description="newest 最新在前 / breach 最近超时在前（同工作台）"),
                   limit: int = Query(100, ge=1, le=1000), offset: Offset = 0,
                   cursor: str | None = Query(None, max_length=MAX_CHARS,
                                              description="上一页响应头 X-Next-Cursor 的值（与 offset 二选一） / "
                                                          "X-Next-Cursor of the page before (instead of offset)")) -> list[dict]:
    f = Filters(status=status if status is None or status == "open" else status.value, topic=topic,
                severity=str(severity) if severity is not None else None, region=region, unit=unit, q=q)
    query = in_view(filtered(session, viewer, engine.org, f, org_units(engine.org, engine.taxonomy)), view, viewer)
    found = ordered_ids(session, query, order, limit=limit, offset=offset, cursor=keyset(cursor, offset, order),
                        claim_hours=engine.policy.claim_timeout_hours)
    if found.next_cursor is not None:  # absent on the last page
        response.headers["X-Next-Cursor"] = found.next_cursor
    rows = {i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(found.ids))).all()}
    return with_names(session, [rows[i] for i in found.ids if i in rows])


def with_names(session: Session, incidents: Sequence[Incident]) -> list[dict]:
    """The incidents with the claimant's 姓名 beside his username (the UI shows names)."""
    names = display_names(session, (i.claimed_by for i in incidents))
    return [{**i.model_dump(), "claimed_by_name": names.get(i.claimed_by or "")} for i in incidents]


@router.get("/{incident_id}", summary="事件详情与时间线 / incident detail and timeline")
def get_incident(incident_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    incident = visible_incident(session, engine.org, viewer, incident_id)
    a = assignment_of(incident)
    by = lambda model: select(model).where(model.incident_id == incident_id).order_by(model.id)  # noqa: E731
    items, clocks = session.exec(by(Item)).all(), session.exec(by(Clock)).all()
    escalations, audit = session.exec(by(EscalationStep)).all(), session.exec(by(AuditEntry)).all()
    responses = session.exec(by(Response)).all()
    status = Status(incident.status)
    names = display_names(session, [incident.claimed_by, incident.returned_by, *(e.actor for e in audit),
                                    *(r.actor for r in responses)])
    return {
        "incident": {**incident.model_dump(), "claimed_by_name": names.get(incident.claimed_by or "")},
        "status_label": STATUS_LABEL[status],
        "reasons": incident.reasons,  # why it was routed where it is
        "items": items, "clocks": clocks, "escalations": escalations,
        "audit": [{**e.model_dump(), "actor_name": names.get(e.actor, e.actor)} for e in audit],
        "responses": [{**r.model_dump(), "actor_name": names.get(r.actor or "", r.actor)} for r in responses],
        "units": _units(session, engine, incident_id),
        "claim": {"by": incident.claimed_by, "by_name": names.get(incident.claimed_by or ""),
                  "unit": incident.claimed_unit, "at": incident.claimed_at}
        if incident.claimed_by else None,
        "returned": {"by": incident.returned_by, "unit": incident.returned_unit, "at": incident.returned_at,
                     "grounds": incident.return_grounds} if incident.returned_by else None,
        "returns": [_return(e, cast(Returned, e.detail)) for e in audit if e.action == AuditAction.INCIDENT_RETURNED],
        "merged_into": incident.merged_into,
        "actions": [str(t) for t in available(viewer, wf.case_of(incident), a, engine.org)],
        "timeline": [{**e, "actor_name": names.get(e["actor"] or "", e["actor"])} if "actor" in e else e
                     for e in _timeline(items, audit, responses, escalations)],
    }


def _units(session: SessionDep, engine: EngineDep, incident_id: int) -> list[dict]:
    """The incident's units with their 政务舆情 register ("who to call", seed 000 三(五)2)."""
    units = [(u.unit, u.role) for u in session.exec(select(IncidentUnit).where(IncidentUnit.incident_id == incident_id))
             if u.role != REGION]
    calls = {c["unit"]: c for c in contacts_for(session, engine.org, [u for u, _ in units])}
    return [{"unit": u, "role": role, "register": calls[u]["register"], "register_missing": calls[u]["missing"]}
            for u, role in units]


def _return(e: AuditEntry, d: Returned) -> dict:
    return {"by": e.actor, "unit": d.get("unit"), "at": e.at, "grounds": d.get("grounds")}


def _timeline(items, audit, responses, escalations) -> list[dict]:
    """Everything that happened, oldest first (the dashboard's 时间线)."""
    entries = [
        *({"at": i.received_at, "type": "item", "id": i.id, "title": i.title or i.text[:60], "source": i.source}
          for i in items),
        *({"at": e.at, "type": "audit", "id": e.id, "action": e.action, "actor": e.actor, "detail": e.detail}
          for e in audit),
        *({"at": r.at, "type": "response", "id": r.id, "kind": r.kind, "channel": r.channel, "text": r.text,
           "link": r.link, "actor": r.actor, "unit": r.unit} for r in responses),
        *({"at": s.fired_at, "type": "escalation", "id": s.id, "step": s.step, "label": s.label,
           "recipients": s.recipients} for s in escalations),
    ]
    return sorted(entries, key=lambda e: (e["at"], e["type"], e["id"]))


class SeverityChange(StrictModel):
    severity: Severity
    reason: str = Field(min_length=2, max_length=500)


class TopicChange(StrictModel):
    topic: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=2, max_length=500)


@router.post("/{incident_id}/severity", summary="人工调整等级（重新计时） / change severity, re-timing the clocks")
def set_severity(incident_id: IdPath, body: SeverityChange, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
                 uow: UowDep, engine: EngineDep) -> Incident:
    incident = wf.change_grade(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                               severity=body.severity, why=body.reason)
    return _updated(uow, incident)


@router.post("/{incident_id}/topic", summary="人工调整主题（重新分办、重新计时） / change topic, re-routing the incident")
def set_topic(incident_id: IdPath, body: TopicChange, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
              uow: UowDep, engine: EngineDep) -> Incident:
    if not engine.taxonomy.is_topic(body.topic):
        raise Invalid(f"未知主题 {body.topic}", f"unknown topic {body.topic!r}")
    incident = wf.change_grade(session=uow.session, engine=engine, viewer=viewer, incident_id=incident_id,
                               topic=body.topic, why=body.reason)
    return _updated(uow, incident)


def _updated(uow: UnitOfWork, incident: Incident) -> Incident:
    uow.publish(incident_event(EventType.UPDATED, incident))
    uow.commit()
    return incident


@router.post("/{incident_id}/items/{item_id}/split", summary="撤销合并：把一条信息拆为新事件 / undo a merge")
def split(incident_id: IdPath, item_id: IdPath, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)],
          uow: UowDep, engine: EngineDep) -> dict:
    incident = wf.load(uow.session, engine, viewer, incident_id, Transition.REGRADE)
    item = uow.session.get(Item, item_id)
    if item is None or item.incident_id != incident_id:
        raise NotFound("该事件中没有这条信息", "no such item in this incident")
    if uow.session.exec(select(Item.id).where(Item.incident_id == incident_id)).all() == [item_id]:
        raise Conflict("事件只有这一条信息，无需拆分", "the incident holds only this item")
    new = split_item(uow.session, engine, incident, item)
    record(uow.session, AuditAction.INCIDENT_ITEM_SPLIT, ItemSplit(new_incident_id=new.id), incident_id=incident_id,
           item_id=item_id, actor=viewer.username)
    uow.publish(incident_event(EventType.CREATED, new))
    uow.commit()
    return {"incident_id": new.id}
