"""The review's arithmetic and its input rules, as pure functions (no database, no clock).

反应迅速 (timeliness) is computed from the records, never judged: a unit that answered early
scores high whatever the reviewer thinks. The other three dimensions are the reviewer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from service.review.models import ACCOUNTABILITY_GROUNDS

FULL_MARKS_SHARE = Decimal(1) / 4  # answered within the first quarter of the window: 100
AT_DEADLINE = 60  # answered exactly at the deadline: 60 (the pass mark)
MIN_NOTE = 4  # an accountability flag needs a reason of at least this many characters


@dataclass(frozen=True)
class Window:
    """One deadline the response had to meet: it opened at `start` (receipt) and fell due at `due`."""

    start: datetime
    due: datetime


def window_score(window: Window, answered_at: datetime | None) -> int:
    """反应迅速 for one deadline, an integer 0–100. With W the window (due − start) and t the
    time taken (answered_at − start):

    - t ≤ W/4 → 100;
    - W/4 < t ≤ W → linear from 100 down to 60 at the deadline: 100 − 40·(t − W/4)/(3W/4);
    - W < t < 2W (late) → linear from 60 down to 0: 60 − 60·(t − W)/W;
    - t ≥ 2W, or no answer → 0.

    Rounded half up to an integer. A window of zero length or less counts as answered late
    unless answered at its start (it cannot be met early)."""
    if answered_at is None:
        return 0
    span = Decimal(int((window.due - window.start).total_seconds() * 1_000_000))
    taken = Decimal(int((answered_at - window.start).total_seconds() * 1_000_000))
    if span <= 0:
        return 100 if taken <= 0 else 0
    share = taken / span
    if share <= FULL_MARKS_SHARE:
        value = Decimal(100)
    elif share <= 1:
        value = 100 - (100 - AT_DEADLINE) * (share - FULL_MARKS_SHARE) / (1 - FULL_MARKS_SHARE)
    elif share < 2:
        value = AT_DEADLINE - AT_DEADLINE * (share - 1)
    else:
        value = Decimal(0)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def timeliness(windows: Iterable[Window], answered_at: datetime | None) -> int:
    """反应迅速 of a unit's response: the worst score over the deadlines it had to meet (the
    `response` clock, and for 要求核实处置 the 24 h `feedback` clock too, which the same
    response meets). No deadline on record: judged against nothing, 0 when unanswered, else 100."""
    scores = [window_score(w, answered_at) for w in windows]
    if not scores:
        return 0 if answered_at is None else 100
    return min(scores)


def overall(timeliness_score: int, accuracy: int, authority: int, handling: int) -> float:
    """The review's score: the mean of the four dimensions, rounded half up to one decimal
    (a mean of four integers ends in .0/.25/.5/.75: .25 → .3, .75 → .8)."""
    total = Decimal(timeliness_score + accuracy + authority + handling) / 4
    return float(total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Problem:
    field: str
    zh: str
    en: str


def judged_problems(accuracy: int, authority: int, handling: int) -> list[Problem]:
    """Each judged dimension is an integer from 0 to 100."""
    names = (("accuracy", "回应准确", accuracy), ("authority", "发声权威", authority), ("handling", "处置得当", handling))
    return [Problem(f, f"“{zh}”须为 0–100 的整数", f"{f} must be an integer from 0 to 100")
            for f, zh, v in names if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100]


def accountability_problems(accountability: bool, ground: str | None, note: str | None) -> list[Problem]:
    """问责 needs one of the seeds' grounds and a stated reason; no 问责, no ground."""
    if not accountability:
        if ground:
            return [Problem("accountability_ground", "未提出问责时不能填写问责事由",
                            "an accountability ground is only given when accountability is flagged")]
        return []
    problems = []
    if ground not in ACCOUNTABILITY_GROUNDS:
        problems.append(Problem("accountability_ground", f"问责事由须为：{'、'.join(ACCOUNTABILITY_GROUNDS)}",
                                "accountability_ground must be one of " + ", ".join(ACCOUNTABILITY_GROUNDS)))
    if len((note or "").strip()) < MIN_NOTE:
        problems.append(Problem("accountability_note", f"提出问责须说明理由（至少{MIN_NOTE}个字）",
                                f"accountability needs a note of at least {MIN_NOTE} characters"))
    return problems
