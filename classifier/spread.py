"""Severity from spread signals: how far an item or an incident has travelled.

Pure. Per item, the source's counters (reposts 转发, comments 评论, likes 点赞, views 阅读);
per incident, a `SpreadTally` kept in the incident's JSON signature (maxima, sums, names and
hourly counts of its items), so a batch updates it from the items in hand without reading the
incident's other items. `assess_spread` compares the facts with the policy's thresholds
(routing/data/policy.yaml `spread`) and says, in Chinese, which signal crossed which figure.
Spread only ever raises a level: a signal that is absent or below every figure says nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from classifier.base import SeverityAssessment
from routing.facts import SEVERITY_RANK, Severity
from routing.policy import SPREAD_SIGNALS, SpreadRule

SPREAD = "spread"  # the trigger key an item's severity carries when its own signals crossed a figure
ITEM_SIGNALS = ("reposts", "comments", "likes", "views")
ENGAGEMENT = ("reposts", "comments", "likes")  # views are counted differently by every platform
MAX_UNITS = 200  # an incident naming more departments than this is past every threshold anyway

# signal → (what is counted, unit); per_hour's label takes the window
_LABELS = {
    "reposts": ("转发", "次"),
    "comments": ("评论", "条"),
    "likes": ("点赞", "次"),
    "views": ("阅读", "次"),
    "engagement": ("事件累计互动（转发、评论、点赞）", "次"),
    "items": ("合并信息", "条"),
    "units": ("涉及部门", "个"),
    "regions": ("涉及地区", "个"),
    "per_hour": ("近{window}小时平均每小时新增信息", "条"),
}


@dataclass(frozen=True)
class ItemSignals:
    """One item's counters as its source reports them; None = not reported."""

    reposts: int | None = None
    comments: int | None = None
    likes: int | None = None
    views: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, int] | None) -> ItemSignals | None:
        if not data:
            return None
        return cls(**{k: int(v) for k, v in data.items() if k in ITEM_SIGNALS and v is not None})

    def as_dict(self) -> dict[str, int]:
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @property
    def engagement(self) -> int | None:
        given = [v for k in ENGAGEMENT if (v := getattr(self, k)) is not None]
        return sum(given) if given else None


@dataclass(frozen=True)
class SpreadFacts:
    """What is known of the spread; None = not known (the signal is ignored)."""

    reposts: int | None = None  # of the item, or of the incident's hottest item
    comments: int | None = None
    likes: int | None = None
    views: int | None = None
    engagement: int | None = None  # reposts + comments + likes summed over the incident's items
    items: int | None = None  # items merged into the incident
    units: int | None = None  # distinct departments named
    regions: int | None = None  # distinct regions named
    per_hour: float | None = None  # items per hour over the policy's growth window

    @classmethod
    def of_item(cls, signals: ItemSignals) -> SpreadFacts:
        return cls(**signals.as_dict())


@dataclass(frozen=True)
class Crossing:
    signal: str
    value: float
    level: Severity
    threshold: float
    reason: str


@dataclass(frozen=True)
class SpreadAssessment:
    level: Severity  # 一般 when no signal crossed a figure
    crossings: tuple[Crossing, ...] = ()

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.crossings)

    def reasons_above(self, level: Severity) -> tuple[str, ...]:
        """The reasons that lift beyond `level` (what made an incident rise from it)."""
        return tuple(c.reason for c in self.crossings if SEVERITY_RANK[c.level] > SEVERITY_RANK[Severity(level)])


def assess_spread(signals: SpreadFacts, rule: SpreadRule) -> SpreadAssessment:
    """The highest level any signal reaches, with one reason per signal that reached one."""
    crossings = []
    for signal in SPREAD_SIGNALS:
        value = getattr(signals, signal)
        levels = rule.thresholds.get(signal)
        if value is None or not levels:
            continue
        reached = [(lvl, t) for lvl, t in levels.items() if value >= t]
        if not reached:
            continue
        level, threshold = max(reached, key=lambda lt: SEVERITY_RANK[lt[0]])
        crossings.append(Crossing(signal, value, level, threshold, _reason(signal, value, level, threshold, rule)))
    level = max((Severity.GENERAL, *(c.level for c in crossings)), key=SEVERITY_RANK.__getitem__)
    return SpreadAssessment(level, tuple(crossings))


