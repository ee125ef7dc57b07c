"""Gazetteer lookups per second on one core (was a timed test; speed targets live here).

    .venv/bin/python bench/gazetteer_speed.py [--texts 2000] [--runs 5]

Finds the places and bodies of a 100-character citizen message in the demo organisation's
gazetteer, `--texts` times per run; prints the median rate of `--runs` beside the machine's
one-core jieba rate (bench/calibration.py). Target: ≥ 5,000 texts/s on a quiet machine."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent), str(Path(__file__).resolve().parent)]
from calibration import line as machine_line  # noqa: E402

from classifier.gazetteer import Gazetteer  # noqa: E402
from routing.orgfile import load_demo_org  # noqa: E402

TEXT = ("高平市米山镇某小区门口的饭店油烟很大，阳城县城管和市教育局都不管，" * 3)[:100]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    gaz = Gazetteer.from_org(load_demo_org())
    gaz.find(TEXT)  # jieba's dictionary and the patterns load outside the timing
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(args.texts):
            gaz.find(TEXT)
        rates.append(args.texts / (time.perf_counter() - start))
    print(f"gazetteer: {statistics.median(rates):,.0f} texts/s (median of {args.runs} runs of {args.texts})")
    print(machine_line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
