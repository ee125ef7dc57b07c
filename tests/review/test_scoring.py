"""反应迅速 and the review's score: exact values on the documented curve; input rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.review.scoring import Window, accountability_problems, judged_problems, overall, timeliness, window_score

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
DAY = Window(T0, T0 + timedelta(hours=24))
TWO_DAYS = Window(T0, T0 + timedelta(hours=48))


@pytest.mark.parametrize(("hours", "score"), [
    (0, 100), (1, 100), (6, 100),  # within the first quarter
    (9, 93), (15, 80), (18, 73), (24, 60),  # 100 − 40·(t − 6)/18: 93.3, 80, 73.3
    (24.2, 60), (30, 45), (36, 30), (42, 15), (47.9, 0), (48, 0), (100, 0),  # late: 60 − 60·(t − 24)/24
])
def test_the_curve_of_a_24_hour_window(hours: float, score: int) -> None:
    assert window_score(DAY, T0 + timedelta(hours=hours)) == score


def test_rounding_is_half_up_and_the_window_scales() -> None:
    assert window_score(DAY, T0 + timedelta(hours=6, minutes=40, seconds=30)) == 99  # 98.5, half up
    assert window_score(DAY, T0 + timedelta(hours=24, minutes=12)) == 60  # 59.5, half up
    assert window_score(DAY, T0 + timedelta(hours=7, minutes=21)) == 97  # 97.0
    assert window_score(TWO_DAYS, T0 + timedelta(hours=12)) == 100
    assert window_score(TWO_DAYS, T0 + timedelta(hours=30)) == 80  # same share as 15 h of 24
    assert window_score(TWO_DAYS, T0 + timedelta(hours=72)) == 30
    assert window_score(TWO_DAYS, T0 + timedelta(hours=21)) == 90  # 90.0 exactly
    assert window_score(TWO_DAYS, T0 + timedelta(hours=12, minutes=54)) == 99  # 99.0


def test_no_answer_scores_zero_and_the_worst_deadline_counts() -> None:
    assert window_score(DAY, None) == 0
    assert timeliness([TWO_DAYS], None) == 0
    # 要求核实处置: the 48 h response clock and the 24 h feedback clock, met by one answer at 20 h
    assert timeliness([TWO_DAYS, DAY], T0 + timedelta(hours=20)) == 69  # min(100 − 40·8/36 = 91, 68.9 → 69)
    assert timeliness([TWO_DAYS], T0 + timedelta(hours=20)) == 91
    assert timeliness([], T0) == 100 and timeliness([], None) == 0


def test_the_score_is_the_mean_rounded_half_up_to_one_decimal() -> None:
    assert overall(100, 80, 90, 70) == 85.0
    assert overall(91, 80, 80, 80) == 82.8  # 82.75
    assert overall(60, 70, 80, 91) == 75.3  # 75.25
    assert overall(0, 0, 0, 1) == 0.3  # 0.25
    assert overall(0, 0, 0, 0) == 0.0


def test_accountability_needs_a_ground_and_a_note_and_forbids_a_ground_without_it() -> None:
    assert accountability_problems(False, None, None) == []
    assert accountability_problems(True, "回应不妥当", "口径前后矛盾") == []
    assert [p.field for p in accountability_problems(False, "回应不妥当", None)] == ["accountability_ground"]
    assert [p.field for p in accountability_problems(True, "态度不好", "口径前后矛盾")] == ["accountability_ground"]
    assert [p.field for p in accountability_problems(True, "报告不及时", " 迟报 ")] == ["accountability_note"]
    both = accountability_problems(True, None, None)
    assert [p.field for p in both] == ["accountability_ground", "accountability_note"]
    assert "处置不得力、回应不妥当、报告不及时" in both[0].zh and "at least 4" in both[1].en


def test_judged_scores_are_integers_from_0_to_100() -> None:
    assert judged_problems(0, 100, 50) == []
    assert [p.field for p in judged_problems(-1, 101, True)] == ["accuracy", "authority", "handling"]