def _reason(signal: str, value: float, level: Severity, threshold: float, rule: SpreadRule) -> str:
    label, unit = _LABELS[signal]
    label = label.format(window=_number(rule.growth_window_hours))
    verb = "超过" if value > threshold else "达到"
    return f"{label} {_number(value)} {unit}，{verb}{level}阈值 {_number(threshold)}"


def _number(x: float) -> str:
    """12000 → 12,000; 12.5 → 12.5; 12.0 → 12."""
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.1f}"


def with_spread(assessed: SeverityAssessment, spread: SpreadAssessment) -> SeverityAssessment:
    """An item's text assessment raised by its own spread signals (never lowered)."""
    if not spread.crossings:
        return assessed
    level = max(assessed.level, spread.level, key=SEVERITY_RANK.__getitem__)
    return replace(assessed, level=level, triggers=(*assessed.triggers, SPREAD),
                   reasons=(*assessed.reasons, *(f"传播态势：{r}" for r in spread.reasons)))


# --- the incident's tally -----------------------------------------------------------------
def _hour(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class SpreadTally:
    """An incident's spread, updated item by item: no need to read its earlier items again."""

    items: int = 0
    peak: dict[str, int] = field(default_factory=dict)  # the highest counter of any one item
    engagement: int | None = None
    units: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    hours: dict[str, int] = field(default_factory=dict)  # UTC hour → items received, recent hours only
    latest: datetime | None = None

    def add(self, signals: ItemSignals | None, *, departments: Iterable[str], regions: Iterable[str],
            received_at: datetime, window_hours: float) -> SpreadTally:
        peak, engagement = dict(self.peak), self.engagement
        if signals is not None:
            for k, v in signals.as_dict().items():
                peak[k] = max(peak.get(k, 0), v)
            if (e := signals.engagement) is not None:
                engagement = (engagement or 0) + e
        latest = max(filter(None, (self.latest, received_at)))
        hours = dict(self.hours)
        hours[_hour(received_at)] = hours.get(_hour(received_at), 0) + 1
        units = self.units | frozenset(departments)
        return SpreadTally(
            items=self.items + 1, peak=peak, engagement=engagement,
            units=units if len(units) <= MAX_UNITS else self.units, regions=self.regions | frozenset(regions),
            hours=_recent(hours, latest, window_hours), latest=latest,
        )

    def facts(self, window_hours: float, above: Callable[[str], Iterable[str]] | None = None) -> SpreadFacts:
        """`above(region)` names the regions containing it, so that 高平市 and 米山镇 count as
        one place; without it every region named counts."""
        recent = _recent(self.hours, self.latest, window_hours) if self.latest else {}
        regions = finest(self.regions, above) if above else self.regions
        return SpreadFacts(
            **self.peak, engagement=self.engagement, items=self.items, units=len(self.units),
            regions=len(regions), per_hour=round(sum(recent.values()) / window_hours, 2) if recent else None,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "items": self.items, "peak": dict(self.peak), "engagement": self.engagement,
            "units": sorted(self.units), "regions": sorted(self.regions), "hours": dict(self.hours),
            "latest": self.latest.isoformat() if self.latest else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpreadTally:
        return cls(
            items=int(data.get("items", 0)), peak={k: int(v) for k, v in (data.get("peak") or {}).items()},
            engagement=data.get("engagement"), units=frozenset(data.get("units") or ()),
            regions=frozenset(data.get("regions") or ()),
            hours={k: int(v) for k, v in (data.get("hours") or {}).items()},
            latest=datetime.fromisoformat(data["latest"]) if data.get("latest") else None,
        )


def finest(regions: Iterable[str], above: Callable[[str], Iterable[str]]) -> frozenset[str]:
    """The regions that contain none of the others: the places themselves, not their parents."""
    regions = frozenset(regions)
    containing = {a for r in regions for a in above(r)}
    return regions - containing


def _recent(hours: Mapping[str, int], latest: datetime, window_hours: float) -> dict[str, int]:
    """The hourly counts inside the window that ends with the hour of `latest` (whole hours).
    Hour keys sort as times, so the window is a string range (no parsing per key)."""
    first, last = _hour(latest - timedelta(hours=math.ceil(window_hours) - 1)), _hour(latest)
    return {k: n for k, n in hours.items() if first <= k <= last}
