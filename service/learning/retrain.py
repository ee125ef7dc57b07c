"""Folding coordinators' corrections into the topic model, promoting only a model not worse.

The candidate is trained on the current model's training data (its snapshot in MODEL_DIR, or
the packaged training set for the packaged default) with the corrections applied: a correction
relabels a text already there or adds a new one. Candidate and current are compared as
recipes on the same data: stratified folds over the combined set; in every fold the current
recipe learns from the training fold as it was before the corrections (old labels, no new
texts), the candidate from the training fold with corrections, and both are scored on the
same held-out fold against the corrected labels. The candidate replaces the current model only
when its macro-F1 is not lower (classifier.registry.promote). Either way the outcome is audited.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from classifier import registry
from classifier.datasets import LabelledData, load_labelled
from classifier.evaluation import EvalReport, score
from routing.taxonomy import Taxonomy, load_taxonomy
from service.audit.actions import AuditAction, Retrained
from service.core.settings import Settings, get_settings

TRAINING_SNAPSHOT = "training-{version}.csv"  # beside the artifact in MODEL_DIR
ACTOR = "classifier.retrain"
log = structlog.get_logger()


@dataclass(frozen=True)
class RetrainResult:
    promoted: bool
    reason: str
    active_version: str | None  # after the retrain
    candidate_version: str | None  # None when nothing was trained
    candidate_f1: float | None
    current_f1: float | None
    n_train: int  # texts the candidate was trained on
    n_corrections: int  # topic corrections found in the audit log
    changed: int  # training rows the corrections added or relabelled

    def as_dict(self) -> Retrained:  # also the detail of its audit entry
        return Retrained(promoted=self.promoted, reason=self.reason, active_version=self.active_version,
                         candidate_version=self.candidate_version, candidate_f1=self.candidate_f1,
                         current_f1=self.current_f1, n_train=self.n_train, n_corrections=self.n_corrections,
                         changed=self.changed)


# --- pure ----------------------------------------------------------------------------------
def apply_corrections(texts: Sequence[str], labels: Sequence[str], fixes: Sequence[tuple[str, str]],
                      topics: Sequence[str]) -> tuple[list[str], list[str], list[bool], int]:
    """Training rows with corrections applied: (texts, labels, in_current, changed).

    `in_current[i]` says row i was in the current training set (with possibly another label
    then); corrections to labels outside `topics` (e.g. 待研判) are ignored."""
    out_texts, out_labels = list(texts), list(labels)
    index = {t: i for i, t in enumerate(out_texts)}
    in_current = [True] * len(out_texts)
    allowed = set(topics)
    changed = 0
    for text, label in fixes:
        if label not in allowed:
            continue
        i = index.get(text)
        if i is None:
            index[text] = len(out_texts)
            out_texts.append(text)
            out_labels.append(label)
            in_current.append(False)
            changed += 1
        elif out_labels[i] != label:
            out_labels[i] = label
            changed += 1
    return out_texts, out_labels, in_current, changed


def paired_folds(labels: Sequence[str], folds: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """Stratified folds (classes rarer than `folds` are spread as far as they go)."""
    import warnings

    from sklearn.model_selection import StratifiedKFold

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class has only n members"
        skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        return [(list(a), list(b)) for a, b in skf.split(list(labels), list(labels))]


class LabelPredictor(Protocol):
    """What compare_recipes needs of a fitted model (classifier.model.TopicModel has it)."""

    def best_labels(self, texts: Sequence[str]) -> list[str]: ...


def compare_recipes(texts: Sequence[str], labels: Sequence[str], old_labels: Sequence[str], in_current: Sequence[bool],
                    fit: Callable[[list[str], list[str]], LabelPredictor], *, folds: int = 5,
                    seed: int = 0) -> tuple[EvalReport, EvalReport]:
    """(candidate, current) reports over the same folds of the corrected data (see module doc);
    predictions are the most probable label, as in classifier.evaluation.cross_validate."""
    truth: list[str] = []
    cand_pred: list[str] = []
    cur_pred: list[str] = []
    for train, test in paired_folds(labels, folds, seed):
        candidate = fit([texts[i] for i in train], [labels[i] for i in train])
        old = [i for i in train if in_current[i]]
        current = fit([texts[i] for i in old], [old_labels[i] for i in old])
        held_out = [texts[i] for i in test]
        truth += [labels[i] for i in test]
        cand_pred += candidate.best_labels(held_out)
        cur_pred += current.best_labels(held_out)
    return score(truth, cand_pred, folds=folds, seed=seed), score(truth, cur_pred, folds=folds, seed=seed)


# --- I/O -----------------------------------------------------------------------------------
def write_snapshot(path: Path, texts: Sequence[str], labels: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels, strict=True))


def current_training(loaded: registry.LoadedClassifier) -> LabelledData:
    """The data the active model was trained on: its snapshot, else the packaged training set."""
    from classifier.build_default import TRAINING_CSV

    if loaded.source == "model_dir" and loaded.ref is not None:
        snap = loaded.ref.directory / TRAINING_SNAPSHOT.format(version=loaded.ref.version)
        if snap.is_file():
            return load_labelled(snap, text_col="text", label_col="label")
    return load_labelled(TRAINING_CSV, text_col="text", label_col="label")


def retrain(settings: Settings, *, folds: int = 5, taxonomy: Taxonomy | None = None) -> RetrainResult:
    from classifier.build_default import fit_model
    from service.audit.log import record
    from service.core.db import session_scope
    from service.learning.corrections import load_corrections, training_pairs

    taxonomy = taxonomy or load_taxonomy()
    if not settings.model_dir:
        raise RuntimeError("MODEL_DIR 未设置 / MODEL_DIR is not set: nowhere to write a retrained model")
    loaded = registry.load_classifier(taxonomy, settings.model_dir)
    base = current_training(loaded)
    with session_scope(settings.database_url) as session:
        corr_texts, corr_labels = training_pairs(load_corrections(session, fields=("topic",)))
        org = _active_org(session)
    texts, labels, in_current, changed = apply_corrections(
        base.texts, base.labels, list(zip(corr_texts, corr_labels, strict=True)), taxonomy.topic_names)
    common = dict(n_train=len(texts), n_corrections=len(corr_texts), changed=changed)
    if changed == 0 and loaded.source != "keyword":
        result = RetrainResult(False, "没有新的人工更正，无需重新训练 / no new corrections: nothing to retrain",
                               loaded.version, None, None, None, **common)
        return _finish(settings, result, record)
    old_labels = list(base.labels) + [""] * (len(texts) - len(base.labels))
    fit = lambda x, y: fit_model(x, y, taxonomy=taxonomy, org=org)  # noqa: E731
    cand_score, cur_score = compare_recipes(texts, labels, old_labels, in_current, fit, folds=folds)
    current_report = cur_score if loaded.source != "keyword" else None
    decision = registry.promote(cand_score, current_report)
    if not decision.promote:
        result = RetrainResult(False, decision.reason, loaded.version, None, _r(cand_score.macro_f1),
                               _r(cur_score.macro_f1), **common)
        return _finish(settings, result, record)
    model = fit_model(texts, labels, taxonomy=taxonomy, org=org,
                      metrics={"macro_f1": _r(cand_score.macro_f1), "accuracy": _r(cand_score.accuracy),
                               "folds": folds, "n": cand_score.n, "previous_macro_f1": _r(cur_score.macro_f1),
                               "previous_version": loaded.version})
    ref = registry.save(model, settings.model_dir)
    write_snapshot(ref.directory / TRAINING_SNAPSHOT.format(version=ref.version), texts, labels)
    registry.activate(ref)
    result = RetrainResult(True, decision.reason, ref.version, ref.version, _r(cand_score.macro_f1),
                           _r(cur_score.macro_f1), **common)
    return _finish(settings, result, record)


def _r(x: float) -> float:
    return round(float(x), 6)


def _active_org(session):
    from routing.orgfile import load_demo_org, load_org_text
    from service.orgs.store import active_org_text

    found = active_org_text(session)
    return load_org_text(*found) if found else load_demo_org()


def _finish(settings: Settings, result: RetrainResult, record) -> RetrainResult:
    from service.core.db import session_scope

    action = AuditAction.CLASSIFIER_MODEL_PROMOTED if result.promoted else AuditAction.CLASSIFIER_RETRAIN_KEPT
    with session_scope(settings.database_url) as session:
        record(session, action, result.as_dict(), actor=ACTOR)
        session.commit()
    log.info(action, **result.as_dict())
    return result


# --- RQ ------------------------------------------------------------------------------------
def retrain_job(database_url: str, model_dir: str) -> dict:
    """The RQ job (module-level so a worker imports it): returns the result as a dict."""
    settings = get_settings().model_copy(update={"database_url": database_url, "model_dir": model_dir})
    return dict(retrain(settings).as_dict())


def enqueue_retrain(settings: Settings):
    from service.core.queue import Call, enqueue

    # Training takes a while on a busy machine; keep the result an hour for `rq info`/the caller.
    return enqueue(settings, Call(retrain_job, (settings.database_url, str(Path(settings.model_dir).resolve())),
                                  timeout=3600, result_ttl=3600))
