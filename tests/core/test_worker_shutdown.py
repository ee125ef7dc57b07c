"""A worker stops within seconds even when its command thread has read the reply to its
UNSUBSCRIBE before being told to stop (service.core.queue.Worker), on the real Redis server."""

from __future__ import annotations

import time

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from service.core.queue import Worker
from tests.conftest import REDIS_URL
from tests.support.processes import wait_for

pytestmark = pytest.mark.redis


def stop_after_losing_the_race(kind: type[SimpleWorker]) -> float:
    """Seconds `unsubscribe()` (RQ's teardown) takes once the thread is already unsubscribed."""
    connection = Redis.from_url(REDIS_URL)
    worker = kind([Queue("shutdown-race", connection=connection)], connection=connection)
    worker.subscribe()
    assert wait_for(lambda: worker.pubsub.subscribed, 10)
    worker.pubsub.unsubscribe()  # the thread reads this reply and goes back to waiting
    assert wait_for(lambda: not worker.pubsub.subscribed, 10)
    started = time.monotonic()
    worker.unsubscribe()
    assert not worker.pubsub_thread.is_alive()
    return time.monotonic() - started


def test_the_worker_stops_within_seconds_after_losing_the_unsubscribe_race() -> None:
    assert stop_after_losing_the_race(Worker) < 10  # RQ's own SimpleWorker waits out 60 s here
