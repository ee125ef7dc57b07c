"""Working days counted from the calendar (routing.workdays; seed 001 考核方案 五(一) "接到通报后的
10个工作日内"): day 1 is the first working day after the notice; a year without data is never guessed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from routing.deadlines import compute_clocks
from routing.facts import Severity
from routing.local_time import BEIJING
from routing.policy import Policy
from routing.workdays import (
    HOLIDAY,
    WORKDAY,
    CalendarDay,
    CalendarYearMissing,
    add_working_days,
    day_problem,
    due_after,
    end_of_day,
    missing_years,
    working_days_between,
    year_problems,
    years_to_flag,
)
from tests.routing.calendar_data import calendar

CAL = calendar(2025, 2026)
D = date.fromisoformat


@pytest.mark.parametrize(("start", "n", "due"), [
    ("2026-03-02", 10, "2026-03-16"),  # a Monday: two plain weeks, the notice day not counted
    ("2026-03-02", 1, "2026-03-03"),  # day 1 is the next day
    ("2026-03-06", 1, "2026-03-09"),  # a Friday: the weekend does not count
    ("2026-03-07", 1, "2026-03-09"),  # notified on a Saturday
    ("2026-09-30", 1, "2026-10-08"),  # 国庆 1–7 October off
    ("2026-09-30", 3, "2026-10-10"),  # 10 October, a Saturday, is a 调休 working day
    ("2026-09-30", 4, "2026-10-12"),
    ("2026-10-03", 1, "2026-10-08"),  # notified during the holiday
    ("2026-09-18", 1, "2026-09-20"),  # 20 September, a Sunday, is a 调休 working day
    ("2026-02-13", 1, "2026-02-14"),  # 春节: 14 February (Saturday) works …
    ("2026-02-13", 2, "2026-02-24"),  # … then 15–23 February are off
    ("2025-09-30", 10, "2025-10-21"),  # 2025: 1–8 October off, 11 October works
    ("2025-12-24", 10, "2026-01-08"),  # across the new year (both years known): 1–2 January off, 4 January works
    ("2026-12-25", 4, "2026-12-31"),  # ends inside the known year: 2027 is not needed
])
def test_add_working_days(start: str, n: int, due: str) -> None:
    assert add_working_days(D(start), n, CAL) == D(due)


@pytest.mark.parametrize(("start", "n", "years"), [
    ("2026-12-25", 10, (2027,)),  # runs into 2027, which the calendar lacks
    ("2026-12-31", 1, (2027,)),
    ("2024-12-30", 1, (2024,)),  # the counting starts in a year without data
])
def test_a_year_without_data_is_refused_not_guessed(start: str, n: int, years: tuple[int, ...]) -> None:
    with pytest.raises(CalendarYearMissing) as exc:
        add_working_days(D(start), n, CAL)
    assert exc.value.years == years
    assert str(years[0]) in exc.value.zh and "工作日历" in exc.value.zh


@pytest.mark.parametrize("n", [0, -1, 251])
def test_working_days_out_of_range(n: int) -> None:
    with pytest.raises(ValueError):
        add_working_days(D("2026-03-02"), n, CAL)


@pytest.mark.parametrize(("day", "working"), [
    ("2026-10-10", True), ("2026-10-11", False), ("2026-10-07", False), ("2026-10-08", True),
    ("2026-06-19", False), ("2026-06-20", False), ("2026-06-22", True), ("2026-01-04", True), ("2026-01-03", False),
])
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(D(day)) is working


@pytest.mark.parametrize(("notified", "due"), [
    (datetime(2026, 3, 5, 15, 30, tzinfo=BEIJING), "2026-03-06"),  # Thursday 15:30 local
    (datetime(2026, 3, 5, 23, 30, tzinfo=BEIJING), "2026-03-06"),
    (datetime.fromisoformat("2026-03-05T16:30:00+00:00"), "2026-03-09"),  # = Friday 00:30 北京时间
    (datetime.fromisoformat("2026-03-05T15:30:00+00:00"), "2026-03-06"),  # = Thursday 23:30 北京时间
])
def test_due_after_counts_from_the_local_day(notified: datetime, due: str) -> None:
    assert due_after(notified, 1, CAL) == end_of_day(D(due))
    assert end_of_day(D(due)).isoformat() == f"{(D(due) + timedelta(days=1)).isoformat()}T00:00:00+08:00"


def test_a_naive_notice_time_is_refused() -> None:
    with pytest.raises(ValueError):
        due_after(datetime(2026, 3, 5, 9), 1, CAL)


@pytest.mark.parametrize(("start", "end", "count"), [
    ("2026-09-30", "2026-10-08", 1), ("2026-09-30", "2026-09-30", 0), ("2026-03-02", "2026-03-16", 10),
])
def test_working_days_between(start: str, end: str, count: int) -> None:
    assert working_days_between(D(start), D(end), CAL) == count


@pytest.mark.parametrize(("entry", "ok"), [
    (CalendarDay(D("2026-10-10"), WORKDAY), True),  # a Saturday
    (CalendarDay(D("2026-10-09"), WORKDAY), False),  # a Friday is a working day already
    (CalendarDay(D("2026-10-03"), HOLIDAY), True),  # a holiday may fall on a weekend
    (CalendarDay(D("2026-10-03"), "rest"), False),
])
def test_day_problem(entry: CalendarDay, ok: bool) -> None:
    assert (day_problem(entry) is None) is ok


def test_year_problems_name_each_bad_entry() -> None:
    entries = [CalendarDay(D("2026-10-01"), HOLIDAY), CalendarDay(D("2026-10-01"), HOLIDAY),
               CalendarDay(D("2027-01-01"), HOLIDAY), CalendarDay(D("2026-10-09"), WORKDAY)]
    problems = year_problems(2026, entries)
    assert [p[1] for p in problems] == ["2026-10-01 is listed twice", "2027-01-01 is not in 2026",
                                        "2026-10-09 is a weekday: only a weekend day is a make-up working day"]


@pytest.mark.parametrize(("today", "flag"), [
    ("2026-11-30", [2026]), ("2026-12-01", [2026, 2027]), ("2027-01-02", [2027]),
])
def test_years_to_flag(today: str, flag: list[int]) -> None:
    assert years_to_flag(D(today)) == flag
    assert missing_years(flag, CAL) == [y for y in flag if y > 2026]


def test_the_24_and_48_hour_clocks_never_pause_for_a_holiday(policy: Policy) -> None:
    # seed 001 四: 24 h / 48 h from receipt, in hours — the 国庆 holiday changes nothing
    received = datetime(2026, 9, 30, 20, tzinfo=BEIJING)
    for severity, hours in ((Severity.MAJOR, 24), (Severity.GENERAL, 48)):
        clocks = compute_clocks(severity=severity, received_at=received, verification_request=True, emergency=False,
                                policy=policy)
        due = {c.kind: c.due_at for c in clocks}
        assert due["response"] == received + timedelta(hours=hours)
        assert due["feedback"] == received + timedelta(hours=24)
