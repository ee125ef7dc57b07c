"""The supervision notice table (督办单)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
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
    __table_args__ = (UniqueConstraint("doc_no", name="uq_supervision_notice_doc_no"),)
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
    # the notice as a document (rules.doc_number): 文号 per issuing region and year, and the
    # supervised unit's 签收, required before it answers. Notices from before 0014 have no 文号.
    doc_no: str | None = Field(default=None, max_length=64)
    doc_region: str | None = Field(default=None, max_length=200)
    doc_year: int | None = None
    doc_seq: int | None = None
    signed_at: datetime | None = ts(nullable=True)
    signed_by: str | None = Field(default=None, max_length=64)
    signed_unit: str | None = Field(default=None, max_length=200)


class SupervisionCounter(SQLModel, table=True):
    """The last 文号 sequence issued per (issuing region, year): updated inside the issuing
    transaction, so numbers have no gaps (a rolled-back issue rolls its number back) and two
    coordinators issuing at once wait for each other on this row."""

    __tablename__ = "supervision_counter"
    region: str = Field(primary_key=True, max_length=200)
    year: int = Field(primary_key=True)
    last: int = 0
