"""Who may see and do what: pure rules over plain data (a principal, an incident's assignment,
the org chart). One table, `GRANTS` (Role → the Actions it may take), holds every permission:
the API's one dependency (`service.auth.deps.Allowed`), the workflow rules, the live hub and
the reports all read it, and `sees` adds the scope (which incidents). No database, no web.

- 联络人/承办人 (liaison): incidents assigned to his unit (first responsible, co-responsible,
  lead); acts on them (claim, respond, follow up, close, return).
- 领导 (leader) of a region: everything in that region and below; of a unit: that unit's
  incidents. Reads and acknowledges alerts; does not handle.
- 政府办公室 督办 (coordinator) of a region: everything in it and below; arbitrates returns,
  transfers, designates leads, merges, re-grades, supervises.
- 宣传部门 reviewer of a region: everything in it and below; reviews responses.
- admin: everything; manages accounts. Nobody edits the audit log.

Machines (bearer tokens of API_TOKENS) are principals too, of a role of this table
(`TOKEN_ROLES`): an `ingest` token posts items and reads the items of no incident yet (to see
which of its posts failed), nothing routed and no incident; a `viewer` token reads like the home
region's leader, a `coordinator` token acts as its coordinator. A machine never acknowledges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from routing.orgchart import OrgChart


class Role(StrEnum):
    LIAISON = "liaison"  # 联络人/承办人
    LEADER = "leader"  # 领导
    REVIEWER = "reviewer"  # 宣传部门
    COORDINATOR = "coordinator"  # 政府办公室（督办）
    ADMIN = "admin"
    INGEST = "ingest"  # a machine posting items (API_TOKENS); no account has it


PERSON_ROLES = (Role.LIAISON, Role.LEADER, Role.REVIEWER, Role.COORDINATOR, Role.ADMIN)
ROLE_LABEL = {Role.LIAISON: "联络人/承办人", Role.LEADER: "领导", Role.REVIEWER: "宣传部门审核",
              Role.COORDINATOR: "政府办公室督办", Role.ADMIN: "系统管理员", Role.INGEST: "接收端（令牌）"}


class Action(StrEnum):
    READ = "read"
    CLAIM = "claim"  # 认领
    RESPOND = "respond"  # 回应 / 跟进 / 办结
    RETURN = "return"  # 退回
    ARBITRATE = "arbitrate"  # 审定退回、转办、指定牵头、合并、拆分、改判
    ACKNOWLEDGE = "acknowledge"  # 确认升级提醒 (which alerts: those addressed to him; never a machine)
    REVIEW = "review"  # 回应效果评估
    SUPERVISE = "supervise"  # 督办单
    ADMIN = "admin"  # 账号管理
    INGEST = "ingest"  # 接收舆情信息 (POST /api/items)
    READ_UNROUTED = "read_unrouted"  # 查看未归入事件的信息（待处理、处理失败）
    READ_DIGESTS = "read_digests"  # 领导每日摘要
    MANAGE_ALERTS = "manage_alerts"  # 推送订阅、推送状态、立即生成摘要
    ACCOUNTABILITY = "accountability"  # 问责登记、年度考核结果（及其整改）
    EDIT_REGISTER = "edit_register"  # 编辑单位政务舆情联络登记
    EDIT_CALENDAR = "edit_calendar"  # 编辑工作日历（节假日、调休）
    REPORT = "report"  # 舆情报送 (a person enters an item: POST /api/items/report)
    IMPORT = "import"  # 导入12345热线等导出的 CSV/XLSX (POST /api/items/import)


# THE permission table: which roles may take each action at all; `may` adds the scope
GRANTS: dict[Role, frozenset[Action]] = {
    Role.LIAISON: frozenset({Action.READ, Action.CLAIM, Action.RESPOND, Action.RETURN, Action.ACKNOWLEDGE,
                             Action.REPORT}),
    Role.LEADER: frozenset({Action.READ, Action.ACKNOWLEDGE, Action.READ_DIGESTS}),
    # 宣传部门's monitor reports what he finds and imports the hotline's export
    Role.REVIEWER: frozenset({Action.READ, Action.REVIEW, Action.ACKNOWLEDGE, Action.REPORT, Action.IMPORT}),
    Role.COORDINATOR: frozenset({Action.READ, Action.ARBITRATE, Action.SUPERVISE, Action.ACKNOWLEDGE,
                                 Action.READ_DIGESTS, Action.MANAGE_ALERTS, Action.INGEST, Action.READ_UNROUTED,
                                 Action.ACCOUNTABILITY, Action.REPORT, Action.IMPORT}),
    Role.ADMIN: frozenset(Action),
    Role.INGEST: frozenset({Action.INGEST, Action.READ_UNROUTED}),
}


@dataclass(frozen=True)
class Principal:
    """Who calls, as the rules see him: a signed-in person or a machine token. A liaison (and
    a unit leader) has a `unit` (a unit full name of the org); a region leader, coordinator or
    reviewer has a `region`; a viewer or coordinator token the org's home region."""

    user_id: int
    username: str
    role: Role
    unit: str | None = None
    region: str | None = None
    name: str = ""
    machine: bool = False  # a bearer token of API_TOKENS, not a person


