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


# For the processes the tests start that route items (burst workers, `items retry`): a burst
# worker builds its engine cold, and its first batch loads jieba's dictionaries and fits the
# severity model inside the grouping transaction (seconds; a minute on a fully loaded machine),
# past PostgreSQL's default 20 s idle-in-transaction limit, which would end the session and
# leave the batch pending as a transient fault. The limit is for frozen holders, which these
# tests do not have (tests/incidents/test_lost_holders.py tests it with its own values).
COLD_START_ENV = {"PG_IDLE_IN_TRANSACTION_SECONDS": "600"}
