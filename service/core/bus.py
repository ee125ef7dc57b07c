"""Publishing incident events: Redis pub/sub when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from service.core.settings import Settings

CHANNEL = "yuqing:events"
_local_subscribers: list[Callable[[dict], None]] = []


def channel(redis_url: str) -> str:
    """The pub/sub channel of this deployment: Redis pub/sub ignores the database number, so
    deployments (and test runs) sharing one server on different databases would hear each other."""
    db = urlsplit(redis_url).path.strip("/") or "0"
    return f"{CHANNEL}:{db}"


def subscribe_local(callback: Callable[[dict], None]) -> Callable[[], None]:
    _local_subscribers.append(callback)
    return lambda: _local_subscribers.remove(callback)


def publish(settings: Settings, event: dict) -> None:
    publish_many(settings, [event])


def publish_many(settings: Settings, events: list[dict]) -> None:
    """Each event as its own message, all in one round trip to Redis (an ingest batch touches
    a hundred incidents: one round trip each cost the worker more than its grouping)."""
    now = time.time()
    # the change time travels with the event: the live view measures change → screen from it
    events = [{**e, "at": e.get("at") or now} for e in events]
    for event in events:
        for callback in list(_local_subscribers):
            callback(event)
    if settings.redis_url and events:
        from service.core.aftercommit import tolerated
        from service.core.queue import redis_connection

        # events follow a commit: Redis down loses them (the hub resyncs its clients when its
        # feed comes back), never the caller's answer
        with tolerated("publish", events=len(events)):
            pipe = redis_connection(settings.redis_url).pipeline(transaction=False)
            name = channel(settings.redis_url)
            for event in events:
                pipe.publish(name, json.dumps(event, ensure_ascii=False))
            pipe.execute()
