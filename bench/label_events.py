"""Search aid for labelling incident-merging data (issue 16): lists the messages of
messages_hot.csv that match a place-name regex, in time order, with the ones that must not be
labelled marked. It never writes labels: a label is a human judgement (see bench/data/EVENTS_TRAIN.md).

    .venv/bin/python bench/label_events.py '嘉和城|绕城高速.{0,8}绿地' [--text 160]

Marks: DEV = in events_dev.jsonl; EXCL = named in EVENTS_DEV.md (left out or considered) or an
exact copy of a dev message's text; T.. / null = already in bench/data/events_train.jsonl.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
TRAIN = ROOT / "bench" / "data" / "events_train.jsonl"


def read_rows(data_dir: Path) -> dict[str, dict[str, str]]:
    with (data_dir / "messages_hot.csv").open(newline="", encoding="utf-8") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def excluded(data_dir: Path, rows: dict[str, dict[str, str]]) -> tuple[set[str], set[str]]:
    """(dev ids, other ids never to label): every six-digit id EVENTS_DEV.md names (its left-out
    and borderline messages), and copies of a dev message (same opening text) it dropped."""
    dev = {json.loads(line)["id"] for line in (data_dir / "events_dev.jsonl").read_text(encoding="utf-8").splitlines()
           if line.strip()}
    named = set(re.findall(r"(?<!\d)\d{6}(?!\d)", (data_dir / "EVENTS_DEV.md").read_text(encoding="utf-8")))
    openings = {rows[i]["text"][:80] for i in dev if i in rows}
    copies = {i for i, r in rows.items() if r["text"][:80] in openings}
    return dev, (named | copies) - dev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pattern", help="regex over title + text (place names and their spellings)")
    ap.add_argument("--text", type=int, default=0, help="also print this many characters of the text")
    ap.add_argument("--data-dir", type=Path, default=DATA)
    args = ap.parse_args()

    rows = read_rows(args.data_dir)
    dev, other = excluded(args.data_dir, rows)
    labels = {}
    for line in TRAIN.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            labels[raw["id"]] = raw["event"] or "null"
    rx = re.compile(args.pattern)
    for r in sorted((r for r in rows.values() if rx.search(r["title"] + " " + r["text"])), key=lambda r: r["time"]):
        mark = "DEV" if r["id"] in dev else "EXCL" if r["id"] in other else labels.get(r["id"], "")
        print(f"{r['id']} {r['time'][:10]} {r['user'][-5:]} [{mark}] {r['title']}")
        if args.text:
            print("      " + r["text"][:args.text])


if __name__ == "__main__":
    main()
