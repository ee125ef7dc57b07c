"""Processing committed items as background work (service.core.queue): the job, its batch,
and warming a worker's triage engine."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.queue import Call, dispatch
from service.core.settings import Settings, get_settings
from service.core.uow import UnitOfWork
from service.incidents.ingest import process_items
from service.incidents.pipeline import Engine, ItemInput
from service.incidents.runtime import load_engine

# a job's batch grows to this many items with other pending ones when the workers are behind
# (bench: batches of 250 route 1,138 items/s against 927 for batches of 100)
BATCH_UP_TO = 300


def processing(settings: Settings, item_ids: Sequence[int]) -> list[Call]:
    """The job that processes committed `item_ids` (none for none)."""
    ids = [int(i) for i in item_ids]
    return [Call(process_job, (ids, settings.database_url), retry_intervals=(1, 5, 30),
                 inline=partial(run_processing, settings, ids))] if ids else []


def submit(settings: Settings, item_ids: Sequence[int]) -> None:
    """Process `item_ids` now (embedded mode) or on a worker; the sweep re-enqueues what is lost."""
    dispatch(settings, "enqueue", processing(settings, item_ids), items=len(item_ids))


def process_job(item_ids: list[int], database_url: str) -> int:
    """The RQ job. A poison item is set aside inside (service.incidents.poison), so the job raises
    only on a transient fault, and RQ retries it."""
    settings = get_settings().model_copy(update={"database_url": database_url})
    return len(run_processing(settings, item_ids))


def run_processing(settings: Settings, item_ids: Sequence[int]) -> list[int]:
    # the engine in a session of its own: building it cold (model, dictionaries: seconds)
    # must not keep a transaction idle (PostgreSQL's idle_in_transaction_session_timeout)
    with session_scope(settings.database_url) as session:
        engine = load_engine(settings, session)
    with session_scope(settings.database_url) as session:
        return process_items(UnitOfWork(session, settings), engine, item_ids, up_to=BATCH_UP_TO)


def warm_up(engine: Engine) -> None:
    """Triage one real item so jieba's dictionaries and the classifier load before the first
    job (about a second) rather than inside it."""
    engine.triage_many([ItemInput(key="warm-up", text="米山镇凤凰小区烧烤店油烟扰民", received_at=utcnow())])
