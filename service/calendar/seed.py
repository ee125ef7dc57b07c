"""The calendar's seed: China's holidays and 调休 make-up working days from the `holidays`
package (its China data follows the State Council's yearly 节假日安排 notices). A year is taken
only when the package has its make-up days (the sign that the year's notice is in it): for a
year after the package's last notice it computes the fixed-date holidays only, and that is
exactly the guess the calendar must not make.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version

from routing.workdays import HOLIDAY, WORKDAY, CalendarDay


def source() -> str:
    return f"holidays {version('holidays')}"


def official_year(year: int) -> list[CalendarDay] | None:
    """The year's entries from the package, or None when it has no notice for that year."""
    import holidays  # a quarter of a second to import (all its calendars): only when seeding

    cn = holidays.country_holidays("CN", years=year, language="zh_CN")
    makeup = sorted(d for d in cn.weekend_workdays if d.year == year)
    if not makeup:
        return None
    days = [CalendarDay(d, HOLIDAY, str(name)[:100]) for d, name in sorted(cn.items()) if d.year == year]
    return days + [CalendarDay(d, WORKDAY, "调休上班") for d in makeup]


def official_years(years: Iterable[int]) -> dict[int, list[CalendarDay]]:
    return {y: days for y in years if (days := official_year(y)) is not None}
