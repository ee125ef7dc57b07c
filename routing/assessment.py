"""The annual 政务公开 assessment of seed 001's 考核方案 as pure rules: grade of a score, what a
grade brings, and how deductions and bonuses combine where they touch 舆情回应.

- 三 考核等次: 优秀 ≥ 90, 良好 80–89, 合格 60–79, 不合格 < 60 (综合评分).
- 五(一) 结果运用: 优秀 → 通报表扬或表彰奖励; 不合格 → 通报批评 and 责令限期整改, the 整改措施
  reported within 10 working days of the notice (routing.accountability, routing.workdays).
- 二 计分办法: 常规工作 by deduction — a 一级指标 loses at most its own weight, its 二级/三级
  indicators may lose more than their own weight but not more than the 一级's; 重大扣分项 for
  严重失误、失职 are set apart (not capped by an indicator); 亮点 by bonus, set apart.
- The weight: seed 000 二(三) and seed 001 五 "将政务公开工作纳入政府年度目标责任考核，分值权重不低于4%",
  seed 004 八(二) "分值不低于4%". That 4 % is the weight of *all* 政务公开 work (公开、解读回应、平台、
  依申请公开 …) in the government's annual 目标责任考核, not of 舆情回应 alone: `WEIGHT_NOTE` is how
  the reports say it, and no report multiplies a 舆情回应 score by 4 %.

The scheme's 评分表 (附件2, 考核细则与评分表) is not in the seeds: the points per late response,
late feedback and 问责 below (`ResponseDeductionRates`) are this product's defaults, configurable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

EXCELLENT, GOOD, PASS, FAIL = "优秀", "良好", "合格", "不合格"
GRADES = (EXCELLENT, GOOD, PASS, FAIL)
GRADE_FLOOR = {EXCELLENT: 90.0, GOOD: 80.0, PASS: 60.0}  # seed 001 考核方案 三
MAX_SCORE = 200.0  # 100 and the bonuses, which the scheme sets apart without a cap of its own
PRAISE, CRITICISM = "通报表扬", "通报批评"
RECTIFY_DAYS = 10  # seed 001 考核方案 五(一)
ANNUAL_WEIGHT_FLOOR = 0.04  # of all 政务公开 work in the 年度目标责任考核 (seed 000 二(三), 001 五, 004 八(二))
WEIGHT_NOTE = ("政务公开工作（含舆情回应）纳入政府年度目标责任考核，分值权重不低于4%（seed 000 二(三)、"
               "seed 001 五）；4%是全部政务公开工作的权重，不是舆情回应单项的权重。本表“舆情回应得分”"
               "仅反映本系统记录的舆情回应情况，是政务公开年度考核中舆情回应部分的参考，不折算为年度考核分。")


def score_problem(score: float) -> tuple[str, str] | None:
    if not 0 <= score <= MAX_SCORE:
        return f"综合评分应在0至{MAX_SCORE:g}之间", f"the score must be 0…{MAX_SCORE:g}"
    return None


def grade(score: float) -> str:
    """The grade of a 综合评分 (seed 001 考核方案 三). "80—89分" and "60—79分" are read as the
    half-open ranges [80, 90) and [60, 80): 89.5 is 良好, 59.9 不合格."""
    if (p := score_problem(score)) is not None:
        raise ValueError(p[1])
    for g in (EXCELLENT, GOOD, PASS):
        if score >= GRADE_FLOOR[g]:
            return g
    return FAIL


@dataclass(frozen=True)
class Consequence:
    notice: str | None  # 通报表扬 / 通报批评 / None
    rectify_days: int | None  # working days for the 整改措施, None when none is owed


def consequence(g: str) -> Consequence:
    """What a grade brings (seed 001 考核方案 五(一))."""
    if g not in GRADES:
        raise ValueError(f"unknown grade {g!r}")
    if g == EXCELLENT:
        return Consequence(PRAISE, None)
    if g == FAIL:
        return Consequence(CRITICISM, RECTIFY_DAYS)
    return Consequence(None, None)


@dataclass(frozen=True)
class Deduction:
    indicator: str  # the 一级指标 it falls under, e.g. 解读回应
    points: float
    reason: str
    major: bool = False  # 重大扣分项 (严重失误、失职): set apart, not capped by the indicator


@dataclass(frozen=True)
class Bonus:
    points: float
    reason: str


def indicator_score(weight: float, deductions: Sequence[Deduction]) -> float:
    """A 一级指标's points: its weight less its ordinary deductions, never below 0 (seed 001
    考核方案 二(二): 一级指标减分上限为自身权重分值, whatever its 二级/三级 lost)."""
    lost = sum(d.points for d in deductions if not d.major)
    return weight - min(weight, lost)


def composite(weights: dict[str, float], deductions: Sequence[Deduction], bonuses: Sequence[Bonus] = ()) -> float:
    """综合评分: each 一级指标 after its capped deductions, less the 重大扣分项, plus the bonuses
    (seed 001 考核方案 二). `weights` must add up to 100."""
    if abs(sum(weights.values()) - 100.0) > 1e-6:
        raise ValueError("the 一级指标 weights must add up to 100")
    unknown = {d.indicator for d in deductions} - set(weights)
    if unknown:
        raise ValueError(f"deductions under unknown indicators: {sorted(unknown)}")
    base = sum(indicator_score(w, [d for d in deductions if d.indicator == name]) for name, w in weights.items())
    major = sum(d.points for d in deductions if d.major)
    return max(0.0, base - major) + sum(b.points for b in bonuses)


RESPONSE_INDICATOR = "解读回应"  # the 一级指标 舆情回应 falls under (seed 001 四 "回应关切")


@dataclass(frozen=True)
class ResponseDeductionRates:
    """Points per event recorded by this system (defaults of the product: 附件2 is not in the
    seeds). A 问责 is a 重大扣分项 (a 重大政务舆情 处置不得力 … is a 严重失误)."""

    late_response: float = 1.0  # 24 h / 48 h 回应超时 (seed 001 四)
    late_feedback: float = 1.0  # 要求核实处置 24 h 反馈超时 (seed 001 四)
    accountability: float = 5.0  # 问责 (seed 002 二(二))


def response_deductions(late_responses: int, late_feedback: int, accountability: int,
                        rates: ResponseDeductionRates = ResponseDeductionRates()) -> list[Deduction]:
    """The deductions a unit's 舆情回应 record brings to the assessment."""
    out = []
    if late_responses:
        out.append(Deduction(RESPONSE_INDICATOR, late_responses * rates.late_response,
                             f"舆情回应超时{late_responses}次"))
    if late_feedback:
        out.append(Deduction(RESPONSE_INDICATOR, late_feedback * rates.late_feedback,
                             f"核实处置反馈超时{late_feedback}次"))
    if accountability:
        out.append(Deduction(RESPONSE_INDICATOR, accountability * rates.accountability,
                             f"重大政务舆情被问责{accountability}次", major=True))
    return out
