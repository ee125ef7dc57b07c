"""Tables. Times are stored in UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def js(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Item(SQLModel, table=True):
    """An incoming opinion item; committed before any processing happens."""

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("source", "external_id", name="uq_item_source_external"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=64)
    external_id: str = Field(max_length=128)
    title: str | None = None
    text: str
    kind: str | None = Field(default=None, max_length=32)  # verification_request
    overrides: dict = js(dict)  # topic/severity/regions/departments set by an officer
    received_at: datetime = ts()
    created_at: datetime = ts()
    status: str = Field(default="pending", max_length=16, index=True)  # pending/processed/failed
    processed_at: datetime | None = ts(nullable=True)
    error: str | None = None
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    merge_explanation: str | None = None
    analysis: dict = js(dict)  # topic prediction, severity triggers, mentions, entities
    signals: dict = js(dict)  # spread counters as the source gives them: reposts, comments, likes, views


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=32, index=True)
    severity: str = Field(max_length=8)
    status: str = Field(default="unclaimed", max_length=16, index=True)  # service.workflow.states.Status
    scope: str = Field(max_length=24)
    vertical: bool = False
    emergency: bool = False
    verification_request: bool = False
    level_region: str
    first_responsible: list = js()
    co_responsible: list = js()
    coordinators: list = js()
    lead: str | None = None
    leader: str | None = None
    report_to: str | None = None
    reasons: list = js()
    regions: list = js()
    departments: list = js()
    received_at: datetime = ts()  # receipt of the first item: every clock counts from here
    last_seen: datetime = ts(index=True)
    created_at: datetime = ts()
    signature: dict = js(dict)  # grouping.Signature as JSON (entities, terms, size)
    # workflow (service.workflow): the current claim, and the last return, kept visible
    claimed_by: str | None = Field(default=None, max_length=64, index=True)
    claimed_unit: str | None = None
    claimed_at: datetime | None = ts(nullable=True)
    responded_at: datetime | None = ts(nullable=True)
    closed_at: datetime | None = ts(nullable=True)
    merged_into: int | None = None
    returned_by: str | None = Field(default=None, max_length=64)
    returned_unit: str | None = None
    returned_at: datetime | None = ts(nullable=True)
    return_grounds: str | None = None
    claim_expired_at: datetime | None = ts(nullable=True)  # a claim lapsed unanswered (escalated)


class IncidentPlace(SQLModel, table=True):
    """Index keys of an incident (signatures.places): finds merge candidates."""

    __tablename__ = "incident_place"
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    place: str = Field(primary_key=True, max_length=200, index=True)  # e:凤凰小区 / r:米山镇


class Clock(SQLModel, table=True):
    __tablename__ = "clock"
    __table_args__ = (UniqueConstraint("incident_id", "kind", name="uq_clock_incident_kind"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=32)
    label: str
    started_at: datetime = ts()
    due_at: datetime = ts(index=True)
    met_at: datetime | None = ts(nullable=True)
    # when the sweep must look at the clock next: the next rung's time (routing.escalation.next_due),
    # NULL once met or every rung fired. A writer that does not know the policy may store
    # started_at (or leave it out: the insert default): the next pass places the real rung.
    next_due_at: datetime | None = Field(default=None, sa_column=Column(
        UTCDateTime(), nullable=True, index=True, default=lambda ctx: ctx.get_current_parameters().get("started_at")))


class EscalationStep(SQLModel, table=True):
    """One rung of the ladder fired for one clock; unique so a rerun never double-alerts."""

    __tablename__ = "escalation_step"
    __table_args__ = (UniqueConstraint("clock_id", "step", name="uq_escalation_clock_step"),)
    id: int | None = Field(default=None, primary_key=True)
    clock_id: int = Field(foreign_key="clock.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    step: str = Field(max_length=16)
    label: str
    due_at: datetime = ts()  # when the rung was due
    fired_at: datetime = ts()
    recipients: list = js()


class AuditEntry(SQLModel, table=True):
    """Append-only: rows are only ever inserted (service.audit.record)."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_incident_at", "incident_id", "id"),
                      UniqueConstraint("chain", "seq", name="uq_audit_chain_seq"))
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    item_id: int | None = None
    actor: str = Field(max_length=64)
    action: str = Field(max_length=32)
    detail: dict = js(dict)
    at: datetime = ts()
    # hash chain (service.audit_chain, filled at flush): one chain per incident, 0 for the rest
    chain: int = 0
    seq: int = 0
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class OrgVersion(SQLModel, table=True):
    __tablename__ = "org_version"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, index=True)
    source: str
    text: str
    imported_at: datetime = ts()


from service.workflow.models import IncidentUnit, Response  # noqa: E402, F401 — tables of the workflow
