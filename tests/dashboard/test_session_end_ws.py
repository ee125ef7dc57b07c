"""Issue 12 row 9 with real servers and `websockets` clients: signing out closes that
session's sockets on every API process at once (Redis fan-out), not at the next minute's
re-check, and leaves the same user's other sessions open; `yuqing user disable` in another
process closes the user's sockets, with Redis and embedded (found in the audit log)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from service.core.settings import Settings
from tests.dashboard.live_apps import next_of, serve
from tests.dashboard.test_live_ws import PASSWORD

SOON = 30.0  # far below the 60 s re-check (dashboard.live.RECHECK_SECONDS)


def sign_in(host: str, username: str) -> tuple[str, str]:
    r = httpx.post(f"http://{host}/api/auth/login", json={"username": username, "password": PASSWORD},
                   timeout=60)
    assert r.status_code == 200, r.text
    return r.cookies["yuqing_session"], r.json()["csrf_token"]


async def closed_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        async with asyncio.timeout(SOON):
            while True:
                await ws.recv()
    return closed.value.rcvd.code


async def still_open(ws) -> bool:
    await ws.send("ping")
    return (await next_of(ws, "pong", timeout=SOON))["type"] == "pong"


def test_sign_out_closes_that_sessions_sockets_on_every_process(two_apps) -> None:
    a, b = two_apps
    (first, csrf), (second, _csrf2) = sign_in(a, "leader_gaoping"), sign_in(a, "leader_gaoping")

    async def main() -> None:
        async with connect(f"ws://{b}/ws", additional_headers={"Cookie": f"yuqing_session={first}"}) as on_b, \
                connect(f"ws://{a}/ws", additional_headers={"Cookie": f"yuqing_session={first}"}) as on_a, \
                connect(f"ws://{b}/ws", additional_headers={"Cookie": f"yuqing_session={second}"}) as other:
            for ws in (on_b, on_a, other):
                await next_of(ws, "hello")
            out = await asyncio.to_thread(httpx.post, f"http://{a}/api/auth/logout",
                                          cookies={"yuqing_session": first}, headers={"X-CSRF-Token": csrf})
            assert out.status_code == 200
            assert await closed_code(on_b) == 4401  # the other process heard it through Redis
            assert await closed_code(on_a) == 4401
            assert await still_open(other)  # the same user's other session is not touched

    asyncio.run(main())


def disable(settings: Settings, username: str) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url or ""}
    done = subprocess.run([sys.executable, "-m", "service.cli", "user", "disable", username], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("with_redis", [True, False])
def test_disabling_an_account_closes_its_sockets(redis_settings: Settings, with_redis: bool) -> None:
    settings = redis_settings if with_redis else redis_settings.model_copy(update={"redis_url": None})
    with serve(settings) as host:
        token, _csrf = sign_in(host, "liaison_mishan")
        other, _ = sign_in(host, "liaison_scj")

        async def main() -> None:
            async with connect(f"ws://{host}/ws", additional_headers={"Cookie": f"yuqing_session={token}"}) as ws, \
                    connect(f"ws://{host}/ws", additional_headers={"Cookie": f"yuqing_session={other}"}) as keep:
                await next_of(ws, "hello")
                await next_of(keep, "hello")
                await asyncio.to_thread(disable, settings, "liaison_mishan")
                assert await closed_code(ws) == 4401
                assert await still_open(keep)

        asyncio.run(main())
