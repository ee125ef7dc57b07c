"""incident.open_due_at, kept by triggers on clock (migration 0016), must always equal what the
clocks say: the earliest due_at of the incident's open clocks, NULL when none is open. A check
of every incident of a database, and a fixture running it after each database test of a
package (tests/incidents, tests/supervision, tests/escalation, tests/items, tests/dashboard):
every workflow step those tests take (claim, respond, follow-up, return, transfer, merge, split,
close, re-grade, retiming, duties, supervision, the sweep, ingest) is checked by it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from service.core.db import get_engine, session_scope
from service.incidents.models import Clock, Incident


def open_due_mismatches(session) -> dict[int, tuple]:
    """{incident id: (stored, from the clocks)} for every incident where they differ."""
    earliest: dict[int, object] = {}
    for incident_id, due_at in session.execute(select(Clock.incident_id, Clock.due_at).where(
            Clock.met_at == None)):  # noqa: E711
        earliest[incident_id] = min(due_at, earliest.get(incident_id, due_at))
    return {i: (stored, earliest.get(i)) for i, stored in session.execute(select(Incident.id, Incident.open_due_at))
            if stored != earliest.get(i)}


def assert_open_due_consistent(url: str) -> None:
    with session_scope(url) as session:
        wrong = open_due_mismatches(session)
    assert wrong == {}, f"incident.open_due_at differs from its open clocks: {wrong}"


@pytest.fixture(autouse=True)
def open_due_consistent(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used a database, its incidents' open_due_at agree with their clocks."""
    if "database_url" not in request.fixturenames or request.node.get_closest_marker("empty_database"):
        yield
        return
    url = request.getfixturevalue("database_url")  # asked for here, so torn down after this check
    yield
    schema = inspect(get_engine(url))
    if "incident" not in schema.get_table_names() or "open_due_at" not in {
            c["name"] for c in schema.get_columns("incident")}:
        return  # a migration test left the schema below 0016
    assert_open_due_consistent(url)
