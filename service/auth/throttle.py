"""Sign-in throttling with growing delays, per account name and per source address.

Every attempt is counted *before* its password is checked, by one atomic
`UPDATE … WHERE next_at <= now RETURNING failures` per key (PostgreSQL row lock, SQLite's
single writer): parallel attempts cannot all pass the check, and no count is lost. Once a
key has `max_failures` counted attempts, each further one must wait `delay()` — doubling
from `base` up to `cap` — and an attempt inside the wait is refused (429 with Retry-After)
without checking any password. A success clears the account's count (and takes back its
own count from the source). Counts older than `window` are forgotten.

No hard lock: whoever guesses at someone's account slows its sign-ins to one try per
interval but cannot shut it (the interval is short at first, and the source that guesses is
slowed down too). Unknown names are keys like any other, so they are throttled exactly as
known ones: the answers do not tell who exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.engine import Connection
from sqlmodel import col

from service.auth.models import LoginThrottle

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rule:
    max_failures: int  # counted attempts before delays start
    base: float  # seconds, the first delay; doubles with each further attempt
    cap: float  # seconds, the longest delay
    window: float  # seconds without attempts after which the count is forgotten


def delay(failures: int, rule: Rule) -> float:
    """Seconds the key must wait after its `failures`-th counted attempt. Pure."""
    if failures < rule.max_failures:
        return 0.0
    return min(rule.cap, rule.base * 2.0 ** min(failures - rule.max_failures, 40))


def _insert_missing(conn: Connection, key: str) -> None:
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(insert(LoginThrottle).values(key=key, failures=0, next_at=EPOCH, last_at=EPOCH)
                 .on_conflict_do_nothing(index_elements=["key"]))


def reserve(conn: Connection, key: str, rule: Rule, now: datetime) -> tuple[float, int]:
    """Count one attempt for `key`: (0, its count) when its password may be checked now,
    else (seconds to wait, 0) with nothing counted. Runs in the caller's transaction."""
    _insert_missing(conn, key)
    t = LoginThrottle
    stale = now - timedelta(seconds=rule.window)
    counted = conn.execute(
        update(t).where(col(t.key) == key, col(t.next_at) <= now)
        .values(failures=case((col(t.last_at) < stale, 1), else_=col(t.failures) + 1), last_at=now)
        .returning(col(t.failures))).scalar()
    if counted is None:  # inside the wait
        next_at = conn.execute(select(col(t.next_at)).where(col(t.key) == key)).scalar_one()
        return max(1.0, (next_at - now).total_seconds()), 0
    wait = delay(counted, rule)
    if wait:  # the row is still locked by the UPDATE above: no one slips in before this
        conn.execute(update(t).where(col(t.key) == key).values(next_at=now + timedelta(seconds=wait)))
    return 0.0, counted


def succeeded(conn: Connection, account_key: str, source_key: str, source_rule: Rule) -> None:
    conn.execute(update(LoginThrottle).where(col(LoginThrottle.key) == account_key).values(failures=0, next_at=EPOCH))
    t = LoginThrottle
    conn.execute(update(t).where(col(t.key) == source_key)
                 .values(failures=case((col(t.failures) > 0, col(t.failures) - 1), else_=0),
                         next_at=case((col(t.failures) - 1 < source_rule.max_failures, EPOCH), else_=t.next_at)))


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def failures_of(conn: Connection, key: str) -> int:
    return conn.execute(select(col(LoginThrottle.failures)).where(col(LoginThrottle.key) == key)).scalar() or 0
