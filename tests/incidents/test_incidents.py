"""Grouping into incidents, undoing a merge, severity changes re-timing the clocks."""

from __future__ import annotations

from tests.conftest import COORD
from tests.support import factories

ESTATE = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"
ESTATE_LATER = "米山镇凤凰小区烧烤店油烟还是很大，晚上根本没法开窗"
NEIGHBOUR = "米山镇翠竹小区楼下烧烤店油烟扰民，多次反映无人处理"


post = factories.incident  # (client, ext, text, received_at) → the incident the item joined


def test_same_estate_months_later_joins_and_neighbour_does_not(client) -> None:
    first = post(client, "1", ESTATE, "2026-06-01T10:00:00+08:00")
    neighbour = post(client, "2", NEIGHBOUR, "2026-06-02T10:00:00+08:00")
    later = post(client, "3", ESTATE_LATER, "2026-09-15T10:00:00+08:00")
    assert later == first and neighbour != first
    detail = client.get(f"/api/incidents/{first}", headers=COORD).json()
    assert len(detail["items"]) == 2
    assert "凤凰小区" in detail["items"][1]["merge_explanation"]
    assert [a["action"] for a in detail["audit"]] == ["incident.created", "incident.item_merged"]


def test_coordinator_can_undo_a_merge(client) -> None:
    first = post(client, "1", ESTATE, "2026-06-01T10:00:00+08:00")
    post(client, "2", ESTATE_LATER, "2026-06-05T10:00:00+08:00")
    items = client.get(f"/api/incidents/{first}", headers=COORD).json()["items"]
    r = client.post(f"/api/incidents/{first}/items/{items[1]['id']}/split", headers=COORD)
    assert r.status_code == 200
    new = r.json()["incident_id"]
    assert new != first
    assert [i["id"] for i in client.get(f"/api/incidents/{new}", headers=COORD).json()["items"]] == [items[1]["id"]]
    old = client.get(f"/api/incidents/{first}", headers=COORD).json()
    assert [i["id"] for i in old["items"]] == [items[0]["id"]]
    assert old["audit"][-1]["action"] == "incident.item_split"
    # splitting the last item of an incident is refused
    again = client.post(f"/api/incidents/{first}/items/{items[0]['id']}/split", headers=COORD)
    assert again.status_code == 409


def test_upgrade_retimes_clocks_from_receipt(client) -> None:
    incident = post(client, "1", ESTATE, "2026-06-01T10:00:00+08:00")
    before = {c["kind"]: c["due_at"] for c in client.get(f"/api/incidents/{incident}", headers=COORD).json()["clocks"]}
    r = client.post(f"/api/incidents/{incident}/severity", json={"severity": "特别重大", "reason": "引发群体聚集"},
                    headers=COORD)
    assert r.status_code == 200
    body = r.json()
    # seed 001 四 (the city's plan): 本级 of a township item is the city — its principal leader leads
    assert body["leader"] == "高平市人民政府主要负责人" and body["scope"] == "especially_major"
    detail = client.get(f"/api/incidents/{incident}", headers=COORD).json()
    after = {c["kind"]: c["due_at"] for c in detail["clocks"]}
    assert before["response"].startswith("2026-06-03T02:00") and after["response"].startswith("2026-06-02T02:00")
    change = detail["audit"][-1]
    assert change["action"] == "incident.severity_changed" and change["detail"]["before"] == "一般"


def test_more_severe_item_upgrades_the_incident_it_joins(client) -> None:
    incident = post(client, "1", ESTATE, "2026-06-01T10:00:00+08:00")
    joined = post(client, "2", ESTATE_LATER, "2026-06-01T20:00:00+08:00", severity="重大")
    assert joined == incident
    detail = client.get(f"/api/incidents/{incident}", headers=COORD).json()
    assert detail["incident"]["severity"] == "重大"
    response = next(c for c in detail["clocks"] if c["kind"] == "response")
    assert response["due_at"].startswith("2026-06-02T02:00")  # 24 h from the FIRST receipt


def test_topic_change_reroutes_and_is_audited_as_a_correction(client) -> None:
    incident = post(client, "1", "河西镇、马村镇多家餐馆被曝使用过期食材", "2026-06-01T10:00:00+08:00")
    before = client.get(f"/api/incidents/{incident}", headers=COORD).json()["incident"]
    r = client.post(f"/api/incidents/{incident}/topic", json={"topic": "义务教育", "reason": "实为学校食堂"},
                    headers=COORD)
    assert r.status_code == 200, r.text
    assert before["first_responsible"] == ["高平市市场监督管理局"]
    assert r.json()["topic"] == "义务教育" != before["topic"]
    assert r.json()["first_responsible"] == ["高平市教育局"]
    change = client.get(f"/api/incidents/{incident}", headers=COORD).json()["audit"][-1]
    assert change["action"] == "incident.topic_changed"
    assert change["detail"] == {"before": before["topic"], "after": "义务教育", "why": "实为学校食堂"}
    bad = client.post(f"/api/incidents/{incident}/topic", json={"topic": "外星人", "reason": "测试"}, headers=COORD)
    assert bad.status_code == 422 and "未知主题" in bad.json()["error"]["zh"]


def test_item_received_earlier_but_processed_later_joins_and_moves_the_clocks(client) -> None:
    incident = post(client, "1", ESTATE, "2026-06-02T10:00:00+08:00")
    earlier = post(client, "2", ESTATE_LATER, "2026-06-01T10:00:00+08:00")
    assert earlier == incident
    detail = client.get(f"/api/incidents/{incident}", headers=COORD).json()
    assert detail["incident"]["received_at"].startswith("2026-06-01T02:00")
    response = next(c for c in detail["clocks"] if c["kind"] == "response")
    assert response["due_at"].startswith("2026-06-03T02:00")  # 48 h from the earliest receipt
