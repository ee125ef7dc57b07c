"""`route(facts, org, taxonomy)`: who is responsible for an incident, and why.

Normalise the facts against the org (unknown names dropped, the most specific place kept),
apply the first scope rule of `routing.rules` that fits, then every modifier that applies.
Pure: no I/O, no DB, no clock. Every decision names at least one first-responsible unit and
carries at least one reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from routing import rules
from routing.facts import UNKNOWN_TOPIC, IncidentFacts, RoutingDecision, Scope
from routing.orgchart import Department, OrgChart, Region
from routing.rules import Context, Partial, join
from routing.taxonomy import Taxonomy

ScopeRule = Callable[[Context], Partial | None]
Modifier = Callable[[Context, Partial], Partial | None]

SCOPE_RULES: tuple[ScopeRule, ...] = (
    rules.multi_region,  # first: departments of several localities are a multi-locality matter
    rules.multi_department,
    rules.single_department,
    rules.single_township,
    rules.single_locality,
)
MODIFIERS: tuple[Modifier, ...] = (
    rules.designated_lead,
    rules.vertical_management,
    rules.especially_major,
    rules.verification_request,
)


def route(facts: IncidentFacts, org: OrgChart, taxonomy: Taxonomy) -> RoutingDecision:
    ctx = normalise(facts, org, taxonomy)
    partial = Partial(reasons=ctx.notes)
    found = next((p for p in (rule(ctx) for rule in SCOPE_RULES) if p is not None), None)
    partial = partial.merge(found or rules.office_fallback(ctx))
    for modifier in MODIFIERS:
        extra = modifier(ctx, partial)
        if extra is not None:
            partial = partial.merge(extra)
    return _decision(ctx, partial)


def _decision(ctx: Context, partial: Partial) -> RoutingDecision:
    first = unique(partial.first_responsible)
    reasons = partial.reasons
    if not first:  # defensive: no rule may leave an item without a first-responsible unit
        first = (ctx.level.office,)
        reasons += (f"未能确定责任主体，由{ctx.level.office}第一责任",)
    return RoutingDecision(
        scope=partial.scope or Scope.SINGLE,
        vertical=partial.vertical,
        level_region=ctx.level.name,
        first_responsible=first,
        co_responsible=tuple(u for u in unique(partial.co_responsible) if u not in first),
        coordinators=unique(partial.coordinators),
        lead=partial.lead,
        leader=partial.leader,
        report_to=partial.report_to,
        reasons=unique(reasons),
    )


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Drop repeats, keep the first occurrence's order."""
    return tuple(dict.fromkeys(items))


# --- normalisation ----------------------------------------------------------------------
def normalise(facts: IncidentFacts, org: OrgChart, taxonomy: Taxonomy) -> Context:
    notes: list[str] = []
    regions, departments, unknown = _resolve(facts.regions + facts.departments, org)
    if unknown:
        notes.append(f"组织架构中没有：{join(unknown)}，已忽略")
    regions, dropped = _most_specific(regions, departments, org)
    notes += dropped
    level = org.common_ancestor([r.name for r in regions] + [d.region for d in departments])
    function, note = _function(facts, taxonomy)
    lead, lead_note = _lead(facts, org)
    notes += [n for n in (note, lead_note) if n]
    return Context(facts, org, regions, departments, level, function, lead, tuple(notes))


def _resolve(names: Iterable[str], org: OrgChart) -> tuple[tuple[Region, ...], tuple[Department, ...], list[str]]:
    """Split names into regions and departments the org knows; a body (X人民政府) counts as its region."""
    bodies = org.body_index
    regions: dict[str, Region] = {}
    departments: dict[str, Department] = {}
    unknown: list[str] = []
    for name in unique(names):
        full = org.resolve(name) or bodies.get(name)
        if full is None:
            unknown.append(name)
        elif full in org.regions:
            regions.setdefault(full, org.region(full))
        else:
            departments.setdefault(full, org.department(full))
    return tuple(regions.values()), tuple(departments.values()), unknown


def _most_specific(
    regions: tuple[Region, ...], departments: tuple[Department, ...], org: OrgChart
) -> tuple[tuple[Region, ...], list[str]]:
    """Drop a region when a place or department below it is also named."""
    kept: list[Region] = []
    notes: list[str] = []
    below = [(r.name, r.name) for r in regions] + [(d.region, d.name) for d in departments]
    for region in regions:
        finer = [label for place, label in below if label != region.name and org.is_ancestor(region.name, place)]
        if finer:
            notes.append(f"{region.name}与更具体的{join(unique(finer))}同时出现，按更具体的地点或部门处理")
        else:
            kept.append(region)
    return tuple(kept), notes


def _function(facts: IncidentFacts, taxonomy: Taxonomy) -> tuple[str | None, str | None]:
    if facts.function:
        if facts.topic == UNKNOWN_TOPIC:
            return facts.function, f"主题待研判，文中涉及“{facts.function}”职能，归口该职能的业务主管部门"
        return facts.function, None
    if facts.topic == UNKNOWN_TOPIC:
        return None, None
    if not taxonomy.is_topic(facts.topic):
        return None, f"主题“{facts.topic}”不在分类中，按{UNKNOWN_TOPIC}处理"
    return taxonomy.function_for(facts.topic), None


def _lead(facts: IncidentFacts, org: OrgChart) -> tuple[str | None, str | None]:
    if facts.lead is None:
        return None, None
    full = org.resolve(facts.lead)
    if full is None or full not in org.departments:
        return None, f"指定的牵头部门“{facts.lead}”不是组织架构中的部门，已忽略"
    return full, None
