"""The working-day calendar's tables: the years it has data for, and their special days."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from service.core.columns import ts


class CalendarYear(SQLModel, table=True):
    """A year the calendar holds (its 节假日安排 entered): a year without a row is missing, and
    nothing counts working days through it (routing.workdays.CalendarYearMissing)."""

    __tablename__ = "calendar_year"
    year: int = Field(primary_key=True)
    source: str = Field(max_length=64)  # holidays <version> | admin
    updated_by: str = Field(max_length=64)
    updated_at: datetime = ts()


class CalendarEntry(SQLModel, table=True):
    """A holiday (放假) or a 调休 make-up working day of a year the calendar holds."""

    __tablename__ = "calendar_day"
    day: date = Field(primary_key=True)
    year: int = Field(index=True)
    kind: str = Field(max_length=8)  # holiday | workday (routing.workdays)
    name: str = Field(default="", max_length=100)
