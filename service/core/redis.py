"""The Redis connection of a deployment (REDIS_URL), shared by the queue and the bus."""

from __future__ import annotations

from functools import lru_cache

from redis import Redis
from redis.exceptions import RedisError

# what Redis raises when it is down, unreachable or refusing (a closed port is an OSError
# for the socket layer before redis-py wraps it)
REDIS_FAILURES = (RedisError, OSError)


@lru_cache(maxsize=4)
def redis_connection(url: str) -> Redis:
    # a bounded connect: Redis unreachable must fail fast, not hold a request for minutes
    return Redis.from_url(url, socket_connect_timeout=5)
