"""Shared fixtures: a database per test on SQLite and on the real PostgreSQL server, cloned from
a template migrated once per session (tests/support/databases.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.core.settings import Settings
from service.main import create_app
from tests.support import databases, passwords
from tests.support.workers import worker_redis_url

pytest_plugins = ["tests.support.processes"]  # the `processes` fixture of the tests that start real processes
PG_ADMIN = databases.PG_ADMIN
REDIS_URL = worker_redis_url(os.environ.get("YUQING_TEST_REDIS", "redis://127.0.0.1:6379/15"))
# the embedded server's own sweep (service.escalation.sweeper) would escalate the tests' fixed-date
# incidents at today's time in the background: off unless a test turns it on
os.environ.setdefault("SWEEP_SECONDS", "0")
# argon2id at test cost in this process (tests/support/passwords.py): before any template is built
passwords.use(passwords.CHEAP)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "empty_database: the test's database is empty, not even migrated "
                                       "(tests of migrations and of start-up on a new database)")
    config.addinivalue_line("markers", "demo_history: the test's database holds the demo history "
                                       "(`yuqing demo-data`, 45 days, seed 1), seeded once per worker")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session")
def pg_template() -> str:
    return databases.pg_template()


@pytest.fixture(scope="session")
def sqlite_history(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    return databases.sqlite_history(sqlite_template, tmp_path_factory.mktemp("history"))


@pytest.fixture(scope="session")
def pg_history(pg_template: str, pg_clones: databases.Clones) -> Iterator[tuple[str, dict]]:
    name, made = databases.pg_history(pg_template)
    yield name, made
    pg_clones.forget(name)
    databases.pg_drop_template(name)


@pytest.fixture
def demo_history(request: pytest.FixtureRequest, database_url: str) -> dict:
    """The counts `seed_demo_data(days=45, seed=1)` returned for the history this test's database
    (marked `demo_history`) was cloned from."""
    assert request.node.get_closest_marker("demo_history") is not None, "mark the test demo_history"
    kind = "sqlite" if database_url.startswith("sqlite") else "pg"
    return request.getfixturevalue(f"{kind}_history")[1]


@pytest.fixture(scope="session")
def pg_dropper() -> Iterator[databases.Dropper]:
    dropper = databases.Dropper()
    yield dropper
    dropper.close()  # every test database gone before the session ends


@pytest.fixture(scope="session")
def pg_clones() -> Iterator[databases.Clones]:
    clones = databases.Clones()
    yield clones
    clones.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The demo org and accounts already in place (what the app's first start writes), unless
    the test is marked `empty_database`."""
    empty = request.node.get_closest_marker("empty_database") is not None
    history = request.node.get_closest_marker("demo_history") is not None
    if request.param == "sqlite":
        target = tmp_path / "yuqing.db"
        template = request.getfixturevalue("sqlite_history")[0] if history else request.getfixturevalue(
            "sqlite_template")
        yield f"sqlite:///{target}" if empty else databases.sqlite_clone(template, target)
        return
    dropper = request.getfixturevalue("pg_dropper")
    if empty:
        name = databases.pg_create(None)
    else:
        base = request.getfixturevalue("pg_history")[0] if history else request.getfixturevalue("pg_template")
        name = request.getfixturevalue("pg_clones").take(base)
    yield databases.pg_url(name)
    dropper.drop(name)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, demo=True, demo_force=True, redis_url=None,
                    metrics_token=METRICS_TOKEN, _env_file=None)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


INGEST = {"Authorization": "Bearer demo-ingest"}
COORD = {"Authorization": "Bearer demo-coordinator"}
VIEWER = {"Authorization": "Bearer demo-viewer"}
METRICS_TOKEN = "test-metrics-token"
METRICS = {"Authorization": f"Bearer {METRICS_TOKEN}"}
