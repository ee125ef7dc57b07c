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

# --- the seed texts cited by the reasons (seed 000 三(五)1, seed 001 四 舆情回应) ---------------
RULE_SINGLE = "涉及单一乡（镇、办事处）、部门的政务舆情，涉事责任部门是第一责任主体"
RULE_SINGLE_COUNTY = "涉及单一市、县的政务舆情，涉事责任部门是第一责任主体，本级政府办公室会同宣传部门做好组织协调工作"
RULE_VERTICAL = "涉事责任部门实行垂直管理的，上级政府部门会同涉事市、县宣传部门做好组织协调工作"
RULE_MULTI_TOWNSHIP = "涉及多个乡(镇、办事处)的政务舆情，市直业务主管部门是舆情回应的第一责任主体"
RULE_MULTI_COUNTY = "涉及同一市属多个县的政务舆情，市级业务主管部门是舆情回应的第一责任主体"
RULE_MULTI_CITY = "涉及多个市的政务舆情，省级业务主管部门是舆情回应的第一责任主体"
RULE_LOCAL_PART = "相关涉事市、县按照属地管理原则进行回应"
RULE_MULTI_DEPARTMENT = "涉及多个部门的政务舆情，相关部门按照职责分工做好回应工作，部门之间应加强沟通协商，确保回应的信息准确一致"
RULE_COORDINATE = "本级政府办公室会同宣传部门做好组织协调、督促指导工作，必要时可确定牵头部门"
RULE_ESPECIALLY_MAJOR = "特别重大的政务舆情，本级政府主要负责人要切实负起领导责任，指导、协调、督促相关部门做好舆情回应工作，同时应向同级党委报告"
RULE_VERIFICATION = "对要求核实处置的政务舆情情况要24小时内反馈"

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

    def merge(self, other: Partial) -> Partial:
        return Partial(
            scope=other.scope or self.scope,
            first_responsible=self.first_responsible + other.first_responsible,
            co_responsible=self.co_responsible + other.co_responsible,
            coordinators=self.coordinators + other.coordinators,
            lead=other.lead or self.lead,
            vertical=self.vertical or other.vertical,
            leader=other.leader or self.leader,
            report_to=other.report_to or self.report_to,
            reasons=self.reasons + other.reasons,
        )


def join(names: Iterable[str]) -> str:
    return "、".join(names)


def _coordination(level: Region) -> tuple[tuple[str, ...], str]:
    text = f"{level.office}会同{level.propaganda}做好组织协调、督促指导（依“{RULE_COORDINATE}”）"
    return (level.office, level.propaganda), text


def _authority(ctx: Context, region: Region) -> tuple[str | None, str]:
    """The region's business authority for the topic, or None and why there is none."""
    if ctx.function is None:
        return None, "主题待研判，尚无业务主管部门"
    dept = ctx.org.authority(region.name, ctx.function)
    if dept is None:
        return None, f"{region.name}没有“{ctx.function}”业务主管部门"
    return dept.name, ""


def _office_takes(region: Region, why: str) -> str:
    return f"{why}，由{region.office}第一责任并组织研判、交办"


# --- scope rules (the first that applies wins) ------------------------------------------
def multi_department(ctx: Context) -> Partial | None:
    """Rule 4: several departments, each within its duties; the office may name a lead."""
    if len(ctx.departments) < 2:
        return None
    names = tuple(d.name for d in ctx.departments)
    coordinators, coordination = _coordination(ctx.level)
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
    return None, f"涉事部门中没有唯一的本主题业务主管部门，暂不确定牵头部门，由{ctx.level.office}视情况确定"


def multi_region(ctx: Context) -> Partial | None:
    """Rule 3: several localities → the business authority of their common region."""
    depts = ctx.departments
    outside = bool(depts) and bool(ctx.regions) and ctx.level.name != depts[0].region
    if len(depts) > 1 or (len(ctx.regions) < 2 and not outside):
        return None
    level = ctx.level
    below = tuple(d for d in depts if d.region != level.name)
    first, how = _multi_first(ctx, tuple(d.name for d in depts if d.region == level.name))
    co = tuple(r.government for r in ctx.regions) + tuple(d.name for d in below)
    places = join([r.name for r in ctx.regions] + [f"{d.region}（{d.name}）" for d in below])
    rule = MULTI_RULE.get(level.level, RULE_MULTI_TOWNSHIP)
    reason = f"涉及多个{MULTI_NOUN.get(level.level, '地区')}（{places}），依“{rule}”，{how}"
    if co:
        reason += f"；{join(co)}对本辖区部分负责（依“{RULE_LOCAL_PART}”）"
    coordinators, coordination = _coordination(level)
    return Partial(Scope.MULTI_REGION, first, co, coordinators, reasons=(reason, coordination))


