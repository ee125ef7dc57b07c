"""Deliveries as RQ jobs on the real Redis server (db 7 by default, YUQING_TEST_REDIS) with a
real worker process: a dead target is retried and ends `failed`, with the error shown by the
API; a live one is `sent`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry

from service.core.columns import utcnow
from service.escalation.sweep import sweep_once
from service.main import create_app
from tests.alerts.conftest import ALL_RUNGS, QUEUE_REDIS, free_port, run_worker
from tests.support.factories import login

pytestmark = pytest.mark.redis
REDIS_URL = QUEUE_REDIS
SECRET = "0123456789abcdef-secret"


def test_dead_target_is_retried_then_failed_visibly_and_live_one_is_sent(queued_settings, receiver) -> None:
    with TestClient(create_app(queued_settings)) as client:
        coord = login(client, "coordinator_gaoping")
        dead = f"http://127.0.0.1:{free_port()}/hook"
        for target in (dead, receiver.url + "/hook"):
            r = client.post("/api/alert-channels", headers=coord, json={
                "audience_kind": "region", "audience": "高平市", "kind": "webhook", "target": target, "secret": SECRET})
            assert r.status_code == 201, r.text
        # items are queued: the worker makes the incident
        client.post("/api/items", json={"external_id": "1", "text": "米山镇凤凰小区楼下烧烤店油烟扰民",
                                        "received_at": "2026-06-01T02:00:00+00:00"},
                    headers={"Authorization": "Bearer demo-ingest"})
        run_worker(queued_settings)
        sweep_once(queued_settings, ALL_RUNGS)  # urge + supervise for 高平市's subscription: 2 alerts × 2 channels
        queued = client.get("/api/alerts/deliveries", headers=coord).json()
        assert [d["status"] for d in queued] == ["queued"] * 4  # jobs wait for a worker
        run_worker(queued_settings)
        deliveries = client.get("/api/alerts/deliveries", headers=coord).json()
        by_status = {}
        for d in deliveries:
            by_status.setdefault(d["status"], []).append(d)
        assert len(by_status.get("sent", [])) == 2 and all(d["attempts"] == 1 for d in by_status["sent"])
        failed = client.get("/api/alerts/deliveries?status=failed", headers=coord).json()
        assert len(failed) == 2
        assert all(d["attempts"] == 4 and "ConnectError" in d["last_error"] for d in failed)  # 1 try + 3 retries
        assert {r.json()["step"] for r in receiver.requests} == {"urge", "supervise"}
    queue = Queue(queued_settings.queue_name, connection=Redis.from_url(REDIS_URL))
    assert len(FailedJobRegistry(queue=queue)) == 2  # RQ keeps the failed jobs too


def test_a_delivery_whose_job_was_lost_is_enqueued_again_by_the_sweep(queued_settings, receiver) -> None:
    with TestClient(create_app(queued_settings)) as client:
        coord = login(client, "coordinator_gaoping")
        r = client.post("/api/alert-channels", headers=coord, json={
            "audience_kind": "region", "audience": "高平市", "kind": "webhook", "target": receiver.url, "secret": SECRET})
        assert r.status_code == 201
        received = utcnow() - timedelta(hours=73)  # the response clock is past 督办, the others far off
        client.post("/api/items", json={"external_id": "1", "text": "米山镇凤凰小区楼下烧烤店油烟扰民",
                                        "received_at": received.isoformat()},
                    headers={"Authorization": "Bearer demo-ingest"})
        run_worker(queued_settings)
        sweep_once(queued_settings, utcnow())
        Redis.from_url(REDIS_URL).flushdb()  # the jobs are gone; the deliveries wait in the database
        assert sweep_once(queued_settings, utcnow())["deliveries_recovered"] == 0  # too young to call lost
        assert sweep_once(queued_settings, utcnow() + timedelta(minutes=10))["deliveries_recovered"] == 2
        assert sweep_once(queued_settings, utcnow() + timedelta(minutes=10))["deliveries_recovered"] == 0  # queued now
        run_worker(queued_settings)
        assert [d["status"] for d in client.get("/api/alerts/deliveries", headers=coord).json()] == ["sent", "sent"]
        assert len(receiver.requests) == 2
