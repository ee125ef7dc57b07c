"""Rebuild the packaged default topic model: `python -m classifier.build_default`.

Reproducible: fixed seed, the training set kept as data in the repository
(classifier/data/training/topics.csv), the taxonomy's keywords as term lists and the demo
organisation's unit names and aliases as jieba user words. Writes
classifier/data/model/topic-<version>.joblib with its metadata (version, taxonomy digest,
5-fold CV metrics) and makes it the packaged active model; older packaged artifacts are
removed so the repository holds one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier import registry
from routing.orgchart import OrgChart
from routing.orgfile import load_demo_org
from routing.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:  # imported where used: they load sklearn
    from classifier.evaluation import EvalReport
    from classifier.model import TopicModel

TRAINING_CSV = Path(__file__).parent / "data" / "training" / "topics.csv"
SEED = 0
FOLDS = 5


def term_lists(taxonomy: Taxonomy) -> dict[str, list[str]]:
    return {t.name: list(t.keywords) for t in taxonomy.topics}


def user_words(org: OrgChart) -> list[str]:
    """Unit names and aliases, so jieba keeps 高平市市场监督管理局 or 米山镇 whole."""
    words: dict[str, None] = {}
    for r in org.regions.values():
        for w in (r.name, *r.aliases, r.government):
            words[w] = None
    for d in org.departments.values():
        for w in (d.name, *d.aliases):
            words[w] = None
    return [w for w in words if len(w) >= 2]


def fit_options(taxonomy: Taxonomy, org: OrgChart | None) -> dict[str, Any]:
    return {"term_lists": term_lists(taxonomy), "user_words": user_words(org) if org else [], "seed": SEED}


def fit_model(texts: Sequence[str], labels: Sequence[str], *, taxonomy: Taxonomy, org: OrgChart | None,
              metrics: dict[str, Any] | None = None, unlabeled: Sequence[str] = ()) -> TopicModel:
    """A TopicModel pinned to `taxonomy` with the shared options; `metrics` go to its metadata."""
    from classifier.model import TopicModel

    model = TopicModel.fit(list(texts), list(labels), unlabeled=list(unlabeled),
                           taxonomy_digest=taxonomy.digest, **fit_options(taxonomy, org))
    if metrics is not None:
        attach_metrics(model, metrics)
    return model


def attach_metrics(model: TopicModel, metrics: dict[str, Any]) -> None:
    meta = model.metadata
    meta["metrics"] = {**(meta.get("metrics") or {}), **metrics}


def report_metrics(report: EvalReport, folds: int) -> dict[str, Any]:
    return {"macro_f1": round(float(report.macro_f1), 6), "accuracy": round(float(report.accuracy), 6),
            "folds": folds, "seed": SEED}


def build(out_dir: str | Path = registry.PACKAGED_DIR, training: str | Path = TRAINING_CSV, *,
          folds: int = FOLDS, evaluate: bool = True) -> tuple[registry.ModelRef, EvalReport | None]:
    from classifier.datasets import load_labelled
    from classifier.evaluation import cross_validate

    taxonomy, org = load_taxonomy(), load_demo_org()
    data = load_labelled(training, text_col="text", label_col="label")
    unknown = sorted(set(data.labels) - set(taxonomy.topic_names))
    if unknown:
        raise SystemExit(f"{training}: 标签不在主题体系中 / labels not in the taxonomy: {unknown}")
    report = None
    metrics: dict[str, Any] = {"n": len(data)}
    if evaluate:
        opts = fit_options(taxonomy, org)
        report = cross_validate(list(data.texts), list(data.labels), folds=folds, seed=SEED,
                                term_lists=opts["term_lists"], user_words=opts["user_words"])
        metrics |= report_metrics(report, folds)
    model = fit_model(data.texts, data.labels, taxonomy=taxonomy, org=org, metrics=metrics)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stale = [p for p in out.glob("topic-*") if p.suffix in (".joblib", ".json")]
    ref = registry.save(model, out)
    registry.activate(ref)
    for p in stale:
        if p not in (ref.artifact, ref.metadata_path):
            p.unlink()
    return ref, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifier.build_default", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(registry.PACKAGED_DIR), help="output directory (default: packaged)")
    parser.add_argument("--data", default=str(TRAINING_CSV), help="training CSV (text,label)")
    parser.add_argument("--no-eval", action="store_true", help="skip the 5-fold cross-validation")
    args = parser.parse_args(argv)
    ref, report = build(args.out, args.data, evaluate=not args.no_eval)
    if report is not None:
        print(report.render())
    print(f"model {ref.version} → {ref.artifact}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
