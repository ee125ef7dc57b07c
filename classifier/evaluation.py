"""Stratified k-fold cross-validation of the topic model, and its printable report.

Everything the model learns — vocabulary, IDF, self-training on the unlabelled texts, calibration
— is fitted inside each fold on that fold's training part; the held-out fold only gets predicted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold


@dataclass(frozen=True)
class ClassScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class EvalReport:
    accuracy: float
    macro_f1: float
    per_class: tuple[ClassScore, ...]
    n: int
    folds: int
    seed: int
    predictions: tuple[str, ...] = field(default=(), repr=False)  # out-of-fold, in input order

    def render(self) -> str:
        """Accuracy, macro-F1 and the per-class table; the last line is exactly `macro-F1 0.NNN`."""
        width = max([_width(c.label) for c in self.per_class] + [5])
        lines = [
            f"{self.folds} 折分层交叉验证 / stratified {self.folds}-fold CV, seed {self.seed}, n={self.n}",
            f"accuracy {self.accuracy:.3f}",
            f"{'label':<{width}}  precision  recall     f1  support",
        ]
        for c in self.per_class:
            pad = " " * (width - _width(c.label))  # CJK characters take two columns
            lines.append(f"{c.label}{pad}  {c.precision:9.3f}  {c.recall:6.3f}  {c.f1:5.3f}  {c.support:7d}")
        lines.append(f"macro-F1 {self.macro_f1:.3f}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 6), "macro_f1": round(self.macro_f1, 6), "n": self.n,
                "folds": self.folds, "seed": self.seed,
                "per_class": {c.label: {"precision": round(c.precision, 4), "recall": round(c.recall, 4),
                                        "f1": round(c.f1, 4), "support": c.support} for c in self.per_class}}


def _width(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E80)


def score(truth: Sequence[str], predicted: Sequence[str], *, folds: int = 0, seed: int = 0) -> EvalReport:
    """The report of `predicted` against `truth` (labels sorted; absent predictions score 0)."""
    labels = sorted(set(truth))
    p, r, f, s = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_class = tuple(ClassScore(label, float(p[i]), float(r[i]), float(f[i]), int(s[i])) for i, label in enumerate(labels))
    return EvalReport(
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        per_class=per_class, n=len(truth), folds=folds, seed=seed, predictions=tuple(predicted),
    )


def cross_validate(texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0,
                   unlabeled: Sequence[str] = (), term_lists: Mapping[str, Sequence[str]] | None = None,
                   user_words: Sequence[str] = (), **fit_options: Any) -> EvalReport:
    """Out-of-fold predictions of `TopicModel.fit` (shuffled StratifiedKFold with `seed`), scored.

    `fit_options` go to `TopicModel.fit` (e.g. self_training_rounds). Predictions are the most
    probable label: abstention (待研判) is a product decision, not a classification error.
    """
    from classifier.model import TopicModel

    texts, labels = list(texts), [str(label) for label in labels]
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    predicted: list[str | None] = [None] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        model = TopicModel.fit([texts[i] for i in train], [labels[i] for i in train], unlabeled=unlabeled,
                               term_lists=term_lists, user_words=user_words, seed=seed, **fit_options)
        for i, label in zip(test, model.best_labels([texts[i] for i in test]), strict=True):
            predicted[i] = label
    return score(labels, [str(p) for p in predicted], folds=folds, seed=seed)