# the role each API_TOKENS role acts as (see the module's docstring)
TOKEN_ROLES: dict[str, Role] = {"ingest": Role.INGEST, "viewer": Role.LEADER, "coordinator": Role.COORDINATOR}


def token_principal(token_role: str, home_region: str) -> Principal:
    """The principal of a bearer token of role `token_role` (one of settings.ROLES)."""
    role = TOKEN_ROLES[token_role]
    return Principal(user_id=0, username=f"token:{token_role}", role=role, name=f"令牌（{token_role}）",
                     region=None if role is Role.INGEST else home_region, machine=True)


def allowed(principal: Principal, *actions: Action) -> bool:
    """`principal`'s role may take any of `actions` on some incident (scope aside)."""
    return any(a in GRANTS[principal.role] for a in actions)


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
    def get(name: str) -> Any:  # whatever the row or payload holds
        return incident.get(name) if isinstance(incident, dict) else getattr(incident, name, None)

    return Assignment(level_region=get("level_region") or "", regions=tuple(get("regions") or ()),
                      first_responsible=tuple(get("first_responsible") or ()),
                      co_responsible=tuple(get("co_responsible") or ()), lead=get("lead"))


def unit_region(org: OrgChart, unit: str) -> str | None:
    """The region a unit belongs to: a department's region, a standing body's region."""
    if unit in org.departments:
        return org.departments[unit].region
    return org.body_index.get(unit)


def sees_unit(viewer: Principal, unit: str, org: OrgChart) -> bool:
    """`viewer` sees the matters of `unit` (its 问责, 整改, assessment): the admin all, a region's
    people the units of their region and below, a unit's people their own unit."""
    if viewer.role is Role.ADMIN:
        return True
    if viewer.region:
        region = unit_region(org, unit)
        return region is not None and within(org, viewer.region, (region,))
    return viewer.unit == unit


def within(org: OrgChart, region: str, names: Iterable[str]) -> bool:
    """Any of `names` (regions) is `region` or below it; unknown names are ignored."""
    return any(n in org.regions and org.is_ancestor(region, n) for n in names)


def sees(viewer: Principal, a: Assignment, org: OrgChart) -> bool:
    if viewer.role is Role.ADMIN:
        return True
    if viewer.region:
        return within(org, viewer.region, (a.level_region, *a.regions))
    return viewer.unit is not None and viewer.unit in a.units


def may(viewer: Principal, action: Action, a: Assignment, org: OrgChart) -> bool:
    """`viewer` may take `action` on the incident with assignment `a`."""
    return action in GRANTS[viewer.role] and sees(viewer, a, org)


# which of unit/region an account of each role must carry: a liaison acts for one unit; a
# leader leads a region or a unit; coordinators and reviewers sit at a region's government
NEEDS: dict[Role, str] = {Role.LIAISON: "unit", Role.LEADER: "unit or region", Role.REVIEWER: "region",
                          Role.COORDINATOR: "region", Role.ADMIN: "", Role.INGEST: "machine"}


def account_problem(role: Role, unit: str | None, region: str | None, org: OrgChart) -> tuple[str, str] | None:
    """(zh, en) naming what is wrong with an account's unit/region for `role`, else None."""
    if unit is not None and unit not in org.unit_names():
        return f"组织架构中没有单位“{unit}”", f"unknown unit {unit!r}: not a unit of the organisation"
    if region is not None and region not in org.regions:
        return f"组织架构中没有地区“{region}”", f"unknown region {region!r}: not a region of the organisation"
    need = NEEDS[role]
    if need == "machine":
        return f"“{role}”是接收令牌的角色，不能用于账号", f"role {role} is for API tokens, not for accounts"
    if need == "unit" and unit is None:
        return f"{ROLE_LABEL[role]}须指定所属单位", f"role {role} needs a unit"
    if need == "region" and region is None:
        return f"{ROLE_LABEL[role]}须指定所属地区", f"role {role} needs a region"
    if need == "unit or region" and (unit is None) == (region is None):
        return f"{ROLE_LABEL[role]}须指定单位或地区之一", f"role {role} needs exactly one of unit or region"
    return None
