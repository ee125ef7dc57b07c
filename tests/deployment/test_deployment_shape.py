"""The deployment shape of README "Deployment" on this machine, as real processes: two API
processes (`yuqing serve`, each its own port, as behind a round-robin proxy), three workers
(`yuqing worker`), two schedulers (`yuqing sweep --every`), PostgreSQL and Redis.

- nothing lost or doubled: items posted to both API processes at once are each stored once and
  routed once, whichever worker takes their batch;
- the live view is one view: a coordinator watching through each API process is told of the
  same incidents, and both processes' snapshots agree with each other and with the database;
- one sweep at a time: the two schedulers' passes never overlap, and when the one sweeping is
  killed the other takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from redis import Redis
from sqlmodel import select
from websockets.asyncio.client import connect

from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Incident
from tests.conftest import INGEST, REDIS_URL
from tests.support import databases
from tests.support.processes import assert_all_routed_once, children, free_port, pending, start, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
TOWNS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "河西镇", "马村镇", "野川镇", "寺庄镇"]
PROBLEMS = ["{p}小区楼下烧烤店油烟扰民", "{p}路道路施工停工半年，坑洼不平", "{p}市场有商户销售过期食品",
            "{p}村征地补偿款迟迟没有发放", "{p}小区已经停水三天"]
ESTATES = ["凤凰", "翠竹", "金泰", "锦绣", "阳光", "幸福"]
BATCHES, SIZE = 16, 50
SOON = 420  # bound of each wait: seven processes share two cores here
ENV = {"DEMO": "true", "DEMO_FORCE": "true", "SWEEP_SECONDS": "0", "PG_IDLE_IN_TRANSACTION_SECONDS": "60"}


def batch(b: int) -> list[dict]:
    return [{"external_id": f"d{b}-{n}", "text": f"{TOWNS[n % 8]}{PROBLEMS[(n // 8) % 5].format(p=ESTATES[b % 6])}"
             f"（编号{b}-{n}）"} for n in range(SIZE)]


def post_all(hosts: list[str]) -> None:
    """Two posters at once, each batch to the next API process in turn (a round-robin proxy)."""
    failures: list[str] = []

    def poster(first: int) -> None:
        with httpx.Client(timeout=60) as http:
            for b in range(first, BATCHES, 2):
                r = http.post(f"http://{hosts[b % len(hosts)]}/api/items", json=batch(b), headers=INGEST)
                if r.status_code != 202:
                    failures.append(r.text)

    threads = [threading.Thread(target=poster, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures[:3]


def login(host: str, username: str = "coordinator_gaoping") -> str:
    r = httpx.post(f"http://{host}/api/auth/login", json={"username": username, "password": "demo12345"})
    assert r.status_code == 200, r.text
    return f"yuqing_session={r.cookies['yuqing_session']}"


async def watch(host: str, cookie: str, ready: asyncio.Event, done: asyncio.Event) -> tuple[set[int], bool]:
    """The incident ids a live view through `host` is told of, and whether it was told to resync."""
    seen: set[int] = set()
    resync = False
    async with connect(f"ws://{host}/ws", additional_headers={"Cookie": cookie}, max_size=None) as ws:
        while json.loads(await ws.recv())["type"] != "hello":
            pass
        ready.set()
        while not done.is_set():
            try:
                async with asyncio.timeout(0.5):
                    message = json.loads(await ws.recv())
            except TimeoutError:
                continue
            if message["type"] == "changes":
                seen |= {row["id"] for row in message["incidents"]}
            resync |= message["type"] == "resync"
    return seen, resync


def snapshot_ids(host: str, cookie: str) -> set[int]:
    r = httpx.get(f"http://{host}/api/dashboard/snapshot", headers={"Cookie": cookie}, timeout=60)
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()["incidents"]}


def passes(log: Path) -> list[tuple[float, float]]:
    """(started, finished) of each sweep pass a scheduler logged."""
    found = []
    for line in log.read_text().splitlines():
        if line.startswith("{") and (entry := json.loads(line)).get("event") == "sweep.pass":
            found.append((entry["started"], entry["finished"]))
    return found


@pytest.fixture(scope="module")
def cluster(pg_template: str, pg_dropper, tmp_path_factory: pytest.TempPathFactory):
    """One deployment for the module (seven processes take a while to start on two cores)."""
    Redis.from_url(REDIS_URL).flushdb()
    name = databases.pg_create(pg_template)
    settings = Settings(database_url=databases.pg_url(name), redis_url=REDIS_URL, demo=True, demo_force=True,
                        _env_file=None)
    logs = tmp_path_factory.mktemp("deployment")
    started: list[subprocess.Popen] = []
    try:
        ports = [free_port(), free_port()]
        started += [start(settings, logs, f"api{n}", "serve", "--port", str(port), **ENV) for n, port in enumerate(ports)]
        started += [start(settings, logs, f"worker{n}", "worker", **ENV) for n in range(3)]
        schedulers = [start(settings, logs, f"sweep{n}", "sweep", "--every", "0.2", **ENV) for n in range(2)]
        started += schedulers
        hosts = [f"127.0.0.1:{port}" for port in ports]
        for n, host in enumerate(hosts):
            assert wait_for(lambda h=host: _healthy(h), SOON, 0.2), (logs / f"api{n}.log").read_text()[-2000:]
        yield settings, hosts, schedulers, logs
    finally:
        for p in started:
            for pid in (p.pid, *children(p.pid)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            p.wait(30)
        Redis.from_url(REDIS_URL).flushdb()
        pg_dropper.drop(name)


def _healthy(host: str) -> bool:
    try:
        return httpx.get(f"http://{host}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_api_processes_three_workers_lose_nothing_and_show_one_live_view(cluster) -> None:
    settings, hosts, _schedulers, logs = cluster
    cookie = login(hosts[0])  # one session, honoured by both processes (sessions live in the database)

    async def main() -> list[tuple[set[int], bool]]:
        ready = [asyncio.Event() for _ in hosts]
        done = asyncio.Event()
        watchers = [asyncio.create_task(watch(h, cookie, r, done)) for h, r in zip(hosts, ready, strict=True)]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
        await asyncio.to_thread(post_all, hosts)
        routed = await asyncio.to_thread(wait_for, lambda: pending(settings.database_url) == 0, SOON, 0.25)
        assert routed, f"{pending(settings.database_url)} items left; " + (logs / "worker0.log").read_text()[-1500:]
        await asyncio.sleep(3)  # the last changes' flush (the hub batches them)
        done.set()
        return await asyncio.gather(*watchers)

    (seen_a, resync_a), (seen_b, resync_b) = asyncio.run(main())
    assert_all_routed_once(settings.database_url, BATCHES * SIZE)
    with session_scope(settings.database_url) as s:
        incidents = set(s.exec(select(Incident.id).where(Incident.merged_into.is_(None))).all())
    snap_a, snap_b = snapshot_ids(hosts[0], cookie), snapshot_ids(hosts[1], cookie)
    assert snap_a == snap_b
    assert snap_a <= incidents and len(snap_a) > 0
    # each live view was told of every incident, unless it was told to reload (then the snapshot holds them)
    for seen, resync in ((seen_a, resync_a), (seen_b, resync_b)):
        assert seen | (snap_a if resync else set()) >= snap_a
    if not (resync_a or resync_b):
        assert seen_a == seen_b


def test_two_schedulers_sweep_one_at_a_time_and_the_other_takes_over(cluster) -> None:
    _settings, _hosts, schedulers, logs = cluster
    logs_of = [logs / f"sweep{n}.log" for n in range(2)]
    assert wait_for(lambda: sum(len(passes(f)) for f in logs_of) >= 6, SOON, 0.2), \
        logs_of[0].read_text()[-1500:] + logs_of[1].read_text()[-1500:]
    by = [passes(f) for f in logs_of]
    for s0, f0 in by[0]:  # no pass of one overlaps a pass of the other
        assert all(f1 <= s0 or f0 <= s1 for s1, f1 in by[1])
    sweeping = 0 if len(by[0]) >= len(by[1]) else 1
    os.kill(schedulers[sweeping].pid, signal.SIGKILL)  # mid-pass or between passes: the lock goes with it
    schedulers[sweeping].wait(30)
    other, before = logs_of[1 - sweeping], len(by[1 - sweeping])
    assert wait_for(lambda: len(passes(other)) >= before + 3, SOON, 0.2), other.read_text()[-1500:]
