"""Incidents: list, detail with clocks/escalations/audit, undo a merge, change severity."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from routing.facts import Severity
from service.api.deps import EngineDep, SessionDep, SettingsDep, require
from service.api.errors import ApiError
from service.audit import record
from service.events import publish
from service.models import AuditEntry, Clock, EscalationStep, Incident, Item
from service.retiming import regrade
from service.splitting import split_item

router = APIRouter(prefix="/api/incidents", tags=["incidents"])


@router.get("", dependencies=[Depends(require("read"))], summary="事件列表 / list incidents")
def list_incidents(session: SessionDep, status: str | None = Query(None, pattern="^(open|closed)$"),
                   topic: str | None = None, severity: Severity | None = None,
                   limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> list[Incident]:
    q = select(Incident).order_by(col(Incident.id).desc()).offset(offset).limit(limit)
    for column, value in ((Incident.status, status), (Incident.topic, topic), (Incident.severity, severity)):
        if value is not None:
            q = q.where(column == str(value))
    return list(session.exec(q).all())


@router.get("/{incident_id}", dependencies=[Depends(require("read"))], summary="事件详情 / incident detail")
def get_incident(incident_id: int, session: SessionDep) -> dict:
    incident = _get(session, incident_id)
    by = lambda model: select(model).where(model.incident_id == incident_id).order_by(model.id)  # noqa: E731
    return {
        "incident": incident,
        "items": session.exec(by(Item)).all(),
        "clocks": session.exec(by(Clock)).all(),
        "escalations": session.exec(by(EscalationStep)).all(),
        "audit": session.exec(by(AuditEntry)).all(),
    }


class SeverityChange(BaseModel):
    severity: Severity
    reason: str = Field(min_length=2, max_length=500)


class TopicChange(BaseModel):
    topic: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=2, max_length=500)


@router.post("/{incident_id}/severity", dependencies=[Depends(require("coordinate"))],
             summary="人工调整等级（重新计时） / change severity, re-timing the clocks")
def set_severity(incident_id: int, body: SeverityChange, session: SessionDep, engine: EngineDep,
                 settings: SettingsDep) -> Incident:
    return _regrade(session, engine, settings, incident_id, severity=body.severity, why=body.reason)


@router.post("/{incident_id}/topic", dependencies=[Depends(require("coordinate"))],
             summary="人工调整主题（重新分办、重新计时） / change topic, re-routing the incident")
def set_topic(incident_id: int, body: TopicChange, session: SessionDep, engine: EngineDep,
              settings: SettingsDep) -> Incident:
    if not engine.taxonomy.is_topic(body.topic):
        raise ApiError(422, f"未知主题 {body.topic}", f"unknown topic {body.topic!r}")
    return _regrade(session, engine, settings, incident_id, topic=body.topic, why=body.reason)


def _regrade(session, engine, settings, incident_id: int, *, why: str, **change) -> Incident:  # noqa: ANN001, ANN003
    incident = _get(session, incident_id)
    regrade(session, engine, incident, actor="coordinator", why=why, **change)
    session.commit()
    publish(settings, {"type": "incident.updated", "incident_id": incident_id})
    return incident


@router.post("/{incident_id}/items/{item_id}/split", dependencies=[Depends(require("coordinate"))],
             summary="撤销合并：把一条信息拆为新事件 / undo a merge")
def split(incident_id: int, item_id: int, session: SessionDep, engine: EngineDep, settings: SettingsDep) -> dict:
    incident = _get(session, incident_id)
    item = session.get(Item, item_id)
    if item is None or item.incident_id != incident_id:
        raise ApiError(404, "该事件中没有这条信息", "no such item in this incident")
    if session.exec(select(Item.id).where(Item.incident_id == incident_id)).all() == [item_id]:
        raise ApiError(409, "事件只有这一条信息，无需拆分", "the incident holds only this item")
    new = split_item(session, engine, incident, item)
    record(session, "incident.item_split", incident_id=incident_id, item_id=item_id, actor="coordinator",
           new_incident_id=new.id)
    session.commit()
    publish(settings, {"type": "incident.created", "incident_id": new.id})
    return {"incident_id": new.id}


def _get(session, incident_id: int) -> Incident:  # noqa: ANN001
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise ApiError(404, "没有这个事件", "no such incident")
    return incident
