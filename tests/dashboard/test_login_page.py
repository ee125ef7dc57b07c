"""The login page names the demo accounts and their password in demo mode only (issue 17)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from service.core.settings import Settings
from service.main import create_app


def page(settings: Settings) -> str:
    with TestClient(create_app(settings)) as c:
        r = c.get("/")
        assert r.status_code == 200 and "script-src 'self'" in r.headers["content-security-policy"]
        return r.text


def test_demo_credentials_only_in_demo_mode(settings: Settings) -> None:
    demo = page(settings)  # the suite's settings are demo mode
    assert 'id="demo-hint"' in demo and "demo12345" in demo and "leader_gaoping" in demo
    live = page(settings.model_copy(update={"demo": False}))
    assert "demo12345" not in live and "demo-hint" not in live and "leader_gaoping" not in live
    assert 'id="login-form"' in live  # the form itself stays
