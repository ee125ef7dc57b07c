"""What every HTTP request must satisfy before a route sees it (pure ASGI middleware).

- Its body stays within a limit, enforced as the bytes arrive: a declared Content-Length
  over the limit is refused before anything is read; a body sent without one (chunked) is
  counted chunk by chunk and cut off once it passes the limit. A 100 MB upload costs at most
  the limit in memory, never reaches a route (a sign-in is not attempted, hence not counted
  as a failed one) and gets 413.
- Its path and query string hold no NUL: PostgreSQL cannot compare text with one (a filter
  such as `?topic=%00` was a 500); 422.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.errors import body
from service.core.settings import Settings


class BodyTooLarge(Exception):
    pass


def too_large(limit: int) -> bytes:
    return _json(body(f"请求体过大（上限 {limit} 字节），未保存任何数据",
                      f"request body too large (limit {limit} bytes), nothing was stored", limit=limit))


NUL_REFUSED = body("地址或查询参数中含有 NUL 字符", "the path or query string contains a NUL character")


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def has_nul(scope: Scope) -> bool:
    return b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", "")


class RequestGuard:
    """`limit_for(scope)` gives the byte limit of a request (settings: BODY_LIMIT_BYTES,
    ITEMS_BODY_LIMIT_BYTES for item batches)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if has_nul(scope):
            await _refuse(send, 422, _json(NUL_REFUSED))
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, 413, too_large(limit))
            return
        seen, cut = 0, False
        started = False

        async def counted() -> Message:
            nonlocal seen, cut
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    cut = True
                    raise BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if cut:  # whatever the app makes of the aborted read, the answer is 413
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except BodyTooLarge:
            pass
        if cut and not started:
            await _refuse(send, 413, too_large(limit))


async def _refuse(send: Send, status: int, payload: bytes) -> None:
    # the body (if any) stays unread: the connection cannot be reused
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})


# multipart uploads: the 舆情报送 form, an import file (and its preview), attachments
UPLOADS = re.compile(r"/api/(items/(report|import(/preview)?)|incidents/\d+/responses/\d+/attachments"
                     r"|supervision/\d+/attachments)")


def limits_of(settings: Settings) -> Callable[[Scope], int]:
    """Item batches may be a few MB, uploads a few files; every other body (sign-in, workflow
    steps) is small."""
    def limit_for(scope: Scope) -> int:
        path = scope.get("path", "").rstrip("/")
        if scope.get("method") == "POST" and path == "/api/items":
            return settings.items_body_limit_bytes
        if scope.get("method") == "POST" and UPLOADS.fullmatch(path):
            return settings.upload_body_limit_bytes
        return settings.body_limit_bytes
    return limit_for
