"""Issue 12 row 14: the session cookie is Secure when PUBLIC_URL is https (unless
COOKIE_SECURE says otherwise), and docker-compose ships no secret: it takes them from the
environment and refuses to start without them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from service.core.settings import Settings
from service.main import create_app

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"


def cookie_flags(settings: Settings) -> set[str]:
    with TestClient(create_app(settings)) as c:
        cookie = c.post("/api/auth/login", json={"username": "admin", "password": "demo12345"}).headers["set-cookie"]
    return {p.strip().split("=")[0].lower() for p in cookie.split(";")}


@pytest.mark.parametrize(("public_url", "explicit", "secure"), [
    ("https://yuqing.gaoping.gov.cn", None, True),
    ("HTTPS://yuqing.gaoping.gov.cn/", None, True),
    ("http://127.0.0.1:8000", None, False),
    ("https://yuqing.gaoping.gov.cn", False, False),  # explicitly off (e.g. a test bed)
    ("http://10.0.0.5:8000", True, True),
])
def test_secure_follows_an_https_public_url(settings: Settings, public_url: str, explicit: bool | None,
                                            secure: bool) -> None:
    flags = cookie_flags(settings.model_copy(update={"public_url": public_url, "cookie_secure": explicit}))
    assert ("secure" in flags) is secure and "httponly" in flags


def test_compose_takes_its_secrets_from_the_environment() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    compose = yaml.safe_load(text)
    db_env = compose["services"]["db"]["environment"]
    app_env = compose["x-app"]["environment"]
    required = re.compile(r"^\$\{POSTGRES_PASSWORD:\?[^}]+\}$")
    assert required.match(db_env["POSTGRES_PASSWORD"])
    assert "${POSTGRES_PASSWORD:?" in app_env["DATABASE_URL"] and ":yuqing@" not in app_env["DATABASE_URL"]
    assert app_env["API_TOKENS"].startswith("${API_TOKENS:?") and app_env["PUBLIC_URL"].startswith("${PUBLIC_URL:?")
    for env in [db_env, app_env]:  # no literal secret anywhere
        for key, value in env.items():
            if any(word in key for word in ("PASSWORD", "TOKEN", "KEY")):
                assert str(value).startswith("${"), (key, value)
