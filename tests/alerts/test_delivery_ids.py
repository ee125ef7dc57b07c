"""Issue 12 row 11: alert and digest deliveries number their rows separately; the id a
receiver sees names the kind, so one that refuses repeats (README) drops none of them."""

from __future__ import annotations

from datetime import date, timedelta

from service.alerts.digest_service import run_digests
from service.escalation.sweep import sweep_once
from tests.alerts.conftest import RECEIVED, make_incident
from tests.support.factories import login

SECRET = "0123456789abcdef-secret"


def test_alert_and_digest_deliveries_never_share_an_id(client, settings, receiver) -> None:
    r = client.post("/api/alert-channels", headers=login(client, "coordinator_gaoping"), json={
        "audience_kind": "region", "audience": "高平市", "kind": "webhook", "target": receiver.url, "secret": SECRET})
    assert r.status_code == 201, r.text
    make_incident(client)
    sweep_once(settings, RECEIVED + timedelta(hours=49))  # 催办: alert delivery row 1
    run_digests(settings, date(2026, 6, 3), RECEIVED + timedelta(hours=49))  # digest delivery row 1
    ids = [req.headers["x-yuqing-delivery"] for req in receiver.requests]
    assert {"alert-1", "digest-1"} <= set(ids) and len(ids) == len(set(ids)), ids
    assert all(req.json()["delivery_id"] == req.headers["x-yuqing-delivery"] for req in receiver.requests)
