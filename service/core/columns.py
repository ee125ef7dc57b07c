"""Column types shared by every table: times are stored in UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, Column, DateTime, Float, Table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, col


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class epoch_seconds(FunctionElement[float]):  # an SQL function, named as SQL names them
    """Seconds since 1970-01-01 UTC of a stored time column, as a number on both databases, so
    that times and time + an interval compare in one query (SQLite keeps UTC text, PostgreSQL
    timestamptz)."""

    type = Float()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # whole seconds and the stored fraction apart ("YYYY-MM-DD HH:MM:SS.ffffff"): julianday's
    # double is off by tens of microseconds, which split ties a claim's lapse makes with a clock
    x = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', {x}) AS REAL) + CAST(substr({x}, 20) AS REAL))"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


class least_of(FunctionElement[float]):
    """The smaller of two numbers, NULL only when both are: PostgreSQL's LEAST (which skips
    NULLs) and, on SQLite, whose min() does not, the same rule spelled out."""

    type = Float()
    name = "least_of"
    inherit_cache = True


@compiles(least_of, "sqlite")
def _least_sqlite(element: least_of, compiler: SQLCompiler, **kw: Any) -> str:
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL OR {a} < {b} THEN {a} ELSE {b} END)"


@compiles(least_of, "postgresql")
def _least_postgresql(element: least_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def js(default: Any = list) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


def table_of(model: type[SQLModel]) -> Table:
    """The table of a table model (table=True): SQLModel sets `__table__` on the class but
    does not declare it to type checkers."""
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel, undeclared
    return table


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: Stored) -> int:
    """The id of a row read from or flushed to the database: SQLModel types ids `int | None`
    because they are unset until the INSERT."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it first")
    return row.id


def pk(column: int | None) -> Mapped[int]:
    """A primary-key column in a query (`select(pk(Item.id))`): SQLModel types ids `int | None`
    (unset before the INSERT), but an id read back from the database is never NULL."""
    return cast("Mapped[int]", col(column))
