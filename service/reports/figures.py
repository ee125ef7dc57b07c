"""Report figures over plain incident records: pure, so exact values are testable without a
database. The loaders (I/O) turn rows into `Record`s; everything counted here is defined once.
These are the reference: service.reports.grouped computes by_unit, by_week, by_topic and overall
in the database by the same definitions (tests/reports/test_unit_totals.py and test_grouped.py
hold them equal on generated incidents); the routes use those.

Definitions (the ones an office sends upward):
- an incident counts for each unit answering for it (first responsible, co-responsible, lead);
- response on time: answered at or before the response clock's due time. An incident not
  answered yet counts as late once its due time has passed at `as_of`, and is left out of the
  rate while it is still within time (it has not been decided yet);
- feedback on time: the same for the 24 h feedback clock of verification requests (要求核实处置);
- time to claim / respond: from receipt (the 24 h / 48 h rule counts from receipt), medians in hours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from statistics import mean, median
from zoneinfo import ZoneInfo

# 舆情回应得分: this product's reading of 反应迅速 (on time), 核实反馈 (verification feedback), the
# review's 回应准确/发声权威/处置得当, and 问责. The seeds' "不低于4%" is the weight of *all* 政务公开
# work in the annual 目标责任考核 (routing.assessment.WEIGHT_NOTE), not of this score: it is never
# multiplied by 4 % (the 舆情回应 part's deductions in the assessment: routing.assessment).
ASSESSMENT_WEIGHTS = {"response": 0.45, "feedback": 0.15, "review": 0.40}
ACCOUNTABILITY_DEDUCTION = 5.0  # points off the 100 per accountability flag


@dataclass(frozen=True)
class Record:
    incident_id: int
    unit: str  # the unit this record counts for (one record per incident and unit)
    region: str
    topic: str
    severity: str
    received_at: datetime
    response_due: datetime | None = None
    claimed_at: datetime | None = None
    responded_at: datetime | None = None
    verification: bool = False
    feedback_due: datetime | None = None
    feedback_at: datetime | None = None
    returns: int = 0  # times this unit returned it (退回)
    breaches: int = 0  # clocks breached (met late, or open past due at as_of)
    review_scores: tuple[float, ...] = ()  # 0–100, one per review
    accountability: int = 0  # accountability flags (问责) raised in reviews


@dataclass(frozen=True)
class Figures:
    key: str  # the unit, the week (2026-W47) or the topic
    received: int = 0
    on_time: int = 0
    late: int = 0  # answered late, or unanswered past due
    pending: int = 0  # unanswered, still within time
    feedback_on_time: int = 0
    feedback_late: int = 0
    median_claim_hours: float | None = None
    median_response_hours: float | None = None
    breaches: int = 0
    returns: int = 0
    review_score: float | None = None  # mean of the reviews' scores
    reviews: int = 0
    accountability: int = 0
    incidents: tuple[int, ...] = field(default=(), repr=False)

    @property
    def on_time_rate(self) -> float | None:
        decided = self.on_time + self.late
        return self.on_time / decided if decided else None

    @property
    def feedback_on_time_rate(self) -> float | None:
        decided = self.feedback_on_time + self.feedback_late
        return self.feedback_on_time / decided if decided else None

    @property
    def assessment_score(self) -> float | None:
        """舆情回应得分 (0–100): the weighted mean of what the records show — on-time response, on-time
        feedback to verification requests, the reviews' mean score — over the parts this group
        has (a unit never asked to verify is judged on the other two), less a deduction per
        accountability flag. None when nothing is decided or reviewed yet."""
        parts = {"response": self.on_time_rate, "feedback": self.feedback_on_time_rate,
                 "review": None if self.review_score is None else self.review_score / 100}
        known = {k: v for k, v in parts.items() if v is not None}
        if not known:
            return None
        weighted = sum(ASSESSMENT_WEIGHTS[k] * v for k, v in known.items()) / sum(ASSESSMENT_WEIGHTS[k] for k in known)
        return max(0.0, 100 * weighted - ACCOUNTABILITY_DEDUCTION * self.accountability)


def verdict(met: datetime | None, due: datetime | None, as_of: datetime) -> str | None:
    """on_time / late / pending for one clock; None when the record has no such clock."""
    if due is None:
        return None
    if met is not None:
        return "on_time" if met <= due else "late"
    return "late" if as_of > due else "pending"


def _hours(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (end - start) / timedelta(hours=1)


def summarise(key: str, records: Sequence[Record], as_of: datetime) -> Figures:
    response = [verdict(r.responded_at, r.response_due, as_of) for r in records]
    feedback = [verdict(r.feedback_at, r.feedback_due, as_of) for r in records if r.verification]
    claim = [h for r in records if (h := _hours(r.received_at, r.claimed_at)) is not None]
    answer = [h for r in records if (h := _hours(r.received_at, r.responded_at)) is not None]
    scores = [s for r in records for s in r.review_scores]
    return Figures(
        key=key, received=len(records), on_time=response.count("on_time"), late=response.count("late"),
        pending=response.count("pending"), feedback_on_time=feedback.count("on_time"),
        feedback_late=feedback.count("late"),
        median_claim_hours=median(claim) if claim else None,
        median_response_hours=median(answer) if answer else None,
        breaches=sum(r.breaches for r in records), returns=sum(r.returns for r in records),
        review_score=mean(scores) if scores else None, reviews=len(scores),
        accountability=sum(r.accountability for r in records),
        incidents=tuple(sorted({r.incident_id for r in records})),
    )


def group(records: Iterable[Record], key: Callable[[Record], str], as_of: datetime) -> list[Figures]:
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        groups[key(r)].append(r)
    return [summarise(k, rs, as_of) for k, rs in sorted(groups.items())]


def by_unit(records: Iterable[Record], as_of: datetime) -> list[Figures]:
    return group(records, lambda r: r.unit, as_of)


def by_topic(records: Iterable[Record], as_of: datetime) -> list[Figures]:
    """Topics count incidents once, whichever units answer for them."""
    return group(_one_per_incident(records), lambda r: r.topic, as_of)


def by_week(records: Iterable[Record], as_of: datetime, tz: ZoneInfo) -> list[Figures]:
    """ISO weeks of receipt, local time (a Monday 00:30 in Beijing is that Monday's week)."""
    return group(_one_per_incident(records), lambda r: iso_week(r.received_at.astimezone(tz).date()), as_of)


def overall(records: Iterable[Record], as_of: datetime) -> Figures:
    return summarise("合计", list(_one_per_incident(records)), as_of)


def iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _one_per_incident(records: Iterable[Record]) -> list[Record]:
    """One record per incident for incident-level figures (an incident answered by three
    units is one incident): clocks are the incident's, so the first record's are kept; what
    units do on their own (returns, reviews, accountability) is added up, and the incident was
    claimed when any of its units first claimed it."""
    merged: dict[int, Record] = {}
    for r in records:
        m = merged.get(r.incident_id)
        merged[r.incident_id] = r if m is None else replace(
            m, returns=m.returns + r.returns, review_scores=m.review_scores + r.review_scores,
            accountability=m.accountability + r.accountability,
            claimed_at=min((t for t in (m.claimed_at, r.claimed_at) if t is not None), default=None))
    return list(merged.values())
