"""A learned, explainable severity signal beside the rules of classifier.severity.

Logistic regression over jieba words and character bigrams (sublinear TF-IDF), trained on the
hand-written examples of classifier/data/training/severity.csv: one of the seeds' triggers per
example (the keys of severity.yaml) or `none`. It is fitted from that file deterministically
(no artifact to ship or to drift), once per machine: its numbers are cached under a digest of
the examples, the code and the libraries (packaged_model). Its explanation is the words of the text
that pushed the chosen trigger most: they are given as the reason, so a coordinator sees why.

The rules stay first: this signal adds a trigger only when its probability reaches THRESHOLD
and the rules did not already fire it (bench/severity_eval.py measures both, per trigger).
"""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib.metadata import version
from pathlib import Path

import numpy as np
import numpy.typing as npt

from classifier.features import Tokenizer, prepare

TRAINING_CSV = Path(__file__).parent / "data" / "training" / "severity.csv"
NONE = "none"
THRESHOLD = 0.3  # probability of a trigger before it fires: 4 % false alarms on `none` (bench/severity_eval.py)
EXPLAIN_WORDS = 4


@dataclass(frozen=True)
class LearnedSignal:
    trigger: str  # a trigger key of severity.yaml
    probability: float
    words: tuple[str, ...]  # the text's words that weigh most for it


Cut = Callable[[str], Sequence[str]]  # prepared text → its words (classifier.features.Tokenizer)


def analyse(text: str, cut: Cut | None = None) -> list[str]:
    """jieba words of two or more characters and character bigrams of the prepared text. `cut`:
    the topic model's tokenizer, whose cut of this very text the triage has already made and
    remembered (one tokenisation an item, not two); jieba's default dictionary without one."""
    prepared = prepare(text)
    if cut is None:
        from classifier.jieba_dict import default_tokenizer

        tokens: Sequence[str] = default_tokenizer().lcut(prepared)
    else:
        tokens = cut(prepared)
    words = [w for w in tokens if len(w.strip()) >= 2]
    chars = [c for c in prepared if "\u4e00" <= c <= "\u9fff"]
    return words + ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)]


class SeverityModel:
    def __init__(self, texts: Sequence[str], labels: Sequence[str], cut: Cut | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        self.cut = cut  # fitted and scored with the same cut
        self.vectorizer = TfidfVectorizer(analyzer=partial(analyse, cut=cut), sublinear_tf=True, min_df=1)
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

    @classmethod
    def from_numbers(cls, features: npt.NDArray[np.str_], idf: npt.NDArray[np.float64], classes: Sequence[str],
                     weights: npt.NDArray[np.float64], intercepts: npt.NDArray[np.float64],
                     cut: Cut | None = None) -> SeverityModel:
        """A model scoring as a fitted one did, from its numbers alone (no sklearn objects)."""
        model = cls.__new__(cls)
        model.cut = cut
        model.features = features
        model.vocabulary = {str(f): i for i, f in enumerate(features)}
        model.idf, model.classes, model.weights, model.intercepts = idf, list(classes), weights, intercepts
        return model

    def save(self, path: Path) -> None:
        """The numbers as .npz (no pickle: a cache file can hold nothing but arrays), atomically."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as fh:
            np.savez(fh, features=self.features.astype(str), idf=self.idf, classes=np.asarray(self.classes, dtype=str),
                     weights=self.weights, intercepts=self.intercepts)
        os.replace(fh.name, path)

    @classmethod
    def load(cls, path: Path, cut: Cut | None = None) -> SeverityModel:
        with np.load(path, allow_pickle=False) as z:
            return cls.from_numbers(z["features"], z["idf"], [str(c) for c in z["classes"]], z["weights"],
                                    z["intercepts"], cut)

    def _vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature indices, values) of the text as the vectorizer would give (sublinear TF-IDF, l2)."""
        counts: dict[int, int] = {}
        for token in analyse(text, self.cut):
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


def fitted_digest(path: str | Path = TRAINING_CSV, words: str = "") -> str:
    """What decides the fitted numbers: the examples, this code, the versions it fits with and
    the user dictionary of the cut (`words`: its key; "" for jieba's default)."""
    h = hashlib.sha256(words.encode())
    for source in (Path(path), Path(__file__), Path(__file__).with_name("features.py")):
        h.update(source.read_bytes())
    for package in ("scikit-learn", "jieba", "numpy"):
        h.update(f"{package}={version(package)}".encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    """YUQING_CACHE_DIR, else the user's cache directory (XDG_CACHE_HOME or ~/.cache)/yuqing."""
    if configured := os.environ.get("YUQING_CACHE_DIR"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "yuqing"


@lru_cache(maxsize=4)
def packaged_model(cut: Tokenizer | None = None) -> SeverityModel:
    """Fitted from the examples with `cut` (the topic model's tokenizer: the triage cuts each
    item once for both) once per machine, not once per process: a cold worker then starts
    scoring in milliseconds instead of seconds. The cache is keyed by fitted_digest, so a changed
    example, code, library or dictionary fits anew; an unreadable or unwritable cache is only slower."""
    words = cut.key if cut is not None else ""
    path = cache_dir() / f"severity-{fitted_digest(words=words)}.npz"
    try:
        return SeverityModel.load(path, cut)
    except (OSError, ValueError, KeyError):
        pass
    model = SeverityModel(*read_examples(), cut=cut)
    try:
        model.save(path)
    except OSError:
        pass
    return model
