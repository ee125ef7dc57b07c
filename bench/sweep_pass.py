"""One sweep pass over many open incidents on PostgreSQL (issue 11): seconds per pass with
nothing due, and with 1,000 rungs due.

Fills a scratch database by COPY with N open incidents of the demo org, each with a 48 h
response clock received in the 20 hours before NOW (so no rung is due: the first, 提醒 at
50 %, falls at 24 h). Then times `sweep_once(settings, NOW)` (recovery, escalation, claim
expiry, delivery recovery; no Redis, no channels): the median of --runs passes with nothing
due, and the median of --due-runs passes each after 1,000 other clocks were moved 30 h back
(their 提醒 50 % due: 1,000 rungs, audit entries and alerts per pass). Prints the one-core
jieba rate of the run beside the figures (bench/calibration.py).

Runs against whichever `service` package is imported first, so the same script measures
main's sweep (which has no clock.next_due_at) for a before/after:
    .venv/bin/python bench/sweep_pass.py --incidents 100000
    PYTHONPATH=/work/main .venv/bin/python bench/sweep_pass.py --incidents 100000 --runs 1 --due-runs 0
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
from calibration import line as machine_line
from scratch_db import filled_database

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)  # 12:00 Beijing, after the digest hour (not run here)
DUE = 1000


def _has_next_due(url: str) -> bool:
    with psycopg.connect(_pg(url)) as conn:
        return conn.execute("SELECT 1 FROM information_schema.columns WHERE table_name = 'clock' "
                            "AND column_name = 'next_due_at'").fetchone() is not None


def _pg(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def fill(url: str, n: int, org) -> None:
    rng = random.Random(11)
    towns = [r for r in org.regions.values() if r.parent == "高平市"]
    placed = _has_next_due(url)
    clock_cols = "incident_id, kind, label, started_at, due_at" + (", next_due_at" if placed else "")
    with psycopg.connect(_pg(url)) as conn, conn.cursor() as cur:
        with cur.copy("COPY incident (id, topic, severity, status, scope, vertical, emergency, verification_request, "
                      "level_region, first_responsible, co_responsible, coordinators, reasons, regions, departments, "
                      "received_at, last_seen, created_at, signature) FROM STDIN") as copy:
            received = []
            for i in range(1, n + 1):
                town = rng.choice(towns)
                at = NOW - timedelta(hours=rng.uniform(0.5, 20))
                received.append(at)
                copy.write_row((i, "城市综合执法", "一般", "unclaimed", "single", False, False, False, town.name,
                                json.dumps([town.government]), "[]", "[]", "[]", json.dumps([town.name]), "[]",
                                at, at, at, "{}"))
        with cur.copy(f"COPY clock ({clock_cols}) FROM STDIN") as copy:
            for i, at in enumerate(received, start=1):
                due = at + timedelta(hours=48)
                copy.write_row((i, "response", "回应", at, due, *([at + timedelta(hours=24)] if placed else [])))
        cur.execute("SELECT setval('incident_id_seq', %s)", (n,))
        conn.commit()
    with psycopg.connect(_pg(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def make_due(url: str, batch: int, n: int) -> None:
    """Move 1,000 clocks 30 h back (their 50 % rung is due at NOW): the next thousand, or the
    first thousand again when there are no more (their fired rungs and alerts removed first;
    the audit log is append-only and keeps its entries)."""
    lo = (batch * DUE) % max(n, DUE)
    started, due = NOW - timedelta(hours=30), NOW + timedelta(hours=18)
    extra = ", next_due_at = %(warn)s" if _has_next_due(url) else ""
    span = {"lo": lo, "hi": lo + DUE}
    with psycopg.connect(_pg(url)) as conn:
        steps = "SELECT id FROM escalation_step WHERE clock_id > %(lo)s AND clock_id <= %(hi)s"
        conn.execute(f"DELETE FROM alert WHERE step_id IN ({steps})", span)
        conn.execute(steps.replace("SELECT id", "DELETE"), span)
        conn.execute(f"UPDATE clock SET started_at = %(s)s, due_at = %(d)s{extra} WHERE id > %(lo)s AND id <= %(hi)s",
                     {"s": started, "d": due, "warn": started + timedelta(hours=24), **span})
        conn.commit()


def timed_pass(settings) -> tuple[float, dict]:
    from service.escalation.sweep import sweep_once

    t = time.perf_counter()
    done = sweep_once(settings, NOW)
    return time.perf_counter() - t, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="passes with nothing due")
    parser.add_argument("--due-runs", type=int, default=3, help="passes with 1,000 rungs due")
    args = parser.parse_args()
    import logging

    import structlog

    import service
    from service.core.settings import Settings

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))  # not per rung

    print(f"code: {service.__file__.rsplit('/service/', 1)[0]}")
    with filled_database(args.incidents, fill) as (url, _org):
        settings = Settings(database_url=url, redis_url=None, _env_file=None)
        from service.core.db import session_scope
        from service.incidents.runtime import load_engine

        with session_scope(url) as session:  # warm-up: engine, org, classifier (not a pass: main's costs minutes)
            load_engine(settings, session)
        idle = [timed_pass(settings) for _ in range(args.runs)]
        assert all(d["escalations"] == 0 for _, d in idle), idle
        due = []
        for batch in range(args.due_runs):
            make_due(url, batch, args.incidents)
            due.append(timed_pass(settings))
        assert all(d["escalations"] == DUE for _, d in due), [d for _, d in due]
        due_s = f"{statistics.median(t for t, _ in due):.3f}" if due else "—"
        print(f"| open incidents | nothing due, s (median of {args.runs}) | {DUE:,} rungs due, s "
              f"(median of {args.due_runs}) |\n|---|---|---|")
        print(f"| {args.incidents:,} | {statistics.median(t for t, _ in idle):.3f} | {due_s} |")
    print(machine_line())


if __name__ == "__main__":
    main()