def _multi_first(ctx: Context, at_level: tuple[str, ...]) -> tuple[tuple[str, ...], str]:
    """The common region's authority (plus named departments of that region), else a fallback."""
    authority, why = _authority(ctx, ctx.level)
    if authority is not None:
        return (authority, *at_level), f"由{join((authority, *at_level))}第一责任"
    if at_level:
        return at_level, f"{why}，由涉事的{join(at_level)}第一责任"
    return (ctx.level.office,), _office_takes(ctx.level, why)


def single_department(ctx: Context) -> Partial | None:
    """Rule 1: one department (with at most one place of its own jurisdiction)."""
    if len(ctx.departments) != 1 or len(ctx.regions) > 1 or ctx.level.name != ctx.departments[0].region:
        return None
    dept = ctx.departments[0].name
    co = tuple(r.government for r in ctx.regions)
    reason = f"涉及单一部门（{dept}），依“{RULE_SINGLE}”，由{dept}第一责任"
    if co:
        reason += f"，{join(co)}对本辖区部分负责"
    coordinators, coordination = _coordination(ctx.level)
    return Partial(Scope.SINGLE, (dept,), co, coordinators, reasons=(reason, coordination))


def single_township(ctx: Context) -> Partial | None:
    """Rule 1: one township or street and no department → its government."""
    if ctx.departments or len(ctx.regions) != 1 or ctx.regions[0].level is not Level.TOWNSHIP:
        return None
    region = ctx.regions[0]
    reason = f"涉及单一乡镇（街道）（{region.name}），依“{RULE_SINGLE}”，由{region.government}第一责任"
    coordinators, coordination = _coordination(ctx.level)
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
        unit = authority or region.office
    place = f"涉及单一{SINGLE_NOUN[region.level]}（{region.name}），依“{RULE_SINGLE_COUNTY}”"
    if not why:
        role = "" if region.level is Level.TOWNSHIP else "（本主题业务主管部门）"
        reasons.append(f"{place}，由{unit}{role}第一责任")
    else:
        reasons.append(f"{place}；{_office_takes(region, why)}")
    coordinators, coordination = _coordination(region)
    return Partial(Scope.SINGLE, (unit,), (), coordinators, reasons=(*reasons, coordination))


def office_fallback(ctx: Context) -> Partial:
    """Never drop an item: when no rule applies, the level region's office takes it."""
    reason = _office_takes(ctx.level, "未能按规则确定责任主体")
    coordinators, coordination = _coordination(ctx.level)
    return Partial(Scope.SINGLE, (ctx.level.office,), (), coordinators, reasons=(reason, coordination))


# --- modifiers (all that apply, in order) -----------------------------------------------
def designated_lead(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 4: a lead department designated by the coordinators."""
    if ctx.lead is None:
        return None
    return Partial(lead=ctx.lead, reasons=(f"依“必要时可确定牵头部门”，按指定由{ctx.lead}牵头",))


def vertical_management(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 2: a vertically managed department → its superior and the local propaganda coordinate."""
    coordinators: list[str] = []
    reasons: list[str] = []
    for name in so_far.first_responsible:
        dept = ctx.org.departments.get(name)
        if dept is None or dept.vertical_superior is None:
            continue
        propaganda = ctx.org.region(dept.region).propaganda
        coordinators += [dept.vertical_superior, propaganda]
        reasons.append(
            f"{dept.name}实行垂直管理，依“{RULE_VERTICAL}”，由{dept.vertical_superior}会同{propaganda}做好组织协调"
        )
    if not reasons:
        return None
    return Partial(vertical=True, coordinators=tuple(coordinators), reasons=tuple(reasons))


def especially_major(ctx: Context, so_far: Partial) -> Partial | None:
    """Rule 5: the principal leader of the level government leads; report to its Party committee."""
    if ctx.facts.severity != Severity.ESPECIALLY_MAJOR:
        return None
    level = ctx.level
    reason = (
        f"特别重大舆情，依“{RULE_ESPECIALLY_MAJOR}”，由{level.leader}负起领导责任，"
        f"指导、协调、督促相关部门回应，并向{level.party_committee}报告"
    )
    return Partial(Scope.ESPECIALLY_MAJOR, leader=level.leader, report_to=level.party_committee, reasons=(reason,))


def verification_request(ctx: Context, so_far: Partial) -> Partial | None:
    """要求核实处置: routing is unchanged, but the feedback duty is stated."""
    if not ctx.facts.verification_request:
        return None
    reason = f"上级要求核实处置，依“{RULE_VERIFICATION}”，{join(so_far.first_responsible)}须在24小时内反馈核实处置情况"
    return Partial(reasons=(reason,))
