"""Alerts for fired escalation rungs, their acknowledgement, subscriptions and deliveries.

`create_alerts` runs inside the sweep's transaction (the alert is committed with the rung it
belongs to, so a crash between them loses neither); its `delivery_calls` are dispatched by the
unit of work after the commit: an RQ job each (REDIS_URL set), or sent inline. Refusals are domain errors
(404 not visible, 403 not yours, 422 bad input) raised before any write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import structlog
from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.alerts import delivery, inbox
from service.alerts.audience import (
    Audience,
    audiences,
    is_recipient,
    may_manage,
    subscription_matches,
    unit_region,
    units_within,
    viewer_audiences,
)
from service.alerts.channels import where
from service.alerts.egress import Allowlist, url_problem
from service.alerts.message import AlertMessage
from service.alerts.models import (
    CHANNEL_KINDS,
    FAILED,
    QUEUED,
    REGION,
    RETRYING,
    SENT,
    UNIT,
    Alert,
    AlertChannel,
    AlertDelivery,
)
from service.audit.actions import AlertAcknowledged, AuditAction, ChannelAdded, ChannelRemoved
from service.audit.log import record
from service.auth.rules import Principal, Role, assignment_of, sees
from service.core.bulk import insert_ignoring
from service.core.columns import id_of, utcnow
from service.core.errors import Forbidden, Invalid, NotFound
from service.core.events import EscalationEvent
from service.core.queue import Call
from service.core.settings import Settings
from service.incidents.models import Clock, Incident

log = structlog.get_logger()
URL = re.compile(r"^https?://[^\s<>\"']+$")
EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")  # no spaces/newlines: no header injection


# -- creating -------------------------------------------------------------------------------
class Named(Protocol):
    """An incident as an alert names it: its row, or the (id, topic, severity) of one."""

    @property
    def id(self) -> int | None: ...
    @property
    def topic(self) -> str: ...
    @property
    def severity(self) -> str: ...


def message_of(alert: Alert, incident: Named, settings: Settings) -> AlertMessage:
    return AlertMessage(alert_id=alert.id or 0, incident_id=alert.incident_id, topic=incident.topic,
                        severity=incident.severity, clock=alert.clock, clock_label=alert.clock_label,
                        step=alert.step, label=alert.label, due_at=alert.due_at,
                        link=f"{settings.public_url.rstrip('/')}/incidents/{alert.incident_id}",
                        recipients=tuple(alert.recipients))


def enabled_channels(session: Session) -> list[AlertChannel]:
    return list(session.exec(select(AlertChannel).where(AlertChannel.enabled == True,  # noqa: E712
                                                        AlertChannel.removed_at == None)).all())  # noqa: E711


def add_alerts(session: Session, org: OrgChart, settings: Settings, channels: Sequence[AlertChannel],
         wanted: Sequence[tuple[Named, Sequence[str], dict[str, Any]]]) -> list[AlertDelivery]:
    """The alerts of escalations (incident, recipients, alert fields), one per audience, each
    with a queued delivery per matching subscription; an alert already there (same key and
    audience: a rerun, or another sweeper meanwhile) is left alone. One INSERT … ON CONFLICT
    DO NOTHING for all of them: a savepoint and a flush per alert cost milliseconds each."""
    rows = []
    for incident, recipients, fields in wanted:
        for (kind, name), names in audiences(recipients, org).items():
            row: dict[str, Any] = {"audience_kind": kind, "audience": name, "recipients": list(names),
                                   "incident_id": incident.id, **fields}
            msg = message_of(Alert(**row), incident, settings)  # needs no alert id (nor a session)
            rows.append({**row, "subject": msg.subject, "message": msg.summary(settings.timezone)})
    added = insert_ignoring(session, Alert, rows, ("key", "audience_kind", "audience"),
                            (col(Alert.id), col(Alert.audience_kind), col(Alert.audience),
                             col(Alert.created_at), col(Alert.key)))
    by_key = {(r["key"], r["audience_kind"], r["audience"]): r for r in rows}
    inbox.record_rungs(session, [{**by_key[key, kind, name], "id": alert_id}
                                 for alert_id, kind, name, _, key in added])
    deliveries = [AlertDelivery(alert_id=alert_id, channel_id=id_of(channel), created_at=created)
                  for alert_id, kind, name, created, _ in added for channel in channels
                  if subscription_matches((channel.audience_kind, channel.audience), (kind, name), org)]
    session.add_all(deliveries)
    session.flush()
    return deliveries


class Rung(Protocol):
    """A fired rung: an EscalationStep row, or the escalation pass's columns of one."""

    @property
    def id(self) -> int | None: ...
    @property
    def incident_id(self) -> int: ...
    @property
    def clock_id(self) -> int: ...
    @property
    def step(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def recipients(self) -> Sequence[str]: ...


def create_alerts(session: Session, org: OrgChart, settings: Settings, steps: Sequence[Rung]) -> list[int]:
    """Add the alerts of newly fired rungs (EscalationStep rows, or anything with their
    attributes; the caller commits); returns the delivery ids to dispatch after the commit."""
    if not steps:
        return []
    channels, now = enabled_channels(session), utcnow()
    incidents = {r.id: r for r in session.execute(select(Incident.id, Incident.topic, Incident.severity)
                                                  .where(col(Incident.id).in_({s.incident_id for s in steps})))}
    clocks = {r.id: r for r in session.execute(select(Clock.id, Clock.kind, Clock.label, Clock.due_at)
                                               .where(col(Clock.id).in_({s.clock_id for s in steps})))}
    wanted: list[tuple[Named, Sequence[str], dict[str, Any]]] = []
    for step in steps:
        incident, clock = incidents[step.incident_id], clocks[step.clock_id]
        wanted.append((incident, step.recipients, {
            "key": f"step:{step.id}", "step_id": step.id, "clock": clock.kind, "clock_label": clock.label,
            "step": step.step, "label": step.label, "due_at": clock.due_at, "created_at": now}))
    return [id_of(d) for d in add_alerts(session, org, settings, channels, wanted)]


def create_claim_alerts(session: Session, org: OrgChart, settings: Settings,
                        events: Sequence[EscalationEvent]) -> list[int]:
    """Alerts for lapsed claims (the escalation events of service.incidents.claims: an
    incident's claim, or a unit's claim of its own duty), not committed; returns the delivery
    ids to dispatch."""
    channels, now, out = enabled_channels(session), utcnow(), []
    for event in events:
        incident = session.get(Incident, event.incident_id)
        fields = None if incident is None else _claim_alert(incident, event)
        if incident is None or fields is None:
            continue
        out += add_alerts(session, org, settings, channels, [(incident, list(event.recipients), {
            **fields, "step_id": None, "step": (event.step or "claim_expired")[:16],
            "label": (event.label or "认领超时")[:16], "created_at": now})])
    session.flush()
    return [id_of(d) for d in out]


def _claim_alert(incident: Incident, event: EscalationEvent) -> dict[str, Any] | None:
    """key, clock and due_at of a lapsed claim's alert. A duty's lapse goes on the duty's own
    clock (its inbox entry ends when the unit answers); the incident's on `claim`."""
    lapsed = event.expired_claim or {}
    if lapsed.get("duty_id") and lapsed.get("at"):
        at = datetime.fromisoformat(str(lapsed["at"]))
        return {"key": f"duty_claim:{lapsed['duty_id']}:{int(at.timestamp())}", "clock": (event.clock or "claim")[:32],
                "clock_label": f"认领（{lapsed.get('unit') or ''}）", "due_at": at}
    if incident.claim_expired_at is None:
        return None
    at = incident.claim_expired_at
    return {"key": f"claim:{incident.id}:{int(at.timestamp())}", "clock": "claim", "clock_label": "认领", "due_at": at}


def _alert_message(session: Session, settings: Settings, delivery: AlertDelivery) -> AlertMessage:
    alert = session.get_one(Alert, delivery.alert_id)
    return message_of(alert, session.get_one(Incident, alert.incident_id), settings)


ALERTS = delivery.Kind("alert", AlertDelivery, _alert_message, "service.alerts.jobs.deliver_job")


def delivery_calls(settings: Settings, delivery_ids: Iterable[int]) -> list[Call]:
    """One RQ job per delivery, retried with pauses (inline, one attempt, without Redis): for
    the unit of work to dispatch after its commit."""
    return delivery.calls(settings, ALERTS, delivery_ids)


def job_id(delivery_id: int) -> str:
    return delivery.job_id(ALERTS, delivery_id)


def recover_deliveries(session: Session, settings: Settings, now: datetime) -> list[int]:
    return delivery.recover(session, settings, ALERTS, now)


def deliver(settings: Settings, delivery_id: int, *, final: bool) -> str:
    return delivery.attempt(settings, ALERTS, delivery_id, final=final)


# -- reading and acknowledging --------------------------------------------------------------
def public_alert(alert: Alert) -> dict:
    return {"id": alert.id, "incident_id": alert.incident_id, "step": alert.step, "label": alert.label,
            "clock": alert.clock, "clock_label": alert.clock_label, "audience_kind": alert.audience_kind,
            "audience": alert.audience, "recipients": alert.recipients, "subject": alert.subject,
            "message": alert.message, "due_at": alert.due_at, "created_at": alert.created_at,
            "acknowledged_by": alert.acknowledged_by, "acknowledged_at": alert.acknowledged_at}


def _audience_filter(auds: Sequence[Audience], kind_col, name_col):
    units = [n for k, n in auds if k == UNIT]
    regions = [n for k, n in auds if k == REGION]
    return or_(and_(kind_col == UNIT, col(name_col).in_(units)), and_(kind_col == REGION, col(name_col).in_(regions)))


def alerts_for(session: Session, org: OrgChart, viewer: Principal, *, unacknowledged: bool = False,
               limit: int = 100) -> list[Alert]:
    """The viewer's alerts, newest first."""
    auds = viewer_audiences(viewer, org)
    if not auds:
        return []
    query = select(Alert).where(_audience_filter(auds, Alert.audience_kind, Alert.audience))
    if unacknowledged:
        query = query.where(Alert.acknowledged_at == None)  # noqa: E711
    return list(session.exec(query.order_by(col(Alert.id).desc()).limit(limit)).all())


def acknowledge(session: Session, org: OrgChart, viewer: Principal, alert_id: int) -> tuple[Alert, bool]:
    """Mark the alert acknowledged by a recipient and audit it (the caller commits); the bool
    says whether this call did it (False: acknowledged before)."""
    alert = session.get(Alert, alert_id)
    incident = session.get(Incident, alert.incident_id) if alert else None
    if alert is None or incident is None or not (is_recipient(viewer, (alert.audience_kind, alert.audience), org)
                                                 or sees(viewer, assignment_of(incident), org)):
        raise NotFound("没有这条升级提醒", "no such alert")
    audience = (alert.audience_kind, alert.audience)
    if not is_recipient(viewer, audience, org):
        raise Forbidden("只有提醒的接收人可以确认", "only a recipient of the alert may acknowledge it")
    if viewer.machine:  # a machine token reads; acknowledging is a person's act
        raise Forbidden("令牌不能确认提醒，请以本人账号登录", "a token may not acknowledge: sign in as yourself")
    now = utcnow()
    done = session.exec(update(Alert).where(col(Alert.id) == alert_id, col(Alert.acknowledged_at).is_(None))
                           .values(acknowledged_by=viewer.username, acknowledged_at=now))
    if done.rowcount != 1:  # someone of the same audience was first: it stays his, nothing is written
        session.rollback()
        session.refresh(alert)
        return alert, False
    inbox.acknowledge_rung(session, alert, viewer.username, now)
    record(session, AuditAction.ALERT_ACKNOWLEDGED, AlertAcknowledged(alert_id=alert.id, step=alert.step,
           label=alert.label, audience=alert.audience), incident_id=alert.incident_id, actor=viewer.username)
    session.flush()
    session.refresh(alert)
    return alert, True


# -- subscriptions --------------------------------------------------------------------------
def public_channel(channel: AlertChannel) -> dict:
    """Never the secret; a robot URL shown without its query (it holds the access token)."""
    target = channel.target if channel.kind == "email" else where(channel.target) + ("?…" if "?" in channel.target else "")
    return {"id": channel.id, "audience_kind": channel.audience_kind, "audience": channel.audience,
            "kind": channel.kind, "target": target, "has_secret": bool(channel.secret), "enabled": channel.enabled,
            "created_by": channel.created_by, "created_at": channel.created_at}


def _check_audience(org: OrgChart, viewer: Principal, audience: Audience) -> None:
    kind, name = audience
    if kind == REGION and name not in org.regions:
        raise Invalid(f"组织架构中没有地区“{name}”", f"unknown region {name!r}")
    if kind == UNIT and (name not in org.unit_names() or unit_region(name, org) is None):
        raise Invalid(f"组织架构中没有单位“{name}”", f"unknown unit {name!r}")
    if not may_manage(viewer, audience, org):
        raise Forbidden("只能管理本地区范围内的订阅", "you may only manage subscriptions within your region")


# no ALERT_HOST_ALLOWLIST: only the hosts every deployment may reach (service.alerts.egress)
NO_HOSTS = Allowlist()


def add_channel(session: Session, org: OrgChart, viewer: Principal, *, audience_kind: str, audience: str, kind: str,
                target: str, secret: str | None, enabled: bool = True, allow: Allowlist = NO_HOSTS) -> AlertChannel:
    """`allow`: the admin's ALERT_HOST_ALLOWLIST; a destination it refuses is 422 (egress)."""
    target, secret = target.strip(), (secret or None)
    _check_audience(org, viewer, (audience_kind, audience))
    if kind not in CHANNEL_KINDS:
        raise Invalid(f"未知渠道“{kind}”", f"unknown channel kind {kind!r}")
    if kind == "email" and not EMAIL.match(target):
        raise Invalid("邮箱地址无效", "invalid e-mail address")
    if kind != "email" and not URL.match(target):
        raise Invalid("地址须为 http(s) 链接", "target must be an http(s) URL")
    if kind != "email" and (problem := url_problem(kind, target, allow)):
        raise Invalid(*problem)
    if kind == "webhook" and (secret is None or len(secret) < 16):
        raise Invalid("通用 Webhook 须设置至少 16 位的签名密钥", "a webhook needs a secret of 16 characters or more")
    channel = AlertChannel(audience_kind=audience_kind, audience=audience, kind=kind, target=target, secret=secret,
                           enabled=enabled, created_by=viewer.username, created_at=utcnow())
    session.add(channel)
    session.flush()
    record(session, AuditAction.ALERT_CHANNEL_ADDED, ChannelAdded(channel_id=channel.id, kind=kind, audience=audience,
           target=public_channel(channel)["target"]), actor=viewer.username)
    return channel


def channels_for(session: Session, org: OrgChart, viewer: Principal) -> list[AlertChannel]:
    rows = session.exec(select(AlertChannel).where(AlertChannel.removed_at == None)  # noqa: E711
                        .order_by(col(AlertChannel.id))).all()
    return [c for c in rows if may_manage(viewer, (c.audience_kind, c.audience), org)]


def remove_channel(session: Session, org: OrgChart, viewer: Principal, channel_id: int) -> AlertChannel:
    channel = session.get(AlertChannel, channel_id)
    if channel is None or channel.removed_at is not None or not may_manage(
            viewer, (channel.audience_kind, channel.audience), org):
        raise NotFound("没有这个订阅", "no such subscription")
    channel.removed_at, channel.enabled = utcnow(), False
    session.add(channel)
    record(session, AuditAction.ALERT_CHANNEL_REMOVED, ChannelRemoved(channel_id=channel.id, kind=channel.kind,
           audience=channel.audience), actor=viewer.username)
    return channel


def deliveries_for(session: Session, org: OrgChart, viewer: Principal, *, status: str | None = None,
                   limit: int = 200) -> list[dict]:
    """Delivery rows (newest first) of alerts within the viewer's region (all for the admin)."""
    query = (select(AlertDelivery, Alert, AlertChannel)
             .join(Alert, col(Alert.id) == col(AlertDelivery.alert_id))
             .join(AlertChannel, col(AlertChannel.id) == col(AlertDelivery.channel_id)))
    if viewer.role is not Role.ADMIN:
        region = viewer.region or ""
        auds = [(REGION, r) for r in org.regions if region in org.regions and org.is_ancestor(region, r)]
        auds += [(UNIT, u) for u in units_within(region, org)]
        if not auds:
            return []
        query = query.where(_audience_filter(auds, Alert.audience_kind, Alert.audience))
    if status:
        query = query.where(AlertDelivery.status == status)
    rows = session.exec(query.order_by(col(AlertDelivery.id).desc()).limit(limit)).all()
    return [{"id": d.id, "alert_id": a.id, "incident_id": a.incident_id, "step": a.step, "label": a.label,
             "audience": a.audience, "channel_id": c.id, "channel_kind": c.kind,
             "target": public_channel(c)["target"], "status": d.status, "attempts": d.attempts,
             "last_error": d.last_error, "created_at": d.created_at, "last_attempt_at": d.last_attempt_at,
             "sent_at": d.sent_at} for d, a, c in rows]


__all__ = ["FAILED", "QUEUED", "RETRYING", "SENT", "acknowledge", "add_channel", "alerts_for", "channels_for",
           "create_alerts", "create_claim_alerts", "deliver", "deliveries_for", "delivery_calls", "recover_deliveries", "remove_channel"]
