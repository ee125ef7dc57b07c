"""The per-unit report (issues 5, 18) over many incidents on PostgreSQL: seconds, both paths.

Fills a scratch database by COPY with N incidents of the demo org over 2026-01-01 … 2026-11-30
(their incident_unit rows, response clocks and a feedback clock for one in eight, a follow-up
clock, claims and some returns in the audit log, reviews for one in five), then times, for the
admin (everything), the 高平市 coordinator and a liaison, median of 5 runs each, the two runs
alternating: the pure reference `load_records` + `by_unit` (what the report did before issue 18)
and `unit_totals.unit_figures` (the database computes the figures), and checks they agree; then
the /summary route's whole computation (the report, the duties, the 问责 records), old
(`load_records` + `tables.build`) against new (`grouped.database_report`), likewise.
The one-core jieba rate of the machine is printed before and after (bench/calibration.py).
`--index` adds candidate indexes to the scratch database first (no migration has them).
Usage: cd bench && ../.venv/bin/python report_per_unit.py --incidents 100000
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
from calibration import line as machine_line
from scratch_db import filled_database

from routing.local_time import BEIJING
from service.accountability.service import records_for
from service.auth.rules import Principal, Role
from service.core.db import session_scope
from service.incidents.units import unit_rows
from service.reports.duty_figures import by_unit_and_duty
from service.reports.figures import by_unit
from service.reports.grouped import database_report
from service.reports.loaders import Period, load_duties, load_records
from service.reports.tables import build
from service.reports.unit_totals import unit_figures

TZ = BEIJING
COPY = {
    "incident": "id, topic, severity, status, scope, vertical, emergency, verification_request, level_region, "
                "first_responsible, co_responsible, coordinators, reasons, regions, departments, received_at, "
                "last_seen, created_at, signature",
    "incident_unit": "incident_id, unit, role",
    "clock": "incident_id, kind, label, started_at, due_at, met_at",
    "audit_entry": "incident_id, actor, action, detail, at, chain, seq, prev_hash, hash",
    "review": "incident_id, unit, reviewer, timeliness, accuracy, authority, handling, score, comments, "
              "accountability, at",
}
TOPICS = ["环境保护", "食品药品监管", "义务教育", "城市综合执法", "社会救助", "市政服务", "安全生产", "就业创业"]


def fill(url: str, n: int, org) -> None:
    rng = random.Random(11)
    towns = [r for r in org.regions.values() if r.parent == "高平市"]
    depts = [d for d in org.departments if d.startswith("高平市")]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 30, tzinfo=UTC) - start).total_seconds()
    tables: dict[str, list[tuple]] = {t: [] for t in COPY}
    inc, iu, clk, aud, rev = (tables[t].append for t in COPY)
    for i in range(1, n + 1):
        town = rng.choice(towns)
        first = [rng.choice([town.government, rng.choice(depts)])]
        co = [town.government] if first[0] != town.government and rng.random() < 0.4 else []
        at = start + timedelta(seconds=rng.uniform(0, span))
        severity = "重大" if rng.random() < 0.2 else "一般"
        due = 24 if severity == "重大" else 48
        verification = rng.random() < 0.125
        inc((i, rng.choice(TOPICS), severity, "responded", "single", False, False, verification, town.name,
             json.dumps(first), json.dumps(co), "[]", "[]", json.dumps([town.name]), "[]", at, at, at, "{}"))
        for u, r in unit_rows(town.name, [town.name], first, co, None):
            iu((i, u, r))
        met = at + timedelta(hours=rng.uniform(1, due * 1.3)) if rng.random() < 0.9 else None
        clk((i, "response", "回应", at, at + timedelta(hours=due), met))
        if verification:
            clk((i, "feedback", "反馈", at, at + timedelta(hours=24), met))
        clk((i, "followup_info", "跟进", at, at + timedelta(hours=72),
             met + timedelta(hours=rng.uniform(10, 90)) if met else None))
        seq = 0
        if rng.random() < 0.05:
            seq += 1
            aud((i, "bench", "incident.returned", json.dumps({"unit": first[0], "grounds": "非本单位"}),
                 at + timedelta(minutes=30), i, seq, "", ""))
        if rng.random() < 0.92:
            seq += 1
            aud((i, "bench", "incident.claimed", json.dumps({"unit": first[0]}),
                 at + timedelta(hours=rng.uniform(0.1, 8)), i, seq, "", ""))
        if met and rng.random() < 0.2:
            score = rng.randint(50, 100)
            rev((i, first[0], "bench", score, score, score, score, float(score), "", score < 60, met + timedelta(days=1)))
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn, conn.cursor() as cur:
        for table, columns in COPY.items():  # one COPY at a time: a connection carries one
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in tables[table]:
                    copy.write_row(row)
        cur.execute("SELECT setval('incident_id_seq', %s)", (n,))
        conn.commit()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# candidate indexes (--index): claims and returns are looked up by action, then incident
INDEXES = ["CREATE INDEX bench_audit_action_incident ON audit_entry (action, incident_id)"]


def timed(url: str, org, viewer: Principal, runs: int) -> tuple[float, float, int, int, bool]:
    """(reference s, database s, records, units, same figures): medians, the paths alternating."""
    period, as_of = Period(date(2026, 1, 1), date(2026, 12, 1)), datetime(2026, 12, 1, tzinfo=UTC)
    before, after, rows, same = [], [], 0, True
    for _ in range(runs):
        with session_scope(url) as session:
            t = time.perf_counter()
            records = load_records(session, org, viewer, period, tz=TZ, as_of=as_of)
            reference = by_unit(records, as_of)
            before.append(time.perf_counter() - t)
        with session_scope(url) as session:
            t = time.perf_counter()
            figures = unit_figures(session, org, viewer, period, tz=TZ, as_of=as_of)
            after.append(time.perf_counter() - t)
        rows = len(records)
        same = same and figures == [dataclasses.replace(f, incidents=()) for f in reference]
    return statistics.median(before), statistics.median(after), rows, len(figures), same


def _summary(session, org, viewer: Principal, period: Period, as_of: datetime, report=None):
    """What the /summary route computes: the report (either path), the duties, the 问责 records.
    Without `report`, the old path: load_records, the rest read, then tables.build last — the
    database work done first, so the pure computation does not hold an idle transaction past
    the server's idle-in-transaction timeout."""
    since, until = period.bounds(TZ)
    records = load_records(session, org, viewer, period, tz=TZ, as_of=as_of) if report is None else []
    duties = by_unit_and_duty(load_duties(session, org, viewer, period, tz=TZ), as_of)
    accountability = records_for(session, org, viewer, since=since, until=until)
    return report or build(records, as_of, TZ), duties, accountability


