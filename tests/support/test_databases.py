"""The test databases themselves: a clone of the template holds exactly what the app's first
start writes to an empty database (so tests on clones see what they saw when every test
started from nothing), and an `empty_database` test's database is truly empty."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import select

from service.audit.models import AuditEntry
from service.auth.models import User
from service.core.db import get_engine, session_scope
from service.core.settings import Settings
from service.main import create_app
from service.orgs.models import OrgVersion


def started(settings: Settings) -> dict[str, object]:
    """The rows a start-up writes, without ids and times."""
    with TestClient(create_app(settings)):
        pass
    with session_scope(settings.database_url) as s:
        return {
            "users": sorted((u.username, u.role, u.unit, u.region, u.active) for u in s.exec(select(User))),
            "org": [(o.digest, o.source) for o in s.exec(select(OrgVersion))],
            "audit": [(a.action, a.actor, a.incident_id) for a in s.exec(select(AuditEntry).order_by(AuditEntry.id))],
        }


@pytest.mark.empty_database
def test_an_empty_database_has_no_tables(database_url: str) -> None:
    assert inspect(get_engine(database_url)).get_table_names() == []


def test_a_clone_is_what_a_first_start_leaves(settings: Settings, tmp_path, request) -> None:
    from tests.support import databases

    on_clone = started(settings)
    if settings.database_url.startswith("sqlite"):
        empty_url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        name = databases.pg_create(None)
        request.addfinalizer(lambda: databases.pg_drop(name))
        empty_url = databases.pg_url(name)
    on_empty = started(settings.model_copy(update={"database_url": empty_url}))
    assert on_clone == on_empty
    assert on_clone["users"] and on_clone["org"]


@pytest.mark.postgres
def test_clones_made_ahead_hold_the_template_and_none_is_left_behind(pg_template: str, request) -> None:
    import psycopg

    from tests.support import databases
    from tests.support.processes import wait_for

    clones = databases.Clones()
    taken = [clones.take(pg_template)]
    assert wait_for(lambda: bool(clones.made_ahead), 30)  # the next one made while "the test ran"
    taken += [clones.take(pg_template), clones.take(pg_template)]
    assert taken[1] == clones.made_ahead[0]
    clones.close()
    for name in taken:
        request.addfinalizer(lambda name=name: databases.pg_drop(name))
        with session_scope(databases.pg_url(name)) as s:
            assert s.exec(select(User.username).where(User.username == "admin")).first() == "admin"
    with psycopg.connect(databases.PG_ADMIN) as conn:
        left = {r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                                           [clones.made_ahead])}
    assert left == set(taken) & set(clones.made_ahead)  # the one made for a fourth test is gone
