"""A liaison's path through an incident over the real API (SQLite and PostgreSQL): claim →
respond → follow up → close, audited with actor and time, clocks met; refusals write nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.bus import subscribe_local
from service.core.events import to_message
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FOOD, MISHAN, SCJ, clocks, detail
from tests.support.factories import incident, login


def test_claim_respond_follow_up_close_is_audited_and_meets_the_clocks(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    events: list[dict] = []
    unsubscribe = subscribe_local(lambda e: events.append(to_message(e)))  # as Redis carries it
    try:
        before = datetime.now(UTC)
        r = client.post(f"/api/incidents/{iid}/claim", headers=me)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "claimed" and r.json()["claimed_by"] == "liaison_mishan"
        assert r.json()["claimed_unit"] == MISHAN
        r = client.post(f"/api/incidents/{iid}/respond", headers=me, json={
            "channel": "政府网站", "text": "已责令烧烤店安装油烟净化设施", "link": "https://www.gaoping.gov.cn/a/1"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "responded"
        assert client.post(f"/api/incidents/{iid}/follow-up", headers=me, json={
            "kind": "info", "text": "净化设施已安装完毕"}).status_code == 200
        assert client.post(f"/api/incidents/{iid}/follow-up", headers=me, json={
            "kind": "result", "text": "经查属实，已处罚", "channel": "政务新媒体"}).status_code == 200
        r = client.post(f"/api/incidents/{iid}/close", headers=me, json={"note": "办结"})
        assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["closed_at"]
    finally:
        unsubscribe()
    d = detail(client, iid)
    steps = [a for a in d["audit"] if a["actor"] == "liaison_mishan"]
    assert [a["action"] for a in steps] == ["incident.claimed", "incident.responded", "incident.followed_up",
                                            "incident.followed_up", "incident.closed"]
    for a in steps:
        assert datetime.fromisoformat(a["at"]) >= before - timedelta(seconds=1)
    assert steps[1]["detail"]["channel"] == "政府网站" and steps[1]["detail"]["clocks_met"] == ["response"]
    met = {k: c["met_at"] for k, c in clocks(client, iid).items()}
    assert met["response"] and met["followup_info"] and met["followup_result"]
    assert [(r["kind"], r["channel"], r["unit"]) for r in d["responses"]] == [
        ("response", "政府网站", MISHAN), ("info", None, MISHAN), ("result", "政务新媒体", MISHAN)]
    assert [e["type"] for e in events] == ["incident.claimed", "incident.responded", "incident.updated",
                                           "incident.updated", "incident.closed"]
    assert events[0]["incident_id"] == iid and events[0]["first_responsible"] == [MISHAN]
    kinds = [t["type"] for t in d["timeline"]]
    assert kinds[0] == "item" and "response" in kinds and d["status_label"] == "已办结"
    # closed is final
    again = client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政府网站", "text": "再次回应"})
    assert again.status_code == 409 and again.json()["error"]["zh"]


def test_a_response_to_a_verification_request_meets_the_feedback_clock(client) -> None:
    iid = incident(client, "1", ESTATE, kind="verification_request")
    me = login(client, "liaison_mishan")
    assert "feedback" in clocks(client, iid)
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    r = client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "发布权威信息", "text": "已核实处置"})
    assert r.status_code == 200
    c = clocks(client, iid)
    assert c["response"]["met_at"] and c["feedback"]["met_at"] and c["followup_info"]["met_at"] is None


def test_steps_out_of_order_are_409_with_both_languages(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    early = client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政府网站", "text": "回应内容"})
    assert early.status_code == 409
    assert "待认领" in early.json()["error"]["zh"] and "unclaimed" in early.json()["error"]["en"]
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 200
    assert client.post(f"/api/incidents/{iid}/claim", headers=me).status_code == 409
    assert client.post(f"/api/incidents/{iid}/close", headers=me).status_code == 409  # no response yet
    assert client.post(f"/api/incidents/{iid}/follow-up", headers=me,
                       json={"kind": "info", "text": "跟进内容"}).status_code == 409
    assert detail(client, iid)["incident"]["status"] == "claimed"


def test_bad_channel_or_link_is_422_and_writes_nothing(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    before = detail(client, iid)
    for body in ({"channel": "朋友圈", "text": "已处理"},
                 {"channel": "政府网站", "text": "已处理", "link": "javascript:alert(1)"},
                 {"channel": "政府网站", "text": ""}):
        r = client.post(f"/api/incidents/{iid}/respond", headers=me, json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    after = detail(client, iid)
    assert after["audit"] == before["audit"] and after["responses"] == []
    assert after["incident"]["status"] == "claimed" and after["clocks"] == before["clocks"]


def test_other_units_liaison_gets_404_and_an_unclaiming_unit_gets_403(client) -> None:
    iid = incident(client, "1", ESTATE)
    scj, mishan = login(client, "liaison_scj"), login(client, "liaison_mishan")
    assert client.get(f"/api/incidents/{iid}", headers=scj).status_code == 404
    r = client.post(f"/api/incidents/{iid}/claim", headers=scj)
    assert r.status_code == 404 and r.json()["error"]["en"] == "no such incident"
    assert client.post("/api/incidents/999999/claim", headers=scj).json() == r.json()  # existence does not leak
    assert iid not in [i["id"] for i in client.get("/api/incidents", headers=scj).json()]
    # both units responsible; the one that did not claim may not answer for the other
    assert client.post(f"/api/incidents/{iid}/transfer", headers=COORD,
                       json={"units": [MISHAN, SCJ], "note": "两单位共同办理"}).status_code == 200
    assert client.post(f"/api/incidents/{iid}/claim", headers=scj).status_code == 200
    r = client.post(f"/api/incidents/{iid}/respond", headers=mishan, json={"channel": "政府网站", "text": "回应内容"})
    assert r.status_code == 403 and "认领单位" in r.json()["error"]["zh"]
    # leaders read but do not handle; coordinators do not claim
    leader = login(client, "leader_gaoping")
    assert client.get(f"/api/incidents/{iid}", headers=leader).status_code == 200
    other = incident(client, "2", FOOD)
    assert client.post(f"/api/incidents/{other}/claim", headers=leader).status_code == 403
    assert client.post(f"/api/incidents/{other}/claim", headers=login(client, "coordinator_gaoping")).status_code == 403


def test_unsafe_request_without_csrf_token_is_refused(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    r = client.post(f"/api/incidents/{iid}/claim", headers={"Cookie": me["Cookie"]})
    assert r.status_code == 403
    assert detail(client, iid)["incident"]["status"] == "unclaimed"


def test_close_without_a_note_is_422_in_both_languages_and_writes_nothing(client) -> None:
    iid = incident(client, "1", ESTATE)
    me = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/claim", headers=me)
    client.post(f"/api/incidents/{iid}/respond", headers=me, json={"channel": "政府网站", "text": "已责令整改"})
    before = detail(client, iid)
    for body in (None, {}, {"note": None}, {"note": ""}, {"note": " \u3000\n "}):
        r = client.post(f"/api/incidents/{iid}/close", headers=me, json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["zh"] == "办结须填写办结说明（办理结果）"
        assert "note" in r.json()["error"]["en"]
    after = detail(client, iid)
    assert after["audit"] == before["audit"] and after["incident"]["status"] == "responded"
    assert after["incident"]["closed_at"] is None
    r = client.post(f"/api/incidents/{iid}/close", headers=me, json={"note": "  已整改到位，群众满意  "})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    closed = [a for a in detail(client, iid)["audit"] if a["action"] == "incident.closed"]
    assert [a["detail"]["note"] for a in closed] == ["已整改到位，群众满意"]
