"""The `yuqing` console script."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yuqing", description="政务舆情回应跟踪与督办")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (migrates, loads the demo org if empty)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="demo mode: demo tokens and demo organisation")
    worker = sub.add_parser("worker", help="run an RQ worker (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true")
    sweep = sub.add_parser("sweep", help="escalation sweep and recovery of unprocessed items")
    sweep.add_argument("--every", type=float, default=0, help="repeat every N seconds (0: once)")
    tri = sub.add_parser("triage", help="offline batch triage of a JSON-lines file")
    tri.add_argument("--org", help="organisation YAML (default: the shipped demo)")
    tri.add_argument("items", help="JSON lines file, or - for stdin")
    org = sub.add_parser("org", help="organisation")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="validate and import an organisation YAML")
    imp.add_argument("file")
    sub.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def cmd_triage(args: argparse.Namespace) -> int:
    from routing.policy import load_policy
    from routing.taxonomy import load_taxonomy
    from service.orgs.loader import OrgFileError, load_demo_org, load_org
    from service.pipeline import Engine
    from service.settings import get_settings
    from service.triage import TriageInputError, now_local, parse_lines, triage_records

    try:
        org = load_org(args.org) if args.org else load_demo_org()
        lines = sys.stdin if args.items == "-" else Path(args.items).read_text(encoding="utf-8").splitlines()
        items = parse_lines(lines, now_local())
    except (OrgFileError, TriageInputError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    engine = Engine.build(org, load_taxonomy(), load_policy(get_settings().policy_file))
    for record in triage_records(engine, items):
        print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from service.db import migrate
    from service.settings import get_settings

    migrate(get_settings().database_url)
    return 0


def cmd_org(args: argparse.Namespace) -> int:
    from service.orgs.loader import OrgFileError
    from service.orgs.store import import_org
    from service.settings import get_settings

    settings = get_settings()
    try:
        version = import_org(settings, Path(args.file).read_text(encoding="utf-8"), args.file)
    except (OrgFileError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(f"已导入组织架构 / imported organisation: version {version.id} ({version.digest[:12]})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.main import create_app
    from service.settings import Settings

    settings = Settings(demo=True) if args.demo else Settings()
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from service.queue import run_worker
    from service.settings import get_settings

    return run_worker(get_settings(), burst=args.burst)


def cmd_sweep(args: argparse.Namespace) -> int:
    from service.sweep import run_sweeps
    from service.settings import get_settings

    return run_sweeps(get_settings(), every=args.every)


COMMANDS = {
    "triage": cmd_triage,
    "migrate": cmd_migrate,
    "org": cmd_org,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "sweep": cmd_sweep,
}

if __name__ == "__main__":
    sys.exit(main())
