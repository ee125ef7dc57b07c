"""Who may review which unit's response, as a pure rule over plain data."""

from __future__ import annotations

import pytest

from routing.orgfile import load_demo_org
from service.auth.rules import Assignment, Principal, Role
from service.incidents.rules import Status
from service.review.service import refusal

ORG = load_demo_org()
SCJ, MISHAN, PROPAGANDA = "高平市市场监督管理局", "米山镇人民政府", "中共高平市委宣传部"
A = Assignment(level_region="高平市", regions=("米山镇",), first_responsible=(MISHAN,))


def v(role: Role, unit: str | None = None, region: str | None = None) -> Principal:
    return Principal(user_id=1, username="u", role=role, unit=unit, region=region)


REVIEWER = v(Role.REVIEWER, PROPAGANDA, "高平市")


@pytest.mark.parametrize(("viewer", "status", "unit", "responders", "expected"), [
    (REVIEWER, Status.RESPONDED, MISHAN, {MISHAN}, None),
    (REVIEWER, Status.CLOSED, MISHAN, {MISHAN}, None),
    (v(Role.ADMIN), Status.CLOSED, MISHAN, {MISHAN}, None),
    (v(Role.REVIEWER, None, "三甲镇"), Status.RESPONDED, MISHAN, {MISHAN}, 404),  # outside his region
    (v(Role.LIAISON, MISHAN), Status.RESPONDED, MISHAN, {MISHAN}, 403),
    (v(Role.COORDINATOR, None, "高平市"), Status.RESPONDED, MISHAN, {MISHAN}, 403),
    (v(Role.LEADER, None, "高平市"), Status.RESPONDED, MISHAN, {MISHAN}, 403),
    (REVIEWER, Status.RESPONDED, PROPAGANDA, {PROPAGANDA}, 403),  # his own unit reviewed
    (REVIEWER, Status.RESPONDED, MISHAN, {MISHAN, PROPAGANDA}, 403),  # his unit answered too
    (REVIEWER, Status.CLAIMED, MISHAN, {MISHAN}, 409),
    (REVIEWER, Status.UNCLAIMED, MISHAN, set(), 409),
    (REVIEWER, Status.RESPONDED, SCJ, {MISHAN}, 409),  # that unit gave no response here
])
def test_refusal(viewer: Principal, status: Status, unit: str, responders: set[str], expected: int | None) -> None:
    found = refusal(viewer, A, ORG, status, unit, responders)
    assert (found.status if found else None) == expected
    if found:
        assert found.zh and found.en
    if expected == 403 and viewer.role is Role.REVIEWER:
        assert found.zh == "不能评估本单位的回应"
