"""`yuqing serve` without Redis walks the ladder by itself: the real server as a subprocess,
an overdue incident in its database, and no `yuqing sweep` anywhere. Also: the server is warm
(organisation, classifier, dictionaries loaded) once its lifespan has started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
from fastapi.testclient import TestClient

from classifier import features
from service.core.columns import utcnow
from service.incidents import runtime
from service.main import create_app
from tests.alerts.conftest import free_port
from tests.conftest import COORD, INGEST

LADDER = ["warn_50", "warn_80", "urge", "supervise"]


def post_overdue(client, external_id: str, text: str) -> int:
    """An item received three days ago (a 48 h clock: every rung is due); its incident id."""
    received = (utcnow() - timedelta(days=3)).isoformat()
    r = client.post("/api/items", headers=INGEST, json={"external_id": external_id, "text": text,
                                                        "received_at": received})
    assert r.status_code in (200, 201, 202), r.text
    item = r.json()["items"][0]["id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = client.get(f"/api/items/{item}", headers=COORD).json().get("incident_id")
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("item not routed")


def response_steps(client, incident: int) -> list[str]:
    detail = client.get(f"/api/incidents/{incident}", headers=COORD).json()
    clock = next(c["id"] for c in detail["clocks"] if c["kind"] == "response")
    return [e["step"] for e in detail["escalations"] if e["clock_id"] == clock]


def wait_for(probe, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    return probe()


def test_serve_escalates_an_overdue_incident_by_itself(settings, database_url, tmp_path) -> None:
    with TestClient(create_app(settings)) as setup:  # SWEEP_SECONDS=0 here: nothing escalates yet
        before = post_overdue(setup, "old-1", "米山镇凤凰小区烧烤店油烟扰民")
        assert response_steps(setup, before) == []
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SWEEP_SECONDS": "1", "REDIS_URL": "", "DEMO_FORCE": "true"}
    log = tmp_path / "serve.log"
    server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--demo", "--port", str(port)],
                              env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
            # start-up (imports, migrations, warm-up) takes half a minute on a loaded 2-core machine
            assert wait_for(lambda: _up(api), seconds=180), "server did not start"
            # the first pass runs at start-up: the incident already in the database
            assert wait_for(lambda: response_steps(api, before) == LADDER), response_steps(api, before)
            # and then every SWEEP_SECONDS: an overdue incident that arrives while it runs
            later = post_overdue(api, "old-2", "三甲镇中心小学门口道路积水严重")
            assert wait_for(lambda: response_steps(api, later) == LADDER), response_steps(api, later)
            assert response_steps(api, before) == LADDER  # and nothing twice
    finally:
        server.terminate()
        server.wait(30)
    assert '"finished": true, "event": "sweeper.stopped"' in log.read_text()  # shut down cleanly


def _up(api: httpx.Client) -> bool:
    try:
        return api.get("/healthz").status_code == 200
    except httpx.HTTPError:
        return False


def test_the_server_is_warm_before_it_is_ready(settings) -> None:
    from service.core.db import session_scope

    runtime.engine_for.cache_clear()
    features._JIEBA.clear()
    features._TOKEN_CACHE.clear()
    with TestClient(create_app(settings)):
        cached = runtime.engine_for.cache_info()
        assert cached.currsize == 1  # organisation, policy and model loaded by the lifespan
        with session_scope(settings.database_url) as s:
            engine = runtime.load_engine(settings, s)
        assert runtime.engine_for.cache_info().hits == cached.hits + 1  # the same engine, not a new one
        assert engine is not None and features._JIEBA  # the model's jieba dictionaries, loaded already
