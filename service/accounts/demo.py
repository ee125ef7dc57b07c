"""Demo accounts, one per role (demo mode only; README lists them). Password demo12345."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from service.accounts.models import User
from service.accounts.passwords import hash_password
from service.db import session_scope
from service.runtime import load_engine
from service.settings import Settings

DEMO_PASSWORD = "demo12345"
DEMO_ACCOUNTS = (  # username, 姓名, role, unit, region
    ("liaison_scj", "张联络（市场监管局）", "liaison", "高平市市场监督管理局", None),
    ("liaison_mishan", "李联络（米山镇）", "liaison", "米山镇人民政府", None),
    ("leader_gaoping", "王领导（高平市）", "leader", None, "高平市"),
    ("coordinator_gaoping", "赵督办（市政府办）", "coordinator", "高平市人民政府办公室", "高平市"),
    ("reviewer_gaoping", "陈审核（市委宣传部）", "reviewer", "中共高平市委宣传部", "高平市"),
    ("admin", "系统管理员", "admin", None, None),
)


@lru_cache(maxsize=1)
def _demo_hash() -> str:
    # one argon2 hash shared by the demo accounts: the password is public anyway, and an app
    # start (every API test) then pays for one hash instead of six
    return hash_password(DEMO_PASSWORD)


def ensure_demo_accounts(settings: Settings) -> list[str]:
    """Create the demo accounts that are missing; returns the usernames created."""
    from service.accounts.service import create_user

    created: list[str] = []
    with session_scope(settings.database_url) as session:
        have = set(session.exec(select(User.username)).all())
        org = load_engine(settings, session).org
        for username, name, role, unit, region in DEMO_ACCOUNTS:
            if username in have:
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
