"""Accounts and login sessions. A session row holds only the sha256 of its token, so a copy
of the database does not hand out live sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.columns import ts


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=64)  # 姓名, shown in the UI and the audit log
    role: str = Field(max_length=16)  # service.auth.rules.Role
    unit: str | None = None  # full unit name of the org (liaison, unit leader)
    region: str | None = None  # region of the org (region leader, coordinator, reviewer)
    password_hash: str
    active: bool = True
    # unused since sign-in throttling moved to login_throttle (kept: dropping columns of a
    # live table is a migration of its own)
    failed_logins: int = 0
    locked_until: datetime | None = ts(nullable=True)
    created_at: datetime = ts()


class LoginSession(SQLModel, table=True):
    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)  # sha256 hex of the cookie value
    csrf_token: str = Field(max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = ts()
    expires_at: datetime = ts()
    revoked_at: datetime | None = ts(nullable=True)


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per key — `account:<username>` (known or not: unknown names are
    throttled alike) and `source:<address>` — and when the next attempt may be checked
    (service.auth.throttle)."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=200)
    failures: int = 0  # attempts counted since the last success (or since the window lapsed)
    next_at: datetime = ts()  # no password is checked for this key before this time
    last_at: datetime = ts()  # the last counted attempt
