"""督办单 input rules, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.local_time import BEIJING
from service.supervision.rules import due_problem, state_of, supervised_units

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def test_the_due_time_is_aware_in_the_future_and_at_most_30_days_ahead() -> None:
    assert due_problem(NOW + timedelta(hours=1), NOW) is None
    assert due_problem(NOW + timedelta(days=30), NOW) is None
    assert due_problem(datetime(2026, 6, 1, 10, 1, tzinfo=BEIJING), NOW) is None  # 02:01 UTC
    assert due_problem(datetime(2026, 6, 1, 10, 0, tzinfo=BEIJING), NOW) == (
        "办理时限须晚于当前时间", "due_at must be in the future")
    assert due_problem(NOW + timedelta(days=30, seconds=1), NOW) == ("办理时限最长为30天", "due_at may be at most 30 days ahead")
    assert due_problem(datetime(2026, 6, 2), NOW) == ("办理时限须带时区", "due_at must carry a timezone offset")


def test_units_default_to_the_first_responsible_and_must_be_assigned() -> None:
    assert supervised_units(None, ["甲局", "乙镇"], {"甲局", "乙镇", "丙局"}, set()) == (["甲局", "乙镇"], [], [])
    assert supervised_units([" 丙局", "丙局"], ["甲局"], {"甲局", "丙局"}, {"丁局"}) == (["丙局"], [], [])
    # 丁局 is a unit of the org but not assigned: its liaison could not see the incident to answer
    assert supervised_units(["丙局", "丁局"], ["甲局"], {"甲局", "丙局"}, {"丁局"}) == (["丙局", "丁局"], [], ["丁局"])
    assert supervised_units(["戊局", "甲局"], ["甲局"], {"甲局"}, {"丁局"}) == (["戊局", "甲局"], ["戊局"], [])
    assert supervised_units([" "], ["甲局"], {"甲局"}, set()) == ([], [], [])


def test_state() -> None:
    due = NOW + timedelta(hours=2)
    assert state_of(due, None, NOW) == "open"
    assert state_of(due, None, due + timedelta(seconds=1)) == "overdue"
    assert state_of(due, due + timedelta(hours=5), due + timedelta(hours=6)) == "answered"
