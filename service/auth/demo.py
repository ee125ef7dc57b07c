"""Demo accounts, one per role (demo mode only; README lists them). Password demo12345.

Outside demo mode they are disabled at start (their sessions end) and the demo password
opens no account (service.auth.service.authenticate); demo mode on PostgreSQL needs
DEMO_FORCE=true, so a production database does not get well-known accounts by a stray flag."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from service.audit.actions import AuditAction, Username
from service.audit.log import record
from service.auth.models import User
from service.auth.passwords import DEMO_PASSWORD, hash_password, verify_password
from service.auth.service import create_user, disable_user
from service.core.db import session_scope
from service.core.events import SessionEnded
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.orgs.store import active_org

DEMO_ACCOUNTS = (  # username, 姓名, role, unit, region
    ("liaison_scj", "张联络（市场监管局）", "liaison", "高平市市场监督管理局", None),
    ("liaison_mishan", "李联络（米山镇）", "liaison", "米山镇人民政府", None),
    ("leader_gaoping", "王领导（高平市）", "leader", None, "高平市"),
    ("coordinator_gaoping", "赵督办（市政府办）", "coordinator", "高平市人民政府办公室", "高平市"),
    ("reviewer_gaoping", "陈审核（市委宣传部）", "reviewer", "中共高平市委宣传部", "高平市"),
    ("admin", "系统管理员", "admin", None, None),
)
DEMO_NAMES = tuple(a[0] for a in DEMO_ACCOUNTS)


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    # one argon2 hash shared by the demo accounts: the password is public anyway, and an app
    # start (every API test) then pays for one hash instead of six
    return hash_password(DEMO_PASSWORD)


def demo_problem(settings: Settings) -> str | None:
    """Why the app refuses to start in this demo configuration, or None."""
    if settings.demo and not settings.database_url.startswith("sqlite") and not settings.demo_force:
        return ("演示模式只用于 SQLite：演示账号的密码是公开的。确需在此数据库上演示，请设置 DEMO_FORCE=true / "
                "demo mode (public demo passwords) is refused on a non-SQLite database; set DEMO_FORCE=true "
                "if you really mean it")
    return None


def _is_demo(user: User, verified: dict[str, bool]) -> bool:
    """A demo-named account still with the demo password (one hash check per distinct hash)."""
    if user.username not in DEMO_NAMES:
        return False
    if user.password_hash not in verified:
        verified[user.password_hash] = verify_password(DEMO_PASSWORD, user.password_hash)
    return verified[user.password_hash]


def retire_demo_accounts(settings: Settings) -> list[str]:
    """Outside demo mode: disable the demo accounts (and end their sessions); returns them."""
    with session_scope(settings.database_url) as session:
        verified: dict[str, bool] = {}
        users = session.exec(select(User).where(col(User.username).in_(DEMO_NAMES), User.active == True)).all()  # noqa: E712
        retired = [u.username for u in users if _is_demo(u, verified)]
        uow = UnitOfWork(session, settings)
        for username in retired:
            disable_user(session, username, actor="system:demo-off")
            # other API processes still in demo mode close their sockets
            uow.publish(SessionEnded(username=username))
        uow.commit()
    return retired


def ensure_demo_accounts(settings: Settings) -> list[str]:
    """Create the demo accounts that are missing (and re-enable the ones a start outside demo
    mode retired); returns the usernames created."""
    created: list[str] = []
    with session_scope(settings.database_url) as session:
        users = {u.username: u for u in session.exec(select(User)).all()}
        verified: dict[str, bool] = {}
        for user in users.values():
            if not user.active and _is_demo(user, verified):
                user.active = True
                session.add(user)
                record(session, AuditAction.USER_ENABLED, Username(username=user.username), actor="demo")
        org = active_org(session)
        for username, name, role, unit, region in DEMO_ACCOUNTS:
            if username in users:
                continue
            create_user(session, org, username=username, password=DEMO_PASSWORD, role=role, unit=unit,
                        region=region, name=name, actor="demo", password_hash=_demo_hash())
            created.append(username)
        try:
            session.commit()
        except IntegrityError:  # another API process of the same demo created them first
            session.rollback()
            return []
    return created
