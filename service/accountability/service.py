"""问责 records and their 整改 reports on the database: record one (the coordinator or the admin,
within his region), submit the 整改 report (the unit's liaison), list them in the viewer's scope,
and the sweep's pass over the 整改 deadlines. Refusals raise domain errors before any write;
nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from routing.accountability import (
    GROUND_CLAUSE,
    LAPSE,
    REMIND,
    STATE_LABEL,
    Case,
    case_problem,
    days_problem,
    due_steps,
    rectification_days,
    rectification_due,
    rectification_state,
)
from routing.facts import Severity
from routing.local_time import BEIJING
from routing.orgchart import OrgChart
from routing.workdays import CalendarYearMissing, WorkCalendar, missing_years, years_to_flag
from service.accountability.models import AccountabilityRecord
from service.audit.actions import AccountabilityRecorded, AuditAction, RectificationStep, RectificationSubmitted
from service.audit.log import record
from service.auth.rules import Action, Principal, Role, allowed, assignment_of, sees_unit
from service.calendar.service import load_calendar
from service.core.columns import utcnow
from service.core.errors import Conflict, Forbidden, Invalid, NotFound

log = structlog.get_logger()
NOT_FOUND = ("没有这条问责记录", "no such accountability record")
NOTIFIED_FLOOR = datetime(2000, 1, 1, tzinfo=UTC)


def check_unit(org: OrgChart, viewer: Principal, unit: str) -> None:
    if unit not in org.handling_units:
        raise Invalid(f"组织架构中没有单位“{unit}”", f"unknown unit {unit!r}", field="unit")
    if not sees_unit(viewer, unit, org):
        raise Forbidden("该单位不在您的管辖范围内", "this unit is outside your region")


def _incident_severity(session: Session, org: OrgChart, viewer: Principal, incident_id: int | None,
                       unit: str) -> Severity | None:
    if incident_id is None:
        return None
    from service.incidents.visible import visible_incident

    incident = visible_incident(session, org, viewer, incident_id)
    if unit not in assignment_of(incident).units:
        raise Invalid(f"{unit}未承办该事件", f"{unit} was not assigned this incident", field="unit")
    return Severity(incident.severity)


def due_of(notified_at: datetime, days: int | None, cal: WorkCalendar) -> datetime | None:
    """The 整改 deadline, or None while the calendar lacks a year it runs through (the admin
    is flagged; the sweep sets it once the year is entered)."""
    if days is None:
        return None
    try:
        return rectification_due(notified_at, days, cal).astimezone(UTC)  # stored and answered in UTC
    except CalendarYearMissing:
        return None


def hold_accountable(*, session: Session, org: OrgChart, viewer: Principal, unit: str, persons: Sequence[dict],
                     ground: str, sanction: str, note: str = "", incident_id: int | None = None,
                     rectify_days: int | None = None, notified_at: datetime | None = None,
                     now: datetime | None = None) -> AccountabilityRecord:
    now = now or utcnow()
    if not allowed(viewer, Action.ACCOUNTABILITY):
        raise Forbidden("您无权登记问责", "you may not record accountability")
    check_unit(org, viewer, unit)
    severity = _incident_severity(session, org, viewer, incident_id, unit)
    case = Case(ground, sanction, severity, tuple(p["name"] for p in persons))
    if (problem := case_problem(case) or days_problem(rectify_days)) is not None:
        raise Invalid(*problem, field="ground")
    notified_at = notified_at or now
    if not NOTIFIED_FLOOR <= notified_at <= now:
        raise Invalid("通报时间应在2000年以后且不晚于当前时间", "notified_at must be after 2000 and not in the future",
                      field="notified_at")
    days = rectification_days(case, rectify_days)
    row = AccountabilityRecord(unit=unit, persons=list(persons), ground=ground, sanction=sanction, note=note.strip(),
                               incident_id=incident_id, recorded_by=viewer.username, notified_at=notified_at,
                               rectify_days=days, due_at=due_of(notified_at, days, load_calendar(session)))
    session.add(row)
    session.flush()
    record(session, AuditAction.ACCOUNTABILITY_RECORDED, AccountabilityRecorded(
        record_id=row.id, unit=unit, persons=list(persons), ground=ground, sanction=sanction, note=row.note,
        rectify_days=days, due_at=row.due_at.isoformat() if row.due_at else None),
        incident_id=incident_id, actor=viewer.username)
    return row


def submit(*, session: Session, org: OrgChart, viewer: Principal, record_id: int, report: str,
           now: datetime | None = None) -> AccountabilityRecord:
    """The unit's 整改 report (整改措施); its liaison submits it, once."""
    now = now or utcnow()
    row = session.get(AccountabilityRecord, record_id)
    if row is None or not sees_unit(viewer, row.unit, org):
        raise NotFound(*NOT_FOUND)
    if viewer.role is not Role.ADMIN and (viewer.unit != row.unit or not allowed(viewer, Action.RESPOND)):
        raise Forbidden("只有被问责单位可以报送整改情况", "only the unit held to account submits its report")
    if row.rectify_days is None:
        raise Conflict("该问责未要求整改报告", "no rectification report is owed on this record")
    won = session.exec(update(AccountabilityRecord).where(col(AccountabilityRecord.id) == record_id,
                                                           col(AccountabilityRecord.submitted_at).is_(None))
                       .values(submitted_at=now, submitted_by=viewer.username, report=report.strip())).rowcount
    if won != 1:
        raise Conflict("整改情况已报送", "the rectification report was submitted already")
    session.refresh(row)
    late = row.due_at is not None and now > row.due_at
    record(session, AuditAction.RECTIFICATION_SUBMITTED, RectificationSubmitted(
        record_id=record_id, unit=row.unit, report=row.report or "", late=late),
        incident_id=row.incident_id, actor=viewer.username)
    return row


