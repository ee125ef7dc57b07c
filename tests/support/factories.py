"""Rows the tests need, made the way the system makes them: items through the ingest API
(so they are classified, routed and grouped into incidents), accounts through the accounts
service, and signing in through the login endpoint."""

from __future__ import annotations

from datetime import UTC, datetime

from service.auth.passwords import DEMO_PASSWORD
from tests.conftest import COORD, INGEST


def login(client, username: str, password: str = DEMO_PASSWORD, *, keep_cookie: bool = False) -> dict[str, str]:
    """Sign in as `username`. By default returns the headers acting as them (session cookie and
    CSRF token) and leaves the client without a cookie, so one client acts as several people in
    turn; with keep_cookie the client keeps the session (replacing any earlier one) and only the
    CSRF header is returned."""
    client.cookies.clear()
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    if keep_cookie:
        return csrf
    token = client.cookies.get("yuqing_session")
    client.cookies.clear()
    return {"Cookie": f"yuqing_session={token}", **csrf}


def item(client, ext: str, text: str, at: datetime | str | None = None, **extra) -> dict:
    """One item posted with the demo ingest token; the stored item as the API returns it."""
    at = at or datetime.now(UTC)
    received = at if isinstance(at, str) else at.isoformat()
    r = client.post("/api/items", json={"external_id": ext, "text": text, "received_at": received, **extra},
                    headers=INGEST)
    assert r.status_code == 202, r.text
    return r.json()["items"][0]


def incident(client, ext: str, text: str, at: datetime | str | None = None, **extra) -> int:
    """The incident an item posted now (or at `at`) was grouped into."""
    item_id = item(client, ext, text, at, **extra)["id"]
    r = client.get(f"/api/items/{item_id}", headers=COORD)
    if r.status_code == 404:  # outside the coordinator's region: only the admin reads every item
        r = client.get(f"/api/items/{item_id}", headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    return r.json()["incident_id"]


def account(settings, username: str, role: str, unit: str | None = None, region: str | None = None,
            password: str = DEMO_PASSWORD, name: str | None = None) -> None:
    """An account created by the accounts service (validated against the org, audited); its 姓名 is
    `name`, else the username."""
    from service.auth.service import create_user
    from service.core.db import session_scope
    from service.incidents.runtime import load_engine

    with session_scope(settings.database_url) as s:
        create_user(s, load_engine(settings, s).org, username=username, password=password, role=role,
                    unit=unit, region=region, name=name or username)
        s.commit()
