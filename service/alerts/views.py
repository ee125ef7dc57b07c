"""Escalation alert routes: the viewer's alerts and their acknowledgement (dashboard banner),
delivery status for coordinators and the admin, and channel subscriptions (secrets are
write-only). Events are published after the commit."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from service.alerts import inbox as alert_inbox
from service.alerts import service as alerts
from service.alerts.egress import Allowlist
from service.alerts.models import CHANNEL_KINDS
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.events import AlertAcknowledged
from service.core.inputs import StrictModel
from service.core.params import IdPath
from service.incidents.deps import EngineDep

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
channels = APIRouter(prefix="/api/alert-channels", tags=["alerts"])
Manager = Annotated[Principal, Allowed(Action.MANAGE_ALERTS)]  # coordinators and the admin


class ChannelIn(StrictModel):
    audience_kind: Literal["unit", "region"] = Field(description="unit 单位 / region 地区（其领导与督办）")
    audience: str = Field(min_length=2, max_length=200, description="单位全称或地区名")
    kind: Literal["webhook", "email", "dingtalk", "wecom"] = Field(description="、".join(CHANNEL_KINDS))
    target: str = Field(min_length=3, max_length=2000, description="URL 或邮箱地址")
    secret: str | None = Field(None, max_length=200, description="签名密钥（只写，不会返回）")
    enabled: bool = True


@router.get("", summary="我的升级提醒（新的在前） / my escalation alerts, newest first")
def list_alerts(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
                unacknowledged: bool = False, limit: int = Query(100, ge=1, le=500)) -> list[dict]:
    rows = alerts.alerts_for(session, engine.org, viewer, unacknowledged=unacknowledged, limit=limit)
    return [alerts.public_alert(a) for a in rows]


@router.get("/deliveries", summary="推送状态与失败原因 / delivery status and failures")
def list_deliveries(viewer: Manager, session: SessionDep, engine: EngineDep,
                    status: Literal["queued", "retrying", "sent", "failed"] | None = None,
                    limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    return alerts.deliveries_for(session, engine.org, viewer, status=status, limit=limit)


class AckIn(StrictModel):
    ids: list[int] = Field(default_factory=list, max_length=1000, description="提醒条目 id（inbox 的 ids）")
    all: bool = Field(False, description="确认我全部未读的提醒")


@router.get("/inbox", summary="提醒收件箱：每个事件一行，最紧急的在前 / the alert inbox, one row per incident")
def inbox(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
          limit: int = Query(200, ge=1, le=1000)) -> dict:
    return alert_inbox.inbox_for(session, engine.org, viewer, limit=limit)


@router.get("/inbox/unread", summary="未读提醒数（按事件）/ unread count, by incident")
def unread(viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return {"unread": alert_inbox.unread_count(session, engine.org, viewer)}


@router.get("/inbox/history", summary="已处理、已满足或已办结的提醒 / alerts acknowledged or over")
def history(viewer: ReaderDep, session: SessionDep, engine: EngineDep,
            limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
    return alert_inbox.history_for(session, engine.org, viewer, limit=limit)


@router.post("/inbox/ack", summary="批量确认提醒 / acknowledge alerts in bulk")
def acknowledge_many(body: AckIn, viewer: Annotated[Principal, Allowed(Action.ACKNOWLEDGE)],
                     uow: UowDep, engine: EngineDep) -> dict:
    done = alert_inbox.acknowledge_entries(uow.session, engine.org, viewer, ids=body.ids, every=body.all)
    uow.publish(*(AlertAcknowledged(incident_id=e.incident_id, alert_id=e.alert_id, step=e.step, by=viewer.username)
                  for e in done))
    uow.commit()
    return {"acknowledged": len(done), "unread": alert_inbox.unread_count(uow.session, engine.org, viewer)}


@router.post("/{alert_id}/ack", summary="确认升级提醒 / acknowledge an alert")
def acknowledge(alert_id: IdPath, viewer: Annotated[Principal, Allowed(Action.ACKNOWLEDGE)],
                uow: UowDep, engine: EngineDep) -> dict:
    alert, changed = alerts.acknowledge(uow.session, engine.org, viewer, alert_id)
    if changed:
        uow.publish(AlertAcknowledged(incident_id=alert.incident_id, alert_id=alert.id or 0, step=alert.step,
                                      by=viewer.username))
    uow.commit()
    return alerts.public_alert(alert)


@channels.get("", summary="推送订阅 / alert channel subscriptions")
def list_channels(viewer: Manager, session: SessionDep, engine: EngineDep) -> list[dict]:
    return [alerts.public_channel(c) for c in alerts.channels_for(session, engine.org, viewer)]


@channels.post("", status_code=201, summary="新增推送订阅 / add a subscription")
def add_channel(body: ChannelIn, viewer: Manager, uow: UowDep, engine: EngineDep,
                settings: SettingsDep) -> dict:
    channel = alerts.add_channel(uow.session, engine.org, viewer, **body.model_dump(),
                                 allow=Allowlist.parse(settings.alert_host_allowlist))
    uow.commit()
    return alerts.public_channel(channel)


@channels.delete("/{channel_id}", summary="删除推送订阅 / remove a subscription")
def remove_channel(channel_id: IdPath, viewer: Manager, uow: UowDep, engine: EngineDep) -> dict:
    channel = alerts.remove_channel(uow.session, engine.org, viewer, channel_id)
    uow.commit()
    return alerts.public_channel(channel)
