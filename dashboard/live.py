"""The WebSocket `/ws` and what feeds the hub: the in-process bus, or Redis pub/sub.

Client protocol (no event silently lost): connect → receive `hello` → fetch
`GET /api/dashboard/snapshot` → apply it, then every `changes` that arrived meanwhile or
later, keeping per incident the row with the newest `as_of`. On `resync`, on a drop (then
reconnect with back-off) or on a new `hello`, fetch the snapshot again: it is authoritative.

Embedded (no REDIS_URL), the hub hears this process's own changes at once; changes written by
another process (`yuqing sweep`: escalations, recovered items) are found in the audit log —
every incident change is audited — which is followed every second.

With REDIS_URL set, every API process listens on the channel `yuqing:events:<db>` (workers and the
sweep publish there), so a change made anywhere reaches the viewers of every process. When
the subscription breaks, events may have been missed: after reconnecting, every client is
told to resync.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any, cast
from urllib.parse import urlsplit

import structlog
from fastapi import APIRouter, FastAPI, WebSocket, WebSocketDisconnect
from sqlalchemy import func, or_
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from dashboard.hub import Hub
from dashboard.snapshot import load_changes
from service.audit.actions import AuditAction, Escalated, Username, escalation_step
from service.audit.models import AuditEntry
from service.auth.deps import login_for_websocket, viewer_for_websocket
from service.auth.rules import Principal
from service.core.bus import channel, subscribe_local
from service.core.db import session_scope
from service.core.events import EscalationEvent, EventType, IncidentEvent, from_message
from service.core.queue import redis_url
from service.core.settings import Settings

log = structlog.get_logger()
router = APIRouter()
RECHECK_SECONDS = 60.0  # a socket's login is re-checked this often: logout or expiry ends it
NOT_SIGNED_IN, WRONG_ORIGIN, LOGGED_OUT = 4401, 4403, 4401


def same_origin(websocket: WebSocket) -> bool:
    """Browsers send cookies with cross-site WebSocket handshakes (no CORS there): a page of
    another site must not open a socket as our signed-in user. Non-browser clients send no Origin."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host")


def _viewer(websocket: WebSocket, settings: Settings) -> Principal | None:
    with session_scope(settings.database_url) as session:
        return viewer_for_websocket(websocket, session, settings)


def _login(websocket: WebSocket, settings: Settings) -> tuple[Principal, int] | None:
    with session_scope(settings.database_url) as session:
        return login_for_websocket(websocket, session, settings)


