"""问责 and 整改 as pure rules: who is held to account on which ground, with which sanction, and
which 整改 (rectification) report he then owes by when.

- seed 002 二(二): "建立问责制度，对重大政务舆情处置不得力、回应不妥当、报告不及时的涉事责任单位及相关
  责任人，要严肃追查问责" — the three grounds, for 重大 (and 特别重大) 政务舆情 only.
- seed 004 四(二): "…予以通报批评或约谈整改" — the two sanctions.
- seed 001 考核方案 五(一): "考核结果为不合格等次的单位…予以通报批评，并责令限期整改，整改措施要在接到
  通报后的10个工作日内报市政务公开领导小组办公室" — the ground 考核不合格, its sanction and its period.
- seed 000 四(三): 督促整改或通报批评 for 报告不及时、整改不彻底 (the same vocabulary).

The 整改 deadline is counted in working days (routing.workdays). The seeds give a period only for
考核不合格 (10 working days); for 约谈整改 the coordinator sets it, by default the same 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.facts import Severity
from routing.workdays import MAX_WORKING_DAYS, WorkCalendar, due_after

# grounds (问责事由)
POOR_HANDLING, IMPROPER_RESPONSE, LATE_REPORT = "处置不得力", "回应不妥当", "报告不及时"  # seed 002 二(二)
FAILED_ASSESSMENT = "考核不合格"  # seed 001 考核方案 五(一)
INCIDENT_GROUNDS = (POOR_HANDLING, IMPROPER_RESPONSE, LATE_REPORT)
GROUNDS = (*INCIDENT_GROUNDS, FAILED_ASSESSMENT)
GROUND_CLAUSE = {POOR_HANDLING: "seed 002 二(二)；seed 004 四(二)", IMPROPER_RESPONSE: "seed 002 二(二)；seed 004 四(二)",
                 LATE_REPORT: "seed 002 二(二)；seed 004 四(二)", FAILED_ASSESSMENT: "seed 001 考核方案 五(一)"}
# sanctions (处理方式), seed 004 四(二)
CRITICISM, INTERVIEW = "通报批评", "约谈整改"
SANCTIONS = (CRITICISM, INTERVIEW)
# the severities a 舆情 ground applies to: 重大政务舆情 (seed 002 二(二)), 特别重大 included
MAJOR = frozenset({Severity.MAJOR, Severity.ESPECIALLY_MAJOR})
ASSESSMENT_RECTIFY_DAYS = 10  # seed 001 考核方案 五(一): 10个工作日内
DEFAULT_RECTIFY_DAYS = ASSESSMENT_RECTIFY_DAYS  # the seeds name no period for 约谈整改
REMIND_AT = 0.8  # a 提醒 when 80 % of the period has passed (as the escalation ladder's last warning)


@dataclass(frozen=True)
class Case:
    """What an accountability record is about, as the rules see it."""

    ground: str
    sanction: str
    severity: Severity | None = None  # of the incident, for a 舆情 ground
    persons: tuple[str, ...] = ()


def case_problem(case: Case) -> tuple[str, str] | None:
    """(zh, en) when the record cannot stand as given."""
    if case.ground not in GROUNDS:
        return (f"问责事由应为{'、'.join(GROUNDS)}之一", f"ground must be one of {', '.join(GROUNDS)}")
    if case.sanction not in SANCTIONS:
        return (f"处理方式应为{'、'.join(SANCTIONS)}之一", f"sanction must be one of {', '.join(SANCTIONS)}")
    if case.ground in INCIDENT_GROUNDS:
        if case.severity is None:
            return ("该问责事由须关联一起政务舆情事件", "this ground needs the incident it is about")
        if case.severity not in MAJOR:
            return ("问责限于重大政务舆情（seed 002 二(二)），该事件为一般级别",
                    "accountability on this ground is for major incidents only (seed 002 二(二))")
    if case.ground == FAILED_ASSESSMENT and case.sanction != CRITICISM:
        return ("考核不合格的单位予以通报批评（seed 001 考核方案 五(一)）",
                "a unit failing the assessment gets a 通报批评 (seed 001 考核方案 五(一))")
    return None


def rectification_days(case: Case, asked: int | None) -> int | None:
    """Working days for the 整改 report, or None when none is owed.

    考核不合格: always, 10 days, not negotiable (seed 001 考核方案 五(一)). 约谈整改: always (整改 is
    the sanction), the days asked or the default. 通报批评 on a 舆情 ground: only when asked."""
    if case.ground == FAILED_ASSESSMENT:
        return ASSESSMENT_RECTIFY_DAYS
    if case.sanction == INTERVIEW:
        return asked or DEFAULT_RECTIFY_DAYS
    return asked


def days_problem(days: int | None) -> tuple[str, str] | None:
    if days is not None and not 1 <= days <= MAX_WORKING_DAYS:
        return (f"整改期限应为1至{MAX_WORKING_DAYS}个工作日", f"rectification days must be 1…{MAX_WORKING_DAYS}")
    return None


def rectification_due(notified_at: datetime, days: int, cal: WorkCalendar) -> datetime:
    """End of the `days`-th working day after the notice (counted from the next day); raises
    routing.workdays.CalendarYearMissing rather than guess a year it has no data for."""
    return due_after(notified_at, days, cal)


# states of a 整改 report
PENDING_CALENDAR, OPEN, OVERDUE, SUBMITTED, SUBMITTED_LATE = "pending_calendar", "open", "overdue", "submitted", "late"
STATE_LABEL = {PENDING_CALENDAR: "待补录工作日历", OPEN: "整改中", OVERDUE: "逾期未报", SUBMITTED: "已报送",
               SUBMITTED_LATE: "逾期报送"}


def rectification_state(due_at: datetime | None, submitted_at: datetime | None, now: datetime) -> str:
    if submitted_at is not None:
        return SUBMITTED_LATE if due_at is not None and submitted_at > due_at else SUBMITTED
    if due_at is None:
        return PENDING_CALENDAR
    return OVERDUE if now >= due_at else OPEN


REMIND, LAPSE = "remind", "overdue"
STEP_LABEL = {REMIND: "整改提醒", LAPSE: "整改逾期"}


def due_steps(started_at: datetime, due_at: datetime | None, submitted_at: datetime | None, now: datetime,
              done: frozenset[str] = frozenset()) -> list[str]:
    """The sweep's steps for a 整改 report now due and not yet taken: a 提醒 at REMIND_AT of
    the period, 逾期 at the deadline; nothing once it is submitted or while it has no deadline."""
    if submitted_at is not None or due_at is None:
        return []
    out = []
    if now >= started_at + timedelta(seconds=(due_at - started_at).total_seconds() * REMIND_AT) and now < due_at:
        out.append(REMIND)
    if now >= due_at:
        out.append(LAPSE)
    return [s for s in out if s not in done]
