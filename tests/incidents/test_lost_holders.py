"""Lost lock holders on the real servers (PostgreSQL, Redis, RQ worker processes).

A worker killed (SIGKILL) while it holds the grouping lock must not stall the pipeline: no
pooled connection crosses the fork of RQ's scheduler process, so the killed worker's session
ends with it, and a new worker routes the whole backlog, nothing lost or doubled. A holder
that freezes instead (SIGSTOP: a hung VM, a partition) is ended by the server's
idle_in_transaction_session_timeout. A waiter gives up after lock_timeout and retries later.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select, text

from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.ingest import GROUPING_LOCK, process_items
from service.incidents.jobs import submit
from service.incidents.models import Item
from service.incidents.runtime import load_engine
from service.main import create_app
from tests.conftest import INGEST, REDIS_URL
from tests.support.processes import assert_all_routed_once, children, pending, start_worker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
POSTGRES = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
TOWNS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "河西镇", "马村镇", "野川镇", "寺庄镇"]
PROBLEMS = ["{p}小区楼下烧烤店油烟扰民", "{p}路道路施工停工半年，坑洼不平", "{p}市场有商户销售过期食品",
            "{p}村征地补偿款迟迟没有发放", "{p}小区已经停水三天"]
ESTATES = ["凤凰", "翠竹", "金泰", "锦绣", "阳光", "幸福"]
# the bound of each wait on a worker: generous for a machine under full load, and still far
# below the 600 s idle limit the first test sets (which alone would otherwise free the lock)
SOON = 480


def backlog(client: TestClient, posts: int, size: int = 100) -> int:
    """`posts` jobs of `size` items each, waiting in the queue (no worker yet)."""
    for p in range(posts):
        batch = [{"external_id": f"b{p}-{n}", "text": f"{TOWNS[n % 8]}{PROBLEMS[(n // 8) % 5].format(p=ESTATES[p % 6])}"
                  f"（编号{p}-{n}）"} for n in range(size)]
        assert client.post("/api/items", json=batch, headers=INGEST).status_code == 202
    return posts * size


def pg(url: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def lock_holder(conn: psycopg.Connection) -> int | None:
    row = conn.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                       [GROUPING_LOCK]).fetchone()
    return row[0] if row else None


@pytest.fixture
def queued(database_url: str, request: pytest.FixtureRequest) -> Settings:
    Redis.from_url(REDIS_URL).flushdb()
    request.addfinalizer(lambda: Redis.from_url(REDIS_URL).flushdb())
    return Settings(database_url=database_url, redis_url=REDIS_URL, demo=True, demo_force=True, _env_file=None)


def _hold_then(queued: Settings, tmp_path: Path, processes: list[int], act: int, **env: str) -> int:
    """Start a worker on a backlog; when it holds the grouping lock, send it `act`. Returns
    the lock holder's backend pid."""
    with TestClient(create_app(queued)) as client:
        total = backlog(client, 12)
    first = start_worker(queued, tmp_path, "first", **env)
    processes.append(first.pid)
    with pg(queued.database_url) as conn:
        holder = wait_for(lambda: lock_holder(conn), 300)
        assert holder is not None, (tmp_path / "first.log").read_text()[-2000:]
        processes.extend(children(first.pid))  # its scheduler, which outlives it
        os.kill(first.pid, act)
    return holder, total


@POSTGRES
def test_worker_killed_holding_the_lock_a_new_worker_routes_the_backlog(queued, tmp_path, processes) -> None:
    # the idle limit set far away: only fork hygiene can free the killed worker's session fast
    holder, total = _hold_then(queued, tmp_path, processes, signal.SIGKILL, PG_IDLE_IN_TRANSACTION_SECONDS="600")
    assert len(processes) >= 2, "the worker forked no scheduler process"
    with pg(queued.database_url) as conn:  # its session ended with it: the scheduler held no copy
        # bounded well below the 600 s idle limit: only the session's end can free it in time
        gone = wait_for(lambda: conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s",
                                             [holder]).fetchone()[0] == 0, SOON, 0.05)
        assert gone, "the killed worker's session lives on, holding the grouping lock"
    second = start_worker(queued, tmp_path, "second", PG_IDLE_IN_TRANSACTION_SECONDS="600")
    processes.append(second.pid)
    # routed before the killed holder's idle limit (600 s) could have freed anything
    assert wait_for(lambda: pending(queued.database_url) == 0, SOON, 0.25), \
        f"{pending(queued.database_url)} items left; " + (tmp_path / "second.log").read_text()[-1500:]
    second.terminate()
    second.wait(120)
    assert_all_routed_once(queued.database_url, total)


@POSTGRES
def test_worker_frozen_holding_the_lock_is_ended_by_the_idle_limit(queued, tmp_path, processes) -> None:
    # the frozen holder's sessions end after 3 s idle inside a transaction (the waiter's
    # setting does not matter: the server applies the holder's)
    _holder, total = _hold_then(queued, tmp_path, processes, signal.SIGSTOP, PG_IDLE_IN_TRANSACTION_SECONDS="3")
    second = start_worker(queued, tmp_path, "second")
    processes.append(second.pid)
    assert wait_for(lambda: pending(queued.database_url) == 0, SOON, 0.25), \
        f"{pending(queued.database_url)} items left; " + (tmp_path / "second.log").read_text()[-1500:]
    second.terminate()
    second.wait(120)
    assert_all_routed_once(queued.database_url, total)


@POSTGRES
def test_a_batch_behind_a_held_lock_gives_up_and_stays_pending(settings, client) -> None:
    assert client.post("/api/items", json={"external_id": "1", "text": "米山镇凤凰小区烧烤店油烟扰民"},
                       headers=INGEST).status_code == 202
    with session_scope(settings.database_url) as s:
        assert s.exec(text("SHOW idle_in_transaction_session_timeout")).one()[0] == "20s"
        s.exec(text("UPDATE item SET status = 'pending', incident_id = NULL"))
        s.commit()
    quick = settings.model_copy(update={"pg_lock_timeout_seconds": 0.3})
    with pg(settings.database_url) as other:
        other.autocommit = False
        other.execute("SELECT pg_advisory_xact_lock(%s)", [GROUPING_LOCK])  # a holder that does not let go
        with session_scope(settings.database_url) as s:
            engine = load_engine(settings, s)
            started = time.monotonic()
            with pytest.raises(OperationalError, match="lock timeout"):
                process_items(UnitOfWork(s, quick), engine, [1])
            # after its own 0.3 s, not the default 5 s (the engine is built before the clock starts)
            assert time.monotonic() - started < settings.pg_lock_timeout_seconds
        submit(quick, [1])  # the inline path after a commit: logged, not raised
        other.rollback()
    with session_scope(settings.database_url) as s:
        assert s.get(Item, 1).status == "pending"  # retried later, not poison
        assert s.exec(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "item.failed")).one() == 0
