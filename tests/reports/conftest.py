"""The app on a fresh database (SQLite and PostgreSQL) holding the known incidents of
tests/reports/fixture.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.runtime import load_engine
from service.main import create_app
from tests.reports import fixture


@pytest.fixture
def seeded(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:  # migrates, loads the org and demo accounts
        with session_scope(settings.database_url) as session:
            fixture.seed(session)
        yield client


@pytest.fixture
def org(settings: Settings, seeded: TestClient):
    with session_scope(settings.database_url) as session:
        return load_engine(settings, session).org
