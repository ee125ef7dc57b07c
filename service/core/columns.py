"""Column types shared by every table: times are stored in UTC and always come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol, cast

from sqlalchemy import JSON, BigInteger, Column, DateTime, Float, Table
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
    # double is off by tens of microseconds, which split ties a claim's lapse makes with a clock;
    # strftime is given the whole seconds only (it rounds .9995 and up into the next second)
    x = compiler.process(element.clauses, **kw)
    return f"(CAST(strftime('%s', substr({x}, 1, 19)) AS REAL) + CAST(substr({x}, 20) AS REAL))"


@compiles(epoch_seconds, "postgresql")
def _epoch_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) AS DOUBLE PRECISION)"


class epoch_microseconds(FunctionElement[int]):  # an SQL function, named as SQL names them
    """Microseconds since 1970-01-01 UTC of a stored time, as an exact integer on both
    databases: the difference of two is the timedelta Python computes, to the microsecond
    (epoch_seconds is a double: about a microsecond at today's epoch, enough to order times)."""

    type = BigInteger()
    name = "epoch_microseconds"
    inherit_cache = True


@compiles(epoch_microseconds, "sqlite")
def _epoch_us_sqlite(element: epoch_microseconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLAlchemy stores 'YYYY-MM-DD HH:MM:SS.ffffff' (six digits always). strftime('%s') rounds a
    # fraction to the millisecond and may carry into the next second: it is given the whole seconds only
    t = compiler.process(element.clauses, **kw)
    return (f"(CAST(strftime('%s', substr({t}, 1, 19)) AS INTEGER) * 1000000"
            f" + CASE WHEN substr({t}, 20, 1) = '.' THEN CAST(substr({t}, 21, 6) AS INTEGER) ELSE 0 END)")


@compiles(epoch_microseconds, "postgresql")
def _epoch_us_postgresql(element: epoch_microseconds, compiler: SQLCompiler, **kw: Any) -> str:
    # EXTRACT gives numeric (exact) since PostgreSQL 14
    return f"CAST(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000000 AS BIGINT)"


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
