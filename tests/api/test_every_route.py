"""Every API route, whoever added it, refuses the anonymous caller and a cookie request
without the CSRF header; a new route without a permission check fails here."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support.factories import login

OPEN = {("POST", "/api/auth/login")}  # the only door without a key
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def api_calls(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every /api route, from the OpenAPI schema (it lists them all)."""
    calls = []
    for path, methods in client.app.openapi()["paths"].items():
        if path.startswith("/api/"):
            calls += [(m.upper(), re.sub(r"\{[^}]+\}", "1", path)) for m in methods
                      if (m.upper(), path) not in OPEN]
    return calls


def test_anonymous_refused_everywhere(client: TestClient) -> None:
    calls = api_calls(client)
    assert ("POST", "/api/incidents/1/claim") in calls and ("GET", "/api/incidents") in calls
    client.cookies.clear()
    wrong = [(m, p, r.status_code) for m, p in calls if (r := client.request(m, p, json={})).status_code != 401]
    assert wrong == []


def test_cookie_writes_need_the_csrf_header_everywhere(client: TestClient) -> None:
    login(client, "admin", keep_cookie=True)
    calls = [(m, p) for m, p in api_calls(client) if m in UNSAFE]
    wrong = [(m, p, r.status_code) for m, p in calls if (r := client.request(m, p, json={})).status_code != 403]
    assert wrong == []


def test_login_refuses_a_cross_site_form(client: TestClient) -> None:
    # a form on another site can post text/plain or urlencoded, never JSON without CORS
    r = client.post("/api/auth/login", content='{"username": "admin", "password": "demo12345"}',
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 422 and "yuqing_session" not in r.headers.get("set-cookie", "")


def test_metrics_refuse_the_anonymous_and_every_session(client: TestClient) -> None:
    client.cookies.clear()
    assert client.get("/metrics").status_code == 401  # the scraper's METRICS_TOKEN only
    login(client, "admin", keep_cookie=True)  # not even the admin's session: the token is for machines
    assert client.get("/metrics").status_code == 401
