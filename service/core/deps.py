"""Typed dependencies: settings, database session, the caller's role."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from service.core.db import session_scope
from service.core.errors import Forbidden, Unauthenticated
from service.core.settings import Settings
from service.core.uow import UnitOfWork


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    with session_scope(settings.database_url) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_uow(session: SessionDep, settings: SettingsDep) -> UnitOfWork:
    return UnitOfWork(session, settings)


# a view that writes takes this and ends with `uow.commit()` (commit, then publish/dispatch)
UowDep = Annotated[UnitOfWork, Depends(get_uow)]


# which roles may do what; coordinators may do everything a viewer does
GRANTS = {"ingest": {"ingest"}, "viewer": {"read"}, "coordinator": {"read", "coordinate", "ingest"}}


# a signed-in person (session cookie, no bearer token) acts as the token role of his role:
# coordinators and the admin may ingest and coordinate, everyone else only reads
HUMAN_AS = {"admin": "coordinator", "coordinator": "coordinator"}


def require(permission: str) -> Callable[..., str]:
    def check(request: Request, settings: SettingsDep, session: SessionDep) -> str:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") and request.cookies:
            from service.auth.deps import current_viewer  # late: accounts builds on this module

            role = HUMAN_AS.get(str(current_viewer(request, session, settings).role), "viewer")
            if permission not in GRANTS[role]:
                raise Forbidden("当前角色无权执行此操作", f"your role may not {permission}")
            return role
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        role = next((r for t, r in settings.tokens().items() if token and hmac.compare_digest(t, token)), None)
        if role is None:
            raise Unauthenticated("未登录或令牌无效", "missing or invalid bearer token")
        if permission not in GRANTS[role]:
            raise Forbidden(f"角色 {role} 无权执行此操作", f"role {role} may not {permission}")
        return role

    return check
