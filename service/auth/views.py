"""Sign in and out, who am I; account management for the admin."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import Field
from sqlmodel import col, select

from service.auth.deps import COOKIE, Allowed, ReaderDep
from service.auth.models import User
from service.auth.rules import Action, Principal, Role
from service.auth.service import authenticate, close_session, create_user, open_session, public
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.events import SessionEnded
from service.core.inputs import StrictModel
from service.orgs.deps import OrgDep

router = APIRouter(prefix="/api/auth", tags=["auth"])
users = APIRouter(prefix="/api/users", tags=["auth"])


class Login(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


@router.post("/login", summary="登录 / sign in (sets the session cookie)")
def login(body: Login, request: Request, response: Response, uow: UowDep, settings: SettingsDep) -> dict[str, Any]:
    # the peer address; behind a reverse proxy uvicorn takes it from X-Forwarded-For when the
    # proxy is in FORWARDED_ALLOW_IPS (default 127.0.0.1)
    source = request.client.host if request.client else "unknown"
    user = authenticate(uow.session, settings, body.username.strip(), body.password, source=source)
    opened = open_session(uow.session, settings, user)
    uow.commit()
    response.set_cookie(COOKIE, opened.token, max_age=int(settings.session_hours * 3600), path="/",
                        httponly=True, samesite="lax", secure=settings.secure_cookie())
    return {"user": public(user), "csrf_token": opened.csrf_token, "expires_at": opened.expires_at}


@router.get("/me", summary="当前用户 / who am I, with the CSRF token for unsafe requests")
def me(viewer: ReaderDep, request: Request) -> dict[str, Any]:
    login_session = getattr(request.state, "login_session", None)
    return {"user": _viewer_json(viewer), "csrf_token": login_session.csrf_token if login_session else None}


@router.post("/logout", summary="退出登录 / sign out (revokes the session)")
def logout(viewer: ReaderDep, request: Request, response: Response, uow: UowDep,
           settings: SettingsDep) -> dict[str, Any]:
    login_session = getattr(request.state, "login_session", None)
    if login_session is not None:
        close_session(uow.session, login_session)
        # every API process closes this session's WebSockets at once (dashboard.hub)
        uow.publish(SessionEnded(sessions=(login_session.id or 0,)))
        uow.commit()
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookie())
    return {"ok": True}


def _viewer_json(v: Principal) -> dict[str, Any]:
    return {"id": v.user_id, "username": v.username, "name": v.name, "role": str(v.role), "unit": v.unit,
            "region": v.region}


class NewUser(StrictModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    role: Role
    unit: str | None = Field(None, max_length=200)
    region: str | None = Field(None, max_length=200)
    name: str = Field("", max_length=64)


@users.get("", summary="账号列表（管理员） / list accounts (admin)")
def list_users(session: SessionDep, _admin: Annotated[Principal, Allowed(Action.ADMIN)]) -> list[dict[str, Any]]:
    return [public(u) | {"active": u.active} for u in session.exec(select(User).order_by(col(User.id))).all()]


@users.post("", status_code=201, summary="新建账号（管理员） / create an account (admin)")
def add_user(body: NewUser, uow: UowDep, org: OrgDep,
             admin: Annotated[Principal, Allowed(Action.ADMIN)]) -> dict[str, Any]:
    user = create_user(uow.session, org, username=body.username, password=body.password, role=body.role,
                       unit=body.unit, region=body.region, name=body.name, actor=admin.username)
    uow.commit()
    return public(user)
