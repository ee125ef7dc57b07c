"""Real `yuqing` processes for the tests that need them (workers, API servers, schedulers):
started with the test's database and Redis, killed at the end, and the waits and checks the
tests share."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select

from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Incident, Item


def start(settings: Settings, logs: Path, name: str, *args: str, **env: str) -> subprocess.Popen:
    """`yuqing ARGS…` on the settings' database and Redis; its output in logs/NAME.log."""
    out = (logs / f"{name}.log").open("w")
    full = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or "", **env}
    return subprocess.Popen([sys.executable, "-m", "service.cli", *args], env=full, stdout=out,
                            stderr=subprocess.STDOUT)


def start_worker(settings: Settings, logs: Path, name: str, **env: str) -> subprocess.Popen:
    return start(settings, logs, name, "worker", **env)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (RQ's scheduler, forked by the worker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_for(check: Callable[[], Any], seconds: float, step: float = 0.005) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (found := check()) is not None and found is not False:
            return found
        time.sleep(step)
    return None


def pending(url: str) -> int:
    with session_scope(url) as s:
        return s.exec(select(func.count()).select_from(Item).where(Item.status != "processed")).one()


def assert_all_routed_once(url: str, total: int) -> None:
    with session_scope(url) as s:
        statuses = Counter(s.exec(select(Item.status)).all())
        created = s.exec(select(AuditEntry.item_id).where(AuditEntry.action == "incident.created")).all()
        merged = s.exec(select(AuditEntry.item_id).where(AuditEntry.action == "incident.item_merged")).all()
        incidents = s.exec(select(func.count()).select_from(Incident)).one()
        empty = s.exec(select(func.count()).select_from(Incident).where(
            Incident.id.not_in(select(Item.incident_id).where(Item.incident_id.is_not(None))))).one()
    assert statuses == {"processed": total}  # nothing lost
    assert len(created) == len(set(created)) == incidents  # one creation per incident, none doubled
    assert len(merged) == len(set(merged)) and not set(merged) & set(created)
    assert empty == 0  # no incident opened twice for an item (each holds at least one)


@pytest.fixture
def processes(request: pytest.FixtureRequest) -> list[int]:
    """Pids this test started (and their children), killed at the end."""
    pids: list[int] = []

    def end() -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, os.WNOHANG)
            except (ProcessLookupError, ChildProcessError):
                pass
    request.addfinalizer(end)
    return pids
