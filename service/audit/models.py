"""The audit table: append-only, hash-chained."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.columns import js, ts


class AuditEntry(SQLModel, table=True):
    """Append-only: rows are only ever inserted (service.audit.log.record)."""

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
    # hash chain (service.audit.chain, filled at flush): one chain per incident, 0 for the rest
    chain: int = 0
    seq: int = 0
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)
