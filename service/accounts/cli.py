"""`yuqing user add|list` and `yuqing audit verify` (wired in service.cli)."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import col, select


def run_user(args: argparse.Namespace) -> int:
    from service.accounts.models import User
    from service.accounts.service import AccountError, create_user, disable_user
    from service.db import migrate, session_scope
    from service.orgs.store import ensure_org
    from service.orgs.loader import load_org_text
    from service.runtime import active_org_text
    from service.settings import get_settings

    settings = get_settings()
    migrate(settings.database_url)
    ensure_org(settings)  # the org names units and regions; only it, not the whole engine, is loaded
    with session_scope(settings.database_url) as session:
        if args.user_command == "list":
            for u in session.exec(select(User).order_by(col(User.id))).all():
                fields = [str(u.id), u.username, u.role, u.name, " ".join(filter(None, [u.region, u.unit]))]
                print("\t".join(fields + ([] if u.active else ["(停用)"])))
            return 0
        if args.user_command == "disable":
            try:
                disable_user(session, args.username, actor="cli")
            except AccountError as exc:
                print(f"{exc.zh} / {exc.en}", file=sys.stderr)
                return 2
            session.commit()
            print(f"已停用账号 / disabled {args.username}")
            return 0
        password = _read_password(args.password_stdin)
        if password is None:
            return 2
        try:
            user = create_user(session, load_org_text(*active_org_text(session)), username=args.username,
                               password=password, role=args.role, unit=args.unit, region=args.region,
                               name=args.name, actor="cli")
        except AccountError as exc:
            print(f"{exc.zh} / {exc.en}", file=sys.stderr)
            return 2
        session.commit()
        print(f"已创建账号 / created user {user.username} (id {user.id}, {user.role})")
        return 0


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    if first != getpass.getpass("再次输入 / again: "):
        print("两次输入的密码不一致 / the passwords differ", file=sys.stderr)
        return None
    return first


def run_audit(_args: argparse.Namespace) -> int:
    from service.audit_chain import verify
    from service.db import session_scope
    from service.settings import get_settings

    with session_scope(get_settings().database_url) as session:
        count, broken = verify(session)
    if broken is not None:
        print(f"审计日志被篡改 / audit log BROKEN after {count - 1} good entries: {broken}", file=sys.stderr)
        return 1
    print(f"审计日志完整 / audit log OK: {count} entries")
    return 0
