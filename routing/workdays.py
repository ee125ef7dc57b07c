"""Working days (工作日) where the seeds count them: a calendar of Chinese public holidays and
调休 make-up working days as plain data, and "N 个工作日内" counted from it. Pure: the data comes
from the database (seeded from the `holidays` package, edited by the admin).

Counting (seed 001 考核方案 五(一): 整改措施要在接到通报后的10个工作日内报送): day 1 is the first
working day *after* the day of the notice, and the deadline is the end of the Nth working day
(北京时间 24:00), so a notice received on a Friday before a 3-day holiday counts from the next
working Monday or later. A working day is a Monday–Friday that is not a holiday, or a 调休
weekend day declared a working day.

A year the calendar holds no data for is never guessed: every function that would read it
raises `CalendarYearMissing` naming the years, and the service flags them to the admin.

The 24 h / 48 h 舆情 clocks (routing.deadlines, seed 001 四) are in hours and never pause for a
holiday: nothing of this module touches them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from routing.local_time import BEIJING

HOLIDAY, WORKDAY = "holiday", "workday"  # the two kinds of calendar entry: 放假 / 调休上班
KIND_LABEL = {HOLIDAY: "放假", WORKDAY: "调休上班"}
MAX_WORKING_DAYS = 250  # about a year of working days: a longer period is a typo


class CalendarYearMissing(LookupError):
    """The calendar has no data for `years`: the count cannot be made honestly."""

    def __init__(self, years: Iterable[int]):
        self.years = tuple(sorted(set(years)))
        super().__init__(f"no working-day calendar for {', '.join(map(str, self.years))}")

    @property
    def zh(self) -> str:
        return f"工作日历缺少{'、'.join(f'{y}年' for y in self.years)}的节假日安排，请系统管理员补录"

    @property
    def en(self) -> str:
        return (f"the working-day calendar has no holiday data for {', '.join(map(str, self.years))}: "
                "the administrator must enter it")


@dataclass(frozen=True)
class CalendarDay:
    day: date
    kind: str  # holiday | workday
    name: str = ""  # 春节, 国庆节, 调休上班 …


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and make-up working days of the `years` the calendar covers."""

    years: frozenset[int]
    holidays: frozenset[date] = frozenset()
    makeup: frozenset[date] = frozenset()  # 调休: weekend days that are working days
    names: dict[date, str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, years: Iterable[int], days: Iterable[CalendarDay]) -> WorkCalendar:
        days = list(days)
        return cls(years=frozenset(years), holidays=frozenset(d.day for d in days if d.kind == HOLIDAY),
                   makeup=frozenset(d.day for d in days if d.kind == WORKDAY), names={d.day: d.name for d in days})

    def require(self, *years: int) -> None:
        missing = [y for y in years if y not in self.years]
        if missing:
            raise CalendarYearMissing(missing)

    def is_working_day(self, day: date) -> bool:
        self.require(day.year)
        if day in self.makeup:
            return True
        return day.weekday() < 5 and day not in self.holidays


def add_working_days(start: date, n: int, cal: WorkCalendar) -> date:
    """The Nth working day after `start`, counted inclusively from the next day (seed 001 考核方案
    五(一) "接到通报后的10个工作日内"): `start` itself never counts, day 1 is the first working day
    after it."""
    if not 1 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"working days must be 1…{MAX_WORKING_DAYS}, got {n}")
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            counted += 1
    return day


def working_days_between(start: date, end: date, cal: WorkCalendar) -> int:
    """Working days in (start, end]: how many of a period's days have passed by `end`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += cal.is_working_day(day)
    return count


def end_of_day(day: date) -> datetime:
    """The deadline of a day: its end in 北京时间 (the next day's 00:00), timezone-aware."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)


def local_day(at: datetime) -> date:
    """The 北京时间 date of an aware instant (a notice received at 23:30 UTC is the next day)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a notice time must be timezone-aware")
    return at.astimezone(BEIJING).date()


def due_after(notified_at: datetime, n: int, cal: WorkCalendar) -> datetime:
    """End of the Nth working day after the local day of `notified_at`."""
    return end_of_day(add_working_days(local_day(notified_at), n, cal))


def day_problem(day: CalendarDay) -> tuple[str, str] | None:
    """(zh, en) for an entry that cannot be right: a 调休上班 day is a weekend day (a weekday is a
    working day already), and a kind is holiday or workday."""
    if day.kind not in KIND_LABEL:
        return f"类型应为 holiday 或 workday：{day.kind}", f"kind must be holiday or workday, got {day.kind!r}"
    if day.kind == WORKDAY and day.day.weekday() < 5:
        return (f"{day.day.isoformat()} 是工作日，不能登记为调休上班",
                f"{day.day.isoformat()} is a weekday: only a weekend day is a make-up working day")
    return None


def year_problems(year: int, days: Iterable[CalendarDay]) -> list[tuple[str, str]]:
    """Every problem of one year's entries: outside the year, listed twice, or impossible."""
    out: list[tuple[str, str]] = []
    seen: set[date] = set()
    for d in days:
        if d.day.year != year:
            out.append((f"{d.day.isoformat()} 不属于{year}年", f"{d.day.isoformat()} is not in {year}"))
        if d.day in seen:
            out.append((f"{d.day.isoformat()} 重复登记", f"{d.day.isoformat()} is listed twice"))
        seen.add(d.day)
        if (p := day_problem(d)) is not None:
            out.append(p)
    return out


def missing_years(needed: Iterable[int], cal: WorkCalendar) -> list[int]:
    """The years of `needed` the calendar lacks, for the admin's flag."""
    return sorted({y for y in needed if y not in cal.years})


def years_to_flag(today: date) -> list[int]:
    """The years the admin must have entered by `today`: this year, and from 1 December the next
    (the State Council publishes the next year's 节假日安排 in November or December)."""
    return [today.year, today.year + 1] if today.month == 12 else [today.year]
