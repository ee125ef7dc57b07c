"""Issue 12 row 3: demo accounts and the demo password work in demo mode only; demo mode is
refused on a non-SQLite database unless DEMO_FORCE is set."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from service.auth.models import User
from service.core.db import session_scope
from service.core.settings import Settings
from service.main import create_app
from tests.conftest import PG_ADMIN

pytestmark = pytest.mark.empty_database  # start-up on a new database, as a deploy meets it

DEMO_LOGIN = {"username": "admin", "password": "demo12345"}


def test_demo_accounts_and_their_sessions_end_outside_demo_mode(settings: Settings) -> None:
    with TestClient(create_app(settings)) as demo:
        assert "demo12345" in demo.get("/").text  # the hint, in demo mode only
        assert demo.post("/api/auth/login", json=DEMO_LOGIN).status_code == 200
        cookie = demo.cookies.get("yuqing_session")
    plain = settings.model_copy(update={"demo": False})
    with TestClient(create_app(plain)) as c:
        assert "demo12345" not in c.get("/").text
        r = c.post("/api/auth/login", json=DEMO_LOGIN)
        assert r.status_code == 401 and r.json()["error"]["en"] == "wrong username or password"
        c.cookies.set("yuqing_session", cookie)  # signed in during the demo: ended
        assert c.get("/api/auth/me").status_code == 401
    with session_scope(settings.database_url) as s:
        assert not any(u.active for u in s.exec(select(User)).all())
    with TestClient(create_app(settings)) as demo:  # demo mode again: the accounts come back
        assert demo.post("/api/auth/login", json=DEMO_LOGIN).status_code == 200


def test_the_public_demo_password_opens_no_real_account_outside_demo_mode(settings: Settings) -> None:
    plain = settings.model_copy(update={"demo": False})
    with TestClient(create_app(settings)) as demo:
        admin = demo.post("/api/auth/login", json=DEMO_LOGIN).json()["csrf_token"]
        new = {"username": "zhang", "password": "demo12345", "role": "leader", "region": "高平市"}
        assert demo.post("/api/users", json=new, headers={"X-CSRF-Token": admin}).status_code == 201
    with TestClient(create_app(plain)) as c:
        assert c.post("/api/auth/login", json={"username": "zhang", "password": "demo12345"}).status_code == 401


def test_demo_mode_on_postgresql_is_refused_unless_forced() -> None:
    name = f"yuqing_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    try:
        with pytest.raises(RuntimeError, match="DEMO_FORCE"):
            create_app(Settings(database_url=url, demo=True, _env_file=None))
        env = {k: v for k, v in os.environ.items() if k not in ("DEMO", "DEMO_FORCE")} | {"DATABASE_URL": url}
        served = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--demo", "--port", "1"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert served.returncode == 2 and "DEMO_FORCE" in served.stderr
        with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}") as conn:  # refused before migrating
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        create_app(Settings(database_url=url, demo=True, demo_force=True, _env_file=None))  # forced: accepted
    finally:
        from service.core.db import get_engine

        get_engine.cache_clear()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
