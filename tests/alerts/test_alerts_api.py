"""Alerts through the real API and sweep, on SQLite and PostgreSQL: who gets them, who may
acknowledge, the audit trail, no duplicates on a rerun, subscriptions and inline delivery."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from sqlmodel import func, select

from service.alerts.models import Alert, AlertDelivery
from service.core.db import session_scope
from service.escalation.sweep import sweep_once
from tests.alerts.conftest import ALL_RUNGS, RECEIVED, free_port, make_incident
from tests.conftest import COORD, VIEWER
from tests.support.factories import login

SECRET = "0123456789abcdef-secret"


def alert_count(settings) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(select(func.count()).select_from(Alert)).one()


def test_rungs_reach_their_audiences_and_a_rerun_adds_none(client, settings) -> None:
    incident = make_incident(client)
    sweep_once(settings, ALL_RUNGS)
    first = alert_count(settings)
    sweep_once(settings, ALL_RUNGS)  # rerun: every rung fired already
    assert alert_count(settings) == first > 0
    leader = client.get("/api/alerts", headers=login(client, "leader_gaoping")).json()
    assert [(a["step"], a["label"], a["audience"]) for a in leader] == [
        ("supervise", "督办", "高平市"), ("urge", "催办", "米山镇")]  # newest first; 米山镇 is within 高平市
    assert all(a["incident_id"] == incident and a["acknowledged_at"] is None for a in leader)
    assert "超期督办" in leader[0]["message"] and "送达 高平市人民政府主要负责人" in leader[0]["message"]
    shown = client.get(f"/api/incidents/{incident}", headers=COORD).json()
    shown = shown.get("incident", shown)
    assert leader[0]["subject"] == f"【舆情超期督办】事件 #{incident} {shown['topic']}（{shown['severity']}）回应"
    liaison = client.get("/api/alerts", headers=login(client, "liaison_mishan")).json()
    assert liaison and {a["label"] for a in liaison} == {"提醒"} and {a["audience"] for a in liaison} == {"米山镇人民政府"}
    assert client.get("/api/alerts", headers=login(client, "liaison_scj")).json() == []  # not his unit


def test_only_a_recipient_acknowledges_and_it_is_audited(client, settings) -> None:
    incident = make_incident(client)
    sweep_once(settings, ALL_RUNGS)
    leader = login(client, "leader_gaoping")
    supervise = client.get("/api/alerts", headers=leader).json()[0]
    # a liaison of another unit does not even learn it exists; the reviewer sees the
    # incident but is not a recipient
    r = client.post(f"/api/alerts/{supervise['id']}/ack", headers=login(client, "liaison_scj"))
    assert r.status_code == 404 and r.json()["error"]["zh"]
    r = client.post(f"/api/alerts/{supervise['id']}/ack", headers=login(client, "reviewer_gaoping"))
    assert r.status_code == 403 and "接收人" in r.json()["error"]["zh"]
    assert client.post("/api/alerts/99999/ack", headers=leader).status_code == 404
    assert client.post(f"/api/alerts/{supervise['id']}/ack", headers=VIEWER).status_code == 403  # a token reads only
    r = client.post(f"/api/alerts/{supervise['id']}/ack", headers=leader)
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged_by"] == "leader_gaoping" and r.json()["acknowledged_at"]
    # the same audience's coordinator (his dashboard not yet refreshed) finds it acknowledged
    again = client.post(f"/api/alerts/{supervise['id']}/ack", headers=login(client, "coordinator_gaoping"))
    assert again.status_code == 200 and again.json()["acknowledged_by"] == "leader_gaoping"
    open_ones = client.get("/api/alerts?unacknowledged=true", headers=leader).json()
    assert supervise["id"] not in [a["id"] for a in open_ones] and open_ones
    audit = client.get(f"/api/incidents/{incident}", headers=COORD).json()["audit"]
    acks = [a for a in audit if a["action"] == "alert.acknowledged"]
    assert len(acks) == 1 and acks[0]["actor"] == "leader_gaoping"


def test_ack_needs_csrf_and_sign_in(client, settings) -> None:
    make_incident(client)
    sweep_once(settings, ALL_RUNGS)
    leader = login(client, "leader_gaoping")
    alert_id = client.get("/api/alerts", headers=leader).json()[0]["id"]
    assert client.post(f"/api/alerts/{alert_id}/ack", headers={"Cookie": leader["Cookie"]}).status_code == 403
    assert client.post(f"/api/alerts/{alert_id}/ack").status_code == 401
    assert client.get("/api/alerts").status_code == 401


def test_subscriptions_are_managed_by_coordinators_and_secrets_never_return(client) -> None:
    coord = login(client, "coordinator_gaoping")
    body = {"audience_kind": "region", "audience": "高平市", "kind": "webhook",
            "target": "https://hooks.example.cn/yuqing?token=abc", "secret": SECRET}
    r = client.post("/api/alert-channels", json=body, headers=coord)
    assert r.status_code == 201, r.text
    listed = client.get("/api/alert-channels", headers=coord).json()
    assert listed[0]["has_secret"] is True and "secret" not in listed[0] and SECRET not in r.text
    assert "abc" not in listed[0]["target"]  # a robot URL's token is a secret too
    # refusals: a liaison, a region outside his own, bad targets, a webhook without a secret
    assert client.post("/api/alert-channels", json=body, headers=login(client, "liaison_mishan")).status_code == 403
    assert client.get("/api/alert-channels", headers=login(client, "leader_gaoping")).status_code == 403
    for bad, status in [({"audience": "晋城市"}, 403), ({"audience": "不存在镇"}, 422),
                        ({"target": "javascript:alert(1)"}, 422), ({"secret": None}, 422),
                        ({"kind": "email", "target": "a@b.cn\r\nBcc: x@y.cn"}, 422), ({"kind": "sms"}, 422)]:
        r = client.post("/api/alert-channels", json={**body, **bad}, headers=coord)
        assert r.status_code == status, (bad, r.text)
        assert r.json()["error"]["zh"] and r.json()["error"]["en"]
    assert len(client.get("/api/alert-channels", headers=coord).json()) == 1  # nothing half-written
    channel_id = listed[0]["id"]
    assert client.delete(f"/api/alert-channels/{channel_id}", headers=login(client, "liaison_mishan")).status_code == 403
    assert client.delete(f"/api/alert-channels/{channel_id}", headers=coord).status_code == 200
    assert client.get("/api/alert-channels", headers=coord).json() == []
    assert client.delete(f"/api/alert-channels/{channel_id}", headers=coord).status_code == 404


def test_sweep_delivers_to_the_subscribed_webhook_inline(client, settings, receiver) -> None:
    coord = login(client, "coordinator_gaoping")
    for target in (receiver.url + "/ok", f"http://127.0.0.1:{free_port()}/closed"):
        r = client.post("/api/alert-channels", headers=coord, json={
            "audience_kind": "region", "audience": "高平市", "kind": "webhook", "target": target, "secret": SECRET})
        assert r.status_code == 201
    incident = make_incident(client)
    sweep_once(settings, RECEIVED + timedelta(hours=49))  # past 催办 (urge), before 督办
    (req,) = receiver.requests  # urge for region 米山镇 reaches the 高平市 subscription
    assert req.headers["x-yuqing-signature"] == "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert (req.json()["incident_id"], req.json()["step"]) == (incident, "urge")
    sweep_once(settings, ALL_RUNGS)
    assert [r.json()["step"] for r in receiver.requests] == ["urge", "supervise"]
    deliveries = client.get("/api/alerts/deliveries", headers=coord).json()
    assert sorted(d["status"] for d in deliveries) == ["failed", "failed", "sent", "sent"]
    failed = client.get("/api/alerts/deliveries?status=failed", headers=coord).json()
    assert len(failed) == 2 and all("ConnectError" in d["last_error"] and d["attempts"] == 1 for d in failed)
    assert client.get("/api/alerts/deliveries", headers=login(client, "leader_gaoping")).status_code == 403
    assert client.get("/api/alerts/deliveries", headers=VIEWER).status_code == 403
    with session_scope(settings.database_url) as s:
        assert s.exec(select(func.count()).select_from(AlertDelivery)).one() == 4


def test_alert_text_carries_no_user_text(client, settings) -> None:
    make_incident(client, text="米山镇凤凰小区<script>alert(1)</script>烧烤店油烟扰民")
    sweep_once(settings, ALL_RUNGS)
    alerts = client.get("/api/alerts", headers=login(client, "leader_gaoping")).json()
    assert alerts and not any("<" in a["message"] or "<" in a["subject"] for a in alerts)


def test_a_lapsed_claim_alerts_the_leaders_once(client, settings) -> None:
    from datetime import UTC, datetime

    incident = make_incident(client, ext="fresh")
    client.post("/api/items", json={"external_id": "now", "text": "米山镇凤凰小区楼下烧烤店油烟扰民，今天又冒烟",
                                    "received_at": datetime.now(UTC).isoformat()}, headers={"Authorization": "Bearer demo-ingest"})
    liaison = login(client, "liaison_mishan")
    assert client.post(f"/api/incidents/{incident}/claim", headers=liaison).status_code == 200
    later = datetime.now(UTC) + timedelta(hours=5)  # policy: a claim lapses unanswered after 4 h
    assert sweep_once(settings, later)["claims_expired"] == 1
    sweep_once(settings, later)  # idempotent
    leader = client.get("/api/alerts", headers=login(client, "leader_gaoping")).json()
    lapsed = [a for a in leader if a["step"] == "claim_expired"]
    assert len(lapsed) == 1 and lapsed[0]["incident_id"] == incident and lapsed[0]["audience"] == "米山镇"
    assert "认领超时" in lapsed[0]["label"] and "认领超时" in lapsed[0]["subject"]
    assert client.post(f"/api/alerts/{lapsed[0]['id']}/ack", headers=login(client, "leader_gaoping")).status_code == 200


def test_permission_matrix_of_the_alert_routes(client) -> None:
    body = {"audience_kind": "unit", "audience": "米山镇人民政府", "kind": "wecom",
            "target": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}
    expected = {  # who: (GET alerts, GET deliveries, GET channels, POST channel)
        "liaison_mishan": (200, 403, 403, 403), "liaison_scj": (200, 403, 403, 403),
        "leader_gaoping": (200, 403, 403, 403), "reviewer_gaoping": (200, 403, 403, 403),
        "coordinator_gaoping": (200, 200, 200, 201), "admin": (200, 200, 200, 201),
    }
    got = {}
    for who in expected:
        h = login(client, who)
        got[who] = (client.get("/api/alerts", headers=h).status_code,
                    client.get("/api/alerts/deliveries", headers=h).status_code,
                    client.get("/api/alert-channels", headers=h).status_code,
                    client.post("/api/alert-channels", json=body, headers=h).status_code)
    assert got == expected
    assert len(client.get("/api/alert-channels", headers=login(client, "admin")).json()) == 2
