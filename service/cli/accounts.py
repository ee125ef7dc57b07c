"""`yuqing user add|list` and `yuqing audit verify` (wired in service.cli.main)."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlmodel import col, select


def run_user(args: argparse.Namespace) -> int:
    from service.auth.models import User
    from service.auth.service import create_user, disable_user
    from service.core.db import migrate, session_scope
    from service.core.errors import DomainError
    from service.core.events import SessionEnded
    from service.core.settings import get_settings
    from service.core.uow import UnitOfWork
    from service.orgs.store import active_org, ensure_org

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
            except DomainError as exc:
                print(f"{exc.zh} / {exc.en}", file=sys.stderr)
                return 2
            uow = UnitOfWork(session, settings)
            uow.publish(SessionEnded(username=args.username))  # live sockets close, on every process
            uow.commit()
            print(f"已停用账号 / disabled {args.username}")
            return 0
        password = _read_password(args.password_stdin)
        if password is None:
            return 2
        try:
            user = create_user(session, active_org(session), username=args.username,
                               password=password, role=args.role, unit=args.unit, region=args.region,
                               name=args.name, actor="cli")
        except DomainError as exc:
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


def run_audit(args: argparse.Namespace) -> int:
    """`verify [--checkpoint FILE]`: the chains, chain 0's records of them, and what changed
    since a signed checkpoint; `checkpoint --out FILE`: sign the chain heads (exit 2: no key)."""
    from service.audit import checkpoint as cp
    from service.audit.chain import verify
    from service.core.db import session_scope
    from service.core.settings import get_settings

    settings = get_settings()
    try:
        key = cp.load_key(settings.audit_checkpoint_key, settings.audit_checkpoint_key_file) \
            if args.audit_command == "checkpoint" or getattr(args, "checkpoint", None) else b""
        with session_scope(settings.database_url) as session:
            if args.audit_command == "checkpoint":
                return _write_checkpoint(cp.make(session, key), args.out)
            listed = cp.read(args.checkpoint, key) if args.checkpoint else []
            count, broken = verify(session)
            problems = ([str(broken)] if broken else []) + cp.chain_problems(session) \
                + cp.since_checkpoint(session, listed)
    except cp.CheckpointError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if problems:
        print(f"审计日志被篡改 / audit log BROKEN ({count} entries read):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    checked = f", {len(listed)} chains match checkpoint {args.checkpoint}" if args.checkpoint else ""
    print(f"审计日志完整 / audit log OK: {count} entries{checked}")
    return 0


def _write_checkpoint(body: dict, out: str) -> int:
    import json

    with open(out, "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False, indent=0)
    print(f"已写入检查点 / checkpoint written to {out}: {body['chain_count']} chains, {body['entries']} entries")
    return 0
