"""问责 and 整改 (routing.accountability): seed 002 二(二), seed 004 四(二), seed 001 考核方案 五(一)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from routing.accountability import (
    CRITICISM,
    FAILED_ASSESSMENT,
    IMPROPER_RESPONSE,
    INTERVIEW,
    LAPSE,
    LATE_REPORT,
    OPEN,
    OVERDUE,
    PENDING_CALENDAR,
    POOR_HANDLING,
    REMIND,
    SUBMITTED,
    SUBMITTED_LATE,
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
from routing.workdays import CalendarYearMissing, end_of_day
from tests.routing.calendar_data import calendar

M, G, E = Severity.MAJOR, Severity.GENERAL, Severity.ESPECIALLY_MAJOR


@pytest.mark.parametrize(("case", "ok"), [
    (Case(POOR_HANDLING, CRITICISM, M), True),  # seed 002 二(二) + seed 004 四(二)
    (Case(IMPROPER_RESPONSE, INTERVIEW, E), True),  # 特别重大 is 重大 too
    (Case(LATE_REPORT, INTERVIEW, M), True),
    (Case(LATE_REPORT, INTERVIEW, G), False),  # only 重大政务舆情 (seed 002 二(二))
    (Case(POOR_HANDLING, CRITICISM, None), False),  # a 舆情 ground names its incident
    (Case(FAILED_ASSESSMENT, CRITICISM), True),  # seed 001 考核方案 五(一)
    (Case(FAILED_ASSESSMENT, INTERVIEW), False),  # the scheme says 通报批评
    (Case("工作不力", CRITICISM, M), False),
    (Case(POOR_HANDLING, "警告", M), False),
])
def test_case_problem(case: Case, ok: bool) -> None:
    assert (case_problem(case) is None) is ok


@pytest.mark.parametrize(("case", "asked", "days"), [
    (Case(FAILED_ASSESSMENT, CRITICISM), None, 10),  # always 10 working days
    (Case(FAILED_ASSESSMENT, CRITICISM), 20, 10),  # not negotiable
    (Case(POOR_HANDLING, INTERVIEW, M), None, 10),  # 约谈整改: 整改 is the sanction
    (Case(POOR_HANDLING, INTERVIEW, M), 5, 5),
    (Case(LATE_REPORT, CRITICISM, M), None, None),  # a 通报批评 alone owes no report …
    (Case(LATE_REPORT, CRITICISM, M), 15, 15),  # … unless one is required
])
def test_rectification_days(case: Case, asked: int | None, days: int | None) -> None:
    assert rectification_days(case, asked) == days


@pytest.mark.parametrize(("days", "ok"), [(None, True), (1, True), (250, True), (0, False), (251, False)])
def test_days_problem(days: int | None, ok: bool) -> None:
    assert (days_problem(days) is None) is ok


def test_the_rectification_deadline_is_the_10th_working_day_after_the_notice() -> None:
    cal = calendar(2026)
    notified = datetime(2026, 9, 29, 10, tzinfo=BEIJING)  # a Tuesday before 国庆
    # 9-30 (1), 10-8 (2), 10-9 (3), 10-10 Sat 调休 (4), 10-12 … 10-16 (5–9), 10-19 (10)
    assert rectification_due(notified, 10, cal) == end_of_day(datetime(2026, 10, 19).date())
    with pytest.raises(CalendarYearMissing):
        rectification_due(datetime(2026, 12, 28, 10, tzinfo=BEIJING), 10, cal)


T0 = datetime(2026, 3, 2, 9, tzinfo=BEIJING)
DUE = T0 + timedelta(days=10)


@pytest.mark.parametrize(("due", "submitted", "now", "state"), [
    (DUE, None, T0, OPEN), (DUE, None, DUE, OVERDUE), (None, None, T0, PENDING_CALENDAR),
    (DUE, DUE - timedelta(hours=1), DUE + timedelta(days=3), SUBMITTED),
    (DUE, DUE + timedelta(hours=1), DUE + timedelta(days=3), SUBMITTED_LATE),
])
def test_rectification_state(due: datetime | None, submitted: datetime | None, now: datetime, state: str) -> None:
    assert rectification_state(due, submitted, now) == state


@pytest.mark.parametrize(("now", "due", "submitted", "done", "steps"), [
    (T0 + timedelta(days=7), DUE, None, frozenset(), []),  # 70 %: nothing yet
    (T0 + timedelta(days=8), DUE, None, frozenset(), [REMIND]),  # 80 %: 提醒
    (T0 + timedelta(days=9), DUE, None, frozenset({REMIND}), []),  # once
    (DUE, DUE, None, frozenset(), [LAPSE]),  # at the deadline: 逾期, no 提醒 after it
    (DUE, DUE, None, frozenset({REMIND, LAPSE}), []),
    (DUE, DUE, DUE - timedelta(hours=1), frozenset(), []),  # submitted: nothing
    (DUE, None, None, frozenset(), []),  # no deadline until the calendar is there
])
def test_due_steps(now: datetime, due: datetime | None, submitted: datetime | None, done: frozenset[str],
                   steps: list[str]) -> None:
    assert due_steps(T0, due, submitted, now, done) == steps
