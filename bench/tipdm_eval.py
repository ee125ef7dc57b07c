"""TipDM 2020 C real-data check of the topic model (issue 3): stratified 5-fold CV, macro-F1.

    .venv/bin/python bench/tipdm_eval.py [--data-dir ../shared/data/tipdm2020c] [--latency]

Protocol: the 495 labelled citizen messages (7 first-level classes) of messages_labeled.csv,
title + text. Id 37042 appears twice with conflicting labels: BOTH rows are dropped (493 left).
Unlabelled texts for self-training: messages_hot.csv and messages_replies.csv (title + text of
the message; the government's reply only helps pseudo-labelling with --reply-evidence), minus every message whose title+text equals a labelled one
(38 of the hot set are the labelled messages renumbered), and minus the texts whose taxonomy
terms point to one of the 8 level1 classes the labelled set does not have (政法, 民政 …: their
pseudo-labels could only be wrong). Term lists: the level2/level3 names of taxonomy.csv and their
jieba pieces, per level1 class; a piece under two classes is dropped.
Folds: StratifiedKFold(5, shuffle=True, random_state=0); the model, its vocabulary and its
self-training are fitted on each fold's training part only. The data is for evaluation only
(see SOURCE.md); nothing of it is shipped.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFLICTING_ID = "37042"


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def document(row: dict[str, str], title_weight: int) -> str:
    """The title carries the topic most densely: repeated `title_weight` times before the text."""
    return "。".join([row["title"].strip()] * title_weight + [row["text"].strip()])


def load(data_dir: Path, title_weight: int = 2, reply_evidence: bool = False, drop_other: bool = True):
    from classifier.datasets import outside

    labelled = [r for r in read(data_dir / "messages_labeled.csv") if r["id"] != CONFLICTING_ID]
    keys = {(r["title"].strip(), r["text"].strip()) for r in labelled}
    unlabeled: dict[str, str] = {}
    for name in ("messages_hot.csv", "messages_replies.csv"):
        for r in read(data_dir / name):
            if (r["title"].strip(), r["text"].strip()) not in keys:  # a labelled message renumbered
                doc = document(r, title_weight)
                unlabeled[doc] = (unlabeled.get(doc) or r.get("reply", "")) if reply_evidence else ""
    texts = [document(r, title_weight) for r in labelled]
    labels = [r["label"] for r in labelled]
    pool = [(doc, reply) if reply else doc for doc, reply in unlabeled.items()]
    all_terms = term_lists(data_dir / "taxonomy.csv", None)
    if drop_other:
        pool = [u for u in pool if not outside(u if isinstance(u, str) else u[0], all_terms, set(labels))]
    return texts, labels, pool, {k: v for k, v in all_terms.items() if k in set(labels)}


def term_lists(path: Path, keep: set[str] | None) -> dict[str, list[str]]:
    """level1 → its level2/level3 names and their jieba pieces, each piece owned by one level1 only."""
    from classifier.datasets import load_term_lists

    return load_term_lists(path, label_col="level1", term_cols=("level2", "level3"), keep=keep)


def baseline_model():
    """Plain word TF-IDF (jieba, default dictionary) + LinearSVC."""
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    return make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, lowercase=False), LinearSVC())


def baseline(texts: list[str], labels: list[str], folds: int, seed: int):
    """The plain baseline over the same folds."""
    from sklearn.model_selection import StratifiedKFold

    from classifier.evaluation import score

    predicted = [""] * len(texts)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        pipe = baseline_model()
        pipe.fit([texts[i] for i in train], [labels[i] for i in train])
        for i, label in zip(test, pipe.predict([texts[i] for i in test]), strict=True):
            predicted[i] = label
    return score(labels, predicted, folds=folds, seed=seed)


def latency(texts: list[str], labels: list[str], titles: list[str], batches: int = 20) -> None:
    """Per-item time of predict_many on batches of 100 short texts (message titles)."""
    from classifier.model import TopicModel

    model = TopicModel.fit(texts, labels, seed=0)
    model.predict_many(titles[:100])  # warm-up: jieba dictionary, tagger
    runs = []
    for b in range(batches):
        batch = titles[(b * 100) % max(len(titles) - 100, 1):][:100]
        t0 = time.perf_counter()
        model.predict_many(batch)
        runs.append((time.perf_counter() - t0) / len(batch))
    runs.sort()
    print(f"predict_many, batches of 100 short texts (median {sorted(map(len, titles))[len(titles) // 2]} chars): "
          f"median {runs[len(runs) // 2] * 1000:.3f} ms/item, worst {runs[-1] * 1000:.3f} ms/item")


def main(argv: list[str] | None = None) -> int:
    from classifier.evaluation import cross_validate

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data" / "tipdm2020c"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--title-weight", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=None, help="self-training rounds (default: the model's)")
    parser.add_argument("--balance", default=None, help="pseudo-label balance: prior or equal")
    parser.add_argument("--pseudo-weight", type=float, default=None, help="weight of a pseudo-label")
    parser.add_argument("--per-class", type=int, default=None, help="pseudo-labels per class and round")
    parser.add_argument("--reply-evidence", action="store_true",
                        help="let the government's reply help pseudo-label its message")
    parser.add_argument("--svm-c", type=float, default=None, help="override classifier.model.SVM_C (tuning)")
    parser.add_argument("--term-weight", type=float, default=None, help="override classifier.features.TERM_WEIGHT")
    parser.add_argument("--keep-other", action="store_true",
                        help="keep unlabelled texts whose taxonomy terms point to a class outside the labelled 7")
    parser.add_argument("--no-unlabeled", action="store_true", help="supervised only (no self-training)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--latency", action="store_true", help="also time predict_many on short texts")
    args = parser.parse_args(argv)

    if args.svm_c is not None:
        import classifier.model

        classifier.model.SVM_C = args.svm_c
    if args.term_weight is not None:
        import classifier.features

        classifier.features.TERM_WEIGHT = args.term_weight
    data_dir = Path(args.data_dir)
    texts, labels, unlabeled, terms = load(data_dir, args.title_weight, args.reply_evidence, not args.keep_other)
    if args.no_unlabeled:
        unlabeled = []
    print(f"labelled {len(texts)}, unlabelled {len(unlabeled)}, "
          f"term lists {', '.join(f'{k} {len(v)}' for k, v in sorted(terms.items()))}")
    if not args.no_baseline:
        t0 = time.perf_counter()
        plain = [document(r, 1) for r in read(data_dir / "messages_labeled.csv") if r["id"] != CONFLICTING_ID]
        base = baseline(plain, labels, args.folds, args.seed)
        print(f"baseline word TF-IDF + LinearSVC: accuracy {base.accuracy:.3f}, macro-F1 {base.macro_f1:.3f} "
              f"({time.perf_counter() - t0:.0f} s)")
    options = {key: value for key, value in (("self_training_rounds", args.rounds), ("pseudo_balance", args.balance),
                                             ("pseudo_per_class", args.per_class),
                                             ("pseudo_weight", args.pseudo_weight)) if value is not None}
    t0 = time.perf_counter()
    report = cross_validate(texts, labels, folds=args.folds, seed=args.seed, unlabeled=unlabeled,
                            term_lists=terms, user_words=[w for ws in terms.values() for w in ws], **options)
    print(f"TopicModel cross-validation: {time.perf_counter() - t0:.0f} s")
    if args.latency:
        titles = [r["title"].strip() for r in read(data_dir / "messages_hot.csv")]
        latency(texts, labels, titles)
    print(report.render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
