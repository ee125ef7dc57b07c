"""A throw-away PostgreSQL database for one benchmark run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_database(prefix: str = "yuqing_bench") -> Iterator[str]:
    """Create a fresh database, yield its SQLAlchemy URL, drop it afterwards (pooled
    connections of this process are released first, others are cut by FORCE)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        from service.core.db import get_engine

        get_engine.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def filled_database(incidents: int, fill, prefix: str = "yuqing_bench") -> Iterator[tuple[str, object]]:
    """A scratch database with the schema, the demo org and `incidents` rows put in by
    `fill(url, incidents, org)`; yields (url, org)."""
    import time

    from service.core.db import migrate, session_scope
    from service.core.settings import Settings
    from service.incidents.runtime import load_engine
    from service.orgs.store import ensure_org

    with scratch_database(prefix) as url:
        migrate(url)
        ensure_org(Settings(database_url=url, _env_file=None))
        with session_scope(url) as session:
            org = load_engine(Settings(database_url=url, _env_file=None), session).org
        t = time.perf_counter()
        fill(url, incidents, org)
        print(f"filled {incidents} incidents in {time.perf_counter() - t:.1f} s")
        yield url, org
