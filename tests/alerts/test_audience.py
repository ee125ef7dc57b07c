"""Who an alert is for and who may manage subscriptions: pure rules on the demo org chart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from routing.local_time import BEIJING_NAME
from service.alerts.audience import (
    audiences,
    covers,
    is_recipient,
    may_manage,
    subscription_matches,
    units_within,
    viewer_audiences,
)
from service.alerts.message import AlertMessage
from service.auth.rules import Principal, Role
from tests.alerts.conftest import demo_org

ORG = demo_org()
LEADER = Principal(1, "leader_gaoping", Role.LEADER, region="高平市")
COORD = Principal(2, "coordinator_gaoping", Role.COORDINATOR, unit="高平市人民政府办公室", region="高平市")
REVIEWER = Principal(3, "reviewer_gaoping", Role.REVIEWER, unit="中共高平市委宣传部", region="高平市")
MISHAN = Principal(4, "liaison_mishan", Role.LIAISON, unit="米山镇人民政府")
SCJ = Principal(5, "liaison_scj", Role.LIAISON, unit="高平市市场监督管理局")
ADMIN = Principal(6, "admin", Role.ADMIN)


def test_leader_and_office_of_a_region_become_one_region_audience() -> None:
    got = audiences(["米山镇人民政府主要负责人", "米山镇党政综合办公室", "高平市市场监督管理局"], ORG)
    assert got == {("region", "米山镇"): ["米山镇人民政府主要负责人", "米山镇党政综合办公室"],
                   ("unit", "高平市市场监督管理局"): ["高平市市场监督管理局"]}


@pytest.mark.parametrize(("viewer", "audience", "expected"), [
    (MISHAN, ("unit", "米山镇人民政府"), True),
    (SCJ, ("unit", "米山镇人民政府"), False),
    (LEADER, ("region", "高平市"), True),
    (LEADER, ("region", "米山镇"), True),  # his region contains the incident
    (LEADER, ("region", "晋城市"), False),  # not the level above him
    (COORD, ("region", "米山镇"), True),
    (REVIEWER, ("region", "高平市"), False),  # reviewers review responses; alerts are for leaders
    (MISHAN, ("region", "米山镇"), False),  # a liaison of the region is not its leader
    (ADMIN, ("region", "高平市"), False),
])
def test_recipients(viewer: Principal, audience: tuple[str, str], expected: bool) -> None:
    assert is_recipient(viewer, audience, ORG) is expected
    assert (audience in viewer_audiences(viewer, ORG)) is expected  # the SQL filter agrees


def test_subscriptions_match_their_unit_or_region_and_below() -> None:
    assert subscription_matches(("region", "高平市"), ("region", "米山镇"), ORG)
    assert not subscription_matches(("region", "米山镇"), ("region", "高平市"), ORG)
    assert subscription_matches(("unit", "米山镇人民政府"), ("unit", "米山镇人民政府"), ORG)
    assert not subscription_matches(("unit", "米山镇人民政府"), ("region", "米山镇"), ORG)
    assert not subscription_matches(("region", "高平市"), ("unit", "高平市市场监督管理局"), ORG)


def test_coordinators_manage_subscriptions_within_their_region_only() -> None:
    assert may_manage(COORD, ("unit", "米山镇人民政府"), ORG)
    assert may_manage(COORD, ("region", "高平市"), ORG)
    assert not may_manage(COORD, ("region", "晋城市"), ORG)
    assert not may_manage(LEADER, ("region", "高平市"), ORG)
    assert may_manage(ADMIN, ("region", "晋城市"), ORG)


def test_message_names_incident_step_and_local_due_time() -> None:
    msg = AlertMessage(alert_id=7, incident_id=12, topic="食品药品监管", severity="重大", clock="response",
                       clock_label="首次回应", step="urge", label="催办",
                       due_at=datetime(2026, 6, 2, 2, 0, tzinfo=UTC), link="http://x/incidents/12",
                       recipients=("高平市人民政府办公室",))
    text = msg.text(BEIJING_NAME)
    assert msg.subject == "【舆情超期催办】事件 #12 食品药品监管（重大）首次回应"
    assert "到期时间：2026-06-02 10:00（北京时间）" in text and "查看：http://x/incidents/12" in text
    assert "[查看事件 #12](http://x/incidents/12)" in msg.markdown(BEIJING_NAME)
    assert msg.summary(BEIJING_NAME) == ("食品药品监管（重大）· 首次回应时限 超期催办 · 到期 2026-06-02 10:00（北京时间）"
                                            "· 送达 高平市人民政府办公室")


def test_units_within_a_region_agree_with_covers() -> None:
    within = set(units_within("米山镇", ORG))
    assert "米山镇人民政府" in within and "高平市市场监督管理局" not in within
    every = ORG.unit_names()
    assert {u for u in every if covers("高平市", ("unit", u), ORG)} == set(units_within("高平市", ORG)) & every
