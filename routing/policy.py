"""The response policy (deadlines, escalation ladder, grouping) as frozen data.

`Policy.from_dict` is pure; `load_policy` reads the YAML file (the packaged default unless a
path is given), so a deployment changes its policy without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from routing.event_match import AnyPairModel, model_from_dict
from routing.facts import Severity
from routing.local_time import BEIJING_NAME

DEFAULT_POLICY = "policy.yaml"


class PolicyError(ValueError):
    """The policy file is malformed; the message names the field at fault."""


@dataclass(frozen=True)
class ClockRule:
    kind: str  # response, feedback, followup_info, ...
    label: str
    hours: dict[Severity, float]  # severities without an entry get no such clock
    only_for: str | None = None  # None, "verification_request" or "emergency"
    enabled: bool = True


@dataclass(frozen=True)
class EscalationRule:
    warn_fractions: tuple[float, ...]
    supervise_after_hours: float


@dataclass(frozen=True)
class GroupingRule:
    lookback_days: float
    min_similarity_with_entity: float
    min_similarity_without_entity: float
    model: AnyPairModel | None = None  # learned weighing of place, problem and time (issue 16)


# Spread signals (issue 3): per item (as the source reports them) and per incident.
SPREAD_SIGNALS = ("reposts", "comments", "likes", "views", "engagement", "items", "units", "regions", "per_hour")
SPREAD_LEVELS = (Severity.MAJOR, Severity.ESPECIALLY_MAJOR)  # the levels a signal can raise to


@dataclass(frozen=True)
class SpreadRule:
    """Thresholds per signal: at or above `thresholds[signal][level]` the signal raises to that level."""

    thresholds: dict[str, dict[Severity, float]] = field(default_factory=dict)
    growth_window_hours: float = 6.0  # per_hour counts the items received over this many hours


@dataclass(frozen=True)
class DutyRule:
    """The duties of an incident beyond the clocks (routing.duties): the party-committee report
    of an especially major item and whether the localities' own parts hold the incident's response."""

    party_report: ClockRule = ClockRule("party_report", "向同级党委报告", {Severity.ESPECIALLY_MAJOR: 4.0})
    co_locality_required: bool = False


@dataclass(frozen=True)
class Policy:
    timezone: str
    clocks: tuple[ClockRule, ...]
    escalation: EscalationRule
    grouping: GroupingRule
    spread: SpreadRule = SpreadRule()  # no section in the file: spread never raises severity
    claim_timeout_hours: float = 4.0  # a claim unanswered this long reverts to unclaimed (and escalates)
    duties: DutyRule = DutyRule()  # no section in the file: the defaults above

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        try:
            clocks = tuple(_clock(kind, spec) for kind, spec in data["clocks"].items())
            esc = data["escalation"]
            fractions = tuple(float(f) for f in esc["warn_fractions"])
            if any(not 0 < f < 1 for f in fractions):
                raise PolicyError("escalation.warn_fractions: each must be between 0 and 1")
            grouping = data["grouping"]
            return cls(
                timezone=str(data.get("timezone", BEIJING_NAME)),
                clocks=clocks,
                escalation=EscalationRule(tuple(sorted(fractions)), float(esc["supervise_after_hours"])),
                grouping=GroupingRule(
                    lookback_days=float(grouping["lookback_days"]),
                    min_similarity_with_entity=float(grouping["min_similarity_with_entity"]),
                    min_similarity_without_entity=float(grouping["min_similarity_without_entity"]),
                    model=_pair_model(grouping.get("model")),
                ),
                spread=_spread(data.get("spread")),
                claim_timeout_hours=_positive(data.get("claim_timeout_hours", 4.0), "claim_timeout_hours"),
                duties=_duties(data.get("duties")),
            )
        except KeyError as exc:
            raise PolicyError(f"policy: missing field {exc.args[0]!r}") from exc

    def clock(self, kind: str) -> ClockRule:
        for rule in self.clocks:
            if rule.kind == kind:
                return rule
        raise KeyError(kind)

    def with_clock_enabled(self, kind: str, enabled: bool = True) -> Policy:
        clocks = tuple(
            ClockRule(c.kind, c.label, c.hours, c.only_for, enabled) if c.kind == kind else c for c in self.clocks
        )
        return replace(self, clocks=clocks)


def _clock(kind: str, spec: dict[str, Any]) -> ClockRule:
    raw = spec.get("hours")
    if isinstance(raw, (int, float)):
        hours = {s: float(raw) for s in Severity}
    elif isinstance(raw, dict):
        try:
            hours = {Severity(k): float(v) for k, v in raw.items()}
        except ValueError as exc:
            raise PolicyError(f"clocks.{kind}.hours: {exc}") from exc
    else:
        raise PolicyError(f"clocks.{kind}.hours: a number or a mapping severity → hours is required")
    if any(h <= 0 for h in hours.values()):
        raise PolicyError(f"clocks.{kind}.hours: must be positive")
    only_for = spec.get("only_for")
    if only_for not in (None, "verification_request", "emergency"):
        raise PolicyError(f"clocks.{kind}.only_for: unknown condition {only_for!r}")
    return ClockRule(kind, str(spec.get("label", kind)), hours, only_for, bool(spec.get("enabled", True)))


def _duties(raw: Any) -> DutyRule:
    if raw is None:
        return DutyRule()
    if not isinstance(raw, dict):
        raise PolicyError("duties: a mapping is required")
    report = raw.get("party_report")
    if report is not None and not isinstance(report, dict):
        raise PolicyError("duties.party_report: a mapping {label, hours} is required")
    rule = DutyRule.party_report if report is None else _clock("party_report", report)
    required = raw.get("co_locality_required", False)
    if not isinstance(required, bool):
        raise PolicyError("duties.co_locality_required: true or false")
    return DutyRule(party_report=replace(rule, kind="party_report"), co_locality_required=required)


def _spread(raw: Any) -> SpreadRule:
    if raw is None:
        return SpreadRule()
    if not isinstance(raw, dict):
        raise PolicyError("spread: a mapping is required")
    window = raw.get("growth_window_hours", SpreadRule.growth_window_hours)
    if not isinstance(window, (int, float)) or isinstance(window, bool) or window <= 0:
        raise PolicyError("spread.growth_window_hours: must be a positive number of hours")
    table = raw.get("thresholds") or {}
    if not isinstance(table, dict):
        raise PolicyError("spread.thresholds: a mapping signal → {level: threshold} is required")
    thresholds = {}
    for signal, levels in table.items():
        where = f"spread.thresholds.{signal}"
        if signal not in SPREAD_SIGNALS:
            raise PolicyError(f"{where}: unknown signal; known: {', '.join(SPREAD_SIGNALS)}")
        if not isinstance(levels, dict) or not levels:
            raise PolicyError(f"{where}: a mapping {{重大: n, 特别重大: m}} is required")
        parsed: dict[Severity, float] = {}
        for level, value in levels.items():
            if level not in SPREAD_LEVELS:
                raise PolicyError(f"{where}.{level}: the level must be 重大 or 特别重大")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise PolicyError(f"{where}.{level}: must be a positive number")
            parsed[Severity(level)] = float(value)
        major, especially = parsed.get(Severity.MAJOR), parsed.get(Severity.ESPECIALLY_MAJOR)
        if major is not None and especially is not None and especially <= major:
            raise PolicyError(f"{where}.特别重大: must be above the 重大 threshold ({major:g})")
        thresholds[signal] = parsed
    return SpreadRule(thresholds, float(window))


def _pair_model(raw: Any) -> AnyPairModel | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise PolicyError("grouping.model: a mapping {weights, bias, threshold} or "
                          "{place_min, problem_with_place, problem_without_place} is required")
    try:
        return model_from_dict(raw)
    except KeyError as exc:
        raise PolicyError(f"grouping.model: missing field {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise PolicyError(str(exc)) from exc


def _positive(raw: Any, where: str) -> float:
    if not isinstance(raw, (int, float)) or isinstance(raw, bool) or raw <= 0:
        raise PolicyError(f"{where}: must be a positive number of hours")
    return float(raw)


def load_policy(path: str | Path | None = None) -> Policy:
    if path is None:
        text = resources.files("routing.data").joinpath(DEFAULT_POLICY).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise PolicyError("policy: the file must hold a mapping")
    return Policy.from_dict(data)
