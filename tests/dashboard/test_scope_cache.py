"""dashboard.scope_cache: figures read once per scope and shared for ttl seconds."""

from __future__ import annotations

import threading

import pytest

from dashboard.scope_cache import ScopeCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_shared_for_ttl_seconds_then_read_again() -> None:
    clock, reads = Clock(), []
    cache = ScopeCache[int](2.0, clock=clock)

    def read() -> int:
        reads.append(clock.now)
        return len(reads)

    assert cache.get("高平市", read) == 1
    clock.now += 1.9
    assert cache.get("高平市", read) == 1  # another screen of the scope: no read
    assert cache.get("米山镇", read) == 2  # another scope reads its own
    clock.now += 0.1
    assert cache.get("高平市", read) == 3  # 2 s after its read
    assert reads == [100.0, 101.9, 102.0]


def test_ttl_zero_reads_every_time() -> None:
    cache, reads = ScopeCache[int](0), []
    for _ in range(3):
        cache.get("k", lambda: reads.append(1) or len(reads))
    assert len(reads) == 3


def test_a_failed_read_is_not_kept() -> None:
    cache = ScopeCache[int](60, clock=Clock())

    def fail() -> int:
        raise RuntimeError("database gone")

    with pytest.raises(RuntimeError):
        cache.get("k", fail)
    assert cache.get("k", lambda: 7) == 7


def test_screens_asking_together_wait_for_the_one_read_in_flight() -> None:
    cache, started, release, reads = ScopeCache[int](60), threading.Event(), threading.Event(), []

    def slow() -> int:
        reads.append(1)
        started.set()
        release.wait(5)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=lambda: results.append(cache.get("k", slow))) for _ in range(5)]
    for t in others:
        t.start()
    release.set()
    for t in (first, *others):
        t.join(5)
    assert results == [42] * 6 and len(reads) == 1


def test_the_oldest_scope_goes_beyond_max_keys() -> None:
    cache, reads = ScopeCache[str](60, max_keys=2, clock=Clock()), []

    def read(key: str):
        return lambda: reads.append(key) or key

    for key in ("a", "b", "c", "b", "a"):
        cache.get(key, read(key))
    assert reads == ["a", "b", "c", "a"]  # b was still kept; a had gone when c came
