"""Publishing incident events: Redis pub/sub when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

import json
from collections.abc import Callable

from service.settings import Settings

CHANNEL = "yuqing:events"
_local_subscribers: list[Callable[[dict], None]] = []


def subscribe_local(callback: Callable[[dict], None]) -> Callable[[], None]:
    _local_subscribers.append(callback)
    return lambda: _local_subscribers.remove(callback)


def publish(settings: Settings, event: dict) -> None:
    for callback in list(_local_subscribers):
        callback(event)
    if settings.redis_url:
        from service.queue import redis_connection

        redis_connection(settings.redis_url).publish(CHANNEL, json.dumps(event, ensure_ascii=False))
