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
        from service.db import get_engine

        get_engine.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
