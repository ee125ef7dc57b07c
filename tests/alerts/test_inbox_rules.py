"""The inbox's pure rules: rung order, 临期 vs 超时 against now, folding to one row per incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.alerts.inbox_rules import Entry, clocks_text, fold, rank_of, stage

NOW = datetime(2026, 6, 2, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)


def entry(i: int, incident: int, clock: str, step: str, due: datetime, unread: bool = True, label: str = "") -> Entry:
    return Entry(id=i, incident_id=incident, clock=clock, clock_label=label or clock, step=step, rank=rank_of(step),
                 rungs=1, due_at=due, unread=unread)


def test_rungs_climb_50_80_breach_supervise_and_the_leaders_alert_tops_them() -> None:
    assert [rank_of(s) for s in ("warn_50", "warn_80", "urge", "supervise", "major")] == [50, 80, 100, 200, 300]
    assert rank_of("claim_expired") == rank_of("urge")


def test_a_reminder_is_due_only_while_the_deadline_is_ahead() -> None:
    assert stage("warn_80", NOW + H, NOW) == ("due", "临期提醒（已过 80%）")
    assert stage("warn_80", NOW - 30 * 24 * H, NOW) == ("overdue", "已超时")  # a month late: never 临期
    assert stage("urge", NOW - H, NOW) == ("overdue", "超时催办")
    assert stage("supervise", NOW - H, NOW)[0] == "supervise"
    assert stage("major", NOW + H, NOW)[0] == "major"


def test_one_row_per_incident_with_its_highest_clock_first_and_each_clock_once() -> None:
    rows = fold([
        entry(1, 7, "response", "warn_50", NOW + 5 * H, label="回应"),
        entry(2, 7, "feedback", "urge", NOW - H, unread=False, label="反馈"),
        entry(3, 7, "feedback", "supervise", NOW - H, label="反馈"),  # the same clock, another audience
        entry(4, 9, "response", "warn_80", NOW + H),
        entry(5, 8, "response", "warn_80", NOW + 2 * H),
    ])
    assert [r.incident_id for r in rows] == [7, 9, 8]  # the highest rung, then the nearest deadline
    top = rows[0]
    assert (top.top.step, top.ids, top.rungs, top.unread) == ("supervise", (1, 2, 3), 3, 2)
    assert [e.clock for e in top.entries] == ["feedback", "response"] and clocks_text(top.entries) == "反馈、回应"
