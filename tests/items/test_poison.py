"""Poison set aside: an item that fails alone ends `failed` with its error, the rest of its
batch is routed, no later batch takes it, the sweep goes on, and `yuqing items retry` routes
it once the fault is gone — embedded (SQLite, PostgreSQL) and with a real RQ worker."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlmodel import select

from service.audit.models import AuditEntry
from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.escalation.sweep import sweep_once
from service.incidents.ingest import process_items
from service.incidents.models import Item
from service.incidents.runtime import load_engine
from service.main import create_app
from tests.conftest import COORD, INGEST, METRICS, REDIS_URL, VIEWER
from tests.items.poison_hook import ERROR, POISON, install
from tests.support.workers import COLD_START_ENV

GOOD = ["米山镇凤凰小区烧烤店油烟扰民，居民多次投诉", "河西镇、马村镇多家餐馆被曝使用过期食材",
        "米山镇某村道路坑洼多年无人修，村民出行困难", "米山镇凤凰小区烧烤店油烟扰民，夜间噪声也大"]
BAD = f"北石店镇超市{POISON}销售过期食品"


@pytest.fixture
def poisoned(request: pytest.FixtureRequest, tmp_path, monkeypatch):
    """The poison classifier in this process; the file of texts it was asked about."""
    seen = tmp_path / "seen.txt"
    monkeypatch.setenv("POISON_SEEN", str(seen))
    request.addfinalizer(install())
    return seen


def batch(texts: list[str], prefix: str) -> list[dict]:
    return [{"external_id": f"{prefix}{n}", "text": t} for n, t in enumerate(texts)]


def items(url: str) -> dict[str, Item]:
    with session_scope(url) as s:
        return {i.external_id: i for i in s.exec(select(Item))}


def audit(url: str, action: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)))


def assert_set_aside(url: str, poison_id: int) -> None:
    stored = items(url)
    bad = next(i for i in stored.values() if i.id == poison_id)
    assert (bad.status, bad.incident_id) == ("failed", None)
    assert bad.error == f"ValueError: {ERROR}" and bad.processed_at is not None
    good = [i for i in stored.values() if i.id != poison_id]
    assert good and all(i.status == "processed" and i.incident_id for i in good)
    failed = audit(url, "item.failed")
    assert [(e.item_id, e.chain, e.incident_id, e.detail["error"]) for e in failed] == \
        [(poison_id, 0, None, bad.error)]


def test_poison_in_a_batch_is_set_aside_and_the_rest_routed(poisoned, client, settings) -> None:
    r = client.post("/api/items", json=batch(GOOD[:2] + [BAD] + GOOD[2:], "p"), headers=INGEST)
    assert r.status_code == 202  # processed inline: the poison does not fail the request
    poison_id = r.json()["items"][2]["id"]
    assert_set_aside(settings.database_url, poison_id)
    assert items(settings.database_url)["p0"].incident_id == items(settings.database_url)["p4"].incident_id  # merged
    metrics = client.get("/metrics", headers=METRICS).text
    assert "yuqing_failed_items 1.0" in metrics and "yuqing_items_failed_total" in metrics

    listed = client.get("/api/items", params={"status": "failed"}, headers=COORD).json()
    assert [(i["id"], i["error"]) for i in listed["items"]] == [(poison_id, f"ValueError: {ERROR}")]
    assert listed["total"] == 1
    assert client.get("/api/items", params={"status": "failed"}, headers=INGEST).status_code == 200
    assert client.get("/api/items", params={"status": "failed"}, headers=VIEWER).status_code == 403
    page = client.get("/api/items", params={"status": "processed", "limit": 2, "offset": 1}, headers=COORD).json()
    assert page["total"] == 4 and len(page["items"]) == 2

    # a later batch with the biggest fill-up never takes it (only pending items are taken)
    poisoned.write_text("")
    with session_scope(settings.database_url) as s:
        later = client.post("/api/items", json=batch([GOOD[0] + "，又来了"], "later"), headers=INGEST)
        process_items(UnitOfWork(s, settings), load_engine(settings, s), [later.json()["items"][0]["id"]], up_to=300)
    assert POISON not in poisoned.read_text()
    assert items(settings.database_url)["p2"].status == "failed"


def test_sweep_recovery_sets_a_stranded_poison_aside_and_escalates(poisoned, client, settings) -> None:
    from service.items.schemas import ItemIn
    from service.items.views import store

    client.post("/api/items", json=[{"external_id": "old", "text": GOOD[0],
                                     "received_at": (utcnow() - timedelta(hours=30)).isoformat()}], headers=INGEST)
    with session_scope(settings.database_url) as s:  # stored, its job lost: pending for the sweep
        stranded = store(s, [ItemIn(external_id="stranded", text=BAD)], utcnow() - timedelta(minutes=10))
        s.commit()  # store writes; the route's unit of work commits
    done = sweep_once(settings)  # does not raise
    assert done["recovered"] == 1 and done["escalations"] >= 1
    assert_set_aside(settings.database_url, stranded[0]["id"])
    assert sweep_once(settings)["recovered"] == 0  # failed is not pending: never taken again


def test_items_retry_routes_the_item_once_the_fault_is_gone(poisoned, client, settings) -> None:
    r = client.post("/api/items", json=batch([GOOD[0], BAD], "r"), headers=INGEST)
    good_id, poison_id = (i["id"] for i in r.json()["items"])
    assert_set_aside(settings.database_url, poison_id)
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": "", **COLD_START_ENV}
    cli = [sys.executable, "-m", "service.cli", "items", "retry"]
    # the fault still there (the poison classifier in that process): failed again, exit 1
    again = subprocess.run([sys.executable, "-m", "tests.items.poison_hook", "items", "retry", str(poison_id)],
                           env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1 and "failed again" in again.stdout, again.stderr[-2000:]
    assert items(settings.database_url)["r1"].status == "failed"
    done = subprocess.run([*cli, str(poison_id), str(good_id)], env=env, capture_output=True, text=True, timeout=600)
    assert f"{poison_id}: 已处理" in done.stdout, done.stderr[-2000:]
    assert f"{good_id}: 未重试" in done.stdout and done.returncode == 1  # the good one was not failed
    fixed = items(settings.database_url)["r1"]
    assert (fixed.status, fixed.error) == ("processed", None) and fixed.incident_id
    retried = audit(settings.database_url, "item.retried")
    assert [(e.item_id, e.actor, e.chain) for e in retried] == [(poison_id, "cli", 0), (poison_id, "cli", 0)]
    assert client.get("/metrics", headers=METRICS).text.count("yuqing_failed_items 0.0") == 1


@pytest.mark.redis
def test_poison_with_a_real_worker_process(database_url, tmp_path, request) -> None:
    Redis.from_url(REDIS_URL).flushdb()
    request.addfinalizer(lambda: Redis.from_url(REDIS_URL).flushdb())
    settings = Settings(database_url=database_url, redis_url=REDIS_URL, demo=True, demo_force=True, _env_file=None)
    seen = tmp_path / "seen.txt"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "POISON_SEEN": str(seen), **COLD_START_ENV}
    worker = [sys.executable, "-m", "tests.items.poison_hook", "worker", "--burst"]
    with TestClient(create_app(settings)) as client:
        first = client.post("/api/items", json=batch(GOOD[:2] + [BAD], "w"), headers=INGEST)
        client.post("/api/items", json=batch(GOOD[2:], "x"), headers=INGEST)
        assert first.status_code == 202
        run = subprocess.run(worker, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
        assert_set_aside(database_url, first.json()["items"][2]["id"])
        queue = Queue(settings.queue_name, connection=Redis.from_url(REDIS_URL))
        assert FailedJobRegistry(queue=queue).count == 0  # the job did not raise: no RQ retries for poison
        seen.write_text("")
        client.post("/api/items", json=batch([GOOD[0] + "，再次反映"], "y"), headers=INGEST)
        run = subprocess.run(worker, env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-2000:]
    assert items(database_url)["y0"].status == "processed"
    assert seen.read_text() and POISON not in seen.read_text()  # the fill-up did not take it
    assert len(audit(database_url, "item.failed")) == 1
