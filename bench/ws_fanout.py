"""Live fan-out benchmark: N WebSocket viewers while items stream in.

Starts `yuqing serve` on a fresh PostgreSQL database. Modes: `embedded` (no Redis: the API
processes items inline and fans out from the in-process bus); `redis` (REDIS_URL and `yuqing
worker` processes: the workers publish to Redis, the one API process takes the items and fans
out from its subscription); `split` (as redis, but the sockets are on a second API process, so
the ingest requests do not share a GIL with the live push — Redis fan-out between processes). Creates viewer accounts of several scopes (township and department
liaisons, the county's leader/coordinator/reviewer), signs them in, opens N sockets from
separate client processes, streams generated items through `POST /api/items` at the offered
rate, and measures for every incident change the time from its publication (the event's
`at`, carried as the row's `changed_at`) to its receipt by the *last* socket that got it.

    python bench/ws_fanout.py --clients 500 --rate 1000 --seconds 20 --mode all

Everything is on 127.0.0.1; runs are bounded by --seconds and a drain timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

TOKEN = "bench-token"
PASSWORD = "bench-pass-12345"
BIN_MS = 1  # latency histogram bins
ROW = re.compile(r'\{"id":(\d+),.*?"changed_at":([0-9.]+)\}')  # a pushed row: id first, changed_at last
TOWNS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "建宁乡", "北诗镇", "石末乡", "河西镇", "马村镇", "原村乡",
         "野川镇", "寺庄镇", "永禄乡"]
STREETS = ["东城办事处", "南城办事处", "北城办事处"]
DEPARTMENTS = ["高平市市场监督管理局", "高平市住房和城乡建设局", "高平市民政局", "高平市教育局",
               "高平市人力资源和社会保障局", "高平市自然资源局", "高平市卫生健康和体育局", "高平市城市管理局"]


def accounts() -> tuple[list[dict], list[dict]]:
    """(unit-scoped accounts, region-scoped accounts) of the demo county."""
    units = [*(f"{t}人民政府" for t in TOWNS), *STREETS, *DEPARTMENTS]
    liaisons = [{"username": f"l{i}", "role": "liaison", "unit": u} for i, u in enumerate(units)]
    region = [{"username": "leader", "role": "leader", "region": "高平市"},
              {"username": "coordinator", "role": "coordinator", "region": "高平市"},
              {"username": "reviewer", "role": "reviewer", "region": "高平市"}]
    return liaisons, region


# -- the parent --------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--procs", type=int, default=4, help="client processes")
    ap.add_argument("--region-share", type=float, default=0.1,
                    help="share of sockets of county-wide viewers (leader/coordinator/reviewer), who see everything")
    ap.add_argument("--rate", type=float, default=1000.0, help="offered items/s")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--mode", choices=["embedded", "redis", "split", "all"], default="all")
    ap.add_argument("--workers", type=int, default=2, help="RQ workers in redis mode")
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--no-deflate", action="store_true",
                    help="clients do not offer permessage-deflate (browsers do; compression runs per socket)")
    ap.add_argument("--replay", action="store_true",
                    help="redis/split only: instead of items, publish incident events at --rate per second "
                         "on the bus as workers do (the live path alone, at the full rate)")
    ap.add_argument("--ws-deflate", action="store_true", help="server compresses (WS_DEFLATE=true)")
    ap.add_argument("--flush", type=float, default=None, help="LIVE_FLUSH_SECONDS (default: the setting's)")
    args = ap.parse_args()
    modes = ["embedded", "redis", "split"] if args.mode == "all" else [args.mode]
    results = {m: run_once(args, m) for m in modes}
    print("\nmode      routed/s sockets  changes  change→last socket p50 / p99   per delivery p50 / p99   resyncs  closed")
    for m, r in results.items():
        print(f"{m:9} {r['routed']:8.0f} {r['sockets']:7d} {r['changes']:8d}  {r['p50']:9.3f} s / {r['p99']:.3f} s      "
              f"{r['d50']:7.3f} s / {r['d99']:.3f} s      {r['resyncs']:5d}  {r['closed']:5d}")


def run_once(args: argparse.Namespace, mode: str) -> dict:
    from scratch_db import scratch_database

    with scratch_database("yuqing_wsbench") as url:
        return _run(args, mode, url)


def _run(args: argparse.Namespace, mode: str, url: str) -> dict:
    from generate import items as generate
    from ingest_queued import wait_ready

    env = {**os.environ, "DATABASE_URL": url, "API_TOKENS": json.dumps({TOKEN: "ingest"}), "DEMO": "false",
           "REDIS_URL": "" if mode == "embedded" else args.redis}
    if args.flush is not None:
        env["LIVE_FLUSH_SECONDS"] = str(args.flush)
    env["WS_DEFLATE"] = "true" if args.ws_deflate else "false"
    if mode != "embedded":
        from redis import Redis

        Redis.from_url(args.redis).flushdb()
    procs: list[subprocess.Popen] = []
    clients: list[subprocess.Popen] = []
    base = f"http://127.0.0.1:{args.port}"
    try:
        api_log = open(f"/tmp/ws_fanout_api_{mode}.log", "w")
        procs.append(subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(args.port)],
                                      env=env, cwd=ROOT, stdout=api_log, stderr=subprocess.STDOUT))
        wait_ready(base)
        live = base
        if mode == "split":  # started once the first has migrated the new database
            live = f"http://127.0.0.1:{args.port + 1}"
            procs.append(subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(args.port + 1)],
                                          env=env, cwd=ROOT, stdout=api_log, stderr=subprocess.STDOUT))
            wait_ready(live)
        cookies = sign_in(live, url)
        plan = socket_plan(cookies, args.clients, args.region_share)
        if mode != "embedded":
            procs += [subprocess.Popen([sys.executable, "-m", "service.cli", "worker"], env=env, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                      for _ in range(args.workers)]
        clients = start_clients(args, plan, live.removeprefix("http://"))
        # warm-up: models loaded everywhere (with --replay: the incidents the events will name)
        stream(base, generate(3000 if args.replay else 300, seed=1), args.batch, args.rate)
        wait_drained(url)
        time.sleep(1)
        t0 = time.time()
        for c in clients:
            c.stdin.write(f"go {t0}\n")
            c.stdin.flush()
        if args.replay:
            routed = replay(args, url)
        else:
            stream(base, generate(int(args.rate * args.seconds)), args.batch, args.rate)
            wait_drained(url)
            routed = routed_rate(url, t0)
            print(f"[{mode}] items routed at {routed:.0f} items/s (offered {args.rate:.0f}/s)")
        time.sleep(2)  # the last flush
        outs = []
        for c in clients:
            c.stdin.write("stop\n")
            c.stdin.flush()
        for c in clients:
            outs.append(json.loads(c.stdout.readline()))
        return {**summarise(mode, outs), "routed": routed}
    finally:
        for p in [*clients, *procs]:
            p.terminate()
        for p in [*clients, *procs]:
            p.wait(20)


def sign_in(base: str, url: str) -> dict[str, str]:
    """Create the viewer accounts (as `yuqing user add` does) and sign each in: username → cookie."""
    import httpx

    import service.tables  # noqa: F401 — every table registered (the server process migrated, not this one)
    from service.auth.service import create_user
    from service.core.db import session_scope
    from service.core.settings import Settings
    from service.incidents.runtime import load_engine

    settings = Settings(database_url=url, _env_file=None)
    liaisons, region = accounts()
    with session_scope(url) as session:
        org = load_engine(settings, session).org
        for a in [*liaisons, *region]:
            create_user(session, org, password=PASSWORD, actor="bench", **a)
        session.commit()
    out = {}
    with httpx.Client(base_url=base) as h:
        for a in [*liaisons, *region]:
            r = h.post("/api/auth/login", json={"username": a["username"], "password": PASSWORD})
            r.raise_for_status()
            out[a["username"]] = f"yuqing_session={r.cookies['yuqing_session']}"
    return out


def socket_plan(cookies: dict[str, str], n: int, region_share: float) -> list[str]:
    liaisons, region = accounts()
    n_region = round(n * region_share)
    plan = [cookies[region[i % len(region)]["username"]] for i in range(n_region)]
    plan += [cookies[liaisons[i % len(liaisons)]["username"]] for i in range(n - n_region)]
    return plan


def start_clients(args: argparse.Namespace, plan: list[str], host: str) -> list[subprocess.Popen]:
    clients = []
    for k in range(args.procs):
        c = subprocess.Popen([sys.executable, __file__, "_client"], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        c.stdin.write(json.dumps({"host": host, "cookies": plan[k::args.procs],
                                  "deflate": not args.no_deflate}) + "\n")
        c.stdin.flush()
        clients.append(c)
    for c in clients:
        line = c.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit(f"client process failed: {line!r}")
    print(f"{len(plan)} sockets connected from {args.procs} processes")
    return clients


def stream(base: str, items: list[dict], batch: int, rate: float) -> None:
    """Open loop: a batch leaves on schedule whether or not the previous ones were answered."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    start = time.perf_counter()
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120,
                      limits=httpx.Limits(max_connections=16)) as client, ThreadPoolExecutor(16) as pool:
        futures = []
        for n in range(0, len(items), batch):
            delay = start + n / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(post, client, items[n:n + batch]))
        for f in futures:
            f.result().raise_for_status()
    print(f"posted {len(items)} items in {time.perf_counter() - start:.1f} s (offered {rate:.0f}/s)")