@router.websocket("/ws")
async def live(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    hub: Hub = websocket.app.state.hub
    if not same_origin(websocket):
        await websocket.close(code=WRONG_ORIGIN)  # before accept: the handshake is refused (HTTP 403)
        return
    found = await run_in_threadpool(_login, websocket, settings)
    await websocket.accept()
    if found is None:
        await websocket.close(code=NOT_SIGNED_IN, reason="未登录或登录已过期 / not signed in")
        return
    viewer, login_id = found
    # sign-out and disabling close it at once (hub.end_sessions, via the bus); the timed
    # re-check below is the fallback for a session that merely expires
    conn = hub.connect(viewer, websocket.send_text, websocket.close, login_id=login_id)
    try:
        while True:
            try:
                async with asyncio.timeout(RECHECK_SECONDS):
                    message = await websocket.receive()
            except TimeoutError:
                if await run_in_threadpool(_viewer, websocket, settings) != viewer:
                    await websocket.close(code=LOGGED_OUT, reason="登录已失效 / session ended")
                    return
                continue
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") == "ping":  # keep-alive through proxies that cut idle sockets
                conn.offer('{"type":"pong"}')
    except WebSocketDisconnect:
        pass
    finally:
        hub.disconnect(conn)


async def listen_redis(url: str, hub: Hub, retry_seconds: float = 1.0) -> None:
    """Feed the hub from the Redis channel until cancelled; reconnect after failures."""
    import redis.asyncio as aioredis

    lost = False
    while True:
        client = aioredis.Redis.from_url(url)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(channel(url))
                if lost:  # events published while we were away are gone: clients reload
                    hub.resync_all()
                    lost = False
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        try:
                            event = from_message(json.loads(message["data"]))
                        except (ValueError, TypeError):
                            event = None
                        if event is None:  # not ours, or not of this version: dropped whole
                            log.warning("live.bad_event", data=str(message["data"])[:200])
                        else:
                            hub.notify(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("live.redis_lost", error=repr(exc))
            lost = True
            await asyncio.sleep(retry_seconds)
        finally:
            with suppress(Exception):
                await client.aclose()


AUDIT_EVERY = 1.0
DISABLED = AuditAction.USER_DISABLED
AUDIT_OVERLAP = 500  # ids re-read behind the newest seen: a transaction may commit after a later id


def _audit_since(settings: Settings, after: int) -> list[tuple]:
    with session_scope(settings.database_url) as session:
        return list(session.exec(
            select(AuditEntry.id, AuditEntry.incident_id, AuditEntry.action, AuditEntry.at)
            .where(col(AuditEntry.id) > after, or_(col(AuditEntry.incident_id).is_not(None),
                                                   col(AuditEntry.action) == DISABLED)).order_by(col(AuditEntry.id))
            .limit(20_000)).all())


def _escalation_details(settings: Settings, ids: list[int]) -> dict[int, Mapping[str, Any]]:
    with session_scope(settings.database_url) as session:
        rows = session.exec(select(AuditEntry.id, AuditEntry.detail).where(col(AuditEntry.id).in_(ids))).all()
        return {entry_id: detail for entry_id, detail in rows if entry_id is not None}  # stored rows have ids


def _newest_audit_id(settings: Settings) -> int:
    with session_scope(settings.database_url) as session:
        return session.exec(select(func.max(AuditEntry.id))).one() or 0


async def follow_audit(settings: Settings, hub: Hub, every: float = AUDIT_EVERY) -> None:
    """Feed the hub the incident changes of other processes, from the append-only audit log."""
    newest = await asyncio.to_thread(_newest_audit_id, settings)
    # what is already in the log at start is in every snapshot: not news
    seen = dict.fromkeys(r[0] for r in await asyncio.to_thread(_audit_since, settings, max(0, newest - AUDIT_OVERLAP)))
    while True:
        await asyncio.sleep(every)
        try:
            rows = await asyncio.to_thread(_audit_since, settings, max(0, newest - AUDIT_OVERLAP))
            fresh = [r for r in rows if r[0] not in seen]
            escalations = [r[0] for r in fresh if escalation_step(r[2]) or r[2] == DISABLED]
            details = await asyncio.to_thread(_escalation_details, settings, escalations) if escalations else {}
        except Exception as exc:
            log.warning("live.audit_follow_failed", error=repr(exc))
            continue
        for entry_id, incident_id, action, at in fresh:
            seen[entry_id] = None
            if action == DISABLED:  # by `yuqing user disable` in another process
                hub.end_sessions(usernames={cast(Username, details.get(entry_id, {})).get("username")})
                continue
            event: IncidentEvent = IncidentEvent(type=EventType.UPDATED, incident_id=incident_id, at=at.timestamp())
            if entry_id in details:
                d = cast(Escalated, details[entry_id])
                event = EscalationEvent(incident_id=incident_id, at=at.timestamp(), step=escalation_step(action) or "",
                                        label=d.get("label") or "", recipients=tuple(d.get("recipients") or ()),
                                        clock=d.get("clock"))
            hub.notify_if_missed(event)
        if rows:
            newest = max(newest, rows[-1][0])
        for entry_id in [i for i in seen if i <= newest - AUDIT_OVERLAP]:
            del seen[entry_id]


@asynccontextmanager
async def running(app: FastAPI, settings: Settings) -> AsyncIterator[Hub]:
    """The hub and its feed for the app's lifetime (used by service.main's lifespan)."""
    hub = Hub(partial(load_changes, settings), flush_seconds=settings.live_flush_seconds,
              queue_size=settings.live_queue_size)
    app.state.hub = hub
    await hub.start()
    unsubscribe = None
    if (url := redis_url(settings)) is not None:
        # in-process publishes also reach Redis: taking both would count every event twice
        listener = asyncio.create_task(listen_redis(url, hub))
    else:
        unsubscribe = subscribe_local(hub.notify_threadsafe)
        listener = asyncio.create_task(follow_audit(settings, hub))
    try:
        yield hub
    finally:
        if unsubscribe is not None:
            unsubscribe()
        if listener is not None:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
        await hub.stop()
