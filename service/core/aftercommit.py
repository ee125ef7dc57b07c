"""Work done after a commit (enqueue a job, publish an event) must not undo the answer.

The commit is the record: a request whose rows are committed answers the 2xx of what was
committed even when Redis is down. What is lost is recovered from the database — the sweep
re-enqueues pending items and lost deliveries, and the live hub tells its clients to resync
when its Redis feed comes back — so a failure here is logged and counted, never raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from service.core.metrics import AFTER_COMMIT_FAILURES
from service.core.redis import REDIS_FAILURES

log = structlog.get_logger()


@contextmanager
def tolerated(what: str, **context: object) -> Iterator[None]:
    """Run the block; a Redis failure is logged as `<what>.failed` and counted under `what`."""
    try:
        yield
    except REDIS_FAILURES as exc:
        AFTER_COMMIT_FAILURES.labels(what).inc()
        log.warning(f"{what}.failed", error=f"{type(exc).__name__}: {str(exc)[:200]}", **context)
