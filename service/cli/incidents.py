"""`yuqing incidents backfill-duties [--batch N]`: give every incident opened before the duties
existed (migration 0015) its duties, with its claim and response carried over
(service.incidents.duty_backfill). The sweep does the same a batch per pass; this runs every
batch now, each committed, and prints how many incidents were done. A rerun does none."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    incidents = sub.add_parser("incidents", help="incidents: maintenance")
    incidents_sub = incidents.add_subparsers(dest="incidents_command", required=True)
    back = incidents_sub.add_parser("backfill-duties", help="write the duties of incidents opened before migration 0015")
    back.add_argument("--batch", type=int, default=200, help="incidents per transaction")


def cmd_incidents(args: argparse.Namespace) -> int:
    from service.core.columns import utcnow
    from service.core.db import session_scope
    from service.core.settings import get_settings
    from service.incidents.duty_backfill import backfill_duties
    from service.incidents.runtime import load_engine

    if args.batch < 1:
        print("--batch 须为正整数 / --batch must be positive")
        return 2
    settings, total = get_settings(), 0
    while True:
        with session_scope(settings.database_url) as session:
            done = backfill_duties(session, load_engine(settings, session), utcnow(), args.batch)
            session.commit()
        total += done
        if done < args.batch:
            break
    print(f"已补写职责的事件 {total} 件 / duties backfilled for {total} incidents")
    return 0
