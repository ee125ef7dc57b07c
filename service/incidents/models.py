"""Tables of the incident and its items: the opinion items, the incident, its index keys, clocks, fired rungs, the scoping index
(which units and regions it is assigned to) and the responses published for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from service.core.columns import UTCDateTime, js, ts


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
    # 舆情报送 by a person (service.items.report): the post's address as he gave it (stored,
    # never fetched by the server) and who reported it
    link: str | None = Field(default=None, max_length=2000)
    reported_by: str | None = Field(default=None, max_length=64)


class Incident(SQLModel, table=True):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open_due", "open_due_at", "id"),
                      # the claimed ones by claim time: their claim lapses claim_timeout_hours after it
                      Index("ix_incident_claim", "claimed_at", "id", postgresql_where=text("status = 'claimed'"),
                            sqlite_where=text("status = 'claimed'")))
    id: int | None = Field(default=None, primary_key=True)
    topic: str = Field(max_length=32, index=True)
    severity: str = Field(max_length=8)
    status: str = Field(default="unclaimed", max_length=16, index=True)  # service.incidents.rules.Status
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
    # workflow (service.incidents): the current claim, and the last return, kept visible
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
    # the earliest due_at of its open clocks, NULL when none is open: kept by triggers on clock
    # (migration 0016), never written by the app; the board, snapshot and wall walk its index
    open_due_at: datetime | None = ts(nullable=True)


class IncidentPlace(SQLModel, table=True):
    """Index keys of an incident (signatures.places): finds merge candidates."""

    __tablename__ = "incident_place"
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    place: str = Field(primary_key=True, max_length=200, index=True)  # e:凤凰小区 / r:米山镇


# the clock of a 督办单 (service.supervision) is kind f"{SUPERVISION_CLOCK}{notice id}"
SUPERVISION_CLOCK = "supervision:"


class Clock(SQLModel, table=True):
    __tablename__ = "clock"
    __table_args__ = (UniqueConstraint("incident_id", "kind", name="uq_clock_incident_kind"),
                      # the open clocks only (migration 0016): each incident's next breach, read by the board
                      Index("ix_clock_open_due", "due_at", "incident_id", postgresql_where=text("met_at IS NULL"),
                            sqlite_where=text("met_at IS NULL")),
                      # one incident's open clocks, earliest first: the lookup of the triggers keeping
                      # incident.open_due_at (migration 0016)
                      Index("ix_clock_open_incident", "incident_id", "due_at", postgresql_where=text("met_at IS NULL"),
                            sqlite_where=text("met_at IS NULL")))
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=32)
    label: str
    started_at: datetime = ts()
    due_at: datetime = ts(index=True)
    met_at: datetime | None = ts(nullable=True)
    unit: str | None = None  # a duty's clock (service.incidents.duties): the unit that owes it
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



class IncidentUnit(SQLModel, table=True):
    """One row per (incident, unit or region, role): role first/co/lead for units, region for
    the level region and the regions named. Viewer-scoped listing is one indexed lookup here
    on SQLite and PostgreSQL alike (the incident's JSON lists are not indexable on both)."""

    __tablename__ = "incident_unit"
    __table_args__ = (Index("ix_incident_unit_unit", "unit", "incident_id"),
                      # a region holder's scope, read from the index alone (migration 0016)
                      Index("ix_incident_unit_region", "unit", "incident_id", postgresql_where=text("role = 'region'"),
                            sqlite_where=text("role = 'region'")))
    incident_id: int = Field(foreign_key="incident.id", primary_key=True)
    unit: str = Field(primary_key=True, max_length=200)
    role: str = Field(primary_key=True, max_length=8)  # first / co / lead / region


class Response(SQLModel, table=True):
    """A response (回应) or follow-up (跟进) as published by the claiming unit."""

    __tablename__ = "response"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: str = Field(max_length=16)  # response / info / result
    channel: str | None = Field(default=None, max_length=16)
    text: str
    link: str | None = Field(default=None, max_length=2000)
    actor: str = Field(max_length=64)
    unit: str | None = None
    at: datetime = ts()


class ItemSearch(SQLModel, table=True):
    """The search terms of an item (routing.searchterms), written when the item is processed.
    The full-text index over it is per database (migration 0013): an FTS5 external-content
    table `item_fts` on SQLite, a GIN tsvector index `item_fts_terms` on PostgreSQL."""

    __tablename__ = "item_search"
    item_id: int = Field(foreign_key="item.id", primary_key=True)
    terms: str  # the terms, space-separated
class IncidentDuty(SQLModel, table=True):
    """One unit's duty on an incident (routing.duties): its own claim, answer and clock.

    `clock_kind` is the clock that times it: the incident's own `response` clock when it is the
    incident's only required answer, else `duty:{id}` (or `party_report`). A duty no longer
    routed (re-assignment, re-grade) is `dropped`, kept for the record."""

    __tablename__ = "incident_duty"
    __table_args__ = (UniqueConstraint("incident_id", "unit", "role", name="uq_incident_duty_unit_role"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    unit: str = Field(max_length=200, index=True)
    role: str = Field(max_length=16)  # routing.duties.DutyRole
    owes: str
    clause: str
    required: bool = True
    label: str
    clock_kind: str | None = Field(default=None, max_length=32)
    status: str = Field(default="open", max_length=16)  # open / claimed / met / dropped
    due_at: datetime | None = ts(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = ts(nullable=True)
    met_at: datetime | None = ts(nullable=True)  # answered (for the report: when it was reported)
    met_by: str | None = Field(default=None, max_length=64)  # the account that answered or recorded
    met_unit: str | None = None  # who answered: the unit itself, or the lead for it
    response_id: int | None = Field(default=None, foreign_key="response.id")
    statement_id: int | None = None  # the agreed statement in force when it answered
    confirmed_by: str | None = Field(default=None, max_length=64)  # confirmed the lead's answer
    confirmed_at: datetime | None = ts(nullable=True)
    reporter: str | None = None  # party report: who reported (name and post)
    channel: str | None = Field(default=None, max_length=32)  # party report: how; an answer: its channel
    note: str | None = None


class IncidentStatement(SQLModel, table=True):
    """The agreed statement (会商/统一口径) the coordinator records; the units' answers follow it."""

    __tablename__ = "incident_statement"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    text: str
    actor: str = Field(max_length=64)
    unit: str | None = None
    at: datetime = ts()
