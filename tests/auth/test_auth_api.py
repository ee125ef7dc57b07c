"""Sign in/out over HTTP on SQLite and PostgreSQL: cookie, CSRF, expiry, throttling, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.audit.models import AuditEntry
from service.auth.models import LoginSession
from service.auth.service import token_hash
from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.main import create_app
from tests.conftest import INGEST, VIEWER
from tests.support.factories import login

ITEM = {"external_id": "acc-1", "text": "河西镇、马村镇多家餐馆被曝使用过期食材"}


def test_login_me_logout(client: TestClient) -> None:
    r = client.post("/api/auth/login", json={"username": "liaison_scj", "password": "demo12345"})
    assert r.status_code == 200
    body = r.json()
    assert body["user"]["role"] == "liaison" and body["user"]["unit"] == "高平市市场监督管理局"
    assert "password_hash" not in body["user"]
    csrf = {"X-CSRF-Token": body["csrf_token"]}
    me = client.get("/api/auth/me").json()
    assert me["user"]["username"] == "liaison_scj" and me["csrf_token"] == body["csrf_token"]
    assert client.post("/api/auth/logout", headers=csrf).status_code == 200
    r = client.get("/api/auth/me")
    assert r.status_code == 401
    assert r.json()["error"]["zh"] and r.json()["error"]["en"]


def test_cookie_flags(client: TestClient, settings: Settings) -> None:
    cookie = client.post("/api/auth/login", json={"username": "admin", "password": "demo12345"}).headers["set-cookie"]
    flags = {p.strip().split("=")[0].lower() for p in cookie.split(";")}
    assert cookie.startswith("yuqing_session=")
    assert {"httponly", "path", "max-age", "samesite"} <= flags and "samesite=lax" in cookie.lower()
    assert "secure" not in flags  # the embedded default is plain http
    secure = Settings(**{**settings.model_dump(), "cookie_secure": True})
    with TestClient(create_app(secure)) as c:
        cookie = c.post("/api/auth/login", json={"username": "admin", "password": "demo12345"}).headers["set-cookie"]
        assert "secure" in {p.strip().lower() for p in cookie.split(";")}


def test_csrf_refused_without_header_accepted_with_it(client: TestClient) -> None:
    csrf = login(client, "coordinator_gaoping", keep_cookie=True)
    r = client.post("/api/items", json=ITEM)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["zh"]
    assert client.post("/api/items", json=ITEM, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.get("/api/incidents").status_code == 200  # safe methods need no token
    assert client.post("/api/items", json=ITEM, headers=csrf).status_code == 202


def test_people_other_than_coordinators_may_not_ingest(client: TestClient) -> None:
    csrf = login(client, "liaison_scj", keep_cookie=True)
    assert client.post("/api/items", json=ITEM, headers=csrf).status_code == 403
    client.cookies.clear()
    assert client.post("/api/items", json=ITEM, headers=INGEST).status_code == 202  # machines still can


def test_expired_and_revoked_sessions_refused(client: TestClient, settings: Settings) -> None:
    login(client, "leader_gaoping", keep_cookie=True)
    token = client.cookies.get("yuqing_session")
    with session_scope(settings.database_url) as s:
        row = s.exec(select(LoginSession).where(LoginSession.token_hash == token_hash(token))).one()
        assert row.token_hash != token  # only the hash is stored
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
        s.commit()
    assert client.get("/api/auth/me").status_code == 401
    csrf = login(client, "leader_gaoping", keep_cookie=True)
    token = client.cookies.get("yuqing_session")
    client.post("/api/auth/logout", headers=csrf)
    client.cookies.set("yuqing_session", token)  # the old cookie value, replayed
    assert client.get("/api/auth/me").status_code == 401


def test_wrong_password_then_throttled(client: TestClient, settings: Settings) -> None:
    r = client.post("/api/auth/login", json={"username": "nobody", "password": "demo12345"})
    assert r.status_code == 401
    for _ in range(settings.login_max_failures):
        r = client.post("/api/auth/login", json={"username": "liaison_mishan", "password": "wrong-password"})
        assert r.status_code == 401 and r.json()["error"]["en"] == "wrong username or password"
    r = client.post("/api/auth/login", json={"username": "liaison_mishan", "password": "demo12345"})
    assert r.status_code == 429 and "稍后" in r.json()["error"]["zh"]
    with session_scope(settings.database_url) as s:
        locked = s.exec(select(AuditEntry).where(AuditEntry.action == "login.throttled")).all()
    assert [e.detail["key"] for e in locked] == ["account:liaison_mishan"]
    assert client.post("/api/auth/login", json={"username": "liaison_scj", "password": "demo12345"}).status_code == 200


def test_machine_tokens_map_to_viewers(client: TestClient) -> None:
    me = client.get("/api/auth/me", headers=VIEWER).json()
    assert me["user"]["role"] == "leader" and me["user"]["region"] == "高平市" and me["csrf_token"] is None
    assert client.get("/api/auth/me", headers=INGEST).status_code == 403  # ingest tokens only ingest
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_admin_manages_accounts(client: TestClient) -> None:
    csrf = login(client, "liaison_scj", keep_cookie=True)
    assert client.get("/api/users").status_code == 403
    csrf = login(client, "admin", keep_cookie=True)
    new = {"username": "liaison_edu", "password": "edu-secret-1", "role": "liaison", "unit": "高平市教育厅"}
    r = client.post("/api/users", json=new, headers=csrf)
    assert r.status_code == 422 and "高平市教育厅" in r.json()["error"]["zh"] and "高平市教育厅" in r.json()["error"]["en"]
    r = client.post("/api/users", json={**new, "unit": "高平市教育局"}, headers=csrf)
    assert r.status_code == 201 and r.json()["unit"] == "高平市教育局"
    assert client.post("/api/users", json={**new, "unit": "高平市教育局"}, headers=csrf).status_code == 409
    assert "liaison_edu" in {u["username"] for u in client.get("/api/users").json()}
    login(client, "liaison_edu", "edu-secret-1", keep_cookie=True)
    assert client.get("/api/auth/me").json()["user"]["unit"] == "高平市教育局"


@pytest.mark.empty_database
def test_no_demo_accounts_outside_demo_mode(settings: Settings) -> None:
    with TestClient(create_app(Settings(**{**settings.model_dump(), "demo": False}))) as c:
        assert c.post("/api/auth/login", json={"username": "admin", "password": "demo12345"}).status_code == 401
