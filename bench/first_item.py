"""The first item after `yuqing serve` starts (issue 11, warm start): seconds from POST to
routed, embedded mode (SQLite, no Redis: the item is processed inside the request).

Starts the server (not --demo: demo mode loads the organisation early for its accounts) on a
fresh SQLite file, waits until /healthz answers, posts one item and
times the request (`processed_at − created_at` of the item is printed too), then a second item
for comparison. Runs against whichever `service` package is imported first, so
`PYTHONPATH=/work/main` measures main for a before/after:
    .venv/bin/python bench/first_item.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

TOKENS = '{"bench-ingest-token": "ingest", "bench-coordinator-token": "coordinator"}'
HEADERS = {"Authorization": "Bearer bench-ingest-token"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_run(n: int) -> tuple[float, float, float]:
    """(start-up to ready, first item, second item) in seconds."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(tmp) / 'yuqing.db'}", "REDIS_URL": "",
               "SWEEP_SECONDS": "0", "API_TOKENS": TOKENS, "DEMO": "false"}
        t0 = time.perf_counter()
        server = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
                while True:
                    try:
                        if api.get("/healthz").status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.05)
                ready = time.perf_counter() - t0
                times = []
                for i, text in enumerate(["米山镇凤凰小区烧烤店油烟扰民", "三甲镇中心小学门口道路积水严重"]):
                    t = time.perf_counter()
                    r = api.post("/api/items", headers=HEADERS, json={"external_id": f"first-{n}-{i}", "text": text})
                    times.append(time.perf_counter() - t)
                    assert r.status_code < 300, r.text
                    item = api.get(f"/api/items/{r.json()['items'][0]['id']}",
                                   headers={"Authorization": "Bearer bench-coordinator-token"}).json()
                    assert item["status"] == "processed", item
                    took = (datetime.fromisoformat(item["processed_at"]) - datetime.fromisoformat(item["created_at"]))
                    print(f"  run {n} item {i + 1}: request {times[-1]:.3f} s, processed_at − created_at "
                          f"{took.total_seconds():.3f} s")
        finally:
            server.terminate()
            server.wait(30)
    return ready, times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import service

    print(f"code: {service.__file__.rsplit('/service/', 1)[0]}")
    runs = [one_run(n) for n in range(args.repeat)]
    med = [statistics.median(r[k] for r in runs) for k in range(3)]
    print(f"median of {args.repeat}: ready after {med[0]:.2f} s, first item {med[1]:.3f} s, second item {med[2]:.3f} s")


if __name__ == "__main__":
    main()
