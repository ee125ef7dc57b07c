"""The coordinator's steps over the real API: return → arbitrate (clocks keep counting from
receipt), transfer, lead designation, merging, and claim expiry by the sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.bus import subscribe_local
from service.core.events import to_message
from service.escalation.sweep import sweep_once
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FLOOD, MISHAN, SCHOOL, SCJ, clocks, detail
from tests.support.factories import incident, login

HOUSING = "高平市住房和城乡建设局"


def test_return_then_accepted_arbitration_reroutes_and_keeps_the_original_clocks(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    due = {k: c["due_at"] for k, c in clocks(client, iid).items()}
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    r = client.post(f"/api/incidents/{iid}/return", headers=me, json={"grounds": "烧烤店油烟属城市管理职责，非本镇"})
    assert r.status_code == 200 and r.json()["status"] == "returned" and r.json()["claimed_by"] is None
    # waiting for arbitration: the liaison can neither claim nor return it again
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 409
    assert client.post(f"/api/incidents/{iid}/arbitrate", headers=me,
                       json={"accept": True, "note": "自行审定"}).status_code == 403
    shown = detail(client, iid, me)["returned"]
    assert shown["by"] == "liaison_mishan" and shown["unit"] == MISHAN and "城市管理" in shown["grounds"]
    bad = client.post(f"/api/incidents/{iid}/arbitrate", headers=COORD,
                      json={"accept": True, "units": ["不存在的局"], "note": "改派"})
    assert bad.status_code == 422 and "不存在的局" in bad.json()["error"]["zh"]
    # accepting without units re-runs routing, which names 米山镇 again: the coordinator must name units
    again = client.post(f"/api/incidents/{iid}/arbitrate", headers=COORD, json={"accept": True, "note": "重新分办"})
    assert again.status_code == 422 and "指定改派单位" in again.json()["error"]["zh"]
    assert detail(client, iid)["incident"]["status"] == "returned"
    r = client.post(f"/api/incidents/{iid}/arbitrate", headers=COORD,
                    json={"accept": True, "units": [HOUSING], "note": "退回理由成立，改派住建局"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "unclaimed" and r.json()["first_responsible"] == [HOUSING]
    after = detail(client, iid)
    assert {c["kind"]: c["due_at"] for c in after["clocks"]} == due  # deadlines pause for nothing
    assert after["returned"]["by"] == "liaison_mishan"  # who returned it stays visible
    arbitration = after["audit"][-1]
    assert arbitration["action"] == "incident.arbitrated" and arbitration["actor"] == "token:coordinator"
    assert arbitration["detail"]["accept"] is True and arbitration["detail"]["after"]["first_responsible"] == [HOUSING]
    assert arbitration["detail"]["returned_by"] == "liaison_mishan"
    assert client.get(f"/api/incidents/{iid}", headers=me).status_code == 404  # no longer his unit's


def test_rejected_return_goes_back_to_the_returning_units_queue(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/return", headers=me, json={"grounds": "不属于本镇职责范围"})
    r = client.post(f"/api/incidents/{iid}/arbitrate", headers=login(client, "coordinator_gaoping"),
                    json={"accept": False, "note": "属地管理，仍由米山镇办理"})
    assert r.status_code == 200 and r.json()["first_responsible"] == [MISHAN]
    queue = client.get("/api/incidents?view=unclaimed", headers=me).json()
    assert [i["id"] for i in queue] == [iid]
    assert detail(client, iid, me)["audit"][-1]["actor"] == "coordinator_gaoping"


def test_transfer_reassigns_and_lapses_the_claim(client) -> None:
    iid = incident(client, "1", ESTATE)
    mishan, scj = login(client, "liaison_mishan"), login(client, "liaison_scj")
    client.post(f"/api/incidents/{iid}/claim", headers=mishan)
    assert client.post(f"/api/incidents/{iid}/transfer", headers=mishan,
                       json={"units": [SCJ], "note": "转市场监管"}).status_code == 403
    r = client.post(f"/api/incidents/{iid}/transfer", headers=COORD, json={"units": [SCJ], "note": "餐饮油烟由市场监管处理"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "unclaimed" and body["claimed_by"] is None and body["first_responsible"] == [SCJ]
    assert [i["id"] for i in client.get("/api/incidents?view=unclaimed", headers=scj).json()] == [iid]
    assert client.get(f"/api/incidents/{iid}", headers=mishan).status_code == 404
    entry = detail(client, iid)["audit"][-1]
    assert entry["action"] == "incident.transferred" and entry["detail"]["before"]["first_responsible"] == [MISHAN]
    # an answered incident is not transferred any more
    client.post(f"/api/incidents/{iid}/claim", headers=scj)
    client.post(f"/api/incidents/{iid}/respond", headers=scj, json={"channel": "政府网站", "text": "已处理"})
    assert client.post(f"/api/incidents/{iid}/transfer", headers=COORD,
                       json={"units": [MISHAN], "note": "再转"}).status_code == 409


def test_designated_lead_reroutes_and_the_lead_unit_sees_it(client) -> None:
    iid = incident(client, "1", ESTATE)
    scj = login(client, "liaison_scj")
    assert client.get(f"/api/incidents/{iid}", headers=scj).status_code == 404
    bad = client.post(f"/api/incidents/{iid}/lead", headers=COORD, json={"unit": "米山镇人民政府"})
    assert bad.status_code == 422 and bad.json()["error"]["en"].endswith("not a department of the organisation")
    r = client.post(f"/api/incidents/{iid}/lead", headers=COORD, json={"unit": SCJ, "note": "牵头处理"})
    assert r.status_code == 200 and r.json()["lead"] == SCJ
    assert any("牵头" in reason for reason in r.json()["reasons"])
    assert client.get(f"/api/incidents/{iid}", headers=scj).status_code == 200
    assert [i["id"] for i in client.get(f"/api/incidents?unit={SCJ}", headers=COORD).json()] == [iid]
    entry = detail(client, iid)["audit"][-1]
    assert entry["action"] == "incident.lead_designated" and entry["detail"]["after"] == SCJ


def test_merge_moves_items_and_counts_clocks_from_the_earliest_receipt(client) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    survivor = incident(client, "1", SCHOOL, now)
    # graded 重大 by the officer: a verification request alone is 一般 with a 24 h feedback clock
    # (seed 001 四: 对影响重大的政务舆情，24小时内回应 … 对要求核实处置的 … 24小时内反馈)
    absorbed = incident(client, "2", FLOOD, now - timedelta(hours=10), kind="verification_request", severity="重大")
    assert survivor != absorbed
    assert "feedback" not in clocks(client, survivor)
    assert (detail(client, survivor)["incident"]["severity"], detail(client, absorbed)["incident"]["severity"]) == (
        "一般", "重大")
    r = client.post(f"/api/incidents/{survivor}/merge", headers=COORD, json={"other_incident_id": absorbed})
    assert r.status_code == 200, r.text
    assert r.json()["merged"] == absorbed
    d = detail(client, survivor)
    assert len(d["items"]) == 2
    assert d["incident"]["signature"]["size"] == 2 and d["incident"]["signature"]["spread"]["items"] == 2
    assert set(d["incident"]["signature"]["spread"]["regions"]) == {"三甲镇", "野川镇"}
    assert datetime.fromisoformat(d["incident"]["received_at"]) == now - timedelta(hours=10)
    c = {x["kind"]: x for x in d["clocks"]}
    # the survivor takes the more severe grade (24 h), counted from the absorbed item's receipt
    assert d["incident"]["severity"] == "重大"
    assert datetime.fromisoformat(c["response"]["due_at"]) == now - timedelta(hours=10) + timedelta(hours=24)
    assert "feedback" in c  # the absorbed verification request keeps its feedback clock here
    gone = detail(client, absorbed)
    assert gone["incident"]["status"] == "closed" and gone["merged_into"] == survivor and gone["items"] == []
    assert gone["audit"][-1]["action"] == "incident.merged_into"
    assert d["audit"][-1]["action"] == "incident.merged" and d["audit"][-1]["detail"]["absorbed"] == absorbed
    # a closed (absorbed) incident cannot be merged again; nor an incident with itself
    assert client.post(f"/api/incidents/{survivor}/merge", headers=COORD,
                       json={"other_incident_id": absorbed}).status_code == 409
    assert client.post(f"/api/incidents/{survivor}/merge", headers=COORD,
                       json={"other_incident_id": survivor}).status_code == 422
    me = login(client, "liaison_mishan")  # a liaison's role never merges
    assert client.post(f"/api/incidents/{survivor}/merge", headers=me,
                       json={"other_incident_id": absorbed}).status_code == 403
    # an incident above the coordinator's region is not his to merge, nor to know of
    city = incident(client, "3", "阳城县和泽州县多家餐馆被曝使用过期食材")
    r = client.post(f"/api/incidents/{survivor}/merge", headers=login(client, "coordinator_gaoping"),
                    json={"other_incident_id": city})
    assert r.status_code == 404 and len(detail(client, survivor)["items"]) == 2


def test_unanswered_claim_expires_by_sweep_and_escalates_once(client, settings) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    events: list[dict] = []
    unsubscribe = subscribe_local(lambda e: events.append(to_message(e)))  # as Redis carries it
    try:
        now = datetime.now(UTC)
        assert sweep_once(settings, now + timedelta(hours=3))["claims_expired"] == 0  # policy: 4 h
        assert detail(client, iid)["incident"]["status"] == "claimed"
        assert sweep_once(settings, now + timedelta(hours=5))["claims_expired"] == 1
        assert sweep_once(settings, now + timedelta(hours=6))["claims_expired"] == 0  # idempotent
    finally:
        unsubscribe()
    d = detail(client, iid)
    assert d["incident"]["status"] == "unclaimed" and d["incident"]["claimed_by"] is None
    assert d["incident"]["claim_expired_at"]
    expired = [a for a in d["audit"] if a["action"] == "incident.claim_expired"]
    assert len(expired) == 1 and expired[0]["detail"]["claimed_by"] == "liaison_mishan"
    alerts = [e for e in events if e["type"] == "escalation" and e.get("step") == "claim_expired"]
    assert len(alerts) == 1 and alerts[0]["incident_id"] == iid and alerts[0]["recipients"]
    assert alerts[0]["expired_claim"] == {"by": "liaison_mishan", "unit": MISHAN}
    assert alerts[0]["status"] == "unclaimed" and alerts[0]["first_responsible"] == [MISHAN]  # the hub filters on it
    assert [i["id"] for i in client.get("/api/incidents?view=escalated", headers=me).json()] == [iid]
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 200  # claimable again


def test_answered_claim_does_not_expire(client, settings) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政务新媒体", "text": "已回应"})
    assert sweep_once(settings, datetime.now(UTC) + timedelta(hours=5))["claims_expired"] == 0
    assert detail(client, iid)["incident"]["status"] == "responded"
