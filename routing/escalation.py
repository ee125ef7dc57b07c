"""The escalation ladder of a response clock: 提醒 → 催办 → 督办.

- `warn_<pct>` (提醒) at each warn fraction of the clock's span, to the handling units;
- `urge` (催办) at breach, to the leaders of the responsible units and the government office;
- `supervise` (督办) `supervise_after_hours` after breach, to the leader of the level above.

A met clock never escalates; a sweep that runs late emits every missed step at once, in
order. `next_due` is the time of the first rung not fired yet: the sweep keeps it on the clock
row and looks only at clocks whose next rung has come. Pure: `now` is always a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.deadlines import require_aware
from routing.facts import RoutingDecision
from routing.orgchart import OrgChart
from routing.policy import EscalationRule

WARN, URGE, SUPERVISE = "提醒", "催办", "督办"


@dataclass(frozen=True)
class Step:
    name: str  # warn_50, warn_80, urge, supervise
    label: str  # 提醒 / 催办 / 督办
    at: datetime


def warn_name(fraction: float) -> str:
    return f"warn_{round(fraction * 100)}"


def ladder(started_at: datetime, due_at: datetime, rule: EscalationRule) -> tuple[Step, ...]:
    """Every step of one clock with its time, in time order."""
    require_aware(started_at, "started_at")
    require_aware(due_at, "due_at")
    if due_at <= started_at:
        raise ValueError("due_at must be after started_at")
    span = due_at - started_at
    warns = tuple(Step(warn_name(f), WARN, started_at + span * f) for f in sorted(rule.warn_fractions))
    return (
        *warns,
        Step("urge", URGE, due_at),
        Step("supervise", SUPERVISE, due_at + timedelta(hours=rule.supervise_after_hours)),
    )


def steps_due(
    started_at: datetime,
    due_at: datetime,
    now: datetime,
    rule: EscalationRule,
    *,
    open: bool,
    done: frozenset[str] = frozenset(),
) -> tuple[Step, ...]:
    """Steps whose time has come and that were not emitted yet; nothing once the clock is closed."""
    require_aware(now, "now")
    if not open:
        return ()
    return tuple(s for s in ladder(started_at, due_at, rule) if s.at <= now and s.name not in done)


def next_due(started_at: datetime, due_at: datetime, rule: EscalationRule,
             done: frozenset[str] = frozenset()) -> datetime | None:
    """When the earliest rung not in `done` falls due; None once every rung has fired (the
    caller stores None for a met clock too: it never escalates)."""
    return next((s.at for s in ladder(started_at, due_at, rule) if s.name not in done), None)


def recipients(step_name: str, decision: RoutingDecision, org: OrgChart, unit: str | None = None,
               warned_apart: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Who is told at a step: units (提醒), their leaders and the office (催办), the level above (督办).

    A duty's own clock (`unit`: routing.duties) warns that unit only and urges its leaders: each
    unmet duty escalates to the unit that owes it (seed 000 三(五)1, each answers for its part).
    The incident's own clock does not warn again the units in `warned_apart` (those with a duty
    clock of their own): one unit, one reminder per deadline."""
    level = org.region(decision.level_region)
    units = (unit,) if unit else decision.first_responsible
    names: list[str | None]  # a unit whose region is unknown has no leader: dropped below
    if step_name.startswith("warn_"):
        names = [*units, *([decision.lead] if decision.lead and not unit else [])]
        if not unit:
            names = [n for n in names if n not in warned_apart]
    elif step_name == "urge":
        # a duty is urged through the office that coordinates the 本级 (a township's: the city's)
        office = org.roles_region(level.name).office if unit else level.office
        names = [*(_leader_of(u, org) for u in units), office]
    elif step_name == "supervise":
        above = org.parent(level.name) or level
        names = [above.leader]
    else:
        raise ValueError(f"unknown escalation step {step_name!r}")
    return tuple(dict.fromkeys(n for n in names if n))


def _leader_of(unit: str, org: OrgChart) -> str | None:
    """The leader of the region a unit belongs to (a department's region, a body's region)."""
    if unit in org.departments:
        return org.region(org.department(unit).region).leader
    for region in org.regions.values():
        if unit in (region.name, region.government, region.office, region.propaganda, region.party_committee):
            return region.leader
    return None
