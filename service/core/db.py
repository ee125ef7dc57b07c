"""Engine and sessions for SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, create_engine


def json_dumps(value: object) -> str:
    # orjson: the JSON columns (signatures, analyses, audit details) are most of what a batch
    # encodes and decodes; the standard library costs several times more. Non-str keys become
    # str, as json.dumps makes them.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


JSON = {"json_serializer": json_dumps, "json_deserializer": orjson.loads}


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


class AppSession(Session):
    """The app's sessions (session_scope): audit entries added to one are hash-chained at flush,
    a hook on this class only (service.audit.chain.install, with the first engine)."""


MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"  # service/migrations (Alembic)
# the search index of each database (migration 0013): SQLite's FTS5 table item_fts with its
# shadow tables and triggers, PostgreSQL's GIN index item_fts_terms; no model declares them
UNMODELLED = "item_fts"


def modelled(name: str | None, _type: str, _parents: object) -> bool:
    """Alembic's include_name: whether a database object is one the models describe."""
    return not (name or "").startswith(UNMODELLED)


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                               connect_args={"options": _pg_options()}, **JSON)
    _ENGINES.add(engine)
    return engine


def _pg_options() -> str:
    """Server settings of every app session: one whose process froze or vanished without a
    disconnect while inside a transaction is ended within seconds, releasing its locks; no JIT."""
    from service.core.settings import get_settings

    idle_ms = max(1, int(get_settings().pg_idle_in_transaction_seconds * 1000))
    # jit off: the planner's JIT compiled the board's query over 100,000 incidents for 3.4 s to
    # save milliseconds (bench/province_views.py); these are short OLTP reads, not analytics
    return f"-c idle_in_transaction_session_timeout={idle_ms} -c jit=off"


# No database connection crosses a fork. RQ's worker forks its scheduler process (and forks
# it again when it died); a child holding copies of the parent's pooled sockets keeps their
# sessions open after the parent is killed — one of them idle in transaction with the
# grouping lock, forever. So before a fork the parent closes its idle pooled connections
# (the child inherits none; the parent reconnects on next use, forks are rare), and the child
# forgets whatever pool it inherited (SQLAlchemy's recipe: dispose(close=False) never touches
# the parent's sessions; psycopg does not end a connection from another process).
def _close_pools_before_fork() -> None:
    for engine in list(_ENGINES):
        engine.dispose()


def _forget_pools_in_child() -> None:
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(before=_close_pools_before_fork, after_in_child=_forget_pools_in_child)


def _sqlite_pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets the API read while a worker writes; FKs are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    with AppSession(get_engine(url), expire_on_commit=False) as session:
        yield session


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["connection_url"] = url
    command.upgrade(cfg, "head")
