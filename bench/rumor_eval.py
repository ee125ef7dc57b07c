"""Evaluation only: how well could a rumour / credibility signal be learned from Weibo posts?

Data: ../shared/data/weibo_rumor_ced/ (CED, Song et al. 2018, research use; see its SOURCE.md).
It is not shipped and nothing here is saved: the script prints figures for the lead to judge
whether a learned rumour signal is worth adding beside the 谣言 keyword trigger.

    .venv/bin/python bench/rumor_eval.py [--csv PATH]

Texts are normalised (traditional → simplified), stripped of links and @names, and
deduplicated on that form BEFORE any split (68 rumours are reported several times; copies on
both sides of a split would inflate the scores). Compared, on 5-fold stratified CV and on a
time split (train on the older 80 %, test on the newer 20 %):
- keyword: the packaged severity trigger `rumour` fires (classifier/data/severity.yaml);
- meta: logistic regression on engagement and account metadata only;
- text: logistic regression on character 1–3-gram TF-IDF;
- text+meta: both.
Also prints how the packaged spread thresholds (routing/data/policy.yaml) would grade these
real posts, as a sanity check of the figures.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.normalize import normalize
from classifier.severity import assess_severity
from classifier.spread import ItemSignals, SpreadFacts, assess_spread
from routing.policy import load_policy

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "weibo_rumor_ced" / "weibo_rumor_ced.csv"
RUMOUR = "谣言"
_NOISE = re.compile(r"https?://\S+|@[\w\u4e00-\u9fff-]+|\[[^\]]{1,8}\]|\s+")  # links, @names, [表情], spaces


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["clean"] = _NOISE.sub(" ", normalize(r["text"])).strip()
    return rows


def dedup(rows: list[dict]) -> list[dict]:
    """One row per cleaned text (the first seen); texts under both labels are dropped."""
    labels: dict[str, set[str]] = {}
    for r in rows:
        labels.setdefault(r["clean"], set()).add(r["label"])
    seen, out = set(), []
    for r in rows:
        key = r["clean"]
        if key in seen or len(labels[key]) > 1:
            continue
        seen.add(key)
        out.append(r)
    return out


def meta(rows: list[dict]) -> np.ndarray:
    def num(v: str) -> float:
        return math.log1p(float(v)) if v not in ("", None) else 0.0

    return np.array([[num(r["reposts"]), num(r["comments"]), num(r["likes"]), float(r["pics"] or 0),
                      r["has_url"] == "True", r["user_verified"] == "True", num(r["user_followers"]),
                      r["user_followers"] == ""] for r in rows], dtype=float)


def keyword_scores(rows: list[dict]) -> np.ndarray:
    return np.array([float("rumour" in assess_severity(r["text"]).triggers) for r in rows])


def fit_predict(kind: str, train: list[dict], test: list[dict]) -> np.ndarray:
    """Probability of 谣言 for `test` from a model fitted on `train` only (vocabulary included)."""
    parts_train, parts_test = [], []
    if "text" in kind:
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=200_000)
        parts_train.append(vec.fit_transform([r["clean"] for r in train]))
        parts_test.append(vec.transform([r["clean"] for r in test]))
    if "meta" in kind:
        m_train, m_test = meta(train), meta(test)
        mu, sd = m_train.mean(0), m_train.std(0) + 1e-9
        parts_train.append(csr_matrix((m_train - mu) / sd))
        parts_test.append(csr_matrix((m_test - mu) / sd))
    model = LogisticRegression(max_iter=2000, C=4.0, class_weight="balanced")
    model.fit(hstack(parts_train).tocsr(), [r["label"] == RUMOUR for r in train])
    return model.predict_proba(hstack(parts_test).tocsr())[:, 1]


def scores(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float, float]:
    prec, rec, f1, _ = precision_recall_fscore_support(y, p >= 0.5, average="binary", zero_division=0)
    auc = roc_auc_score(y, p) if len(set(p)) > 1 else 0.5
    return prec, rec, f1, auc


def report(name: str, rows: list[dict], splits: list[tuple[list[int], list[int]]]) -> None:
    print(f"\n{name}")
    print(f"{'signal':10s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'AUC':>6s}")
    y_all = np.array([r["label"] == RUMOUR for r in rows])
    kw_all = keyword_scores(rows)
    for kind in ("keyword", "meta", "text", "text+meta"):
        per_fold = []
        for tr, te in splits:
            p = kw_all[te] if kind == "keyword" else fit_predict(kind, [rows[i] for i in tr], [rows[i] for i in te])
            per_fold.append(scores(y_all[te], p))
        m = np.mean(per_fold, axis=0)
        print(f"{kind:10s} {m[0]:9.3f} {m[1]:7.3f} {m[2]:6.3f} {m[3]:6.3f}")


def spread_check(rows: list[dict]) -> None:
    rule = load_policy().spread
    levels = Counter()
    for r in rows:
        counts = {k: int(float(r[k])) for k in ("reposts", "comments", "likes") if r[k] != ""}
        levels[(r["label"], assess_spread(SpreadFacts.of_item(ItemSignals(**counts)), rule).level)] += 1
    print("\nspread level of single posts under the packaged thresholds (label, level: posts)")
    for (label, level), n in sorted(levels.items()):
        print(f"  {label} {level}: {n}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = ap.parse_args()
    raw = load(args.csv)
    rows = dedup(raw)
    print(f"{len(raw)} posts, {len(rows)} after deduplication "
          f"({sum(r['label'] == RUMOUR for r in rows)} 谣言, {sum(r['label'] != RUMOUR for r in rows)} 非谣言)")
    y = [r["label"] == RUMOUR for r in rows]
    folds = [(list(tr), list(te)) for tr, te in
             StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(np.zeros(len(rows)), y)]
    report("5-fold stratified cross-validation (mean over folds)", rows, folds)
    order = sorted(range(len(rows)), key=lambda i: rows[i]["time"])
    cut = int(0.8 * len(order))
    print(f"\ntime split: train up to {rows[order[cut - 1]]['time'][:10]}, test from {rows[order[cut]]['time'][:10]}")
    report("time split (older 80 % → newer 20 %)", rows, [(order[:cut], order[cut:])])
    spread_check(rows)


if __name__ == "__main__":
    main()
