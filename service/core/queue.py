"""Background work: RQ jobs on Redis when REDIS_URL is set, run inline otherwise — the one
place that makes that choice. Jobs carry only ids of committed rows, so a lost job loses
nothing (the sweep recovers what is still waiting) and `dispatch` never raises: the caller
has committed, and Redis down (or an inline run failing) is logged and counted, not a 5xx.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from rq import Queue, Retry, SimpleWorker
from rq.job import Job

from service.core.aftercommit import tolerated
from service.core.metrics import AFTER_COMMIT_FAILURES
from service.core.redis import redis_connection
from service.core.settings import Settings

log = structlog.get_logger()


@dataclass(frozen=True)
class Call:
    """One job: a module-level function (a worker imports it by name) and its plain arguments."""

    func: Callable[..., Any] | str  # a dotted name when importing the function would make a cycle
    args: tuple[Any, ...]
    job_id: str | None = None
    timeout: int = 600
    result_ttl: int = 60
    failure_ttl: int | None = None
    retry_intervals: Sequence[int] = field(default_factory=tuple)
    # what runs in this process without Redis (the job function reads settings from the
    # environment; the caller's own settings are the ones to keep inline)
    inline: Callable[[], Any] | None = None


def get_queue(settings: Settings) -> Queue:
    return Queue(settings.queue_name, connection=redis_connection(settings.redis_url or ""))


def redis_url(settings: Settings) -> str | None:
    """The deployment's Redis (REDIS_URL), or None when embedded: for what talks to Redis
    itself (the live feed's subscriber, /healthz)."""
    return settings.redis_url or None


def queued(settings: Settings) -> bool:
    """Whether background work goes to workers (REDIS_URL set) or runs in this process."""
    return redis_url(settings) is not None


def dispatch(settings: Settings, what: str, calls: Sequence[Call], **context: object) -> None:
    """Enqueue `calls` (one round of failures tolerated as `<what>.failed`), or run them here
    one by one, each failure logged as `<what>.inline_failed` without stopping the others."""
    if not calls:
        return
    if queued(settings):
        queue = get_queue(settings)
        with tolerated(what, jobs=len(calls), **context):
            for c in calls:
                # rq types `func` as a TypeVar constrained to str or a callable, which refuses
                # a value that may be either though rq takes both
                queue.enqueue(c.func, *c.args, job_id=c.job_id,  # type: ignore[type-var]
                              job_timeout=c.timeout, result_ttl=c.result_ttl,
                              failure_ttl=c.failure_ttl,
                              retry=Retry(max=len(c.retry_intervals), interval=list(c.retry_intervals))
                              if c.retry_intervals else None)
        return
    for c in calls:
        try:
            if c.inline is not None:
                c.inline()
            elif callable(c.func):
                c.func(*c.args)
        except Exception as exc:
            AFTER_COMMIT_FAILURES.labels(what).inc()
            log.warning(f"{what}.inline_failed", error=f"{type(exc).__name__}: {str(exc)[:200]}", **context)


def enqueue(settings: Settings, call: Call) -> Job:
    """One job that only a worker may run (e.g. retraining); refused without Redis."""
    if not queued(settings):
        raise RuntimeError("REDIS_URL 未设置，无法排队 / REDIS_URL unset: cannot enqueue")
    # rq's `func` TypeVar (str or callable) refuses the union it accepts (see dispatch)
    return get_queue(settings).enqueue(call.func,  # type: ignore[type-var]
                                       *call.args, job_id=call.job_id, job_timeout=call.timeout,
                                       result_ttl=call.result_ttl)


def missing_jobs(settings: Settings, job_ids: Sequence[str]) -> list[str]:
    """Of these job ids, those Redis no longer has; none without Redis (nothing was queued)."""
    if not queued(settings):
        return []
    connection = redis_connection(settings.redis_url or "")
    return [j for j in job_ids if not Job.exists(j, connection=connection)]


def queue_depth(settings: Settings) -> int:
    """Jobs waiting; -1 when Redis cannot be asked (the scrape still answers)."""
    if not queued(settings):
        return 0
    depth = -1
    with tolerated("queue_depth"):
        depth = len(get_queue(settings))
    return depth


COMMAND_WAIT_SECONDS = 1.0  # the longest a worker's command thread waits between reads


class Worker(SimpleWorker):
    """RQ's non-forking worker with a command thread that stops within a second.

    RQ 3 lets its command thread (stop/kill requests) wait up to 60 s between reads and counts
    on the reply to its UNSUBSCRIBE to wake it at shutdown; when that reply is read first the
    thread goes back to waiting for a subscription, and redis-py 8.2's `stop()` joins it with no
    time limit: a minute lost at the end of every burst run, deploy or restart that loses the
    race (seen in the tests: 65 s for a 5 s burst). A 1 s wait bounds that at no cost worth
    counting (one idle wake-up a second)."""

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        # RQ's __init__ leaves it None, which is all its annotation knows
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=COMMAND_WAIT_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler)


def work(settings: Settings, *, burst: bool) -> None:
    """A non-forking worker: a forked work-horse per job would rebuild the classifier and
    gazetteer (about a second) for every batch. Its scheduler moves retries that wait back
    onto the queue when due; without it a job scheduled for retry would never run again."""
    Worker([get_queue(settings)], connection=redis_connection(settings.redis_url or "")).work(
        burst=burst, with_scheduler=True)
