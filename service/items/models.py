"""The item table: one incoming opinion item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.columns import js, ts


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
