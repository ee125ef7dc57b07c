"""Classify + route throughput in one process, and model load time.

    python bench/classify_route.py --items 2000 --repeat 5

Throughput: Engine.triage_many (normalise, topic model, severity, gazetteer, entities,
routing, clocks) over generated short items (bench/generate.py) on the demo organisation,
items/s as the median of --repeat runs after one warm-up run. Load time: the active model's
artifact loaded from disk (joblib, through classifier.registry), median of --repeat loads.
Set MODEL_DIR to measure a deployment's model; --keyword measures the keyword baseline.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from generate import items as generate  # noqa: E402

from classifier import registry  # noqa: E402
from classifier.keywords import KeywordClassifier  # noqa: E402
from routing.orgfile import load_demo_org  # noqa: E402
from routing.policy import load_policy  # noqa: E402
from routing.taxonomy import load_taxonomy  # noqa: E402
from service.core.settings import get_settings  # noqa: E402
from service.incidents.pipeline import Engine, ItemInput  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=100, help="items per triage_many call (the worker's batch)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keyword", action="store_true", help="the keyword baseline instead of the active model")
    args = ap.parse_args()
    taxonomy = load_taxonomy()
    model_dir = get_settings().model_dir or None
    loaded = registry.load_classifier(taxonomy, model_dir)
    classifier = KeywordClassifier(taxonomy) if args.keyword else loaded.classifier
    name = "keyword" if args.keyword else f"{loaded.source} {loaded.version or ''}".strip()

    if loaded.ref is not None and not args.keyword:
        loads = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            registry.load_model(loaded.ref, taxonomy)
            loads.append(time.perf_counter() - t0)
        print(f"model load ({loaded.ref.artifact.name}, {loaded.ref.artifact.stat().st_size / 1e6:.1f} MB): "
              f"median {statistics.median(loads):.3f} s over {args.repeat}")

    engine = Engine.build(load_demo_org(), taxonomy, load_policy(), classifier)
    now = datetime.now(UTC)
    # fresh items every run (another seed): the model's feature code caches tokenised texts
    runs = [[ItemInput(key=i["external_id"], text=i["text"], received_at=now) for i in generate(args.items, seed=s)]
            for s in range(args.repeat + 1)]
    run(engine, runs[0][: args.batch], args.batch)  # warm-up: jieba dictionaries
    rates = [run(engine, inputs, args.batch) for inputs in runs[1:]]
    print(f"classify + route ({name}): median {statistics.median(rates):.0f} items/s over {args.repeat} runs "
          f"of {args.items} items (min {min(rates):.0f}, max {max(rates):.0f})")


def run(engine: Engine, inputs: list[ItemInput], batch: int) -> float:
    t0 = time.perf_counter()
    for start in range(0, len(inputs), batch):
        engine.triage_many(inputs[start : start + batch])
    return len(inputs) / (time.perf_counter() - t0)


if __name__ == "__main__":
    main()
