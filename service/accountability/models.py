"""Tables of 问责 (with its 整改 report and deadline) and of the annual assessment results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.columns import js, ts


class AccountabilityRecord(SQLModel, table=True):
    """A 问责: the unit and the persons held to account, the ground and the sanction
    (routing.accountability), and the 整改 report owed with its own deadline (`due_at`, NULL
    while the calendar lacks a year it runs through, or when none is owed: `rectify_days` NULL).
    The sweep writes `reminded_at` / `overdue_at` once each."""

    __tablename__ = "accountability_record"
    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(max_length=200, index=True)
    persons: list = js()  # [{name, post}]
    ground: str = Field(max_length=16)
    sanction: str = Field(max_length=16)
    note: str = ""
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    recorded_by: str = Field(max_length=64)
    notified_at: datetime = ts()  # the 通报 / 约谈: the working days count from its next day
    rectify_days: int | None = None
    due_at: datetime | None = ts(nullable=True, index=True)
    submitted_at: datetime | None = ts(nullable=True)
    submitted_by: str | None = Field(default=None, max_length=64)
    report: str | None = None
    reminded_at: datetime | None = ts(nullable=True)
    overdue_at: datetime | None = ts(nullable=True)


class AssessmentResult(SQLModel, table=True):
    """A unit's annual 政务公开 assessment (seed 001 考核方案): its 综合评分 and grade; a 不合格
    points at its 通报批评 (`record_id`)."""

    __tablename__ = "assessment_result"
    __table_args__ = (UniqueConstraint("unit", "year", name="uq_assessment_unit_year"),)
    id: int | None = Field(default=None, primary_key=True)
    unit: str = Field(max_length=200, index=True)
    year: int
    score: float
    grade: str = Field(max_length=8)
    note: str = ""
    record_id: int | None = Field(default=None, foreign_key="accountability_record.id")
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = ts()
