"""The learned topic classifier: TF-IDF words + character n-grams + term lists → linear SVM.

Confidence is the SVM's sigmoid-calibrated probability (CalibratedClassifierCV); below the
threshold the item goes to 待研判 with its three best guesses. Unlabelled texts, when given, are
used for self-training: the model labels them, the most confident per topic join the training
set at a lower weight, and the model is fitted again (this is where most of the TipDM gain
comes from; see bench/tipdm_eval.py). Reasons name the words that weighed most for the topic.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from classifier.base import TopicPrediction
from classifier.features import CHAR_BLOCK, TERM_BLOCK, WORD_BLOCK, Tokenizer, block_names, build_features, prepare
from classifier.keywords import ABSTAIN_REASON, KeywordClassifier
from routing.facts import UNKNOWN_TOPIC

FORMAT = 1  # layout of the saved artifact; bump when an old file can no longer be read
MAJOR = 1  # model family; version = f"{MAJOR}.<utc date>.<utc time>-<data fingerprint>"
DEFAULT_THRESHOLD = 0.35
SVM_C = 0.5
CALIBRATION_FOLDS = 3
SELF_TRAINING_ROUNDS = 1
PSEUDO_PER_CLASS = 150  # most confident unlabelled texts per topic and round (× topics, shared by prior)
PSEUDO_WEIGHT = 0.5  # a pseudo-label counts half a real one
# "prior": a topic's share of pseudo-labels follows its share of the real labels (a rare topic
# flooded with guesses gets over-predicted); "equal": pseudo_per_class for every topic.
PSEUDO_BALANCE = "prior"
MAX_REASON_WORDS = 6

# sklearn ships no types, so these are Any to mypy; the names say what is expected.
Estimator: TypeAlias = CalibratedClassifierCV | LinearSVC


class ModelMismatchError(ValueError):
    """The saved model was trained against another taxonomy (or is not a topic model)."""


class TopicModel:
    """Fitted with `TopicModel.fit`; implements the `Classifier` protocol."""

    def __init__(self, features: FeatureUnion, estimator: Estimator, labels: Sequence[str], threshold: float,
                 metadata: dict[str, Any]) -> None:
        self.features = features  # fitted FeatureUnion over prepared text
        self.estimator = estimator  # CalibratedClassifierCV, or a bare LinearSVC for tiny data
        self.labels = tuple(labels)
        self.threshold = threshold
        self.metadata = metadata
        self.tagger: KeywordClassifier | None = None  # for hot tags; the default taxonomy's when unset
        self._names: tuple[list[str], npt.NDArray[np.object_], npt.NDArray[np.bool_]] | None = None

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k not in ("tagger", "_names")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.tagger = None
        self._names = None

    # --- fitting ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], *, unlabeled: Sequence[str | tuple[str, str]] = (),
            term_lists: Mapping[str, Sequence[str]] | None = None, user_words: Sequence[str] = (), seed: int = 0,
            threshold: float = DEFAULT_THRESHOLD, taxonomy_digest: str | None = None,
            self_training_rounds: int = SELF_TRAINING_ROUNDS, pseudo_per_class: int = PSEUDO_PER_CLASS,
            pseudo_weight: float = PSEUDO_WEIGHT, pseudo_balance: str = PSEUDO_BALANCE) -> TopicModel:
        texts, labels = list(texts), [str(label) for label in labels]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ValueError("training needs at least two different labels")
        if UNKNOWN_TOPIC in classes:
            raise ValueError(f"{UNKNOWN_TOPIC} is the abstention, not a label to learn")
        docs = [prepare(t) for t in texts]
        seen = set(docs)
        # An unlabelled item is a text, or (text, evidence): the evidence (e.g. the government's
        # reply to a message) helps guess its label but is not part of what the model learns.
        # Unlabelled copies of labelled texts would only echo their labels back.
        evidence: dict[str, str] = {}
        for item in unlabeled:
            text, extra = (item, "") if isinstance(item, str) else (item[0], item[1] or "")
            doc = prepare(text)
            if doc and doc not in seen and doc not in evidence:
                evidence[doc] = prepare(extra)
        udocs = list(evidence)
        features = build_features(user_words, term_lists)
        every = features.fit_transform(docs + udocs).tocsr()  # one pass: n-gram analysis is the slow part
        X, Xu = every[: len(docs)], every[len(docs) :]
        y = np.array(labels, dtype=object)
        weights = np.ones(len(docs))
        n_pseudo = 0
        if udocs and self_training_rounds > 0:
            Xe = features.transform([f"{d} {evidence[d]}" for d in udocs]) if any(evidence.values()) else Xu
            svm = LinearSVC(C=SVM_C, random_state=seed).fit(X, y)
            for round_ in range(1, self_training_rounds + 1):
                quota = _quota(y[: len(docs)], svm.classes_, pseudo_per_class * round_, pseudo_balance)
                picked, guessed = _confident(svm, Xe, quota)
                Xa = sp.vstack([X, Xu[picked]]).tocsr()
                ya = np.concatenate([y, guessed])
                wa = np.concatenate([weights, np.full(len(picked), pseudo_weight)])
                svm = LinearSVC(C=SVM_C, random_state=seed).fit(Xa, ya, sample_weight=wa)
            X, y, weights, n_pseudo = Xa, ya, wa, len(picked)
        estimator = _calibrated(X, y, weights, seed)
        metadata = {
            "version": _version(docs, labels, seed),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seed": seed,
            "labels": classes,
            "n_train": len(docs),
            "n_unlabeled": len(udocs),
            "n_pseudo": n_pseudo,
            "threshold": threshold,
            "taxonomy_digest": taxonomy_digest,
            "metrics": {},
            "features": _describe(features, estimator, self_training_rounds if udocs else 0),
        }
        return cls(features, estimator, classes, threshold, metadata)

    # --- predicting ------------------------------------------------------------------------
    def probabilities(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray, list[str]]:
        """(feature rows, calibrated probabilities in `labels` order, prepared texts)."""
        docs = [prepare(t) for t in texts]
        X = self.features.transform(docs)
        if isinstance(self.estimator, CalibratedClassifierCV):
            proba = self.estimator.predict_proba(X)
        else:  # too few examples per label to calibrate: softmax of the margins
            scores = _scores(self.estimator, X)
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            proba = e / e.sum(axis=1, keepdims=True)
        order = [list(self.estimator.classes_).index(label) for label in self.labels]
        return X, proba[:, order], docs

    def best_labels(self, texts: Sequence[str]) -> list[str]:
        """The most probable label of each text, never 待研判 (for evaluation)."""
        _, proba, _ = self.probabilities(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    @property
    def words(self) -> Tokenizer:
        """The jieba cut the model's word block learned on: the item's one tokenisation, which
        the severity signal reuses (classifier.severity_model)."""
        analyzer: Tokenizer = dict(self.features.transformer_list)[WORD_BLOCK].analyzer
        return analyzer

    def predict(self, text: str) -> TopicPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[TopicPrediction]:
        if not texts:
            return []
        X, proba, docs = self.probabilities(texts)
        X = X.tocsr()  # rows by slicing indptr: getrow() builds a matrix per row, a third of the time
        out = []
        for i, doc in enumerate(docs):
            ranked = np.argsort(-proba[i], kind="stable")[:3]
            best = int(ranked[0])
            confidence = round(float(proba[i, best]), 4)
            alternatives = tuple((self.labels[k], round(float(proba[i, k]), 4)) for k in ranked)
            row = slice(X.indptr[i], X.indptr[i + 1])
            reasons = self._reasons(X.indices[row], X.data[row], doc, best)
            tags = self._tags(doc)
            if not doc.strip():
                out.append(TopicPrediction(UNKNOWN_TOPIC, 0.0, (), ("文本为空", ABSTAIN_REASON), tags))
            elif confidence < self.threshold:  # unsure: a coordinator picks among the guesses
                out.append(TopicPrediction(UNKNOWN_TOPIC, confidence, alternatives, (*reasons, ABSTAIN_REASON), tags))
            else:
                out.append(TopicPrediction(self.labels[best], confidence, alternatives, reasons, tags))
        return out

    # --- explanations ----------------------------------------------------------------------
    def _feature_names(self) -> tuple[list[str], npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
        """(names, block of each, whether a name is long enough to show), built once: the
        explanation of every item reads them."""
        if self._names is None:
            names: list[npt.NDArray[np.object_]] = []
            blocks: list[npt.NDArray[np.object_]] = []
            for block, block_names_ in block_names(self.features):
                names.append(block_names_)
                blocks.append(np.full(len(block_names_), block, dtype=object))
            stripped = [str(n).strip() for n in np.concatenate(names)]
            self._names = (stripped, np.concatenate(blocks), np.array([len(n) >= 2 for n in stripped]))
        return self._names

    def _reasons(self, idx: np.ndarray, vals: np.ndarray, doc: str, best: int) -> tuple[str, ...]:
        """The words (and term-list hits) that pushed hardest towards the chosen label, from
        the text's non-zero features (`idx`, `vals`)."""
        label = self.labels[best]
        coef = _class_coef(self._svm(), label)
        names, blocks, readable = self._feature_names()
        contrib = vals * coef[idx]
        order = np.argsort(-contrib, kind="stable")
        pushing = idx[order[contrib[order] > 0]]  # features towards the label, strongest first
        words: list[str] = []
        # jieba words read best; character n-grams only fill in when words say little
        for wanted in (WORD_BLOCK, CHAR_BLOCK):
            for f in pushing[(blocks[pushing] == wanted) & readable[pushing]]:
                if len(words) >= MAX_REASON_WORDS or wanted == CHAR_BLOCK and len(words) >= 2:
                    break
                name = names[f]
                if not any(name in w or w in name for w in words):
                    words.append(name)
        reasons = []
        if words:
            reasons.append(f"模型依据词语：{'、'.join(words)}（{label}）")
        terms = self._term_hits(doc, label)
        if terms:
            reasons.append(f"命中主题词：{'、'.join(terms[:MAX_REASON_WORDS])}（{label}）")
        return tuple(reasons) or (f"模型判断为{label}",)

    def _term_hits(self, doc: str, label: str) -> list[str]:
        matcher = dict(self.features.transformer_list).get(TERM_BLOCK)
        if matcher is None or label not in matcher.labels_:
            return []
        k = matcher.labels_.index(label)
        return list(dict.fromkeys(term for term, owner in matcher.hits(doc) if owner == k))

    def _svm(self) -> LinearSVC:
        if isinstance(self.estimator, CalibratedClassifierCV):
            return self.estimator.calibrated_classifiers_[0].estimator
        return self.estimator

    def _tags(self, doc: str) -> tuple[str, ...]:
        if self.tagger is None:
            from routing.taxonomy import load_taxonomy

            self.tagger = KeywordClassifier(load_taxonomy())
        return self.tagger.tags(doc)

    # --- persistence -----------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write `<name>.joblib` and the metadata beside it as `<name>.json`; returns the JSON path."""
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"format": FORMAT, "model": self}, tmp, compress=3)
        os.replace(tmp, path)
        meta_path = sidecar(path)
        tmp = meta_path.with_name(meta_path.name + ".tmp")
        tmp.write_text(json.dumps(self.metadata, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n",
                       encoding="utf-8")
        os.replace(tmp, meta_path)
        return meta_path

    @classmethod
    def load(cls, path: str | Path, expected_taxonomy_digest: str | None = None) -> TopicModel:
        """Load a saved model (our own artifacts only: joblib unpickles). Refuses another taxonomy."""
        import joblib

        path = Path(path)
        meta_path = sidecar(path)
        if expected_taxonomy_digest is not None and meta_path.exists():  # cheap check before unpickling
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            _check_digest(meta.get("taxonomy_digest"), expected_taxonomy_digest, path)
        blob = joblib.load(path)
        if not isinstance(blob, dict) or blob.get("format") != FORMAT or not isinstance(blob.get("model"), cls):
            raise ModelMismatchError(f"{path}: 不是可读取的主题模型文件 / not a topic model of format {FORMAT}")
        model: TopicModel = blob["model"]
        if expected_taxonomy_digest is not None:
            _check_digest(model.metadata.get("taxonomy_digest"), expected_taxonomy_digest, path)
        return model


def sidecar(path: str | Path) -> Path:
    return Path(path).with_suffix(".json")


def _check_digest(found: str | None, expected: str, path: Path) -> None:
    if found != expected:
        raise ModelMismatchError(
            f"{path}: 模型训练所用主题体系（{found}）与当前主题体系（{expected}）不一致 / "
            f"model was trained on taxonomy {found}, the running taxonomy is {expected}")


# --- fitting helpers ---------------------------------------------------------------------------
def _quota(y: np.ndarray, classes: np.ndarray, per_class: int, balance: str) -> list[int]:
    """How many pseudo-labels each class (in `classes` order) may take."""
    if balance == "equal":
        return [per_class] * len(classes)
    if balance != "prior":
        raise ValueError(f"pseudo_balance must be 'prior' or 'equal', not {balance!r}")
    counts = np.array([np.sum(y == c) for c in classes], dtype=float)
    return [int(round(per_class * len(classes) * n / counts.sum())) for n in counts]


def _confident(svm: LinearSVC, Xu: sp.csr_matrix, quota: Sequence[int]) -> tuple[npt.NDArray[np.int_], np.ndarray]:
    """Indices and guessed labels of the unlabelled rows the SVM separates best, per label."""
    scores = _scores(svm, Xu)
    top = scores.argmax(axis=1)
    ordered = np.sort(scores, axis=1)
    margin = ordered[:, -1] - ordered[:, -2]
    per_label: list[int] = []
    for k in range(scores.shape[1]):
        rows = np.flatnonzero(top == k)
        per_label.extend(rows[np.argsort(-margin[rows], kind="stable")][: quota[k]])
    picked = np.array(sorted(per_label), dtype=np.int_)
    return picked, np.asarray(svm.classes_, dtype=object)[top[picked]]


def _scores(svm: LinearSVC, X: sp.csr_matrix) -> np.ndarray:
    scores: np.ndarray = svm.decision_function(X)
    return np.column_stack([-scores, scores]) if scores.ndim == 1 else scores


def _class_coef(svm: LinearSVC, label: str) -> np.ndarray:
    k = list(svm.classes_).index(label)
    coef: np.ndarray = svm.coef_
    row: np.ndarray
    if coef.shape[0] == 1:  # binary: one hyperplane, positive side is classes_[1]
        row = coef[0] if k == 1 else -coef[0]
    else:
        row = coef[k]
    return row


def _calibrated(X: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, seed: int) -> Estimator:
    """Sigmoid-calibrated linear SVM (one final SVM on all data); bare SVM when a label has < 2 examples."""
    _, counts = np.unique(y, return_counts=True)
    folds = int(min(CALIBRATION_FOLDS, counts.min()))
    if folds < 2:
        return LinearSVC(C=SVM_C, random_state=seed).fit(X, y, sample_weight=weights)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    cal = CalibratedClassifierCV(LinearSVC(C=SVM_C, random_state=seed), method="sigmoid", cv=cv, ensemble=False)
    return cal.fit(X, y, sample_weight=weights)


def _version(docs: Sequence[str], labels: Sequence[str], seed: int) -> str:
    h = hashlib.sha256(str(seed).encode())
    for d, label in zip(docs, labels, strict=True):
        h.update(f"{label}\t{d}\n".encode())
    return f"{MAJOR}.{datetime.now(UTC):%Y%m%d.%H%M%S}-{h.hexdigest()[:8]}"


def _describe(features: FeatureUnion, estimator: Estimator, rounds: int) -> dict[str, Any]:
    sizes = {block: len(names) for block, names in block_names(features)}
    words = dict(features.transformer_list)[WORD_BLOCK].analyzer.user_words
    return {
        "blocks": sizes,
        "word_tokens": "jieba + user dictionary, sublinear TF-IDF",
        "char_ngrams": [1, 3],
        "user_words": len(words),
        "classifier": f"LinearSVC (C={SVM_C}) + sigmoid calibration"
        if isinstance(estimator, CalibratedClassifierCV) else f"LinearSVC (C={SVM_C}), softmax scores",
        "self_training_rounds": rounds,
    }
