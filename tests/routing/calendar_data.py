"""The State Council's 2025 and 2026 holiday arrangements (国办发明电〔2024〕12号, 〔2025〕7号) as
test data: holidays on working days and the 调休 weekend working days."""

from __future__ import annotations

from datetime import date

from routing.workdays import HOLIDAY, WORKDAY, CalendarDay, WorkCalendar

HOLIDAYS_2026 = ["01-01", "01-02", "02-16", "02-17", "02-18", "02-19", "02-20", "02-23", "04-06", "05-01", "05-04",
                 "05-05", "06-19", "09-25", "10-01", "10-02", "10-05", "10-06", "10-07"]
MAKEUP_2026 = ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]
HOLIDAYS_2025 = ["01-01", "01-28", "01-29", "01-30", "01-31", "02-03", "02-04", "04-04", "05-01", "05-02", "05-05",
                 "06-02", "10-01", "10-02", "10-03", "10-06", "10-07", "10-08"]
MAKEUP_2025 = ["01-26", "02-08", "04-27", "09-28", "10-11"]


def days(year: int, holidays: list[str], makeup: list[str]) -> list[CalendarDay]:
    d = lambda md: date.fromisoformat(f"{year}-{md}")  # noqa: E731
    return [CalendarDay(d(x), HOLIDAY) for x in holidays] + [CalendarDay(d(x), WORKDAY) for x in makeup]


def calendar(*years: int) -> WorkCalendar:
    data = {2025: days(2025, HOLIDAYS_2025, MAKEUP_2025), 2026: days(2026, HOLIDAYS_2026, MAKEUP_2026)}
    return WorkCalendar.of(years, [x for y in years for x in data.get(y, [])])
