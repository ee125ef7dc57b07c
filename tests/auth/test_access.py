"""Pure rules: which account shapes are valid, who sees and may act on what."""

from __future__ import annotations

import pytest

from routing.orgfile import load_demo_org
from service.auth.rules import Action, Assignment, Principal, Role, account_problem, may, sees

ORG = load_demo_org()
SCJ = "高平市市场监督管理局"


def v(role: Role, unit: str | None = None, region: str | None = None) -> Principal:
    return Principal(user_id=1, username="u", role=role, unit=unit, region=region)


@pytest.mark.parametrize(("role", "unit", "region", "named"), [
    (Role.LIAISON, None, None, "unit"),
    (Role.LIAISON, "高平市不存在局", None, "高平市不存在局"),
    (Role.COORDINATOR, None, "火星市", "火星市"),
    (Role.COORDINATOR, "高平市人民政府办公室", None, "region"),
    (Role.REVIEWER, None, None, "region"),
    (Role.LEADER, None, None, "exactly one"),
    (Role.LEADER, SCJ, "高平市", "exactly one"),
])
def test_bad_accounts_named(role: Role, unit: str | None, region: str | None, named: str) -> None:
    problem = account_problem(role, unit, region, ORG)
    assert problem is not None and named in problem[1]
    assert problem[0]  # and a Chinese message


@pytest.mark.parametrize(("role", "unit", "region"), [
    (Role.LIAISON, SCJ, None), (Role.LEADER, None, "高平市"), (Role.LEADER, SCJ, None),
    (Role.COORDINATOR, "高平市人民政府办公室", "高平市"), (Role.REVIEWER, None, "晋城市"), (Role.ADMIN, None, None),
])
def test_good_accounts(role: Role, unit: str | None, region: str | None) -> None:
    assert account_problem(role, unit, region, ORG) is None


FOOD = Assignment(level_region="高平市", regions=("河西镇", "马村镇"), first_responsible=(SCJ,),
                  co_responsible=("河西镇人民政府",))
ELSEWHERE = Assignment(level_region="北石店镇", regions=("北石店镇",), first_responsible=("北石店镇人民政府",))


def test_liaison_sees_only_his_units_incidents() -> None:
    assert sees(v(Role.LIAISON, SCJ), FOOD, ORG)
    assert sees(v(Role.LIAISON, "河西镇人民政府"), FOOD, ORG)  # co-responsible
    assert sees(v(Role.LIAISON, "高平市教育局"), Assignment(level_region="高平市", lead="高平市教育局"), ORG)  # lead
    assert not sees(v(Role.LIAISON, "米山镇人民政府"), FOOD, ORG)
    assert may(v(Role.LIAISON, SCJ), Action.CLAIM, FOOD, ORG)
    assert not may(v(Role.LIAISON, "米山镇人民政府"), Action.CLAIM, FOOD, ORG)


def test_region_roles_see_their_region_and_below_only() -> None:
    gaoping = v(Role.COORDINATOR, region="高平市")
    assert sees(gaoping, FOOD, ORG) and not sees(gaoping, ELSEWHERE, ORG)
    assert sees(v(Role.LEADER, region="晋城市"), ELSEWHERE, ORG)  # the city sees both counties
    assert sees(v(Role.LEADER, region="晋城市"), FOOD, ORG)
    assert not sees(v(Role.LEADER, region="河西镇"), ELSEWHERE, ORG)


@pytest.mark.parametrize(("role", "action", "allowed"), [
    (Role.REVIEWER, Action.CLAIM, False), (Role.REVIEWER, Action.REVIEW, True),
    (Role.LEADER, Action.ARBITRATE, False), (Role.LEADER, Action.ACKNOWLEDGE, True),
    (Role.COORDINATOR, Action.ARBITRATE, True), (Role.COORDINATOR, Action.CLAIM, False),
    (Role.ADMIN, Action.ARBITRATE, True),
])
def test_grants(role: Role, action: Action, allowed: bool) -> None:
    viewer = v(role, region="高平市") if role is not Role.ADMIN else v(role)
    assert may(viewer, action, FOOD, ORG) is allowed
    assert may(viewer, action, ELSEWHERE, ORG) is (allowed and role is Role.ADMIN)
