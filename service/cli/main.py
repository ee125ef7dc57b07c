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
    dig = sub.add_parser("digest", help="build and send the leaders' daily digests (领导每日摘要) now")
    dig.add_argument("--day", help="local day YYYY-MM-DD (default: today); figures are as of now")
    demo = sub.add_parser("demo-data", help="fill the database with a demo history (items, handling, reviews) for the reports")
    demo.add_argument("--days", type=int, default=45, help="spread over the last N days")
    demo.add_argument("--seed", type=int, default=0)
    tri = sub.add_parser("triage", help="offline batch triage of a JSON-lines file")
    tri.add_argument("--org", help="organisation YAML (default: the shipped demo)")
    tri.add_argument("items", help="JSON lines file, or - for stdin")
    org = sub.add_parser("org", help="organisation")
    org_sub = org.add_subparsers(dest="org_command", required=True)
    imp = org_sub.add_parser("import", help="validate and import an organisation YAML")
    imp.add_argument("file")
    sub.add_parser("migrate", help="apply database migrations")
    user = sub.add_parser("user", help="accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    uadd = user_sub.add_parser("add", help="create an account (password from stdin or a prompt)")
    uadd.add_argument("--username", required=True)
    uadd.add_argument("--role", required=True, help="liaison / leader / reviewer / coordinator / admin")
    uadd.add_argument("--unit", help="unit full name of the organisation (liaison, unit leader)")
    uadd.add_argument("--region", help="region of the organisation (leader, coordinator, reviewer)")
    uadd.add_argument("--name", default="", help="姓名")
    uadd.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    user_sub.add_parser("list", help="list accounts")
    udis = user_sub.add_parser("disable", help="disable an account and end its sessions")
    udis.add_argument("username")
    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chains; exit 1 naming what is broken")
    verify.add_argument("--checkpoint", help="a signed checkpoint file: also find chains deleted, "
                                             "truncated or re-hashed since it")
    checkpoint = audit_sub.add_parser("checkpoint", help="write the chain heads, signed with AUDIT_CHECKPOINT_KEY")
    checkpoint.add_argument("--out", required=True, help="file to write (keep copies away from the database)")
    items = sub.add_parser("items", help="opinion items: retry failed ones, import a CSV/XLSX export")
    items_sub = items.add_subparsers(dest="items_command", required=True)
    iretry = items_sub.add_parser("retry", help="set failed items pending again (audited) and process them")
    iretry.add_argument("ids", nargs="+", type=int, metavar="ID")
    from service.cli.items import add_import_parser

    add_import_parser(items_sub)
    from service.cli import attachments, classifier, events, incidents

    for commands in (classifier, events, incidents, attachments):  # each module adds its own sub-commands
        commands.add_parser(sub)
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def cmd_triage(args: argparse.Namespace) -> int:
    from routing.orgfile import OrgFileError, load_demo_org, load_org
    from routing.policy import load_policy
    from routing.taxonomy import load_taxonomy
    from service.cli.triage import TriageInputError, now_local, parse_lines, triage_records
    from service.core.inputs import ReceivedWindow
    from service.core.settings import get_settings
    from service.incidents.pipeline import Engine

    settings = get_settings()
    try:
        org = load_org(args.org) if args.org else load_demo_org()
        lines = sys.stdin if args.items == "-" else Path(args.items).read_text(encoding="utf-8").splitlines()
        items = parse_lines(lines, now_local(), ReceivedWindow.of(settings))
    except (OrgFileError, TriageInputError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    import structlog

    from classifier.registry import load_classifier

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout is the output
    taxonomy = load_taxonomy()
    classifier = load_classifier(taxonomy, settings.model_dir or None).classifier  # as the service uses
    engine = Engine.build(org, taxonomy, load_policy(settings.policy_file), classifier)
    for record in triage_records(engine, items):
        print(json.dumps(record, ensure_ascii=False))
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    from service.core.db import migrate
    from service.core.settings import get_settings

    migrate(get_settings().database_url)
    return 0


def cmd_org(args: argparse.Namespace) -> int:
    from routing.orgfile import OrgFileError
    from service.core.settings import get_settings
    from service.orgs.store import import_org

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

    from service.auth.demo import demo_problem
    from service.core.settings import Settings
    from service.main import create_app

    settings = Settings(demo=True) if args.demo else Settings()
    if problem := demo_problem(settings):
        print(problem, file=sys.stderr)
        return 2
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                ws_per_message_deflate=settings.ws_deflate)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from service.cli.worker import run_worker
    from service.core.settings import get_settings

    return run_worker(get_settings(), burst=args.burst)


def cmd_sweep(args: argparse.Namespace) -> int:
    from service.core.logs import configure_logging
    from service.core.settings import get_settings
    from service.escalation.sweeper import run_sweeps

    configure_logging()  # JSON lines, as the API and the workers write them
    return run_sweeps(get_settings(), every=args.every)


def cmd_demo_data(args: argparse.Namespace) -> int:
    from service.core.settings import get_settings
    from service.reports.demo_data import seed_demo_data

    if not 1 <= args.days <= 400:
        print("--days 须在 1–400 之间 / --days must be 1–400", file=sys.stderr)
        return 2
    done = seed_demo_data(get_settings(), days=args.days, seed=args.seed)
    if done.get("skipped"):
        print("已有演示数据，未重复生成 / demo data already present: nothing added")
    else:
        print("演示数据已生成 / demo data added: " + json.dumps(done, ensure_ascii=False))
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from service.alerts.digest_service import run_digests
    from service.core.inputs import parse_date
    from service.core.settings import get_settings

    try:
        day = parse_date(args.day) if args.day else None
    except ValueError:
        print(f"日期无效：{args.day!r}（应为 YYYY-MM-DD）/ invalid --day {args.day!r}: use YYYY-MM-DD", file=sys.stderr)
        return 2
    done = run_digests(get_settings(), day)
    print(f"{done['day']}：新生成摘要 {done['digests']} 份，推送 {done['deliveries']} 条 / "
          f"built {done['digests']} digests, {done['deliveries']} deliveries")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from service.cli.accounts import run_user

    return run_user(args)


def cmd_audit(args: argparse.Namespace) -> int:
    from service.cli.accounts import run_audit

    return run_audit(args)


def cmd_items(args: argparse.Namespace) -> int:
    if args.items_command == "import":
        from service.cli.items import run_import

        return run_import(args)
    from service.items.retry import run

    return run(args)


def cmd_classifier(args: argparse.Namespace) -> int:
    from service.cli.classifier import run

    return run(args)


def cmd_events(args: argparse.Namespace) -> int:
    from service.cli.events import cmd_events as run

    return run(args)


def cmd_incidents(args: argparse.Namespace) -> int:
    from service.cli.incidents import cmd_incidents as run

    return run(args)


def cmd_attachments(args: argparse.Namespace) -> int:
    from service.cli.attachments import cmd_attachments as run

    return run(args)


COMMANDS = {
    "triage": cmd_triage,
    "migrate": cmd_migrate,
    "org": cmd_org,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "sweep": cmd_sweep,
    "digest": cmd_digest,
    "demo-data": cmd_demo_data,
    "user": cmd_user,
    "audit": cmd_audit,
    "classifier": cmd_classifier,
    "items": cmd_items,
    "events": cmd_events,
    "incidents": cmd_incidents,
    "attachments": cmd_attachments,
}

if __name__ == "__main__":
    sys.exit(main())