def view(row: AccountabilityRecord, now: datetime) -> dict:
    state = rectification_state(row.due_at, row.submitted_at, now) if row.rectify_days is not None else None
    return {**row.model_dump(), "clause": GROUND_CLAUSE.get(row.ground, ""), "state": state,
            "state_label": STATE_LABEL.get(state or "", "无需整改报告")}


def records_for(session: Session, org: OrgChart, viewer: Principal, *, unit: str | None = None,
                state: str | None = None, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
    q = select(AccountabilityRecord).order_by(col(AccountabilityRecord.id).desc())
    if unit is not None:
        q = q.where(AccountabilityRecord.unit == unit)
    if since is not None:
        q = q.where(col(AccountabilityRecord.notified_at) >= since)
    if until is not None:
        q = q.where(col(AccountabilityRecord.notified_at) < until)
    now = utcnow()
    rows = [view(r, now) for r in session.exec(q) if sees_unit(viewer, r.unit, org)]
    return [r for r in rows if state is None or r["state"] == state]


def get_record(session: Session, org: OrgChart, viewer: Principal, record_id: int) -> dict:
    row = session.get(AccountabilityRecord, record_id)
    if row is None or not sees_unit(viewer, row.unit, org):
        raise NotFound(*NOT_FOUND)
    return view(row, utcnow())


def _set_pending_dues(session: Session, cal: WorkCalendar) -> int:
    """整改 deadlines waiting for the calendar: set once the admin entered the year; while it
    is missing, logged each pass (`calendar.year_missing`) beside the admin's status flag."""
    n = 0
    for row in session.exec(select(AccountabilityRecord).where(col(AccountabilityRecord.rectify_days).is_not(None),
                                                                col(AccountabilityRecord.due_at).is_(None),
                                                                col(AccountabilityRecord.submitted_at).is_(None))):
        due = due_of(row.notified_at, row.rectify_days, cal)
        if due is None:
            log.warning("calendar.year_missing", record_id=row.id, unit=row.unit, years=cal_years_needed(row, cal))
        else:
            row.due_at = due
            session.add(row)
            record(session, AuditAction.RECTIFICATION_DUE_SET,
                   RectificationStep(record_id=row.id, unit=row.unit, due_at=due.isoformat()),
                   incident_id=row.incident_id)
            n += 1
    return n


def cal_years_needed(row: AccountabilityRecord, cal: WorkCalendar) -> list[int]:
    start = row.notified_at.year
    return [y for y in range(start, start + 2) if y not in cal.years]


STEP_COLUMN = {REMIND: "reminded_at", LAPSE: "overdue_at"}
STEP_ACTION = {REMIND: AuditAction.RECTIFICATION_REMINDED, LAPSE: AuditAction.RECTIFICATION_OVERDUE}


def sweep_rectifications(session: Session, now: datetime) -> dict[str, int]:
    """The sweep's pass: set deadlines the calendar now allows, then fire each open report's
    提醒 (80 % of its period) and 逾期 (at its deadline) once, audited; guarded on the row, so two
    sweepers at once fire each step once."""
    cal = load_calendar(session)
    if missing := missing_years(years_to_flag(now.astimezone(BEIJING).date()), cal):
        log.warning("calendar.year_missing", years=missing)  # the admin's flag: GET /api/calendar/status
    counts = {"due_set": _set_pending_dues(session, cal), REMIND: 0, LAPSE: 0}
    open_rows = session.exec(select(AccountabilityRecord).where(col(AccountabilityRecord.due_at).is_not(None),
                                                                 col(AccountabilityRecord.submitted_at).is_(None),
                                                                 col(AccountabilityRecord.overdue_at).is_(None)))
    for row in list(open_rows):
        done = frozenset(s for s, c in STEP_COLUMN.items() if getattr(row, c) is not None)
        for step in due_steps(row.notified_at, row.due_at, None, now, done):
            column = getattr(AccountabilityRecord, STEP_COLUMN[step])
            won = session.exec(update(AccountabilityRecord).where(col(AccountabilityRecord.id) == row.id,
                                                                   col(column).is_(None))
                               .values({STEP_COLUMN[step]: now})).rowcount
            if won == 1:
                record(session, STEP_ACTION[step], RectificationStep(
                    record_id=row.id, unit=row.unit, due_at=row.due_at.isoformat() if row.due_at else None),
                    incident_id=row.incident_id)
                counts[step] += 1
    return counts
