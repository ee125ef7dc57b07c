"""The annual 政务公开 assessment (routing.assessment; seed 001 考核方案 二、三、五)."""

from __future__ import annotations

import pytest

from routing.assessment import (
    CRITICISM,
    EXCELLENT,
    FAIL,
    GOOD,
    PASS,
    PRAISE,
    RESPONSE_INDICATOR,
    WEIGHT_NOTE,
    Bonus,
    Deduction,
    ResponseDeductionRates,
    composite,
    consequence,
    grade,
    indicator_score,
    response_deductions,
)


@pytest.mark.parametrize(("score", "expected"), [
    (100, EXCELLENT), (90, EXCELLENT), (89.99, GOOD), (89.5, GOOD), (80, GOOD), (79.9, PASS), (60, PASS),
    (59.99, FAIL), (0, FAIL), (105, EXCELLENT),  # 100 and bonuses
])
def test_grade(score: float, expected: str) -> None:
    assert grade(score) == expected


@pytest.mark.parametrize("score", [-0.1, 200.1])
def test_grade_refuses_impossible_scores(score: float) -> None:
    with pytest.raises(ValueError):
        grade(score)


@pytest.mark.parametrize(("g", "notice", "days"), [
    (EXCELLENT, PRAISE, None), (GOOD, None, None), (PASS, None, None), (FAIL, CRITICISM, 10),
])
def test_consequence(g: str, notice: str | None, days: int | None) -> None:
    c = consequence(g)
    assert (c.notice, c.rectify_days) == (notice, days)


def d(points: float, major: bool = False, indicator: str = RESPONSE_INDICATOR) -> Deduction:
    return Deduction(indicator, points, "", major)


@pytest.mark.parametrize(("weight", "deductions", "score"), [
    (20, [d(3), d(4)], 13),
    (20, [d(15), d(15)], 0),  # 二级/三级 may lose more than their own weight, the 一级 never below 0
    (20, [d(3), d(30, major=True)], 17),  # a 重大扣分项 is set apart
])
def test_indicator_score(weight: float, deductions: list[Deduction], score: float) -> None:
    assert indicator_score(weight, deductions) == score


WEIGHTS = {RESPONSE_INDICATOR: 20.0, "主动公开": 50.0, "平台建设": 30.0}


@pytest.mark.parametrize(("deductions", "bonuses", "score"), [
    ([], [], 100),
    ([d(25)], [], 80),  # capped at the indicator's 20
    ([d(5), d(10, indicator="主动公开")], [Bonus(3, "亮点")], 88),
    ([d(5, major=True)], [], 95),
    ([d(20), d(30, indicator="主动公开"), d(60, major=True)], [Bonus(2, "")], 2),  # 50 − 60 → 0, + 2
])
def test_composite(deductions: list[Deduction], bonuses: list[Bonus], score: float) -> None:
    assert composite(WEIGHTS, deductions, bonuses) == pytest.approx(score)


def test_composite_refuses_bad_weights_and_unknown_indicators() -> None:
    with pytest.raises(ValueError):
        composite({"a": 50}, [])
    with pytest.raises(ValueError):
        composite(WEIGHTS, [d(1, indicator="不存在")])


def test_response_deductions_from_the_records() -> None:
    out = response_deductions(3, 1, 1, ResponseDeductionRates(late_response=2, late_feedback=1, accountability=5))
    assert [(x.points, x.major, x.reason) for x in out] == [
        (6, False, "舆情回应超时3次"), (1, False, "核实处置反馈超时1次"), (5, True, "重大政务舆情被问责1次")]
    assert response_deductions(0, 0, 0) == []
    assert composite(WEIGHTS, out) == pytest.approx(100 - 7 - 5)


def test_the_4_percent_is_the_weight_of_all_government_information_work() -> None:
    assert "4%" in WEIGHT_NOTE and "全部政务公开工作" in WEIGHT_NOTE and "不是舆情回应单项" in WEIGHT_NOTE
