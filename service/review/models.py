"""The review table: one assessment of one unit's response to one incident."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from service.core.columns import ts

# the grounds of accountability the seeds name (问责)
ACCOUNTABILITY_GROUNDS = ("处置不得力", "回应不妥当", "报告不及时")


class Review(SQLModel, table=True):
    """宣传部门's assessment of the response `unit` gave on `incident_id`, against the seeds'
    standard: 反应迅速 (timeliness, computed from the records), 回应准确, 发声权威, 处置得当
    (each 0–100, judged). `score` is their mean. One per (incident, unit): the report counts
    each unit's response once. Rows are never updated; the audit trail holds the review too."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("incident_id", "unit", name="uq_review_incident_unit"),)
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    unit: str = Field(max_length=200, index=True)  # the unit whose response is reviewed
    reviewer: str = Field(max_length=64)  # username
    reviewer_unit: str | None = Field(default=None, max_length=200)
    timeliness: int  # 反应迅速, from the clocks and the response time
    accuracy: int  # 回应准确
    authority: int  # 发声权威
    handling: int  # 处置得当
    score: float
    comments: str = ""
    accountability: bool = False  # 问责 flagged
    accountability_ground: str | None = Field(default=None, max_length=16)  # one of ACCOUNTABILITY_GROUNDS
    accountability_note: str | None = None
    at: datetime = ts(index=True)
