"""The "Responsible body" rules of rules.md, one small function per rule.

Each rule reads a normalised `Context` (built by `routing.engine.normalise`) and returns a
`Partial` decision with a Chinese reason citing the seed text, or None when it does not
apply. Scope rules decide who is first responsible; modifiers add to what the scope rule
found (designated lead, vertical management, especially major, verification feedback).
Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from routing.facts import IncidentFacts, Scope, Severity
from routing.orgchart import Department, Level, OrgChart, Region


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Drop repeats, keep the first occurrence's order."""
    return tuple(dict.fromkeys(items))

# --- the seed texts cited by the reasons (seed 000 三(五)1, seed 001 四 舆情回应) ---------------
RULE_SINGLE = "涉及单一乡（镇、办事处）、部门的政务舆情，涉事责任部门是第一责任主体"
RULE_SINGLE_COUNTY = "涉及单一市、县的政务舆情，涉事责任部门是第一责任主体，本级政府办公室会同宣传部门做好组织协调工作"
RULE_VERTICAL = "涉事责任部门实行垂直管理的，上级政府部门会同涉事市、县宣传部门做好组织协调工作"
RULE_MULTI_TOWNSHIP = "涉及多个乡(镇、办事处)的政务舆情，市直业务主管部门是舆情回应的第一责任主体"
RULE_MULTI_COUNTY = "涉及同一市属多个县的政务舆情，市级业务主管部门是舆情回应的第一责任主体"
RULE_MULTI_CITY = "涉及多个市的政务舆情，省级业务主管部门是舆情回应的第一责任主体"
RULE_LOCAL_PART = "相关涉事市、县按照属地管理原则进行回应"
RULE_MULTI_DEPARTMENT = "涉及多个部门的政务舆情，相关部门按照职责分工做好回应工作，部门之间应加强沟通协商，确保回应的信息准确一致"
RULE_COORDINATE = "本级政府办公厅（室）会同宣传部门做好组织协调、督促指导工作，必要时可确定牵头部门"
RULE_ESPECIALLY_MAJOR = "特别重大的政务舆情，本级政府主要负责人要切实负起领导责任，指导、协调、督促相关部门做好舆情回应工作，同时应向同级党委报告"
RULE_VERIFICATION = "对要求核实处置的政务舆情情况要24小时内反馈"
# seed 001 四 is the county-level city's plan: its 本级 for township items is the city itself
RULE_TOWNSHIP_ROLES = "涉及单一乡（镇、办事处）、部门的政务舆情……市政府办公室会同宣传部门做好组织协调、督促指导工作"

# the multi-locality rule that applies, by the level of the lowest common region
MULTI_RULE = {Level.COUNTY: RULE_MULTI_TOWNSHIP, Level.CITY: RULE_MULTI_COUNTY, Level.PROVINCE: RULE_MULTI_CITY}
MULTI_NOUN = {Level.COUNTY: "乡镇（街道）", Level.CITY: "县（市、区）", Level.PROVINCE: "市"}
SINGLE_NOUN = {Level.PROVINCE: "省", Level.CITY: "市", Level.COUNTY: "县（市、区）", Level.TOWNSHIP: "乡镇（街道）"}


@dataclass(frozen=True)
class Context:
    """The facts after normalisation: only units the org knows, the most specific places."""

    facts: IncidentFacts
    org: OrgChart
    regions: tuple[Region, ...]
    departments: tuple[Department, ...]
    level: Region  # lowest common region of the places and departments named (else home)
    function: str | None  # business function of the topic; None when 待研判
    lead: str | None  # a designated lead that is a department of the org
    notes: tuple[str, ...] = ()  # reasons produced by normalisation


@dataclass(frozen=True)
class Partial:
    """Part of a decision; `merge` concatenates tuples and lets set scalars win."""

    scope: Scope | None = None
    first_responsible: tuple[str, ...] = ()
    co_responsible: tuple[str, ...] = ()
    coordinators: tuple[str, ...] = ()
    lead: str | None = None
    vertical: bool = False
    leader: str | None = None
    report_to: str | None = None
    reasons: tuple[str, ...] = ()
    replaces_coordinators: bool = False  # its coordinators take the place of those found so far
    superseded: tuple[str, ...] = ()  # reasons found so far that no longer hold

    def merge(self, other: Partial) -> Partial:
        coordinators = other.coordinators if other.replaces_coordinators else self.coordinators + other.coordinators
        return Partial(
            scope=other.scope or self.scope,
            first_responsible=self.first_responsible + other.first_responsible,
            co_responsible=self.co_responsible + other.co_responsible,
            coordinators=coordinators,
            lead=other.lead or self.lead,
            vertical=self.vertical or other.vertical,
            leader=other.leader or self.leader,
            report_to=other.report_to or self.report_to,
            reasons=tuple(r for r in self.reasons if r not in other.superseded) + other.reasons,
        )


