"""The queued path on the real Redis server with a real RQ worker process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import select

from service.alerts.models import Alert
from service.core.db import session_scope
from service.core.settings import Settings
from service.escalation.sweep import sweep_once
from service.incidents.models import Item
from service.main import create_app
from tests.conftest import COORD, INGEST, METRICS, METRICS_TOKEN, REDIS_URL
from tests.support.workers import COLD_START_ENV

pytestmark = pytest.mark.redis


@pytest.fixture
def queued_settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    Redis.from_url(REDIS_URL).flushdb()
    request.addfinalizer(lambda: Redis.from_url(REDIS_URL).flushdb())
    return Settings(database_url=database_url, redis_url=REDIS_URL, demo=True, demo_force=True,
                    metrics_token=METRICS_TOKEN, _env_file=None)


MAJOR = {"external_id": "major", "text": "高平市米山镇化工厂爆炸起火，多人受伤，周边居民紧急疏散", "severity": "特别重大"}


def run_worker(settings: Settings) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url, **COLD_START_ENV}
    done = subprocess.run([sys.executable, "-m", "service.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def statuses(settings: Settings) -> list[str]:
    with session_scope(settings.database_url) as s:
        return [i.status for i in s.exec(select(Item).order_by(Item.id))]


def test_item_posted_while_worker_is_down_is_processed_when_it_starts(queued_settings) -> None:
    with TestClient(create_app(queued_settings)) as client:
        r = client.post("/api/items", json=[{"external_id": str(n), "text": f"米山镇凤凰小区烧烤店油烟扰民第{n}次"}
                                            for n in range(3)] + [MAJOR], headers=INGEST)
        assert r.status_code == 202
        assert statuses(queued_settings) == ["pending"] * 4  # committed, waiting for a worker
        assert 'yuqing_queue_depth 1.0' in client.get("/metrics", headers=METRICS).text
        assert client.get("/healthz").json()["redis"] == "ok"
        run_worker(queued_settings)
        assert statuses(queued_settings) == ["processed"] * 4
        incident = client.get("/api/items/1", headers=COORD).json()["incident_id"]
        assert incident is not None
        # the worker routed a 特别重大 item: it told the principal leader itself, no sweep has run
        major = client.get("/api/items/4", headers=COORD).json()["incident_id"]
        with session_scope(queued_settings.database_url) as s:
            assert [a.key for a in s.exec(select(Alert)) if a.step == "major"] == [f"major:{major}:0"]


def test_sweep_re_enqueues_items_whose_job_was_lost(queued_settings) -> None:
    from datetime import timedelta

    from service.core.columns import utcnow

    with TestClient(create_app(queued_settings)) as client:
        client.post("/api/items", json={"external_id": "1", "text": "米山镇凤凰小区烧烤店油烟扰民"}, headers=INGEST)
    Redis.from_url(REDIS_URL).flushdb()  # the job is gone; the item is still pending in the database
    assert sweep_once(queued_settings, utcnow() + timedelta(minutes=5))["recovered"] == 1
    run_worker(queued_settings)
    assert statuses(queued_settings) == ["processed"]
