"""Who is calling: the session cookie (humans) or a bearer token of API_TOKENS (machines).

Routes take `ViewerDep` and ask `service.auth.rules.sees/may` (404 when the incident
is not visible at all, so its existence does not leak; 403 when it is visible but the
action is not the viewer's)."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, WebSocket
from sqlmodel import Session

from service.auth.rules import Role, Viewer
from service.auth.service import find_session, viewer_of
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Forbidden, Unauthenticated
from service.core.settings import Settings
from service.orgs.store import active_org

COOKIE = "yuqing_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# machine tokens as viewers: a coordinator token acts as the home region's coordinator; a
# viewer token reads like a leader of the home region (read and acknowledge only)
TOKEN_ROLES = {"coordinator": Role.COORDINATOR, "viewer": Role.LEADER}


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None


def token_role(settings: Settings, token: str) -> str | None:
    return next((r for t, r in settings.tokens().items() if token and hmac.compare_digest(t, token)), None)


def token_viewer(role: str, org_home: str) -> Viewer | None:
    mapped = TOKEN_ROLES.get(role)
    return Viewer(user_id=0, username=f"token:{role}", role=mapped, region=org_home, name=f"令牌（{role}）") \
        if mapped else None


def current_viewer(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    token = bearer(request)
    if token is not None:
        role = token_role(settings, token)
        if role is None:
            raise Unauthenticated("令牌无效", "invalid bearer token")
        viewer = token_viewer(role, active_org(session).home)
        if viewer is None:
            raise Forbidden(f"{role} 令牌只能用于接收信息", f"a {role} token may only ingest items")
        return viewer
    found = find_session(session, request.cookies.get(COOKIE, ""))
    if found is None:
        raise Unauthenticated("未登录或登录已过期", "not signed in or session expired")
    login, user = found
    if request.method not in SAFE_METHODS and not hmac.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode(), login.csrf_token.encode()):
        raise Forbidden("缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）", "missing or wrong X-CSRF-Token header")
    request.state.login_session = login
    return viewer_of(user)


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def viewer_for_websocket(websocket: WebSocket, session: Session, settings: Settings) -> Viewer | None:
    """The viewer of a WebSocket handshake from its session cookie, or None. A browser sends
    cookies with a cross-origin WebSocket too (no CORS there), so the Origin must be ours
    (behind a reverse proxy, pass the Host header through: `proxy_set_header Host $host`)."""
    found = login_for_websocket(websocket, session, settings)
    return found[0] if found else None


def login_for_websocket(websocket: WebSocket, session: Session, settings: Settings) -> tuple[Viewer, int] | None:
    """(viewer, login session id) of a handshake: the hub closes the socket when that
    session ends (sign-out, account disabled)."""
    origin = websocket.headers.get("origin")
    if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
        return None
    found = find_session(session, websocket.cookies.get(COOKIE, ""))
    return (viewer_of(found[1]), found[0].id or 0) if found else None


def require_role(*roles: Role):
    """A dependency admitting only these roles (admin always), e.g. for account management."""
    def check(viewer: ViewerDep) -> Viewer:
        if viewer.role is not Role.ADMIN and viewer.role not in roles:
            raise Forbidden("当前角色无权执行此操作", f"role {viewer.role} may not do this")
        return viewer
    return check
