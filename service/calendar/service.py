"""The working-day calendar on the database: read it as a routing.workdays.WorkCalendar, set a
year (the admin, audited), seed a year from the `holidays` package, and say which years are
missing (the admin's flag). Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from routing.local_time import BEIJING
from routing.workdays import (
    HOLIDAY,
    KIND_LABEL,
    WORKDAY,
    CalendarDay,
    WorkCalendar,
    missing_years,
    year_problems,
    years_to_flag,
)
from service.audit.actions import AuditAction, CalendarYearSet
from service.audit.log import record
from service.auth.rules import Principal
from service.calendar.models import CalendarEntry, CalendarYear
from service.calendar.seed import official_year, source
from service.core.columns import utcnow
from service.core.errors import Conflict, Invalid, NotFound

MIN_YEAR, MAX_YEAR = 2000, 2100


def load_calendar(session: Session) -> WorkCalendar:
    years = session.exec(select(CalendarYear.year)).all()
    days = session.exec(select(CalendarEntry)).all()
    return WorkCalendar.of(years, [CalendarDay(d.day, d.kind, d.name) for d in days])


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid(f"年份应在{MIN_YEAR}至{MAX_YEAR}之间", f"year must be {MIN_YEAR}…{MAX_YEAR}", field="year")


def year_view(session: Session, year: int) -> dict:
    _check_year(year)
    row = session.get(CalendarYear, year)
    if row is None:
        raise NotFound(f"工作日历没有{year}年的数据", f"the calendar has no data for {year}")
    days = session.exec(select(CalendarEntry).where(CalendarEntry.year == year).order_by(col(CalendarEntry.day)))
    return {"year": year, "source": row.source, "updated_by": row.updated_by, "updated_at": row.updated_at,
            "days": [{"day": d.day.isoformat(), "kind": d.kind, "kind_label": KIND_LABEL.get(d.kind, d.kind),
                      "name": d.name} for d in days]}


def set_year(*, session: Session, viewer: Principal, year: int, days: Sequence[CalendarDay],
             src: str = "admin") -> CalendarYear:
    """Replace a year's entries whole (validated first: nothing is written on a refusal)."""
    _check_year(year)
    problems = year_problems(year, days)
    if problems:
        raise Invalid("；".join(p[0] for p in problems), "; ".join(p[1] for p in problems), field="days")
    session.execute(delete(CalendarEntry).where(col(CalendarEntry.year) == year))
    session.add_all([CalendarEntry(day=d.day, year=year, kind=d.kind, name=d.name[:100]) for d in days])
    row = session.get(CalendarYear, year) or CalendarYear(year=year, source=src, updated_by=viewer.username)
    row.source, row.updated_by, row.updated_at = src, viewer.username, utcnow()
    session.add(row)
    record(session, AuditAction.CALENDAR_YEAR_SET, CalendarYearSet(
        year=year, holidays=[d.day.isoformat() for d in days if d.kind == HOLIDAY],
        workdays=[d.day.isoformat() for d in days if d.kind == WORKDAY], source=src), actor=viewer.username)
    return row


def seed_year(*, session: Session, viewer: Principal, year: int) -> CalendarYear:
    """A year from the installed `holidays` package, when it has that year's 节假日安排."""
    _check_year(year)
    days = official_year(year)
    if days is None:
        raise Conflict(f"{source()}中没有{year}年的节假日安排（调休数据），请手工录入",
                       f"{source()} has no holiday arrangement (make-up days) for {year}: enter it by hand")
    return set_year(session=session, viewer=viewer, year=year, days=days, src=source())


def status(session: Session, now: datetime | None = None) -> dict:
    """The admin's flag: the years the calendar must hold by today and does not."""
    today = (now or utcnow()).astimezone(BEIJING).date()
    cal = load_calendar(session)
    needed = years_to_flag(today)
    missing = missing_years(needed, cal)
    return {"today": today.isoformat(), "years": sorted(cal.years), "needed": needed, "missing": missing,
            "ok": not missing, "message": "；".join(f"工作日历缺少{y}年的节假日安排" for y in missing) or "工作日历完整"}