def post(client, chunk: list[dict]):
    import httpx

    for attempt in range(3):  # a kept-alive connection the server closed meanwhile; items are idempotent
        try:
            return client.post("/api/items", json=chunk)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            if attempt == 2:
                raise
    return None


def replay(args: argparse.Namespace, url: str) -> float:
    """Publish `incident.item_added` for random existing incidents at --rate/s, in 10 ms ticks."""
    import random

    import psycopg
    from redis import Redis

    from service.core.bus import channel

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM incident")]
    bus, name, rng = Redis.from_url(args.redis), channel(args.redis), random.Random(1)
    start, sent, tick = time.perf_counter(), 0, 0.01
    while (elapsed := time.perf_counter() - start) < args.seconds:
        due = int(elapsed * args.rate) - sent
        if due > 0:
            pipe = bus.pipeline(transaction=False)
            for _ in range(due):
                pipe.publish(name, json.dumps({"type": "incident.item_added", "incident_id": rng.choice(ids),
                                               "at": time.time()}))
            pipe.execute()
            sent += due
        time.sleep(tick)
    print(f"replayed {sent} events over {len(ids)} incidents in {time.perf_counter() - start:.1f} s")
    return sent / args.seconds


def routed_rate(url: str, t0: float) -> float:
    import psycopg

    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        n, span = conn.execute("SELECT count(*), EXTRACT(EPOCH FROM max(processed_at) - min(created_at)) FROM item "
                               "WHERE created_at >= to_timestamp(%s)", (t0,)).fetchone()
    return n / float(span) if span else float("nan")


