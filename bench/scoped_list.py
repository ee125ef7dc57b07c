"""Viewer-scoped incident listing (issue 4 workflow): how long `GET /api/incidents`'s query
takes per viewer when the database holds many incidents, on PostgreSQL.

Fills a fresh database with N incidents spread over the demo org's townships and departments
(with their incident_unit rows, as processing writes them), then times the scoped list query
(newest 100) for a liaison, a region leader and the admin, and prints the PostgreSQL plan of
the liaison's query. Usage: .venv/bin/python bench/scoped_list.py --incidents 50000
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from scratch_db import filled_database
from sqlalchemy import insert, text
from sqlmodel import col, select

from service.auth.rules import Principal, Role
from service.core.db import get_engine, session_scope
from service.incidents.models import Incident, IncidentUnit
from service.incidents.units import scoped, unit_rows


def fill(url: str, n: int, org) -> None:
    rng = random.Random(7)
    towns = [r for r in org.regions.values() if r.parent == "高平市"]
    depts = [d for d in org.departments if d.startswith("高平市")]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    engine = get_engine(url)
    for base in range(0, n, 5000):
        rows, units = [], []
        for i in range(base + 1, min(n, base + 5000) + 1):
            town = rng.choice(towns)
            first = [rng.choice([town.government, rng.choice(depts)])]
            co = [rng.choice(depts)] if rng.random() < 0.3 else []
            at = start + timedelta(minutes=i)
            rows.append({"id": i, "topic": "环境保护", "severity": "一般", "status": rng.choice(["unclaimed", "claimed"]),
                         "scope": "single", "vertical": False, "emergency": False, "verification_request": False,
                         "level_region": town.name, "first_responsible": first, "co_responsible": co,
                         "coordinators": [], "reasons": [], "regions": [town.name], "departments": [],
                         "received_at": at, "last_seen": at, "created_at": at, "signature": {}})
            units += [{"incident_id": i, "unit": u, "role": r} for u, r in unit_rows(town.name, [town.name], first, co, None)]
        with engine.begin() as conn:
            conn.execute(insert(Incident), rows)
            conn.execute(insert(IncidentUnit), units)
    with engine.begin() as conn:
        conn.execute(text("SELECT setval('incident_id_seq', :n)"), {"n": n})
        conn.execute(text("ANALYZE"))


def timed(url: str, viewer: Principal, org, runs: int) -> tuple[float, float, int]:
    q = scoped(select(Incident), viewer, org).order_by(col(Incident.id).desc()).limit(100)
    times, found = [], 0
    with session_scope(url) as session:
        for _ in range(runs):
            t = time.perf_counter()
            found = len(session.exec(q).all())
            times.append(time.perf_counter() - t)
            session.expunge_all()
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.99) - 1] * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with filled_database(args.incidents, fill) as (url, org):
        viewers = {"liaison 米山镇人民政府": Principal(1, "l", Role.LIAISON, unit="米山镇人民政府"),
                   "liaison 高平市教育局": Principal(2, "e", Role.LIAISON, unit="高平市教育局"),
                   "leader 米山镇 (region)": Principal(3, "m", Role.LEADER, region="米山镇"),
                   "coordinator 高平市 (region)": Principal(4, "c", Role.COORDINATOR, region="高平市"),
                   "admin": Principal(5, "a", Role.ADMIN)}
        print("| viewer | p50 ms | p99 ms | rows |\n|---|---|---|---|")
        for label, viewer in viewers.items():
            p50, p99, found = timed(url, viewer, org, args.runs)
            print(f"| {label} | {p50:.2f} | {p99:.2f} | {found} |")
        q = scoped(select(Incident.id), viewers["liaison 米山镇人民政府"], org).order_by(col(Incident.id).desc()).limit(100)
        with get_engine(url).connect() as conn:
            sql = str(q.compile(conn, compile_kwargs={"literal_binds": True}))
            print("\n".join(r[0] for r in conn.execute(text("EXPLAIN " + sql))))


if __name__ == "__main__":
    main()
