"""The WebSocket handshake signs in by the session cookie, and only from our own origin."""

from __future__ import annotations

from fastapi import FastAPI, WebSocket
from fastapi.testclient import TestClient

from service.auth.deps import viewer_for_websocket
from service.core.db import session_scope
from service.core.settings import Settings
from tests.support.factories import login


def probe_app(settings: Settings) -> FastAPI:
    app = FastAPI()

    @app.websocket("/probe")
    async def probe(websocket: WebSocket) -> None:
        with session_scope(settings.database_url) as session:
            viewer = viewer_for_websocket(websocket, session, settings)
        await websocket.accept()
        await websocket.send_json({"viewer": viewer.username if viewer else None})
        await websocket.close()

    return app


def test_websocket_viewer_from_cookie_and_origin(client: TestClient, settings: Settings) -> None:
    login(client, "liaison_scj", keep_cookie=True)
    cookie = client.cookies.get("yuqing_session")
    with TestClient(probe_app(settings)) as ws_client:
        def who(**headers: str) -> str | None:
            with ws_client.websocket_connect("/probe", headers=headers) as ws:
                return ws.receive_json()["viewer"]

        assert who(cookie=f"yuqing_session={cookie}") == "liaison_scj"
        assert who(cookie=f"yuqing_session={cookie}", origin="http://testserver") == "liaison_scj"
        assert who(cookie=f"yuqing_session={cookie}", origin="https://evil.example") is None
        assert who(cookie="yuqing_session=forged") is None
        assert who() is None
