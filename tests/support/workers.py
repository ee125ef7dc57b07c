"""What each pytest-xdist worker needs of its own: a Redis database (tests flush theirs).
PostgreSQL database names are random per test and ports are picked free, so those need nothing."""

from __future__ import annotations

import os

REDIS_DATABASES = 16  # Redis's default `databases`


def worker_index() -> int:
    """0 outside xdist and on its first worker (gw0), 1 on gw1, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def worker_redis_url(base: str) -> str:
    """`base` (redis://host:port/N) on worker 0, database N+1 on worker 1, and so on."""
    head, _, db = base.rpartition("/")
    if not db.isdigit():
        return base
    return f"{head}/{(int(db) + worker_index()) % REDIS_DATABASES}"
