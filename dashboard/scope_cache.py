"""Figures read once per viewer scope and shared for a few seconds by every screen of that scope.

A province's 大屏 and dashboards are hundreds of screens over a handful of scopes (the 高平市
coordinator's, a county's leaders', the admin's), each re-reading its figures every couple of
seconds while pushes arrive. Read per screen, 500 screens × ≈ 0.2 s of counting over 100,000
incidents would outrun the database; read per scope, they cost one read each `ttl` seconds
per scope, whatever the number of screens. A screen sees figures at most `ttl` old.

Concurrent requests for the same key wait for the one read in flight instead of each starting
their own (the screens of a wall reconnect together). Per process: each API process keeps its
own, so N processes read at most N times per `ttl`.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class ScopeCache(Generic[T]):
    def __init__(self, ttl: float, max_keys: int = 1024, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_keys, self._clock = ttl, max_keys, clock
        self._values: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()  # guards the two dicts, never held while computing

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under `key` read less than `ttl` seconds ago, else `compute()`'s (one
        computation at a time per key; a failed one caches nothing). ttl 0: always computed."""
        if self.ttl <= 0:
            return compute()
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                cached = self._values.get(key)
            if cached is not None and self._clock() - cached[0] < self.ttl:
                return cached[1]
            started = self._clock()  # the age counts from the read, not from its end
            value = compute()
            with self._guard:
                self._values[key] = (started, value)
                self._values.move_to_end(key)
                while len(self._values) > self.max_keys:  # the oldest-written scope goes first
                    old, _ = self._values.popitem(last=False)
                    self._locks.pop(old, None)
            return value
