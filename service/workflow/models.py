"""Workflow tables: which units and regions an incident is assigned to (the scoping index),
and the responses and follow-ups published for it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.models import ts


class IncidentUnit(SQLModel, table=True):
    """One row per (incident, unit or region, role): role first/co/lead for units, region for
    the level region and the regions named. Viewer-scoped listing is one indexed lookup here
    on SQLite and PostgreSQL alike (the incident's JSON lists are not indexable on both)."""

    __tablename__ = "incident_unit"
    __table_args__ = (Index("ix_incident_unit_unit", "unit", "incident_id"),)
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
