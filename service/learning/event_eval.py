"""Scoring an incident merger against labelled history (issue 16): pure.

Definitions as in the TipDM events set's score_events.py (reimplemented here): labels map a
message id to an event label or None; messages with the same label form one gold cluster and
each None (a distractor) is its own singleton. Pairwise precision/recall/F1 are over
same-cluster pairs of labelled ids; "distractors merged" counts the None messages put in a
predicted cluster with any other labelled message. Ids without a prediction are singletons,
and predictions for unlabelled ids are ignored.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path


class LabelError(ValueError):
    pass


@dataclass(frozen=True)
class MergeScore:
    labelled: int
    events: int
    distractors: int
    gold_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    distractors_merged: int

    def lines(self) -> list[str]:
        return [
            f"labelled ids: {self.labelled} ({self.labelled - self.distractors} in {self.events} events, "
            f"{self.distractors} distractors)",
            f"gold pairs: {self.gold_pairs}  predicted pairs: {self.predicted_pairs}  correct: {self.correct_pairs}",
            f"pairwise precision: {self.precision:.4f}",
            f"pairwise recall:    {self.recall:.4f}",
            f"pairwise F1:        {self.f1:.4f}",
            f"distractors merged: {self.distractors_merged} / {self.distractors}",
        ]


def _pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for members in groups:
        out.update(combinations(sorted(members), 2))
    return out


def score(labels: Mapping[str, str | None], predicted: Mapping[str, object]) -> MergeScore:
    gold: dict[str, list[str]] = defaultdict(list)
    for i, e in labels.items():
        if e is not None:
            gold[e].append(i)
    clusters: dict[object, list[str]] = defaultdict(list)
    for i in labels:
        clusters[("p", json.dumps(predicted[i], sort_keys=True)) if i in predicted else ("one", i)].append(i)
    g, p = _pairs(gold.values()), _pairs(clusters.values())
    tp = len(g & p)
    prec = tp / len(p) if p else 1.0
    rec = tp / len(g) if g else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    size = {i: len(m) for m in clusters.values() for i in m}
    nulls = [i for i, e in labels.items() if e is None]
    return MergeScore(len(labels), len(gold), len(nulls), len(g), len(p), tp, prec, rec, f1,
                      sum(1 for i in nulls if size[i] > 1))


def read_labels(path: str | Path) -> dict[str, str | None]:
    """A JSON-lines file of {"id": …, "event": label or null}."""
    out: dict[str, str | None] = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            key, event = str(raw["id"]), raw["event"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise LabelError(f"第{n}行：需要 {{\"id\", \"event\"}} / line {n}: {{\"id\", \"event\"}} required") from None
        if event is not None and not isinstance(event, str | int):
            raise LabelError(f"第{n}行：event 须为字符串或 null / line {n}: event must be a string or null")
        if key in out:
            raise LabelError(f"第{n}行：id {key} 重复 / line {n}: duplicate id {key}")
        out[key] = None if event is None else str(event)
    return out