def timed_summary(url: str, org, viewer: Principal, runs: int) -> tuple[float, float, bool]:
    """(old s, new s, same report): the summary's whole computation, medians, alternating — old:
    load_records + tables.build (main's views._report), new: grouped.database_report."""
    period, as_of = Period(date(2026, 1, 1), date(2026, 12, 1)), datetime(2026, 12, 1, tzinfo=UTC)
    before, after, same = [], [], True
    for _ in range(runs):
        with session_scope(url) as session:
            t = time.perf_counter()
            old = _summary(session, org, viewer, period, as_of)
            before.append(time.perf_counter() - t)
        with session_scope(url) as session:
            t = time.perf_counter()
            new = _summary(session, org, viewer, period, as_of,
                           database_report(session, org, viewer, period, tz=TZ, as_of=as_of))
            after.append(time.perf_counter() - t)
        same = same and new[1:] == old[1:] and new[0] == _bare(old[0])
    return statistics.median(before), statistics.median(after), same


def _bare(report):
    def bare(fs):
        return [dataclasses.replace(f, incidents=()) for f in fs]
    return dataclasses.replace(report, overall=dataclasses.replace(report.overall, incidents=()),
                               by_unit=bare(report.by_unit), by_week=bare(report.by_week),
                               by_topic=bare(report.by_topic))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", action="store_true", help="add the candidate INDEXES first")
    args = parser.parse_args()
    print(machine_line())
    with filled_database(args.incidents, fill) as (url, org):
        if args.index:
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                for statement in INDEXES:
                    conn.execute(statement)
                conn.execute("ANALYZE")
        viewers = {"admin (all)": Principal(1, "a", Role.ADMIN),
                   "coordinator 高平市": Principal(2, "c", Role.COORDINATOR, region="高平市"),
                   "liaison 米山镇人民政府": Principal(3, "l", Role.LIAISON, unit="米山镇人民政府")}
        print("| viewer | load_records + by_unit, s | unit_figures, s | records | units | same figures |\n"
              "|---|---|---|---|---|---|")
        for label, viewer in viewers.items():
            before, after, rows, units, same = timed(url, org, viewer, args.runs)
            print(f"| {label} | {before:.2f} | {after:.2f} | {rows} | {units} | {'yes' if same else 'NO'} |")
        print("\n| viewer | summary: load_records + build, s | summary: database_report, s | same report |\n"
              "|---|---|---|---|")
        for label, viewer in viewers.items():
            before, after, same = timed_summary(url, org, viewer, args.runs)
            print(f"| {label} | {before:.2f} | {after:.2f} | {'yes' if same else 'NO'} |")
    print(machine_line())


if __name__ == "__main__":
    main()
