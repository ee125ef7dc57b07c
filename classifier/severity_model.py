"""A learned, explainable severity signal beside the rules of classifier.severity.

Logistic regression over jieba words and character bigrams (sublinear TF-IDF), trained on the
hand-written examples of classifier/data/training/severity.csv: one of the seeds' triggers per
example (the keys of severity.yaml) or `none`. It is fitted once per process from that file,
deterministically (no artifact to ship or to drift). Its explanation is the words of the text
that pushed the chosen trigger most: they are given as the reason, so a coordinator sees why.

The rules stay first: this signal adds a trigger only when its probability reaches THRESHOLD
and the rules did not already fire it (bench/severity_eval.py measures both, per trigger).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from classifier.features import prepare

TRAINING_CSV = Path(__file__).parent / "data" / "training" / "severity.csv"
NONE = "none"
THRESHOLD = 0.3  # probability of a trigger before it fires: 4 % false alarms on `none` (bench/severity_eval.py)
EXPLAIN_WORDS = 4


@dataclass(frozen=True)
class LearnedSignal:
    trigger: str  # a trigger key of severity.yaml
    probability: float
    words: tuple[str, ...]  # the text's words that weigh most for it


def analyse(text: str) -> list[str]:
    """jieba words of two or more characters and character bigrams of the prepared text."""
    import jieba

    prepared = prepare(text)
    words = [w for w in jieba.lcut(prepared) if len(w.strip()) >= 2]
    chars = [c for c in prepared if "\u4e00" <= c <= "\u9fff"]
    return words + ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


class SeverityModel:
    def __init__(self, texts: Sequence[str], labels: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        self.vectorizer = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=1)
        x = self.vectorizer.fit_transform(list(texts))
        # one-vs-rest liblinear: fast and deterministic; one weight vector per trigger to explain with
        self.model = OneVsRestClassifier(LogisticRegression(C=8.0, solver="liblinear", class_weight="balanced"))
        self.model.fit(x, list(labels))
        self.features = np.asarray(self.vectorizer.get_feature_names_out())
        # the fitted numbers, for a fast per-item score without sklearn's per-call overhead
        self.vocabulary: dict[str, int] = dict(self.vectorizer.vocabulary_)
        self.idf: npt.NDArray[np.float64] = self.vectorizer.idf_
        self.classes = [str(c) for c in self.model.classes_]
        # classes × features
        self.weights: npt.NDArray[np.float64] = np.vstack([e.coef_[0] for e in self.model.estimators_])
        self.intercepts: npt.NDArray[np.float64] = np.array([e.intercept_[0] for e in self.model.estimators_])

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, values) of the text as the vectorizer would give (sublinear TF-IDF, l2)."""
        counts: dict[int, int] = {}
        for token in analyse(text):
            j = self.vocabulary.get(token)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * self.idf[idx]
        norm = np.linalg.norm(values)
        return idx, values / norm if norm else values

    def probabilities(self, text: str) -> np.ndarray:
        """One-vs-rest probabilities, normalised over the classes (as predict_proba does)."""
        idx, values = self._vector(text)
        scores: npt.NDArray[np.float64] = self.weights[:, idx] @ values + self.intercepts
        p = 1.0 / (1.0 + np.exp(-scores))
        return p / np.sum(p)  # np.sum: ndarray.sum() is Any to mypy

    def signal(self, text: str, threshold: float = THRESHOLD) -> LearnedSignal | None:
        """The most probable trigger and its words, or None (no trigger above the threshold)."""
        proba = self.probabilities(text)
        best = int(np.argmax(proba))
        label = self.classes[best]
        if label == NONE or proba[best] < threshold:
            return None
        idx, values = self._vector(text)
        contrib = values * self.weights[best][idx]
        order = np.argsort(-contrib)
        words = tuple(dict.fromkeys(str(self.features[idx[i]]) for i in order if contrib[i] > 0))
        return LearnedSignal(label, round(float(proba[best]), 2), _longest_first(words)[:EXPLAIN_WORDS])


def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    """Drop a bigram contained in a stronger word already shown (发热 after 不明原因发热)."""
    kept: list[str] = []
    for w in words:
        if not any(w in k for k in kept):
            kept.append(w)
    return tuple(kept)


def read_examples(path: str | Path = TRAINING_CSV) -> tuple[list[str], list[str]]:
    with Path(path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["text"] for r in rows], [r["trigger"] for r in rows]


@lru_cache(maxsize=1)
def packaged_model() -> SeverityModel:
    return SeverityModel(*read_examples())
