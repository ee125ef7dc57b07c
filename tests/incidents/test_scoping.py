"""Viewer-scoped listing: the one indexed query over incident_unit agrees with the pure rule
(access.sees) for every demo account, and the dashboard's filters and views narrow it."""

from __future__ import annotations

import pytest

from routing.orgfile import load_demo_org
from service.auth.rules import Principal, Role, assignment_of, sees
from tests.conftest import COORD, VIEWER
from tests.incidents.helpers import ESTATE, FLOOD, FOOD, MISHAN, SCHOOL, SCJ
from tests.support.factories import incident, login

ORG = load_demo_org()
ACCOUNTS = {  # as service.auth.demo creates them
    "liaison_scj": Principal(0, "liaison_scj", Role.LIAISON, unit=SCJ),
    "liaison_mishan": Principal(0, "liaison_mishan", Role.LIAISON, unit=MISHAN),
    "leader_gaoping": Principal(0, "leader_gaoping", Role.LEADER, region="高平市"),
    "coordinator_gaoping": Principal(0, "coordinator_gaoping", Role.COORDINATOR, region="高平市"),
    "reviewer_gaoping": Principal(0, "reviewer_gaoping", Role.REVIEWER, region="高平市"),
    "admin": Principal(0, "admin", Role.ADMIN),
}
# an incident at city level (two counties): above 高平市, so its viewers do not see it
CITY = "阳城县和泽州县多家餐馆被曝使用过期食材"


@pytest.fixture
def incidents(client) -> list[dict]:
    for n, text in enumerate([ESTATE, FOOD, SCHOOL, FLOOD, CITY]):
        incident(client, str(n), text)
    everything = client.get("/api/incidents", headers=login(client, "admin")).json()
    assert len(everything) == 5
    return everything


def test_each_account_lists_exactly_what_the_rule_lets_it_see(client, incidents) -> None:
    seen_by = {}
    for username, viewer in ACCOUNTS.items():
        listed = {i["id"] for i in client.get("/api/incidents", headers=login(client, username)).json()}
        expected = {i["id"] for i in incidents if sees(viewer, assignment_of(i), ORG)}
        assert listed == expected, username
        seen_by[username] = listed
    # the rule is not trivial here: each liaison sees one of five, the region holders four
    assert len(seen_by["liaison_mishan"]) == len(seen_by["liaison_scj"]) == 1
    assert seen_by["liaison_mishan"] != seen_by["liaison_scj"]
    assert len(seen_by["leader_gaoping"]) == 4 and len(seen_by["admin"]) == 5
    # machine tokens act as the home region's coordinator / leader
    assert {i["id"] for i in client.get("/api/incidents", headers=VIEWER).json()} == seen_by["leader_gaoping"]
    assert {i["id"] for i in client.get("/api/incidents", headers=COORD).json()} == seen_by["coordinator_gaoping"]


def test_filters_and_views(client, incidents) -> None:
    by_text = {i["first_responsible"][0]: i["id"] for i in incidents}
    get = lambda q: [i["id"] for i in client.get(f"/api/incidents?{q}", headers=COORD).json()]  # noqa: E731
    assert get("region=米山镇") == [by_text[MISHAN]]
    assert set(get("region=高平市")) == set(get("")) and len(get("")) == 4
    assert get("unit=米山镇人民政府") == [by_text[MISHAN]]
    assert set(get("unit=河西镇人民政府")) == {by_text[SCJ]}  # co-responsible counts
    assert get("region=不存在的地方") == []
    assert get("topic=食品药品监管&severity=一般") == [i for i in get("") if i in (by_text[SCJ], by_text["三甲镇人民政府"])]
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{by_text[MISHAN]}/claim", headers=me)
    mine = [i["id"] for i in client.get("/api/incidents?view=mine", headers=me).json()]
    assert mine == [by_text[MISHAN]]
    assert client.get("/api/incidents?view=unclaimed", headers=me).json() == []
    assert get("status=claimed") == [by_text[MISHAN]] and by_text[MISHAN] not in get("status=unclaimed")
    assert len(get("status=open")) == 4 and get("status=closed") == [] and get("view=escalated") == []
    bad = client.get("/api/incidents?view=everything", headers=COORD)
    assert bad.status_code == 422 and bad.json()["error"]["zh"]


def test_detail_lists_the_viewers_buttons(client, incidents) -> None:
    mishan = next(i["id"] for i in incidents if i["first_responsible"] == [MISHAN])
    me = login(client, "liaison_mishan")
    assert client.get(f"/api/incidents/{mishan}", headers=me).json()["actions"] == ["claim", "return"]
    assert client.get(f"/api/incidents/{mishan}", headers=COORD).json()["actions"] == [
        "transfer", "lead", "merge", "regrade"]
    assert client.get(f"/api/incidents/{mishan}", headers=VIEWER).json()["actions"] == []
    assert client.get("/api/incidents").status_code == 401


def test_rerouting_by_topic_change_and_split_keep_the_scope_index_in_step(client, incidents) -> None:
    food = next(i["id"] for i in incidents if i["first_responsible"] == [SCJ])
    scj = login(client, "liaison_scj")
    assert [i["id"] for i in client.get("/api/incidents", headers=scj).json()] == [food]
    r = client.post(f"/api/incidents/{food}/topic", headers=COORD, json={"topic": "义务教育", "reason": "实为学校食堂"})
    assert r.status_code == 200 and r.json()["first_responsible"] == ["高平市教育局"]
    assert client.get("/api/incidents", headers=scj).json() == []
    assert client.get(f"/api/incidents/{food}", headers=scj).status_code == 404
    assert [i["id"] for i in client.get("/api/incidents?unit=高平市教育局", headers=COORD).json()] == [food]
    assert client.get(f"/api/incidents/{food}", headers=COORD).json()["audit"][-1]["actor"] == "token:coordinator"
