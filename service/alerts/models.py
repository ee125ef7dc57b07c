"""Tables of the alerts: the alert itself, a channel subscription, and one delivery per
(alert, channel) so every attempt and failure stays visible."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.columns import js, ts

UNIT, REGION = "unit", "region"  # audience kinds: the people of a unit / a region's leaders and coordinators
CHANNEL_KINDS = ("webhook", "email", "dingtalk", "wecom")
QUEUED, RETRYING, SENT, FAILED = "queued", "retrying", "sent", "failed"


class Alert(SQLModel, table=True):
    """One escalation for one audience: a rung of the ladder (`step:<escalation_step id>`) or
    a lapsed claim (`claim:<incident id>:<epoch>`); unique, so a rerun of the sweep adds none."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("key", "audience_kind", "audience", name="uq_alert_key_audience"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    step_id: int | None = Field(default=None, foreign_key="escalation_step.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    clock: str = Field(max_length=32)  # clock kind (response, feedback, …; claim for a lapsed claim)
    clock_label: str = ""
    step: str = Field(max_length=16)  # warn_50, urge, supervise, claim_expired
    label: str = Field(max_length=16)  # 提醒 / 催办 / 督办 / 认领超时未回应
    audience_kind: str = Field(max_length=8)  # unit | region
    audience: str = Field(max_length=200, index=True)
    recipients: list = js()  # the routing recipients (unit full names) this audience stands for
    subject: str = ""
    message: str = ""  # one Chinese line for the dashboard, fixed when the rung fired
    due_at: datetime = ts()
    created_at: datetime = ts(index=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = ts(nullable=True)


class AlertChannel(SQLModel, table=True):
    """A subscription: alerts for an audience also go to this target."""

    __tablename__ = "alert_channel"
    id: int | None = Field(default=None, primary_key=True)
    audience_kind: str = Field(max_length=8)
    audience: str = Field(max_length=200, index=True)
    kind: str = Field(max_length=16)  # webhook | email | dingtalk | wecom
    target: str = Field(max_length=2000)  # URL or e-mail address
    secret: str | None = Field(default=None, max_length=200)  # HMAC key; never returned by the API
    enabled: bool = True
    created_by: str = Field(max_length=64)
    created_at: datetime = ts()
    removed_at: datetime | None = ts(nullable=True)  # deleted: kept for the deliveries that name it


class AlertDelivery(SQLModel, table=True):
    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("alert_id", "channel_id", name="uq_alert_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    channel_id: int = Field(foreign_key="alert_channel.id", index=True)
    status: str = Field(default=QUEUED, max_length=8, index=True)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = ts()
    last_attempt_at: datetime | None = ts(nullable=True)
    sent_at: datetime | None = ts(nullable=True)


class Digest(SQLModel, table=True):
    """A leader's daily digest (open major incidents, breaches, items due today) for one
    audience and local day; unique, so a rerun of the daily job sends nothing twice."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("audience_kind", "audience", "day", name="uq_digest_audience_day"),)
    id: int | None = Field(default=None, primary_key=True)
    audience_kind: str = Field(max_length=8)  # unit | region, as for alerts
    audience: str = Field(max_length=200, index=True)
    day: str = Field(max_length=10)  # local date, YYYY-MM-DD
    subject: str = ""
    body: dict = js(dict)  # the figures and the incident lists, as the channels render them
    created_at: datetime = ts()


class DigestDelivery(SQLModel, table=True):
    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("digest_id", "channel_id", name="uq_digest_delivery"),)
    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="digest.id", index=True)
    channel_id: int = Field(foreign_key="alert_channel.id", index=True)
    status: str = Field(default=QUEUED, max_length=8, index=True)
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = ts()
    last_attempt_at: datetime | None = ts(nullable=True)
    sent_at: datetime | None = ts(nullable=True)


class InboxEntry(SQLModel, table=True):
    """The inbox: one row per (incident, clock, audience) that follows the clock up its ladder
    (50 % → 80 % → breach → 督办) in place, instead of one row per rung. A new rung raises it
    and makes it unread again; it is resolved (kept, for the history) once the clock is met or
    the incident is closed. The rungs themselves stay in `alert` (deliveries name them)."""

    __tablename__ = "inbox_entry"
    __table_args__ = (UniqueConstraint("incident_id", "clock", "audience_kind", "audience", name="uq_inbox_clock_audience"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    clock: str = Field(max_length=32)  # the clock kind; claim (a lapsed claim), major (特别重大 routed)
    clock_label: str = ""
    audience_kind: str = Field(max_length=8)
    audience: str = Field(max_length=200, index=True)
    alert_id: int = Field(foreign_key="alert.id")  # its highest rung so far
    step: str = Field(max_length=16)
    label: str = Field(max_length=16)
    rank: int = 0  # service.alerts.inbox_rules.rank_of(step): a rung only ever raises the entry
    rungs: int = 1  # how many rungs it stands for
    message: str = ""
    due_at: datetime = ts()
    opened_at: datetime = ts()
    updated_at: datetime = ts(index=True)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = ts(nullable=True)
    resolved_at: datetime | None = ts(nullable=True, index=True)
    resolved_reason: str | None = Field(default=None, max_length=16)  # met | closed | claimed
