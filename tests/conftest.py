"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient

from service.core.settings import Settings
from service.main import create_app

PG_ADMIN = os.environ.get("YUQING_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("YUQING_TEST_REDIS", "redis://127.0.0.1:6379/15")
# the embedded server's own sweep (service.escalation.sweeper) would escalate the tests' fixed-date
# incidents at today's time in the background: off unless a test turns it on
os.environ.setdefault("SWEEP_SECONDS", "0")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'yuqing.db'}"
        return
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    from service.core.db import get_engine

    get_engine.cache_clear()  # release pooled connections before dropping
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
