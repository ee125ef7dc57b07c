"""The supervision notice table (督办单)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.columns import js, ts
from service.incidents.models import SUPERVISION_CLOCK


def clock_kind(notice_id: int) -> str:
    """The notice's own deadline is a row of `clock` with this kind, so the sweep escalates it
    like the 24 h / 48 h clocks."""
    return f"{SUPERVISION_CLOCK}{notice_id}"


class SupervisionNotice(SQLModel, table=True):
    """A 督办单 on an incident: what the government office requires of `units`, by `due_at`.
    Answered (办理情况反馈) by one of those units; the answer meets its clock."""

    __tablename__ = "supervision_notice"
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    clock_id: int | None = Field(default=None, foreign_key="clock.id")
    units: list = js()  # unit full names supervised
    requirement: str  # 督办要求
    issued_by: str = Field(max_length=64)
    issued_unit: str | None = Field(default=None, max_length=200)
    issued_at: datetime = ts()
    due_at: datetime = ts(index=True)
    answered_at: datetime | None = ts(nullable=True)
    answered_by: str | None = Field(default=None, max_length=64)
    answered_unit: str | None = Field(default=None, max_length=200)
    answer: str | None = None
