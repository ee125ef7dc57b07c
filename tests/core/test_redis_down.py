"""After the commit, never a 5xx: with Redis unreachable the committed work answers its 2xx,
once; what Redis should have carried is recovered from the database when it is back."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import func, select

from service.audit.models import AuditEntry
from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.escalation.sweep import recover_stranded
from service.incidents.jobs import run_processing
from service.incidents.models import Item, Response
from service.main import create_app
from tests.conftest import COORD, INGEST, METRICS, METRICS_TOKEN, REDIS_URL
from tests.core.test_queue import run_worker, statuses
from tests.incidents.helpers import FOOD
from tests.support.factories import login

pytestmark = pytest.mark.redis


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def down(database_url: str, request: pytest.FixtureRequest) -> Settings:
    Redis.from_url(REDIS_URL).flushdb()
    request.addfinalizer(lambda: Redis.from_url(REDIS_URL).flushdb())
    return Settings(database_url=database_url, redis_url=f"redis://127.0.0.1:{closed_port()}/12", demo=True,
                    demo_force=True, metrics_token=METRICS_TOKEN, _env_file=None)


def test_ingest_with_redis_down_is_202_and_processed_when_it_is_back(down) -> None:
    with TestClient(create_app(down)) as client:
        r = client.post("/api/items", json={"external_id": "1", "text": FOOD}, headers=INGEST)
        assert r.status_code == 202, r.text
        assert r.json()["items"][0]["duplicate"] is False
        assert statuses(down) == ["pending"]  # stored; its job could not be enqueued
        metrics = client.get("/metrics", headers=METRICS)
        assert metrics.status_code == 200
        assert 'yuqing_after_commit_failures_total{what="enqueue"}' in metrics.text
        assert "yuqing_queue_depth -1.0" in metrics.text
    back = down.model_copy(update={"redis_url": REDIS_URL})
    with session_scope(back.database_url) as s:  # the sweep's recovery, once the job counts as lost
        assert recover_stranded(s, back, utcnow() + timedelta(minutes=5)) == [1]
    run_worker(back)
    assert statuses(back) == ["processed"]


def test_workflow_writes_with_redis_down_answer_2xx_and_are_recorded_once(down) -> None:
    with TestClient(create_app(down)) as client:
        item_id = client.post("/api/items", json={"external_id": "1", "text": FOOD}, headers=INGEST).json()["items"][0]["id"]
        assert run_processing(down, [item_id])  # the worker's path; its publish fails and is tolerated
        with session_scope(down.database_url) as s:
            incident_id = s.get(Item, item_id).incident_id
        scj = login(client, "liaison_scj")
        base = f"/api/incidents/{incident_id}"
        assert client.post(f"{base}/claim", headers=scj).status_code == 200
        r = client.post(f"{base}/respond", json={"channel": "发布权威信息", "text": "经核查，涉事餐馆已停业整顿。"},
                        headers=scj)
        assert r.status_code == 200, r.text
        r = client.post(f"{base}/severity", json={"severity": "重大", "reason": "涉及多家餐馆"}, headers=COORD)
        assert r.status_code == 200, r.text
        assert 'yuqing_after_commit_failures_total{what="publish"}' in client.get("/metrics", headers=METRICS).text
    with session_scope(down.database_url) as s:
        assert s.exec(select(func.count()).select_from(Response)).one() == 1
        actions = [a for a in s.exec(select(AuditEntry.action).where(AuditEntry.incident_id == incident_id))]
    assert actions.count("incident.responded") == 1 and actions.count("incident.claimed") == 1
