"""The live view on real servers: two API processes' worth of apps under uvicorn, sharing the
database and the real Redis; `websockets` clients signed in with the demo accounts.

Run with YUQING_TEST_REDIS pointing at a database of your own (the channel is namespaced
by it, and the database is flushed)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from service.core.settings import Settings
from service.incidents.jobs import run_processing
from tests.conftest import COORD, INGEST
from tests.dashboard.live_apps import next_of, serve

PASSWORD = "demo12345"
MISHAN_ITEM = "米山镇凤凰小区烧烤店油烟扰民，多次反映无人处理<script>alert(1)</script>"


def cookie(host: str, username: str) -> str:
    r = httpx.post(f"http://{host}/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return f"yuqing_session={r.cookies['yuqing_session']}"


def new_incident(host: str, settings: Settings, external_id: str, text: str) -> int:
    """Post an item to one app and process it as the RQ job does (it publishes to Redis)."""
    r = httpx.post(f"http://{host}/api/items", headers=INGEST, json={"external_id": external_id, "text": text})
    assert r.status_code == 202, r.text
    item_id = r.json()["items"][0]["id"]
    (incident_id,) = run_processing(settings, [item_id])
    return incident_id


async def quiet(ws, seconds: float) -> list[dict]:
    """Everything a socket receives within `seconds`."""
    got: list[dict] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                got.append(json.loads(await ws.recv()))
    except TimeoutError:
        return got


def test_a_change_on_one_process_reaches_viewers_of_the_other_and_only_those(two_apps, redis_settings) -> None:
    a, b = two_apps
    leader, scj = cookie(b, "leader_gaoping"), cookie(b, "liaison_scj")

    async def main() -> tuple[dict, list[dict]]:
        async with connect(f"ws://{b}/ws", additional_headers={"Cookie": leader}) as lw, \
                connect(f"ws://{b}/ws", additional_headers={"Cookie": scj}) as sw:
            hello = await next_of(lw, "hello")
            assert hello["viewer"]["username"] == "leader_gaoping"
            await next_of(sw, "hello")
            incident_id = await asyncio.to_thread(new_incident, a, redis_settings, "live-1", MISHAN_ITEM)
            changes = await next_of(lw, "changes")
            assert [r["id"] for r in changes["incidents"]] == [incident_id]
            # the liaison of 市场监管局 is not assigned this 米山镇 matter: he hears nothing of it
            return changes, await quiet(sw, 1.0)

    changes, other = asyncio.run(main())
    row = changes["incidents"][0]
    assert row["first_responsible"] == ["米山镇人民政府"] and row["status"] == "unclaimed"
    assert row["summary"].endswith("<script>alert(1)</script>")  # data, not markup: the page inserts it as text
    assert row["response_due"] and row["changed_at"] <= row["as_of"] + 1
    assert other == []


def test_reconnect_then_snapshot_holds_the_change_made_while_away(two_apps, redis_settings) -> None:
    a, b = two_apps
    leader = cookie(b, "leader_gaoping")
    incident_id = new_incident(a, redis_settings, "live-2", MISHAN_ITEM)

    async def once() -> dict:
        async with connect(f"ws://{b}/ws", additional_headers={"Cookie": leader}) as ws:
            return await next_of(ws, "hello")

    asyncio.run(once())  # connected, then dropped
    r = httpx.post(f"http://{a}/api/incidents/{incident_id}/severity", headers=COORD,
                   json={"severity": "重大", "reason": "涉及群众切身利益，影响较大"})
    assert r.status_code == 200, r.text
    hello = asyncio.run(once())  # back: hello first, then the snapshot is fetched
    snap = httpx.get(f"http://{b}/api/dashboard/snapshot", headers={"Cookie": leader}).json()
    assert snap["seq"] >= hello["seq"]
    (row,) = [r for r in snap["incidents"] if r["id"] == incident_id]
    assert row["severity"] == "重大"
    # the same snapshot is viewer-scoped: the 市场监管局 liaison does not get the 米山镇 matter
    scj = httpx.get(f"http://{b}/api/dashboard/snapshot", headers={"Cookie": cookie(b, "liaison_scj")}).json()
    assert incident_id not in [r["id"] for r in scj["incidents"]]
    mishan = httpx.get(f"http://{b}/api/dashboard/snapshot", headers={"Cookie": cookie(b, "liaison_mishan")}).json()
    assert incident_id in [r["id"] for r in mishan["incidents"]]


def test_snapshot_refuses_the_anonymous(two_apps) -> None:
    _a, b = two_apps
    r = httpx.get(f"http://{b}/api/dashboard/snapshot")
    assert r.status_code == 401 and r.json()["error"]["zh"] and r.json()["error"]["en"]


def test_websocket_refuses_no_login_and_foreign_pages(two_apps) -> None:
    _a, b = two_apps
    leader = cookie(b, "leader_gaoping")

    async def main() -> None:
        async with connect(f"ws://{b}/ws") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4401
        async with connect(f"ws://{b}/ws", additional_headers={"Cookie": "yuqing_session=forged"}) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 4401
        # a page of another site opening a socket with the user's cookie (cross-site hijacking)
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"ws://{b}/ws", origin="http://evil.example", additional_headers={"Cookie": leader}):
                pass
        assert refused.value.response.status_code == 403
        async with connect(f"ws://{b}/ws", origin=f"http://{b}", additional_headers={"Cookie": leader}) as ws:
            assert (await next_of(ws, "hello"))["viewer"]["role"] == "leader"
            await ws.send(b"\x00junk")  # what the server does not expect is ignored, not fatal
            await ws.send("ping")
            assert (await next_of(ws, "pong"))["type"] == "pong"

    asyncio.run(main())


def test_logout_ends_the_live_view(two_apps, monkeypatch) -> None:
    _a, b = two_apps
    monkeypatch.setattr("dashboard.live.RECHECK_SECONDS", 0.3)
    r = httpx.post(f"http://{b}/api/auth/login", json={"username": "liaison_mishan", "password": PASSWORD})
    token, csrf = r.cookies["yuqing_session"], r.json()["csrf_token"]

    async def main() -> int:
        async with connect(f"ws://{b}/ws", additional_headers={"Cookie": f"yuqing_session={token}"}) as ws:
            await next_of(ws, "hello")
            await asyncio.sleep(0.6)  # re-checked while still signed in: stays open
            assert ws.state.name == "OPEN"
            out = await asyncio.to_thread(httpx.post, f"http://{b}/api/auth/logout",
                                          cookies={"yuqing_session": token}, headers={"X-CSRF-Token": csrf})
            assert out.status_code == 200
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(10):
                    while True:
                        await ws.recv()
            return closed.value.rcvd.code

    assert asyncio.run(main()) == 4401


def test_embedded_escalation_by_the_sweep_process_reaches_the_leader(settings: Settings) -> None:
    """No Redis: `yuqing sweep` runs as its own process, so its events never reach the API's
    bus; the hub finds them in the audit log."""
    received = (datetime.now(UTC) - timedelta(hours=47)).isoformat()  # the 48 h response clock is nearly out
    with serve(settings) as host:
        leader = cookie(host, "leader_gaoping")
        r = httpx.post(f"http://{host}/api/items", headers=INGEST,
                       json={"external_id": "late-1", "text": MISHAN_ITEM, "received_at": received})
        assert r.status_code == 202, r.text

        async def main() -> dict:
            async with connect(f"ws://{host}/ws", additional_headers={"Cookie": leader}) as ws:
                await next_of(ws, "hello")
                env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": ""}
                sweep = await asyncio.create_subprocess_exec(sys.executable, "-m", "service.cli", "sweep", env=env,
                                                             stdout=asyncio.subprocess.DEVNULL,
                                                             stderr=asyncio.subprocess.DEVNULL)
                assert await sweep.wait() == 0
                return await next_of(ws, "alert", timeout=15)

        alert = asyncio.run(main())
    assert alert["step"] in {"warn_50", "warn_80"} and alert["label"] == "提醒"
    assert alert["incident"]["first_responsible"] == ["米山镇人民政府"]
    assert alert["incident"]["escalation"]["label"] == "提醒"