def join(names: Iterable[str]) -> str:
    return "、".join(names)


def _coordination(ctx: Context, level: Region) -> tuple[tuple[str, ...], str]:
    """The 本级 office and propaganda department that coordinate items at `level`."""
    roles = ctx.org.roles_region(level.name)
    text = f"{roles.office}会同{roles.propaganda}做好组织协调、督促指导（依“{RULE_COORDINATE}”）"
    if roles.name != level.name:
        text = (f"{level.name}为乡镇（街道），不设政府办公室、宣传部，本级为{roles.name}（依“{RULE_TOWNSHIP_ROLES}”）："
                + text)
    return (roles.office, roles.propaganda), text


def _authority(ctx: Context, region: Region, function: str | None = None) -> tuple[str | None, str]:
    """The region's business authority for the function (the topic's by default), or None and why."""
    function = function or ctx.function
    if function is None:
        return None, "主题待研判，尚无业务主管部门"
    dept = ctx.org.authority(region.name, function)
    if dept is None:
        return None, f"{region.name}没有“{function}”业务主管部门"
    return dept.name, ""


def _office_takes(ctx: Context, region: Region, why: str) -> str:
    return f"{why}，由{_office(ctx, region)}第一责任并组织研判、交办"


def _office(ctx: Context, region: Region) -> str:
    """The government office that takes an item of `region` nobody else answers for."""
    return ctx.org.roles_region(region.name).office


# --- scope rules (the first that applies wins) ------------------------------------------
def multi_department(ctx: Context) -> Partial | None:
    """Rule 4: several departments, each within its duties; the office may name a lead."""
    if len(ctx.departments) < 2:
        return None
    names = tuple(d.name for d in ctx.departments)
    coordinators, coordination = _coordination(ctx, ctx.level)
    reasons = [f"涉及多个部门（{join(names)}），依“{RULE_MULTI_DEPARTMENT}”，由各部门按职责分工共同作为第一责任主体"]
    co = tuple(r.government for r in ctx.regions)
    if co:
        reasons.append(f"{join(co)}按照属地管理原则对本辖区部分负责（依“{RULE_LOCAL_PART}”）")
    reasons.append(coordination)
    lead = None
    if ctx.lead is None:
        lead, lead_reason = _default_lead(ctx)
        reasons.append(lead_reason)
    return Partial(Scope.MULTI_DEPARTMENT, names, co, coordinators, lead=lead, reasons=tuple(reasons))


def _default_lead(ctx: Context) -> tuple[str | None, str]:
    """The named department that is the topic's business authority (at the level region if several)."""
    matches = [d for d in ctx.departments if ctx.function is not None and ctx.function in d.functions]
    if len(matches) > 1:
        matches = [d for d in matches if d.region == ctx.level.name]
    if len(matches) == 1:
        name = matches[0].name
        return name, f"{name}是本主题（{ctx.function}）的业务主管部门，确定为牵头部门（依“必要时可确定牵头部门”）"
    return None, f"涉事部门中没有唯一的本主题业务主管部门，暂不确定牵头部门，由{_office(ctx, ctx.level)}视情况确定"


def multi_region(ctx: Context) -> Partial | None:
    """Rule 3: several localities → the business authority of their common region.

    The localities are the places named and the regions of the departments named (two county
    bureaus of one function in two counties are a matter of several counties, not of several
    departments); the named bodies below the common region answer for their part.
    """
    level = ctx.level
    below = tuple(d for d in ctx.departments if d.region != level.name)
    places = unique([r.name for r in ctx.regions] + [d.region for d in below])
    outside = len(ctx.departments) == 1 and bool(ctx.regions) and level.name != ctx.departments[0].region
    if len(places) < 2 and not outside:
        return None
    function = _shared_function(ctx)
    if len(ctx.departments) > 1 and (len(places) < 2 or function is None):
        return None  # departments of different duties: several departments (rule 4)
    at_level = tuple(d.name for d in ctx.departments if d.region == level.name)
    first, how = _multi_first(ctx, function, at_level)
    co = tuple(r.government for r in ctx.regions) + tuple(d.name for d in below)
    named = join(_under_level(ctx, r.name, r.name) for r in ctx.regions) if ctx.regions else ""
    named = join([*([named] if named else []), *(_under_level(ctx, d.region, d.name) for d in below)])
    rule = MULTI_RULE.get(level.level, RULE_MULTI_TOWNSHIP)
    reason = f"涉及多个{MULTI_NOUN.get(level.level, '地区')}（{named}），依“{rule}”，{how}"
    if co:
        reason += f"；{join(co)}对本辖区部分负责（依“{RULE_LOCAL_PART}”）"
    coordinators, coordination = _coordination(ctx, level)
    return Partial(Scope.MULTI_REGION, first, co, coordinators, reasons=(reason, coordination))


