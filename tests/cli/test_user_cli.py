"""`yuqing user add` through the real console entry point, then signing in with it."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient

from service.core.settings import Settings


def yuqing(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


def test_user_add_then_login(client: TestClient, settings: Settings) -> None:
    add = yuqing(settings.database_url, "user", "add", "--username", "wang", "--role", "liaison",
                 "--unit", "高平市教育局", "--name", "王老师", "--password-stdin", stdin="s3cret-pass\n")
    assert add.returncode == 0, add.stderr
    listed = yuqing(settings.database_url, "user", "list")
    assert "wang\tliaison\t王老师\t高平市教育局" in listed.stdout
    r = client.post("/api/auth/login", json={"username": "wang", "password": "s3cret-pass"})
    assert r.status_code == 200 and r.json()["user"]["name"] == "王老师"
    assert client.post("/api/auth/login", json={"username": "wang", "password": "s3cret-pasS"}).status_code == 401


def test_user_add_refuses_unknown_unit_naming_it(settings: Settings, tmp_path) -> None:
    bad = yuqing(settings.database_url, "user", "add", "--username", "x", "--role", "liaison",
                 "--unit", "高平市魔法部", "--password-stdin", stdin="s3cret-pass\n")
    assert bad.returncode == 2 and "高平市魔法部" in bad.stderr
    region = yuqing(settings.database_url, "user", "add", "--username", "y", "--role", "coordinator",
                    "--region", "高平县", "--password-stdin", stdin="s3cret-pass\n")
    assert region.returncode == 2 and "高平县" in region.stderr
    short = yuqing(settings.database_url, "user", "add", "--username", "z", "--role", "admin",
                   "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "8" in short.stderr
    assert "\tx\t" not in yuqing(settings.database_url, "user", "list").stdout


def test_user_disable_ends_sessions(client: TestClient, settings: Settings) -> None:
    client.post("/api/auth/login", json={"username": "liaison_scj", "password": "demo12345"})
    assert client.get("/api/auth/me").status_code == 200
    off = yuqing(settings.database_url, "user", "disable", "liaison_scj")
    assert off.returncode == 0, off.stderr
    assert client.get("/api/auth/me").status_code == 401  # the open session ends at once
    assert client.post("/api/auth/login", json={"username": "liaison_scj", "password": "demo12345"}).status_code == 401
    assert "(停用)" in yuqing(settings.database_url, "user", "list").stdout
    assert yuqing(settings.database_url, "user", "disable", "nobody").returncode == 2
