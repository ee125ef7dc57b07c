"""Accounts and login sessions: create, authenticate (with throttling), open/close sessions.

The cookie carries a random token; the database keeps only its sha256, looked up by index
and compared in constant time. Each session has its own CSRF token (double submit by
header: a cross-site form cannot read it, so it cannot send it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.audit.actions import AuditAction, LoginThrottled, UserCreated, Username
from service.audit.log import SYSTEM, record
from service.auth import throttle
from service.auth.models import LoginSession, User
from service.auth.passwords import DEMO_PASSWORD, hash_password, password_problem, verify_password
from service.auth.rules import PERSON_ROLES, Principal, Role, account_problem
from service.core.columns import id_of, utcnow
from service.core.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from service.core.settings import Settings


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id or 0, username=user.username, role=Role(user.role), unit=user.unit,
                  region=user.region, name=user.name)


def public(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "unit": user.unit, "region": user.region}


def create_user(session: Session, org: OrgChart, *, username: str, password: str, role: str,
                unit: str | None = None, region: str | None = None, name: str = "",
                actor: str = "admin", password_hash: str | None = None) -> User:
    """Validate everything, then add the user (the caller commits). `password_hash`: an
    already computed hash of `password` (the demo accounts share one)."""
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise Invalid("用户名须为 1 至 64 个非空白字符", "username must be 1 to 64 non-blank characters")
    try:
        r = Role(role)
    except ValueError:
        raise Invalid(f"未知角色“{role}”，可选：{'、'.join(PERSON_ROLES)}",
                      f"unknown role {role!r}; one of {', '.join(PERSON_ROLES)}") from None
    problem = account_problem(r, unit or None, region or None, org) or password_problem(password)
    if problem:
        raise Invalid(*problem)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Conflict(f"用户名“{username}”已存在", f"username {username!r} already exists")
    user = User(username=username, name=name or username, role=str(r), unit=unit or None, region=region or None,
                password_hash=password_hash or hash_password(password), created_at=utcnow())
    session.add(user)
    session.flush()
    record(session, AuditAction.USER_CREATED, UserCreated(username=username, role=str(r), unit=user.unit,
                                                      region=user.region), actor=actor)
    return user


def rules(settings: Settings) -> tuple[throttle.Rule, throttle.Rule]:
    """(per account name, per source address)."""
    common = {"base": settings.login_delay_seconds, "cap": settings.login_delay_max_seconds,
              "window": settings.login_failure_window_minutes * 60}
    return (throttle.Rule(max_failures=settings.login_max_failures, **common),
            throttle.Rule(max_failures=settings.login_source_max_failures, **common))


def authenticate(session: Session, settings: Settings, username: str, password: str, source: str = "unknown") -> User:
    """The active user with this password. The attempt is counted for the name and for the
    source before any password is checked (service.auth.throttle); inside a wait it is
    refused (429) unchecked. Known and unknown names take the same path, hash included."""
    account_rule, source_rule = rules(settings)
    account_key, source_key = f"account:{username}"[:200], f"source:{source}"[:200]
    now = utcnow()
    # its own transaction: committed before the check (.engine: the session's bind is one)
    with session.get_bind().engine.begin() as conn:
        wait, source_count = throttle.reserve(conn, source_key, source_rule, now)
        account_count = 0
        if not wait:
            wait, account_count = throttle.reserve(conn, account_key, account_rule, now)
    if wait:
        raise Throttled("登录尝试过于频繁，请稍后再试", "too many sign-in attempts, try again later",
                        retry_after=int(throttle.retry_after(wait)))
    user = session.exec(select(User).where(User.username == username)).first()
    ok = verify_password(password, user.password_hash if user else None)
    # the demo password is public: outside demo mode it opens no account (issue 12 row 3)
    if not ok or user is None or not user.active or (not settings.demo and password == DEMO_PASSWORD):
        for key, count, rule in ((account_key, account_count, account_rule), (source_key, source_count, source_rule)):
            if count == rule.max_failures:  # delays start from now on
                record(session, AuditAction.LOGIN_THROTTLED, LoginThrottled(key=key, failures=count), actor=SYSTEM)
        session.commit()
        raise Unauthenticated("用户名或密码错误", "wrong username or password")
    with session.get_bind().engine.begin() as conn:
        throttle.succeeded(conn, account_key, source_key, source_rule)
    return user


@dataclass(frozen=True)
class Opened:
    token: str  # goes into the cookie, never stored
    csrf_token: str
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, settings: Settings, user: User) -> Opened:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(hours=settings.session_hours)
    session.add(LoginSession(token_hash=token_hash(token), csrf_token=csrf, user_id=id_of(user), created_at=now,
                             expires_at=expires))
    return Opened(token, csrf, expires)


def find_session(session: Session, token: str) -> tuple[LoginSession, User] | None:
    """The live (not expired, not revoked) session for a cookie value and its active user."""
    if not token or len(token) > 128:
        return None
    digest = token_hash(token)
    row = session.exec(select(LoginSession, User).join(User, col(User.id) == col(LoginSession.user_id))
                       .where(LoginSession.token_hash == digest)).first()
    if row is None:
        return None
    login, user = row
    if not hmac.compare_digest(login.token_hash, digest):
        return None
    if login.revoked_at is not None or login.expires_at <= utcnow() or not user.active:
        return None
    return login, user


def close_session(session: Session, login: LoginSession) -> None:
    login.revoked_at = utcnow()
    session.add(login)


def disable_user(session: Session, username: str, actor: str = "admin") -> User:
    """Deactivate the account and revoke its live sessions (the caller commits)."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"没有用户“{username}”", f"no user {username!r}")
    user.active = False
    session.add(user)
    now = utcnow()
    for login in session.exec(select(LoginSession).where(LoginSession.user_id == user.id,
                                                         LoginSession.revoked_at == None)).all():  # noqa: E711
        login.revoked_at = now
        session.add(login)
    record(session, AuditAction.USER_DISABLED, Username(username=username), actor=actor)
    return user
