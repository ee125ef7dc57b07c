"""Helpers for the accounts tests: sign in as a demo account on the shared TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.auth.passwords import DEMO_PASSWORD


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Sign in (replacing any previous session cookie); returns the CSRF header to send."""
    client.cookies.clear()
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"X-CSRF-Token": r.json()["csrf_token"]}


@pytest.fixture
def sign_in(client: TestClient):
    return lambda username, password=DEMO_PASSWORD: login(client, username, password)
