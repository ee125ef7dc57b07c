"""The migrations build exactly the tables the models declare, on SQLite and PostgreSQL: a
model change without its migration (or the reverse) fails here, not in production."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import service.tables  # noqa: F401 — registers every table
from service.core.db import get_engine, migrate, modelled


@pytest.mark.empty_database
def test_migrations_match_the_models(database_url: str) -> None:
    migrate(database_url)
    with get_engine(database_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False, "include_name": modelled}), SQLModel.metadata)
    assert diff == []