def _under_level(ctx: Context, place: str, label: str) -> str:
    """`label` shown under the level region's child it lies in: 长治市（长子县税务局）, or as is."""
    chain = ctx.org.ancestors(place)
    depth = next((i for i, r in enumerate(chain) if r.name == ctx.level.name), None)
    if depth is None or depth + 1 >= len(chain) or chain[depth + 1].name == label:
        return label
    return f"{chain[depth + 1].name}（{label}）"


def _shared_function(ctx: Context) -> str | None:
    """The business function of the departments named (one they all serve), else the topic's."""
    if len(ctx.departments) < 2:
        return ctx.function
    shared = set(ctx.departments[0].functions).intersection(*(d.functions for d in ctx.departments[1:]))
    if ctx.function in shared:
        return ctx.function
    return sorted(shared)[0] if shared else None


def _multi_first(ctx: Context, function: str | None, at_level: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The common region's authority (plus named departments of that region), else a fallback."""
    authority, why = _authority(ctx, ctx.level, function)
    if authority is not None:
        first = unique((authority, *at_level))
        return first, f"由{join(first)}（{ctx.level.name}业务主管部门）第一责任"
    if at_level:
        return at_level, f"{why}，由涉事的{join(at_level)}第一责任"
    return (_office(ctx, ctx.level),), _office_takes(ctx, ctx.level, why)


def single_department(ctx: Context) -> Partial | None:
    """Rule 1: one department (with at most one place of its own jurisdiction)."""
    if len(ctx.departments) != 1 or len(ctx.regions) > 1 or ctx.level.name != ctx.departments[0].region:
        return None
    dept = ctx.departments[0].name
    co = tuple(r.government for r in ctx.regions)
    reason = f"涉及单一部门（{dept}），依“{RULE_SINGLE}”，由{dept}第一责任"
    if co:
        reason += f"，{join(co)}对本辖区部分负责"
    coordinators, coordination = _coordination(ctx, ctx.level)
    return Partial(Scope.SINGLE, (dept,), co, coordinators, reasons=(reason, coordination))


def single_township(ctx: Context) -> Partial | None:
    """Rule 1: one township or street and no department → its government."""
    if ctx.departments or len(ctx.regions) != 1 or ctx.regions[0].level is not Level.TOWNSHIP:
        return None
    region = ctx.regions[0]
    reason = f"涉及单一乡镇（街道）（{region.name}），依“{RULE_SINGLE}”，由{region.government}第一责任"
    coordinators, coordination = _coordination(ctx, ctx.level)
    return Partial(Scope.SINGLE, (region.government,), (), coordinators, reasons=(reason, coordination))


def single_locality(ctx: Context) -> Partial | None:
    """Rule 1: one county/city/province, or nothing named (the home region)."""
    if ctx.departments or len(ctx.regions) > 1:
        return None
    region = ctx.level
    reasons = [] if ctx.regions else [f"未识别出涉事地区或部门，按属地管理归口本级（{region.name}）"]
    if region.level is Level.TOWNSHIP:
        unit, why = region.government, ""
    else:
        authority, why = _authority(ctx, region)
        unit = authority or _office(ctx, region)
    place = f"涉及单一{SINGLE_NOUN[region.level]}（{region.name}），依“{RULE_SINGLE_COUNTY}”"
    if not why:
        role = "" if region.level is Level.TOWNSHIP else "（本主题业务主管部门）"
        reasons.append(f"{place}，由{unit}{role}第一责任")
    else:
        reasons.append(f"{place}；{_office_takes(ctx, region, why)}")
    coordinators, coordination = _coordination(ctx, region)
    return Partial(Scope.SINGLE, (unit,), (), coordinators, reasons=(*reasons, coordination))


def office_fallback(ctx: Context) -> Partial:
    """Never drop an item: when no rule applies, the level region's office takes it."""
    reason = _office_takes(ctx, ctx.level, "未能按规则确定责任主体")
    coordinators, coordination = _coordination(ctx, ctx.level)
    return Partial(Scope.SINGLE, (_office(ctx, ctx.level),), (), coordinators, reasons=(reason, coordination))


# --- modifiers (all that apply, in order) -----------------------------------------------
def designated_lead(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 4: a lead department designated by the coordinators."""
    if ctx.lead is None:
        return None
    return Partial(lead=ctx.lead, reasons=(f"依“必要时可确定牵头部门”，按指定由{ctx.lead}牵头",))


def vertical_management(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 2: a vertically managed department → its superior and the local propaganda coordinate.

    Seed 000 三(五)1 names, for this case, "上级政府部门会同涉事市、县宣传部门" in place of "本级
    政府办公室会同宣传部门": when every first-responsible body is of the vertical system, the
    local government office is no longer a coordinator; when other departments share the item
    (several departments), the office still coordinates them (rule 4) and the superior joins.
    """
    involved = _vertical_involved(ctx, so_far)
    if not involved:
        return None
    above = unique(n for d in involved for n in _chain_above(ctx.org, d))
    # several bureaus of one system: the system's department that is first responsible above them
    superiors = tuple(n for n in so_far.first_responsible if n in above) or unique(
        d.vertical_superior for d in involved if d.vertical_superior)
    several = len(involved) > 1 or so_far.scope is Scope.MULTI_REGION
    places = unique([ctx.level.name] * several + [d.region for d in involved])
    propaganda = unique(ctx.org.roles_region(p).propaganda for p in places)
    system = set(above) | {d.name for d in involved}
    only_system = all(n in system for n in so_far.first_responsible)
    reason = (f"{join(d.name for d in involved)}实行垂直管理，依“{RULE_VERTICAL}”，由{join(superiors)}"
              f"会同{join(propaganda)}做好组织协调")
    if only_system:
        reason += "，本级政府办公室不再作为组织协调单位（垂直管理部门由上级部门组织协调）"
    office_line = _coordination(ctx, ctx.level)[1] if only_system else ""
    return Partial(vertical=True, coordinators=superiors + propaganda, reasons=(reason,),
                   replaces_coordinators=only_system, superseded=(office_line,) if office_line else ())


def _vertical_involved(ctx: Context, so_far: Partial) -> list[Department]:
    """The 涉事 vertically managed departments: those named, else the named localities' own
    bureaus of the function (several counties), else the first-responsible ones."""
    named = [d for d in ctx.departments if d.vertical]
    if named or ctx.departments:
        return named
    function = ctx.function
    authorities = [ctx.org.authority(r.name, function) for r in ctx.regions] if function else []
    local = [d for d in authorities if d is not None and d.vertical and d.name not in so_far.first_responsible]
    if local and so_far.scope is Scope.MULTI_REGION:
        return local
    first = (ctx.org.departments.get(n) for n in so_far.first_responsible)
    return [d for d in first if d is not None and d.vertical]


def _chain_above(org: OrgChart, dept: Department) -> list[str]:
    """The higher departments of a vertically managed department's system, nearest first."""
    chain: list[str] = []
    current: str | None = dept.vertical_superior
    while current is not None and current not in chain:
        chain.append(current)
        known = org.departments.get(current)
        current = known.vertical_superior if known is not None else None
    return chain


def especially_major(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 5: the principal leader of the 本级 government leads; report to its Party committee."""
    if ctx.facts.severity != Severity.ESPECIALLY_MAJOR:
        return None
    roles = ctx.org.roles_region(ctx.level.name)
    reason = (
        f"特别重大舆情，依“{RULE_ESPECIALLY_MAJOR}”，由{roles.leader}负起领导责任，"
        f"指导、协调、督促相关部门回应，并向{roles.party_committee}报告"
    )
    if roles.name != ctx.level.name:
        reason += f"（{ctx.level.name}为乡镇（街道），本级为{roles.name}，依“{RULE_TOWNSHIP_ROLES}”）"
    return Partial(Scope.ESPECIALLY_MAJOR, leader=roles.leader, report_to=roles.party_committee, reasons=(reason,))


def verification_request(ctx: Context, so_far: Partial) -> Partial | None:
    """要求核实处置: routing is unchanged, but the feedback duty is stated."""
    if not ctx.facts.verification_request:
        return None
    reason = f"上级要求核实处置，依“{RULE_VERIFICATION}”，{join(so_far.first_responsible)}须在24小时内反馈核实处置情况"
    return Partial(reasons=(reason,))
