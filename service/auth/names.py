"""Display names (姓名) of accounts, for the UI: people are shown by name, never by username."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from service.auth.models import User

SYSTEM_NAME = "系统"
# the actors that are not people (service.auth.demo, service.reports.demo_data, the CLI): named too
MACHINE_NAMES = {"system": SYSTEM_NAME, "demo": "演示数据", "cli": "命令行"}
UNLISTED = "未登记人员"  # a username with no account (imported history, a removed row): never shown raw


def display_names(session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """username → 姓名 (the username when the account has no name, 未登记人员 when there is no
    such account; `system` (and `system:<why>`) → 系统, `demo` → 演示数据, `cli` → 命令行; a machine
    token `token:<role>` → 令牌). One query."""
    wanted = {u for u in usernames if u}
    out = {u: UNLISTED for u in wanted}
    out.update({u: "令牌" for u in wanted if u.startswith("token:")})
    out.update({u: SYSTEM_NAME for u in wanted if u.startswith("system:")})
    out.update({u: name for u, name in MACHINE_NAMES.items() if u in wanted})
    if wanted:
        for username, name in session.exec(select(User.username, User.name).where(col(User.username).in_(wanted))):
            out[username] = name or username
    return out
