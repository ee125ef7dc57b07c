"""Running the sweep every N seconds, single-flight across processes.

The embedded server (`yuqing serve` without REDIS_URL) runs it in a background thread from
the app's lifespan, the first pass right at start-up; `yuqing sweep --every N` runs the same
loop in the foreground. Of several processes on one database (uvicorn workers, two `serve`,
a `sweep --every` beside them) one sweeps at a time, the others skip that round:

- PostgreSQL: `pg_try_advisory_lock` on a connection held for the pass. The server frees a
  session lock when its connection ends, so a killed holder (even SIGKILL) frees it at once.
- SQLite: `flock` on `<database file>.sweep-lock`. The kernel frees it when the holder's file
  is closed, so again a dead process holds nothing (a lock row would need a lease and a
  clock to expire it). An in-memory database has no other process: a thread lock does.

Correctness does not depend on the lock (rungs are unique per clock and step); it keeps
several processes from doing the same work at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url

from service.core.metrics import SWEEP_PHASE_FAILURES
from service.core.queue import queued
from service.core.settings import Settings
from service.escalation.sweep import sweep_pass

log = structlog.get_logger()
PG_LOCK = 0x7975_7377  # advisory lock id of the sweep ("yusw"); the audit chain's is "yuau"
_memory_locks: dict[str, threading.Lock] = {}


@contextmanager
def single_flight(database_url: str) -> Iterator[bool]:
    """Yields True if this process holds the sweep lock for the block, False if another does."""
    if database_url.startswith("postgresql"):
        with _pg_lock(database_url) as mine:
            yield mine
        return
    path = make_url(database_url).database
    if not path or path == ":memory:":
        lock = _memory_locks.setdefault(database_url, threading.Lock())
        mine = lock.acquire(blocking=False)
        try:
            yield mine
        finally:
            if mine:
                lock.release()
        return
    with _file_lock(path + ".sweep-lock") as mine:
        yield mine


@contextmanager
def _pg_lock(database_url: str) -> Iterator[bool]:
    from service.core.db import get_engine

    conn = get_engine(database_url).connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        mine = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK}).scalar())
        try:
            yield mine
        finally:
            if mine:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK})
    except BaseException:
        conn.invalidate()  # never hand a connection that may still hold the lock back to the pool
        raise
    finally:
        conn.close()


@contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class Sweeper:
    """The sweep loop: a pass now, then one every `every` seconds until stopped. A failing
    pass is logged and counted; the loop goes on."""

    def __init__(self, settings: Settings, every: float) -> None:
        self.settings, self.every = settings, every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.passes = 0  # passes this process ran (not skipped)

    def run_once(self) -> bool:

        try:
            with single_flight(self.settings.database_url) as mine:
                if not mine:
                    log.info("sweep.skipped", reason="another process is sweeping this database")
                    return False
                started = time.time()
                sweep_pass(self.settings)
                self.passes += 1
                # both ends, so that passes of several processes can be shown not to overlap
                log.info("sweep.pass", started=started, finished=time.time())
                return True
        except Exception as exc:
            log.exception("sweep.pass_failed", error=f"{type(exc).__name__}: {exc}")
            SWEEP_PHASE_FAILURES.labels("pass").inc()
            return False

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self.every)

    def start(self) -> Sweeper:
        self._thread = threading.Thread(target=self.run_forever, name="yuqing-sweeper", daemon=True)
        self._thread.start()
        log.info("sweeper.started", every=self.every)
        return self

    def stop(self, timeout: float = 60) -> None:
        """Ask the loop to end and wait for a pass in progress (a pass is not cut halfway)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            log.info("sweeper.stopped", finished=not self._thread.is_alive())


def embedded_sweeper(settings: Settings) -> Sweeper | None:
    """The server's own sweeper: without Redis (with it, the `sweep --every` process of
    docker-compose does it) and unless SWEEP_SECONDS is 0."""
    if queued(settings) or settings.sweep_seconds <= 0:
        return None
    return Sweeper(settings, settings.sweep_seconds).start()


def run_sweeps(settings: Settings, every: float = 0) -> int:
    """Once (exit 1 if a phase failed, after every phase ran), or every `every` seconds for
    good, single-flight with other sweepers of the database (service.escalation.sweeper): a failing pass
    is logged and the loop goes on."""
    if every <= 0:
        return 1 if sweep_pass(settings)["failed"] else 0
    Sweeper(settings, every).run_forever()
    return 0
