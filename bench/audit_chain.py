"""Cost of hash-chaining the audit log on the ingest path.

A processing batch writes one audit row per item; this times committing such batches (rows
spread over many incident chains, as a batch of new incidents does) with the chaining hook
on and off, on PostgreSQL (fresh database) and SQLite.

    python bench/audit_chain.py --rows 1000 --chains 500 --repeat 5
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]
from scratch_db import scratch_database  # noqa: E402

from service.audit import chain as audit_chain  # noqa: E402
from service.audit.log import record  # noqa: E402
from service.core.columns import utcnow  # noqa: E402
from service.core.db import migrate, session_scope  # noqa: E402
from service.incidents.models import Incident  # noqa: E402


def incidents(url: str, n: int) -> list[int]:
    now = utcnow()
    with session_scope(url) as s:
        rows = [Incident(topic="食品药品监管", severity="一般", scope="single", level_region="高平市", received_at=now,
                         last_seen=now, created_at=now) for _ in range(n)]
        s.add_all(rows)
        s.commit()
        return [r.id for r in rows]


_unchained_seq = itertools.count(10**9)


def batch(url: str, ids: list[int], rows: int, hooked: bool) -> float:
    t = time.perf_counter()
    with session_scope(url) as s:
        for i in range(rows):
            e = record(s, "incident.item_merged", incident_id=ids[i % len(ids)], item_id=i, explanation="bench",
                       score=0.9)
            if not hooked:  # what the row cost before chaining (unique seq only to satisfy the index)
                e.chain, e.seq = -1, next(_unchained_seq)
        s.commit()
    return time.perf_counter() - t


def run(url: str, args: argparse.Namespace) -> None:
    migrate(url)
    ids = incidents(url, args.chains)
    for hooked in (True, False):
        if not hooked:
            event.remove(OrmSession, "before_flush", audit_chain._chain_new_entries)
        times = [batch(url, ids, args.rows, hooked) for _ in range(args.repeat)]
        if not hooked:
            event.listen(OrmSession, "before_flush", audit_chain._chain_new_entries)
        print(f"{url.split(':')[0]:>18}  chained={hooked!s:5}  {args.rows} rows over {args.chains} chains: "
              f"median {statistics.median(times) * 1000:.1f} ms  (min {min(times) * 1000:.1f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--chains", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.db", args)
    with scratch_database() as url:
        run(url, args)


if __name__ == "__main__":
    main()