def wait_drained(url: str, timeout: float = 300) -> None:
    import psycopg

    deadline = time.time() + timeout
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        while time.time() < deadline:
            if conn.execute("SELECT count(*) FROM item WHERE status = 'pending'").fetchone()[0] == 0:
                return
            time.sleep(0.3)
    raise SystemExit("items were not processed in time")


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[int(q * (len(sorted_values) - 1))] if sorted_values else float("nan")


def hist_percentile(hist: Counter, q: float) -> float:
    total = sum(hist.values())
    target, seen = q * total, 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= target:
            return (b + 1) * BIN_MS / 1000
    return float("nan")


def summarise(mode: str, outs: list[dict]) -> dict:
    last: dict[tuple[int, float], float] = {}
    hist: Counter = Counter()
    stats: Counter = Counter()
    for out in outs:
        for i, changed, recv in out["last"]:
            key = (i, changed)
            last[key] = max(last.get(key, 0.0), recv)
        hist.update({int(b): n for b, n in out["hist"].items()})
        stats.update(out["stats"])
    lat = sorted(recv - changed for (_i, changed), recv in last.items())
    r = {"sockets": stats["hello"], "changes": len(lat), "p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99),
         "max": lat[-1] if lat else float("nan"), "d50": hist_percentile(hist, 0.5),
         "d99": hist_percentile(hist, 0.99), "resyncs": stats["resync"], "closed": stats["closed"]}
    print(f"[{mode}] sockets {r['sockets']}, messages {dict(stats)}, distinct changes {r['changes']}, "
          f"change→last socket p50 {r['p50']:.3f} s p99 {r['p99']:.3f} s max {r['max']:.3f} s; "
          f"per delivery p50 {r['d50']:.3f} s p99 {r['d99']:.3f} s")
    return r


# -- a client process ----------------------------------------------------------------------------

def client() -> None:
    asyncio.run(client_main(json.loads(sys.stdin.readline())))


async def client_main(plan: dict) -> None:
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    last: dict[tuple[int, float], float] = {}
    hist: Counter = Counter()
    stats: Counter = Counter()
    t0 = [float("inf")]
    hellos = asyncio.Semaphore(0)

    async def one(cookie: str) -> None:
        try:
            async with connect(f"ws://{plan['host']}/ws", additional_headers={"Cookie": cookie}, max_size=None,
                               open_timeout=60, ping_interval=None,
                               compression="deflate" if plan["deflate"] else None) as ws:
                async for text in ws:
                    now = time.time()
                    if '"type":"changes"' not in text[:40]:
                        m = json.loads(text)
                        stats[m["type"]] += 1
                        if m["type"] == "hello":
                            hellos.release()
                        continue
                    stats["changes"] += 1
                    # the clients share two cores with the server: pick out (id, changed_at) only
                    for incident_id, changed_text in ROW.findall(text):
                        changed = float(changed_text)
                        if changed < t0[0]:
                            continue
                        key = (int(incident_id), changed)
                        if last.get(key, 0.0) < now:
                            last[key] = now
                        hist[int((now - changed) * 1000 / BIN_MS)] += 1
        except asyncio.CancelledError:
            raise
        except Exception:
            stats["closed"] += 1

    tasks = []
    for n, cookie in enumerate(plan["cookies"]):
        tasks.append(asyncio.create_task(one(cookie)))
        if n % 25 == 24:
            await asyncio.sleep(0.05)  # do not stampede the handshake
    for _ in plan["cookies"]:
        await hellos.acquire()
    print("ready", flush=True)
    line = await loop.run_in_executor(None, sys.stdin.readline)
    t0[0] = float(line.split()[1])
    await loop.run_in_executor(None, sys.stdin.readline)  # stop
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"last": [[i, c, r] for (i, c), r in last.items()], "hist": hist, "stats": stats}), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_client"]:
        client()
    else:
        main()
