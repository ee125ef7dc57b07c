"""Digest deliveries as RQ jobs on the real Redis server (YUQING_TEST_REDIS) with a real
worker process (SimpleWorker, burst): the live webhook and the SMTP server receive the digest,
a dead target is retried and ends `failed` with its error, and a lost job is enqueued again."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import select

from service.alerts.digest_service import run_digests
from service.alerts.models import DigestDelivery
from service.core.db import session_scope
from service.core.settings import Settings
from service.main import create_app
from tests.alerts.conftest import QUEUE_REDIS, free_port, run_worker
from tests.alerts.digest_fixtures import DAY, NOW, seed
from tests.support.factories import login

pytestmark = pytest.mark.redis
REDIS_URL = QUEUE_REDIS
SECRET = "0123456789abcdef-digest"


def statuses(settings: Settings) -> dict[int, tuple[str, int, str | None]]:
    with session_scope(settings.database_url) as session:
        return {d.channel_id: (d.status, d.attempts, d.last_error)
                for d in session.exec(select(DigestDelivery).order_by(DigestDelivery.id)).all()}


def test_worker_delivers_retries_and_fails_visibly(queued_settings, receiver, smtp_server) -> None:
    port, mailbox = smtp_server
    with TestClient(create_app(queued_settings)) as client:
        seed(queued_settings)
        coord = login(client, "coordinator_gaoping")
        channel = {}
        for name, kind, target in (("live", "webhook", receiver.url + "/hook"),
                                   ("dead", "webhook", f"http://127.0.0.1:{free_port()}/hook"),
                                   ("mail", "email", "leaders@example.org")):
            r = client.post("/api/alert-channels", headers=coord, json={
                "audience_kind": "region", "audience": "米山镇", "kind": kind, "target": target, "secret": SECRET})
            assert r.status_code == 201, r.text
            channel[name] = r.json()["id"]
        done = run_digests(queued_settings, DAY, NOW)
        assert (done["digests"], done["deliveries"]) == (4, 3)  # only 米山镇's digest matches the subscriptions
        assert statuses(queued_settings) == {channel[n]: ("queued", 0, None) for n in ("live", "dead", "mail")}
        run_worker(queued_settings, port)
        got = statuses(queued_settings)
        assert got[channel["live"]] == ("sent", 1, None) and got[channel["mail"]] == ("sent", 1, None)
        status, attempts, error = got[channel["dead"]]
        assert (status, attempts) == ("failed", 4) and "ConnectError" in error  # 1 try + 3 retries
        (req,) = receiver.requests
        assert req.headers["x-yuqing-signature"] == "sha256=" + hmac.new(SECRET.encode(), req.body,
                                                                         hashlib.sha256).hexdigest()
        assert (req.json()["type"], req.json()["audience"], req.json()["counts"]["due_today"]) == (
            "leader_digest", "米山镇", 1)
        ((rcpt, mail),) = mailbox.messages
        assert rcpt == ["leaders@example.org"] and mail["Subject"].startswith("【舆情日报】米山镇 2026-11-25")


def test_a_lost_digest_job_is_enqueued_again(queued_settings, receiver, smtp_server) -> None:
    port, _ = smtp_server
    with TestClient(create_app(queued_settings)) as client:
        seed(queued_settings)
        r = client.post("/api/alert-channels", headers=login(client, "coordinator_gaoping"), json={
            "audience_kind": "region", "audience": "高平市", "kind": "webhook", "target": receiver.url, "secret": SECRET})
        assert r.status_code == 201
    assert run_digests(queued_settings, DAY, NOW)["deliveries"] == 2  # 高平市 and 米山镇 (below it)
    Redis.from_url(REDIS_URL).flushdb()  # the jobs are gone; the rows wait in the database
    assert run_digests(queued_settings, DAY, NOW + timedelta(minutes=1))["deliveries_recovered"] == 0  # too young
    assert run_digests(queued_settings, DAY, NOW + timedelta(minutes=10))["deliveries_recovered"] == 2
    assert run_digests(queued_settings, DAY, NOW + timedelta(minutes=10))["deliveries_recovered"] == 0
    run_worker(queued_settings, port)
    with session_scope(queued_settings.database_url) as session:
        assert [d.status for d in session.exec(select(DigestDelivery)).all()] == ["sent", "sent"]
    assert sorted(r.json()["audience"] for r in receiver.requests) == ["米山镇", "高平市"]
