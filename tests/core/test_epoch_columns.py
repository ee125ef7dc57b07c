"""Epoch numbers of stored times, exact on both databases (the board's ties and the reports'
hours depend on them), fractions that round up into the next second included."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from service.core.columns import epoch_microseconds, epoch_seconds
from service.core.db import session_scope

TIMES = [datetime(2026, 1, 1, 0, 0, 0, 999_999, tzinfo=UTC), datetime(2026, 6, 30, 23, 59, 59, 999_600, tzinfo=UTC),
         datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC)]


@pytest.mark.parametrize("at", TIMES)
def test_epoch_numbers_of_a_stored_time_are_python_s(database_url: str, at: datetime) -> None:
    with session_scope(database_url) as s:
        seconds, micros = s.exec(select(epoch_seconds(_literal(at)), epoch_microseconds(_literal(at)))).one()
    assert micros == round(at.timestamp() * 1_000_000)
    assert seconds == pytest.approx(at.timestamp(), abs=1e-6)
    assert int(seconds) == int(at.timestamp())  # .999999 stays in its own second


def _literal(at: datetime):
    from sqlalchemy import literal

    from service.core.columns import UTCDateTime

    return literal(at, UTCDateTime())
