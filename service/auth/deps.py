"""Who is calling — the session cookie (humans) or a bearer token of API_TOKENS (machines) —
as one `Principal`, and the one permission check every route takes:

    viewer: Annotated[Principal, Allowed(Action.CLAIM)]

401 without a valid cookie or token, 403 when the principal's role has none of the actions in
`service.auth.rules.GRANTS`. Which incidents is the rules' `sees/may`, asked through
`service.incidents.visible.visible_incident` (404 when the incident is not visible at all, so its
existence does not leak; 403 when it is visible but the action is not the principal's)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request, WebSocket
from sqlmodel import Session

from service.auth.rules import Action, Principal, allowed, token_principal
from service.auth.service import find_session, principal_of
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Forbidden, Unauthenticated
from service.core.settings import Settings
from service.orgs.store import active_org

COOKIE = "yuqing_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None


def token_role(settings: Settings, token: str) -> str | None:
    return next((r for t, r in settings.tokens().items() if token and hmac.compare_digest(t, token)), None)


def current_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    """The bearer token's principal when there is one, else the session cookie's person."""
    token = bearer(request)
    if token is not None:
        role = token_role(settings, token)
        if role is None:
            raise Unauthenticated("令牌无效", "invalid bearer token")
        return token_principal(role, active_org(session).home)
    found = find_session(session, request.cookies.get(COOKIE, ""))
    if found is None:
        raise Unauthenticated("未登录或登录已过期", "not signed in or session expired")
    login, user = found
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode(), login.csrf_token.encode()):
        raise Forbidden("缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）", "missing or wrong X-CSRF-Token header")
    request.state.login_session = login
    return principal_of(user)


@dataclass(frozen=True)
class Permit:
    """The dependency admitting a principal whose role may take any of `actions` (GRANTS);
    `refusal`: the (zh, en) of the 403 instead of the generic one. Checked before the body is
    read; whether he may act on this incident is the rules' `may`/`check`. Equal permits are
    one dependency to FastAPI, resolved once per request."""

    actions: tuple[Action, ...]
    refusal: tuple[str, str] | None = None

    def __call__(self, principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not allowed(principal, *self.actions):
            zh, en = self.refusal or ("当前角色无权执行此操作", f"role {principal.role} may not do this")
            raise Forbidden(zh, en)
        return principal


def Allowed(*actions: Action, refusal: tuple[str, str] | None = None) -> Any:
    """`Annotated[Principal, Allowed(Action.X)]`: the route's principal, once he may take X
    (or, in a route's `dependencies=[…]`, the check alone)."""
    return Depends(Permit(actions, refusal))


# every read route: every person, the viewer and coordinator tokens (not an ingest token)
ReaderDep = Annotated[Principal, Allowed(Action.READ)]


def viewer_for_websocket(websocket: WebSocket, session: Session, settings: Settings) -> Principal | None:
    """The viewer of a WebSocket handshake from its session cookie, or None. A browser sends
    cookies with a cross-origin WebSocket too (no CORS there), so the Origin must be ours
    (behind a reverse proxy, pass the Host header through: `proxy_set_header Host $host`)."""
    found = login_for_websocket(websocket, session, settings)
    return found[0] if found else None


def login_for_websocket(websocket: WebSocket, session: Session, settings: Settings) -> tuple[Principal, int] | None:
    """(viewer, login session id) of a handshake: the hub closes the socket when that
    session ends (sign-out, account disabled)."""
    origin = websocket.headers.get("origin")
    if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
        return None
    found = find_session(session, websocket.cookies.get(COOKIE, ""))
    return (principal_of(found[1]), found[0].id or 0) if found else None
