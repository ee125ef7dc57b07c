"""The duties of an incident: who owes what, by when, from the routing decision.

Routing (routing.rules) names several bodies; each owes its own answer on its own clock:
- every first-responsible unit answers within its duties (seed 000 三(五)1, seed 001 四:
  "相关部门按照职责分工做好回应工作……确保回应的信息准确一致");
- a designated lead (牵头部门) may answer for all of them; the others confirm its answer
  ("必要时可确定牵头部门");
- every co-responsible locality answers for its own part ("相关涉事市、县按照属地管理原则进行回应");
- an especially major item is reported to the Party committee of the same level ("同时应向同级党委报告").

The incident's response is met when every *required* duty is met: the first-responsible units'
(and the lead's); the localities' parts too when the policy says so (duties.co_locality_required).
Pure: plain data in, plain data out, `received_at` is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from routing.deadlines import compute_clocks, require_aware
from routing.facts import RoutingDecision, Scope, Severity
from routing.orgchart import OrgChart
from routing.policy import Policy
from routing.rules import (
    MULTI_RULE,
    RULE_COORDINATE,
    RULE_ESPECIALLY_MAJOR,
    RULE_LOCAL_PART,
    RULE_MULTI_DEPARTMENT,
    RULE_MULTI_TOWNSHIP,
    RULE_SINGLE,
    RULE_SINGLE_COUNTY,
)


class DutyRole(StrEnum):
    FIRST = "first"  # 第一责任单位
    LEAD = "lead"  # 牵头部门
    CO_LOCALITY = "co_locality"  # 属地（本辖区部分）
    PARTY_REPORT = "party_report"  # 向同级党委报告


ROLE_LABEL = {DutyRole.FIRST: "第一责任", DutyRole.LEAD: "牵头", DutyRole.CO_LOCALITY: "属地回应",
              DutyRole.PARTY_REPORT: "向同级党委报告"}
RESPONSE_ROLES = frozenset({DutyRole.FIRST, DutyRole.LEAD, DutyRole.CO_LOCALITY})
PARTY_REPORT = "party_report"  # the clock kind of the report (policy duties.party_report)


@dataclass(frozen=True)
class DutyClock:
    kind: str  # response, feedback, party_report (the policy's kinds)
    label: str
    due_at: datetime


@dataclass(frozen=True)
class Duty:
    unit: str
    role: DutyRole
    owes: str  # what the unit owes, in Chinese
    clause: str  # the seed text it comes from
    required: bool  # the incident's response waits for it
    clocks: tuple[DutyClock, ...]
    label: str  # its clock's label, naming the unit: 回应（高平市教育局）

    @property
    def due_at(self) -> datetime | None:
        """The duty's own deadline: its first clock's (response, or the report)."""
        return self.clocks[0].due_at if self.clocks else None


def duties_of(decision: RoutingDecision, *, severity: Severity | str, received_at: datetime,
              verification_request: bool, policy: Policy, org: OrgChart, emergency: bool = False) -> tuple[Duty, ...]:
    """Every duty of an incident routed as `decision`: the answering units in routing's order, then the
    localities, then the report."""
    require_aware(received_at, "received_at")
    level = Severity(severity)
    clocks = {c.kind: DutyClock(c.kind, c.label, c.due_at) for c in compute_clocks(
        severity=level, received_at=received_at, verification_request=verification_request,
        emergency=emergency, policy=policy)}
    answer = tuple(clocks[k] for k in ("response", "feedback") if k in clocks)
    part = tuple(clocks[k] for k in ("response",) if k in clocks)
    firsts = tuple(dict.fromkeys(decision.first_responsible))
    lead = decision.lead if decision.lead and (len(firsts) > 1 or decision.lead not in firsts) else None
    out: list[Duty] = []
    # routing's order; a lead from outside the first-responsible units comes first
    for unit in ((lead,) if lead is not None and lead not in firsts else ()) + firsts:
        if unit == lead:
            out.append(Duty(unit, DutyRole.LEAD, f"牵头回应，会同{_join(u for u in firsts if u != lead) or '各责任部门'}"
                            "统一口径，可代各责任部门答复（各部门确认）",
                            f"{RULE_COORDINATE}；{RULE_MULTI_DEPARTMENT}", True, answer, f"回应（{unit}）"))
            continue
        owes = "按职责分工回应本单位职责范围内的问题" if len(firsts) > 1 else "作为第一责任主体回应"
        if lead is not None:
            owes += f"，或确认牵头部门（{lead}）的回应"
        out.append(Duty(unit, DutyRole.FIRST, owes, _first_clause(decision, org, len(firsts)), True, answer,
                        f"回应（{unit}）"))
    taken = {d.unit for d in out}
    for unit in dict.fromkeys(decision.co_responsible):
        if unit not in taken:
            out.append(Duty(unit, DutyRole.CO_LOCALITY, "按照属地管理原则回应本辖区部分", RULE_LOCAL_PART,
                            policy.duties.co_locality_required, part, f"属地回应（{unit}）"))
    report = party_report(decision, severity=level, received_at=received_at, policy=policy, org=org)
    return (*out, *((report,) if report else ()))


def party_report(decision: RoutingDecision, *, severity: Severity, received_at: datetime, policy: Policy,
                 org: OrgChart) -> Duty | None:
    """Seed 001 四: an especially major item is also reported to the Party committee of the same
    level — the government office (for its principal leader) owes the report on its own clock."""
    rule = policy.duties.party_report
    if decision.report_to is None or not rule.enabled or severity not in rule.hours:
        return None
    office = org.roles_region(decision.level_region).office if decision.level_region in org.regions else None
    unit = office or decision.leader or decision.report_to
    due = DutyClock(PARTY_REPORT, rule.label, received_at + timedelta(hours=rule.hours[severity]))
    leader = decision.leader or "本级政府主要负责人"
    return Duty(unit, DutyRole.PARTY_REPORT, f"{leader}负起领导责任，并向{decision.report_to}报告（记录报告人、时间和方式）",
                RULE_ESPECIALLY_MAJOR, False, (due,), rule.label)


def _first_clause(decision: RoutingDecision, org: OrgChart, firsts: int) -> str:
    """The scope rule routing applied (the especially-major modifier overwrites the scope, so
    the clause its reasons cite is looked for first)."""
    if firsts > 1:
        return RULE_MULTI_DEPARTMENT
    cited = next((rule for rule in (*MULTI_RULE.values(), RULE_SINGLE_COUNTY, RULE_SINGLE)
                  if any(rule in reason for reason in decision.reasons)), None)
    if cited is not None:
        return cited
    if decision.scope is Scope.MULTI_REGION and decision.level_region in org.regions:
        return MULTI_RULE.get(org.region(decision.level_region).level, RULE_MULTI_TOWNSHIP)
    return RULE_SINGLE


def response_duties(duties: tuple[Duty, ...]) -> tuple[Duty, ...]:
    return tuple(d for d in duties if d.role in RESPONSE_ROLES)


def uses_incident_clock(duty: Duty, duties: tuple[Duty, ...]) -> bool:
    """The one required answer of an incident is the incident's own claim, response and clock
    (a single-unit incident works as it always has); otherwise each duty has a clock of its own."""
    required = [d for d in response_duties(duties) if d.required]
    return duty.role in RESPONSE_ROLES and required == [duty]


def answered_by_lead(duty: Duty, lead: str | None) -> bool:
    """A first-responsible unit's duty that the lead's answer meets (the unit then confirms it)."""
    return duty.role is DutyRole.FIRST and lead is not None and duty.unit != lead


def responded(met: dict[tuple[str, str], bool], duties: tuple[Duty, ...]) -> bool:
    """The incident's response is met when every required duty is met (`met` by (unit, role))."""
    return all(met.get((d.unit, str(d.role)), False) for d in duties if d.required)


def _join(names: Iterable[str]) -> str:
    return "、".join(names)
