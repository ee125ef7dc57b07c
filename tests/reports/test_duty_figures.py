"""On time per unit per duty (service.reports.duty_figures): exact counts over plain records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.reports.duty_figures import DutyRecord, by_unit_and_duty, duty_json, outcome

T0 = datetime(2026, 11, 2, tzinfo=UTC)
H = timedelta(hours=1)
DUE = T0 + 48 * H


def test_outcomes() -> None:
    assert outcome(DutyRecord(1, "A", "first", DUE, DUE), T0) == "on_time"  # at the due time: on time
    assert outcome(DutyRecord(1, "A", "first", DUE, DUE + H), T0) == "late"
    assert outcome(DutyRecord(1, "A", "first", DUE, None), DUE) == "late"  # unanswered once due
    assert outcome(DutyRecord(1, "A", "first", DUE, None), DUE - H) == "pending"
    assert outcome(DutyRecord(1, "A", "first", None, None), DUE) is None


def test_rows_per_unit_and_duty() -> None:
    records = [DutyRecord(1, "公安局", "first", DUE, T0 + H), DutyRecord(2, "公安局", "first", DUE, None),
               DutyRecord(3, "公安局", "lead", DUE, DUE + H), DutyRecord(1, "教育局", "lead", DUE, T0 + 2 * H),
               DutyRecord(4, "办公室", "party_report", T0 + 4 * H, T0 + 5 * H),
               DutyRecord(5, "河西镇人民政府", "co_locality", DUE, None)]
    rows = duty_json(by_unit_and_duty(records, as_of=DUE + 2 * H))
    assert [(r["unit"], r["role"], r["owed"], r["on_time"], r["late"], r["pending"], r["on_time_rate"])
            for r in rows] == [
        ("公安局", "first", 2, 1, 1, 0, 0.5), ("公安局", "lead", 1, 0, 1, 0, 0.0),
        ("办公室", "party_report", 1, 0, 1, 0, 0.0), ("教育局", "lead", 1, 1, 0, 0, 1.0),
        ("河西镇人民政府", "co_locality", 1, 0, 1, 0, 0.0)]
    assert rows[2]["role_label"] == "向同级党委报告"
    early = duty_json(by_unit_and_duty(records[4:], as_of=T0))
    assert [(r["pending"], r["on_time_rate"]) for r in early] == [(0, 0.0), (1, None)]
