"""The board, list, snapshot, wall and export at 100,000 open incidents in one coordinator's
scope (issue 18 b), through the real app in-process, on PostgreSQL.

Fills a scratch database by COPY with N open incidents over 高平市's townships and departments
(incident_unit rows; a response clock each, a feedback clock for one in eight, a few breached,
many near due; claims for a third, a lapsed claim or a fired rung for some; one item each; a
claim in the audit log for the claimed ones), then, with the app of `service.main` on that
database (demo accounts, no Redis, no sweeper), signs in as the 高平市 coordinator and as admin
and times each route over `--runs` requests: p50 / p95 in ms. Prints the one-core jieba rate of
the run (bench/calibration.py). Usage: .venv/bin/python bench/province_views.py --incidents 100000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parent)]  # tests.support, bench
from calibration import line  # noqa: E402
from scratch_db import filled_database  # noqa: E402

from service.incidents.units import unit_rows  # noqa: E402

COPY = {
    "incident": "id, topic, severity, status, scope, vertical, emergency, verification_request, level_region, "
                "first_responsible, co_responsible, coordinators, reasons, regions, departments, received_at, "
                "last_seen, created_at, signature, claimed_by, claimed_unit, claimed_at, claim_expired_at",
    "incident_unit": "incident_id, unit, role",
    "item": "id, source, external_id, title, text, overrides, received_at, created_at, status, processed_at, "
            "incident_id, analysis, signals",
    "clock": "id, incident_id, kind, label, started_at, due_at, met_at, next_due_at",
    "escalation_step": "clock_id, incident_id, step, label, due_at, fired_at, recipients",
    "audit_entry": "incident_id, actor, action, detail, at, chain, seq, prev_hash, hash",
}
TOPICS = ["环境保护", "食品药品监管", "义务教育", "城市综合执法", "社会救助", "市政服务", "安全生产", "就业创业"]
NOW = datetime.now(UTC)


def _incident(rng: random.Random, i: int, town, depts: list[str], tables: dict[str, list[tuple]]) -> None:
    inc, iu, item, clk, step, aud = (tables[t].append for t in COPY)
    first = [rng.choice([town.government, rng.choice(depts)])]
    co = [town.government] if first[0] != town.government and rng.random() < 0.3 else []
    at = NOW - timedelta(hours=rng.uniform(0.5, 60))
    severity = rng.choices(["特别重大", "重大", "一般"], [1, 15, 84])[0]
    claimed = rng.random() < 0.35
    lapsed = claimed and rng.random() < 0.05
    inc((i, rng.choice(TOPICS), severity, "claimed" if claimed else "unclaimed", "single", False, False,
         False, town.name, json.dumps(first), json.dumps(co), "[]", "[]", json.dumps([town.name]), "[]", at, at, at,
         "{}", "liaison_mishan" if claimed else None, first[0] if claimed else None,
         at + timedelta(minutes=30) if claimed else None, at + timedelta(hours=5) if lapsed else None))
    for u, r in unit_rows(town.name, [town.name], first, co, None):
        iu((i, u, r))
    item((i, "bench", f"b{i}", f"{town.name}{rng.choice(TOPICS)}问题反映{i}", f"群众反映{town.name}的问题，编号{i}。",
          "{}", at, at, "processed", at, i, "{}", "{}"))
    due = at + timedelta(hours=24 if severity != "一般" else 48)  # some past (breached), many within hours
    clk((2 * i - 1, i, "response", "回应", at, due, None, due))
    if rng.random() < 0.125:
        clk((2 * i, i, "feedback", "核实处置反馈", at, at + timedelta(hours=24), None, at + timedelta(hours=24)))
    if rng.random() < 0.08:
        step((2 * i - 1, i, "warn_50", "提醒", at + timedelta(hours=12), at + timedelta(hours=12), "[]"))
    if claimed:
        aud((i, "liaison_mishan", "incident.claimed", json.dumps({"unit": first[0]}), at + timedelta(minutes=30),
             i, 1, "", ""))


def fill(url: str, n: int, org) -> None:
    rng = random.Random(18)
    towns = [r for r in org.regions.values() if r.parent == "高平市"]
    depts = [d for d in org.departments if d.startswith("高平市")]
    tables: dict[str, list[tuple]] = {t: [] for t in COPY}
    for i in range(1, n + 1):
        _incident(rng, i, rng.choice(towns), depts, tables)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn, conn.cursor() as cur:
        for table, columns in COPY.items():  # one COPY at a time: a connection carries one
            with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in tables[table]:
                    copy.write_row(row)
        for seq, table in (("incident_id_seq", "incident"), ("item_id_seq", "item"), ("clock_id_seq", "clock")):
            cur.execute(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))")
        conn.commit()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _timed(client, path: str, headers: dict, runs: int) -> tuple[float, float, int, int]:
    times, status, size = [], 0, 0
    client.get(path, headers=headers)  # warm caches (summaries, org) as a running server has them
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get(path, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        status, size = r.status_code, len(r.content)
    times.sort()
    return statistics.median(times), times[max(0, int(round(len(times) * 0.95)) - 1)], status, size


def _cursor_path(client, path: str, headers: dict, pages: int) -> str:
    """The path of page `pages` + 1 reached by following next_cursor (when the route has one)."""
    r = client.get(path, headers=headers)
    for _ in range(pages):
        cursor = r.headers.get("X-Next-Cursor") or (r.json().get("next_cursor") if r.headers.get(
            "content-type", "").startswith("application/json") and isinstance(r.json(), dict) else None)
        if not cursor:
            return ""
        r = client.get(f"{path}&cursor={cursor}", headers=headers)
    return f"{path}&cursor={cursor}"


def wanted(label: str, only: str) -> bool:
    """Whether `label` is among the comma-separated parts of --only (empty: every route)."""
    return not only or any(part in label for part in only.split(","))


def routes(client, headers: dict, deep: int, only: str = "") -> list[tuple[str, str]]:
    """Every tab of the board in its orders, first and deep page (offset, and by cursor where
    the route has one), the list of `GET /api/incidents`, the snapshot, the wall and the export."""
    out = []
    for view in ("all", "unclaimed", "escalated"):
        out.append((f"incidents {view} p1", f"/api/incidents?view={view}&status=open&limit=50"))
        out.append((f"incidents {view} offset {deep}", f"/api/incidents?view={view}&status=open&limit=50&offset={deep}"))
    for view, order in (("all", "breach"), ("all", "newest"), ("unclaimed", "breach"), ("mine", "breach"),
                        ("escalated", "breach")):
        out.append((f"board {view} {order} p1", f"/api/board?view={view}&order={order}&limit=50"))
        out.append((f"board {view} {order} offset {deep}", f"/api/board?view={view}&order={order}&limit=50&offset={deep}"))
    for label, path in list(out):
        if label.endswith(" p1") and wanted(label.replace(" p1", f" cursor p{deep // 50 + 1}"), only):
            cursor_path = _cursor_path(client, path, headers, deep // 50)
            if cursor_path:
                out.append((label.replace("p1", f"cursor p{deep // 50 + 1}"), cursor_path))
    out += [("snapshot", "/api/dashboard/snapshot"), ("wall", "/api/dashboard/wall"),
            ("export xlsx (all, open)", "/api/board/export?format=xlsx&view=all&status=open"),
            ("export xlsx (米山镇, open)", "/api/board/export?format=xlsx&view=all&status=open&region=米山镇")]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-runs", type=int, default=2)
    parser.add_argument("--deep", type=int, default=5000, help="offset of the deep page")
    parser.add_argument("--only", default="", help="only the routes whose label contains one of these comma-separated parts")
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from service.core.settings import Settings
    from service.main import create_app
    from tests.support.factories import login

    print(line())
    with filled_database(args.incidents, fill, prefix="yuqing_province") as (url, _org):
        # wall_cache_seconds=0: each request reads (the cost of one read per scope, what the
        # shared figures cost the database every 2 s; a cached answer would time a dict lookup)
        settings = Settings(database_url=url, demo=True, demo_force=True, redis_url=None, sweep_seconds=0,
                            wall_cache_seconds=0, _env_file=None)
        with TestClient(create_app(settings)) as client:
            for who in ("coordinator_gaoping", "admin"):
                headers = login(client, who)
                print(f"\n{who}\n| route | p50 ms | p95 ms | status | bytes |\n|---|---|---|---|---|")
                for label, path in routes(client, headers, args.deep, args.only):
                    if not wanted(label, args.only):
                        continue
                    runs = args.export_runs if label.startswith("export") else args.runs
                    p50, p95, status, size = _timed(client, path, headers, runs)
                    print(f"| {label} | {p50:.1f} | {p95:.1f} | {status} | {size:,} |", flush=True)
    print(line())


if __name__ == "__main__":
    main()
