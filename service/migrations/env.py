"""Alembic environment: the schema is SQLModel.metadata (service.incidents.models)."""

from alembic import context
from sqlmodel import SQLModel

import service.tables  # noqa: F401 — registers every table
from service.core.db import get_engine, modelled

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("connection_url") or config.get_main_option("sqlalchemy.url")
    with get_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_name=modelled)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
