"""Running processing as RQ jobs when REDIS_URL is set, inline otherwise.

Jobs carry only item ids: the items are already committed, so a lost job loses nothing (the
sweep re-enqueues items still pending). `submit` therefore never raises: the caller has
committed, and Redis down (or an inline run failing) is logged and counted, not a 5xx.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import structlog
from redis import Redis

from service.core.aftercommit import tolerated
from service.core.metrics import AFTER_COMMIT_FAILURES
from service.core.settings import Settings, get_settings

log = structlog.get_logger()


@lru_cache(maxsize=4)
def redis_connection(url: str) -> Redis:
    # a bounded connect: Redis unreachable must fail fast, not hold a request for minutes
    return Redis.from_url(url, socket_connect_timeout=5)


def get_queue(settings: Settings):
    from rq import Queue

    return Queue(settings.queue_name, connection=redis_connection(settings.redis_url))


def submit(settings: Settings, item_ids: Sequence[int]) -> None:
    """Process `item_ids` now (embedded mode) or on a worker."""
    ids = [int(i) for i in item_ids]
    if not ids:
        return
    if settings.redis_url:
        from rq import Retry

        with tolerated("enqueue", items=len(ids), item_ids=ids[:20]):  # the sweep re-enqueues them
            get_queue(settings).enqueue(process_job, ids, settings.database_url, job_timeout=600, result_ttl=60,
                                        retry=Retry(max=3, interval=[1, 5, 30]))
        return
    try:
        run_processing(settings, ids)
    except Exception as exc:
        AFTER_COMMIT_FAILURES.labels("process").inc()
        log.warning("items.processing_deferred", error=f"{type(exc).__name__}: {str(exc)[:200]}", item_ids=ids[:20])


# a job's batch grows to this many items with other pending ones when the workers are behind
# (bench: batches of 250 route 1,138 items/s against 927 for batches of 100)
BATCH_UP_TO = 300


def process_job(item_ids: list[int], database_url: str) -> int:
    """The RQ job: module-level so workers can import it. A poison item is set aside inside
    (service.items.poison), so the job raises only on a transient fault, and RQ retries it."""
    settings = get_settings().model_copy(update={"database_url": database_url})
    return len(run_processing(settings, item_ids))


def run_processing(settings: Settings, item_ids: Sequence[int]) -> list[int]:
    from service.core.db import session_scope
    from service.incidents.ingest import process_items
    from service.incidents.runtime import load_engine

    # the engine in a session of its own: building it cold (model, dictionaries: seconds)
    # must not keep a transaction idle (PostgreSQL's idle_in_transaction_session_timeout)
    with session_scope(settings.database_url) as session:
        engine = load_engine(settings, session)
    with session_scope(settings.database_url) as session:
        return process_items(session, engine, settings, item_ids, up_to=BATCH_UP_TO)


def queue_depth(settings: Settings) -> int:
    """Jobs waiting; -1 when Redis cannot be asked (the scrape still answers)."""
    if not settings.redis_url:
        return 0
    depth = -1
    with tolerated("queue_depth"):
        depth = len(get_queue(settings))
    return depth


def run_worker(settings: Settings, burst: bool = False) -> int:
    """A non-forking worker with the engine loaded once: a forked work-horse per job would
    rebuild the classifier and gazetteer (about a second) for every batch."""
    from rq import SimpleWorker

    from service.core.db import migrate, session_scope
    from service.core.logs import configure_logging
    from service.incidents.runtime import load_engine
    from service.orgs.store import ensure_org

    if not settings.redis_url:
        print("REDIS_URL 未设置：内置模式下无需 worker / REDIS_URL unset: embedded mode needs no worker")
        return 2
    configure_logging()
    migrate(settings.database_url)
    ensure_org(settings)
    if not burst:  # a burst run drains the queue and exits: nothing to gain from warming up first
        with session_scope(settings.database_url) as session:
            engine = load_engine(settings, session)
        warm_up(engine)
    # the scheduler moves retries that wait (Retry intervals) back onto the queue when due;
    # without it a job scheduled for retry would never run again
    SimpleWorker([get_queue(settings)], connection=redis_connection(settings.redis_url)).work(
        burst=burst, with_scheduler=True)
    return 0


def warm_up(engine) -> None:
    """Triage one real item so jieba's dictionaries and the classifier load before the first
    job (about a second) rather than inside it."""
    from service.core.columns import utcnow
    from service.incidents.pipeline import ItemInput

    engine.triage_many([ItemInput(key="warm-up", text="米山镇凤凰小区烧烤店油烟扰民", received_at=utcnow())])
