"""Publishing events (service.core.events): Redis pub/sub when REDIS_URL is set, in-process
otherwise. Local subscribers get the typed event; Redis carries its JSON message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from service.core.aftercommit import tolerated
from service.core.events import Event, to_message
from service.core.redis import redis_connection
from service.core.settings import Settings

CHANNEL = "yuqing:events"
_local_subscribers: list[Callable[[Event], None]] = []


def channel(redis_url: str) -> str:
    """The pub/sub channel of this deployment: Redis pub/sub ignores the database number, so
    deployments (and test runs) sharing one server on different databases would hear each other."""
    db = urlsplit(redis_url).path.strip("/") or "0"
    return f"{CHANNEL}:{db}"


def subscribe_local(callback: Callable[[Event], None]) -> Callable[[], None]:
    _local_subscribers.append(callback)
    return lambda: _local_subscribers.remove(callback)


def publish_many(settings: Settings, events: Sequence[Event]) -> None:
    """Each event as its own message, all in one round trip to Redis (an ingest batch touches
    a hundred incidents: one round trip each cost the worker more than its grouping)."""
    now = time.time()
    # the change time travels with the event: the live view measures change → screen from it
    stamped = [e if e.at is not None else replace(e, at=now) for e in events]
    for event in stamped:
        for callback in list(_local_subscribers):
            callback(event)
    if settings.redis_url and stamped:
        # events follow a commit: Redis down loses them (the hub resyncs its clients when its
        # feed comes back), never the caller's answer
        with tolerated("publish", events=len(stamped)):
            pipe = redis_connection(settings.redis_url).pipeline(transaction=False)
            name = channel(settings.redis_url)
            for event in stamped:
                pipe.publish(name, json.dumps(to_message(event), ensure_ascii=False))
            pipe.execute()
