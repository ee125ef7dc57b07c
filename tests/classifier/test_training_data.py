"""The default topic model's training set (classifier/data/training/topics.csv) is usable data.

These checks guard the hand-written file against edits that would silently weaken the model:
a misspelt label (a 27th class), a topic that lost its examples, a text repeated (it would sit
on both sides of a cross-validation split) or an unknown source.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from classifier.normalize import to_simplified
from routing.taxonomy import load_taxonomy

TRAINING_CSV = Path(__file__).resolve().parents[2] / "classifier" / "data" / "training" / "topics.csv"
SOURCES = {"web", "12345", "media", "leader", "weibo"}
MIN_PER_TOPIC = 45


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with TRAINING_CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["text", "label", "source"]
        data = list(reader)
    # a stray unquoted comma shows up as an extra column (key None) or a missing one
    bad = [i for i, r in enumerate(data, start=2) if None in r or None in r.values()]
    assert not bad, f"malformed CSV lines: {bad[:5]}"
    return data


def test_labels_are_taxonomy_topics(rows):
    topics = set(load_taxonomy().topic_names)
    unknown = Counter(r["label"] for r in rows if r["label"] not in topics)
    assert not unknown, f"labels not in the taxonomy: {dict(unknown)}"


def test_every_topic_has_enough_examples(rows):
    counts = Counter(r["label"] for r in rows)
    short = {t: counts[t] for t in load_taxonomy().topic_names if counts[t] < MIN_PER_TOPIC}
    assert not short, f"topics with fewer than {MIN_PER_TOPIC} examples: {short}"


def test_no_duplicate_texts(rows):
    # compared after trimming and folding traditional to simplified, as the model sees them
    seen = Counter(to_simplified(r["text"].strip()) for r in rows)
    dups = [t for t, n in seen.items() if n > 1]
    assert not dups, f"duplicate texts: {dups[:5]}"


def test_texts_are_non_empty_and_sources_known(rows):
    assert all(r["text"].strip() for r in rows)
    unknown = Counter(r["source"] for r in rows if r["source"] not in SOURCES)
    assert not unknown, f"unknown sources: {dict(unknown)}"
    # every register is represented, so the model is not trained on one kind of text only
    assert {r["source"] for r in rows} == SOURCES
