"""Who may see and do what: pure rules over plain data (a viewer, an incident's assignment,
the org chart). The API, the live hub and the reports all ask these two functions, so one
permission matrix holds everywhere. No database, no web.

- 联络人/承办人 (liaison): incidents assigned to his unit (first responsible, co-responsible,
  lead); acts on them (claim, respond, follow up, close, return).
- 领导 (leader) of a region: everything in that region and below; of a unit: that unit's
  incidents. Reads and acknowledges alerts; does not handle.
- 政府办公室 督办 (coordinator) of a region: everything in it and below; arbitrates returns,
  transfers, designates leads, merges, re-grades, supervises.
- 宣传部门 reviewer of a region: everything in it and below; reviews responses.
- admin: everything; manages accounts. Nobody edits the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from routing.orgchart import OrgChart


class Role(StrEnum):
    LIAISON = "liaison"  # 联络人/承办人
    LEADER = "leader"  # 领导
    REVIEWER = "reviewer"  # 宣传部门
    COORDINATOR = "coordinator"  # 政府办公室（督办）
    ADMIN = "admin"


ROLE_LABEL = {Role.LIAISON: "联络人/承办人", Role.LEADER: "领导", Role.REVIEWER: "宣传部门审核",
              Role.COORDINATOR: "政府办公室督办", Role.ADMIN: "系统管理员"}


class Action(StrEnum):
    READ = "read"
    CLAIM = "claim"  # 认领
    RESPOND = "respond"  # 回应 / 跟进 / 办结
    RETURN = "return"  # 退回
    ARBITRATE = "arbitrate"  # 审定退回、转办、指定牵头、合并、拆分、改判
    ACKNOWLEDGE = "acknowledge"  # 确认升级提醒
    REVIEW = "review"  # 回应效果评估
    SUPERVISE = "supervise"  # 督办单
    ADMIN = "admin"  # 账号管理


# which roles may take each action at all; `may` adds the scope (which incidents)
GRANTS: dict[Role, frozenset[Action]] = {
    Role.LIAISON: frozenset({Action.READ, Action.CLAIM, Action.RESPOND, Action.RETURN}),
    Role.LEADER: frozenset({Action.READ, Action.ACKNOWLEDGE}),
    Role.REVIEWER: frozenset({Action.READ, Action.REVIEW}),
    Role.COORDINATOR: frozenset({Action.READ, Action.ARBITRATE, Action.SUPERVISE, Action.ACKNOWLEDGE}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the rules see him. A liaison (and a unit leader) has a `unit`
    (a unit full name of the org); a region leader, coordinator or reviewer has a `region`."""

    user_id: int
    username: str
    role: Role
    unit: str | None = None
    region: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Assignment:
    """What of an incident decides who sees it (plain copies of the incident's columns)."""

    level_region: str
    regions: tuple[str, ...] = ()
    first_responsible: tuple[str, ...] = ()
    co_responsible: tuple[str, ...] = ()
    lead: str | None = None

    @property
    def units(self) -> frozenset[str]:
        return frozenset((*self.first_responsible, *self.co_responsible, *((self.lead,) if self.lead else ())))


def assignment_of(incident: object) -> Assignment:
    """From any object with the incident's columns (the table row, an event payload)."""
    get = (lambda k: incident.get(k)) if isinstance(incident, dict) else (lambda k: getattr(incident, k, None))
    return Assignment(level_region=get("level_region") or "", regions=tuple(get("regions") or ()),
                      first_responsible=tuple(get("first_responsible") or ()),
                      co_responsible=tuple(get("co_responsible") or ()), lead=get("lead"))


def within(org: OrgChart, region: str, names: Iterable[str]) -> bool:
    """Any of `names` (regions) is `region` or below it; unknown names are ignored."""
    return any(n in org.regions and org.is_ancestor(region, n) for n in names)


def sees(viewer: Viewer, a: Assignment, org: OrgChart) -> bool:
    if viewer.role is Role.ADMIN:
        return True
    if viewer.region:
        return within(org, viewer.region, (a.level_region, *a.regions))
    return viewer.unit is not None and viewer.unit in a.units


def may(viewer: Viewer, action: Action, a: Assignment, org: OrgChart) -> bool:
    """`viewer` may take `action` on the incident with assignment `a`."""
    return action in GRANTS[viewer.role] and sees(viewer, a, org)


# which of unit/region an account of each role must carry: a liaison acts for one unit; a
# leader leads a region or a unit; coordinators and reviewers sit at a region's government
NEEDS: dict[Role, str] = {Role.LIAISON: "unit", Role.LEADER: "unit or region", Role.REVIEWER: "region",
                          Role.COORDINATOR: "region", Role.ADMIN: ""}


def account_problem(role: Role, unit: str | None, region: str | None, org: OrgChart) -> tuple[str, str] | None:
    """(zh, en) naming what is wrong with an account's unit/region for `role`, else None."""
    if unit is not None and unit not in org.unit_names():
        return f"组织架构中没有单位“{unit}”", f"unknown unit {unit!r}: not a unit of the organisation"
    if region is not None and region not in org.regions:
        return f"组织架构中没有地区“{region}”", f"unknown region {region!r}: not a region of the organisation"
    need = NEEDS[role]
    if need == "unit" and unit is None:
        return f"{ROLE_LABEL[role]}须指定所属单位", f"role {role} needs a unit"
    if need == "region" and region is None:
        return f"{ROLE_LABEL[role]}须指定所属地区", f"role {role} needs a region"
    if need == "unit or region" and (unit is None) == (region is None):
        return f"{ROLE_LABEL[role]}须指定单位或地区之一", f"role {role} needs exactly one of unit or region"
    return None
