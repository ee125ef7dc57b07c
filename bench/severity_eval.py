"""Severity triggers: recall per trigger of the rules, the learned signal and both (issue 14).

    .venv/bin/python bench/severity_eval.py [--folds 5] [--threshold 0.35]

Data: classifier/data/training/severity.csv, hand-written ordinary wordings of the seeds'
triggers (one trigger per example, or `none`). Protocol: StratifiedKFold(folds, shuffle,
random_state=0); the learned model is fitted on each fold's training part only. The rules
(classifier/data/severity.yaml) are fixed; an example counts as found for its trigger when that
trigger fires. Also printed: how often each method fires a grave trigger on a `none` example
(false alarms) and how often the verdict 重大-or-not is right.
Caveat: the rules' words were written by the same hand as the examples, so their recall here
is optimistic; the learned column is the honest out-of-fold figure.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from sklearn.model_selection import StratifiedKFold

    from classifier.severity import assess_severity, load_rules
    from classifier.severity_model import NONE, THRESHOLD, SeverityModel, read_examples

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--cut", choices=["topic", "default"], default="topic",
                        help="the words: the packaged topic model's tokenizer (as the triage runs it) or jieba's default")
    args = parser.parse_args(argv)
    cut = packaged_words() if args.cut == "topic" else None
    texts, labels = read_examples()
    rules = load_rules()
    grave = {k for k, t in rules.triggers.items() if t.level != rules.default}
    rule_hits = [set(assess_severity(t, learned=False).triggers) & grave for t in texts]
    learned_hits: list[set[str]] = [set() for _ in texts]
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    for train, test in folds.split(texts, labels):
        model = SeverityModel([texts[i] for i in train], [labels[i] for i in train], cut=cut)
        for i in test:
            signal = model.signal(texts[i], args.threshold)
            learned_hits[i] = {signal.trigger} if signal else set()
    both = [rule or learned for rule, learned in zip(rule_hits, learned_hits, strict=True)]  # as assess_severity does
    print(f"n={len(texts)}  folds={args.folds}  threshold={args.threshold}  cut={args.cut}")
    print(f"{'trigger':22}{'n':>5}{'rules':>8}{'learned':>9}{'both':>7}")
    counts = Counter(labels)
    for trigger in sorted(counts):
        if trigger == NONE:
            continue
        idx = [i for i, y in enumerate(labels) if y == trigger]
        cols = [sum(trigger in hits[i] for i in idx) / len(idx) for hits in (rule_hits, learned_hits, both)]
        print(f"{trigger:22}{len(idx):>5}" + "".join(f"{c:>8.2f}" for c in cols))
    none = [i for i, y in enumerate(labels) if y == NONE]
    alarms = [sum(bool(hits[i]) for i in none) / len(none) for hits in (rule_hits, learned_hits, both)]
    print(f"{'false alarms on none':22}{len(none):>5}" + "".join(f"{a:>8.2f}" for a in alarms))
    verdict = [sum(bool(h) == (y != NONE) for h, y in zip(hits, labels, strict=True)) / len(labels)
               for hits in (rule_hits, learned_hits, both)]
    print(f"{'重大-or-not accuracy':20}{len(labels):>5}" + "".join(f"{v:>8.2f}" for v in verdict))
    return 0


def packaged_words():
    """The packaged topic model's jieba cut (classifier/data/model), as the triage hands it on."""
    from classifier.registry import load_classifier
    from routing.taxonomy import load_taxonomy

    return load_classifier(load_taxonomy(), None).classifier.words


if __name__ == "__main__":
    sys.exit(main())
