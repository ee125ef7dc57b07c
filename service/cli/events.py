"""`yuqing events eval`: score incident merging on a deployment's own labelled history (issue 16).

    yuqing events eval --labels LABELS.jsonl (--items ITEMS.jsonl | --predictions PRED.jsonl) [--org FILE]
    yuqing events pairs --out PAIRS.jsonl   (coordinators' merges and splits, service.learning.merge_pairs)

LABELS: {"id", "event"} per line (event null for a message that is its own incident). ITEMS: the
JSON lines `yuqing triage` reads; they are grouped offline as the service groups them (received
order, the policy's grouping rule). PREDICTIONS: {"id", "incident"} per line, e.g. the output of
`yuqing triage`. Prints pairwise precision/recall/F1 and the distractors merged (service.learning.event_eval).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    events = sub.add_parser("events", help="incident merging: score it on labelled history")
    events_sub = events.add_subparsers(dest="events_cmd", required=True)
    ev = events_sub.add_parser("eval", help="pairwise P/R/F1 and distractors merged against labels")
    ev.add_argument("--labels", required=True, help="JSON lines {id, event}")
    src = ev.add_mutually_exclusive_group(required=True)
    src.add_argument("--items", help="JSON-lines items (as for triage) to group offline")
    src.add_argument("--predictions", help="JSON lines {id, incident}")
    ev.add_argument("--org", help="organisation YAML (default: the demo org)")
    pairs = events_sub.add_parser("pairs", help="export coordinators' merges and splits as labelled pairs")
    pairs.add_argument("--out", required=True, help="JSON-lines file to write")


def offline_engine(org_file: str | None = None):
    """The engine `yuqing triage` uses: the org, the packaged taxonomy, the policy and model."""
    from classifier.registry import load_classifier
    from routing.orgfile import load_demo_org, load_org
    from routing.policy import load_policy
    from routing.taxonomy import load_taxonomy
    from service.core.settings import get_settings
    from service.incidents.pipeline import Engine

    settings, taxonomy = get_settings(), load_taxonomy()
    org = load_org(org_file) if org_file else load_demo_org()
    classifier = load_classifier(taxonomy, settings.model_dir or None).classifier
    return Engine.build(org, taxonomy, load_policy(settings.policy_file), classifier)


def cmd_events(args: argparse.Namespace) -> int:
    if args.events_cmd == "pairs":
        return _export_pairs(args.out)
    from service.cli.triage import TriageInputError, now_local, parse_lines, triage_records
    from service.learning.event_eval import LabelError, read_labels, score

    try:
        labels = read_labels(args.labels)
        if args.predictions:
            predicted = _read_predictions(args.predictions)
        else:
            items = parse_lines(Path(args.items).read_text(encoding="utf-8").splitlines(), now_local())
            predicted = {r["id"]: r["incident"] for r in triage_records(offline_engine(args.org), items)}
    except (LabelError, TriageInputError, OSError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print("\n".join(score(labels, predicted).lines()))
    return 0


def _export_pairs(out: str) -> int:
    from service.core.db import session_scope
    from service.core.settings import get_settings
    from service.learning.merge_pairs import export_jsonl, load_pairs

    with session_scope(get_settings().database_url) as session:
        pairs, items = load_pairs(session)
        try:
            n = export_jsonl(pairs, items, out)
        except OSError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    print(f"已导出 {n} 对 / {n} pairs written to {out}")
    return 0


def _read_predictions(path: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                raw = json.loads(line)
                out[str(raw["id"])] = raw["incident"]
            except (json.JSONDecodeError, KeyError, TypeError):
                raise ValueError(f"第{n}行：需要 {{\"id\", \"incident\"}} / line {n}: {{\"id\", \"incident\"}} required") from None
    return out
