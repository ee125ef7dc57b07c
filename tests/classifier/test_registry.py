"""Model registry: versioned artifacts, the active pointer, refusal of another taxonomy's model,
promotion only when not worse, a reproducible default build, and the CLI's eval output."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import defaultdict

import pytest

from classifier import registry
from classifier.build_default import TRAINING_CSV, build, fit_model
from classifier.datasets import load_labelled
from classifier.evaluation import score
from routing.taxonomy import load_taxonomy

TOPICS = ("食品药品监管", "义务教育", "市政服务", "环境保护", "社会保险", "安全生产")
PROBES = ["河西镇、马村镇多家餐馆被曝使用过期食材", "米山镇凤凰小区停水三天", "学校乱收费", "化工厂偷排污水",
          "养老保险断缴怎么补", "煤矿井下透水事故"]


def small_split(per_topic: int = 24, held_out: int = 8) -> tuple[list[str], list[str], list[str], list[str]]:
    """(train texts, train labels, test texts, test labels) from the packaged training data."""
    data = load_labelled(TRAINING_CSV, text_col="text", label_col="label")
    by: dict[str, list[str]] = defaultdict(list)
    for t, lab in zip(data.texts, data.labels, strict=True):
        if lab in TOPICS:
            by[lab].append(t)
    tr_x, tr_y, te_x, te_y = [], [], [], []
    for lab in TOPICS:
        texts = by[lab][:per_topic]
        assert len(texts) > held_out, f"too few training texts for {lab}"
        te_x += texts[:held_out]
        te_y += [lab] * held_out
        tr_x += texts[held_out:]
        tr_y += [lab] * (len(texts) - held_out)
    return tr_x, tr_y, te_x, te_y


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="module")
def split():
    return small_split()


@pytest.fixture(scope="module")
def good_model(taxonomy, split):
    tr_x, tr_y, _, _ = split
    return fit_model(tr_x, tr_y, taxonomy=taxonomy, org=None)


def test_promotion_refused_for_a_worse_model(taxonomy, split, good_model) -> None:
    tr_x, tr_y, te_x, te_y = split
    shuffled = list(tr_y)
    random.Random(7).shuffle(shuffled)  # same texts, labels carrying no information
    worse_model = fit_model(tr_x, shuffled, taxonomy=taxonomy, org=None)
    good = score(te_y, good_model.best_labels(te_x))
    worse = score(te_y, worse_model.best_labels(te_x))
    assert good.macro_f1 > worse.macro_f1
    refused = registry.promote(worse, good)
    assert not refused.promote and "current kept" in refused.reason and "保留现行模型" in refused.reason
    assert registry.promote(good, worse).promote
    assert registry.promote(good, good).promote  # equal is not worse
    assert registry.promote(worse, None).promote  # nothing to compare against
    with pytest.raises(ValueError, match="different data"):
        registry.promote(good, score(te_y[:-1], te_y[:-1]))


def test_active_version_is_loaded_and_another_taxonomy_is_refused(taxonomy, split, good_model, tmp_path) -> None:
    from classifier.model import ModelMismatchError

    ref = registry.save(good_model, tmp_path)
    assert registry.active_ref(tmp_path) is None  # saving does not activate
    registry.activate(ref)
    loaded = registry.load_classifier(taxonomy, tmp_path)
    assert (loaded.source, loaded.version) == ("model_dir", ref.version)
    assert loaded.metadata["taxonomy_digest"] == taxonomy.digest
    assert [p.topic for p in loaded.classifier.model.predict_many(PROBES)] == [
        p.topic for p in good_model.predict_many(PROBES)]

    tr_x, tr_y, _, _ = split
    other = registry.save(fit_model(tr_x, tr_y, taxonomy=taxonomy, org=None), tmp_path / "other")
    with pytest.raises(ModelMismatchError):
        registry.load_model(other, load_taxonomy_with_extra_topic())
    registry.activate(other)
    refused = registry.load_classifier(load_taxonomy_with_extra_topic(), tmp_path / "other")
    assert refused.source != "model_dir"
    assert any("主题体系" in p and other.version in p for p in refused.problems)


def load_taxonomy_with_extra_topic():
    """The running taxonomy with one more topic: its digest differs."""
    from routing.taxonomy import Taxonomy

    base = load_taxonomy()
    data = {"topics": [{"name": t.name, "authority": list(t.authority), "keywords": list(t.keywords)} for t in base.topics]
            + [{"name": "新增主题", "authority": ["财政"]}], "hot_tags": []}
    changed = Taxonomy.from_dict(data)
    assert changed.digest != base.digest
    return changed


def test_broken_pointer_falls_back_and_says_why(taxonomy, tmp_path) -> None:
    (tmp_path / registry.ACTIVE).write_text("{not json", encoding="utf-8")
    loaded = registry.load_classifier(taxonomy, tmp_path)
    assert loaded.source in ("packaged", "keyword")
    assert any("unreadable pointer" in p for p in loaded.problems)


def test_default_build_is_reproducible(tmp_path) -> None:
    first, _ = build(tmp_path / "a", evaluate=False)
    second, _ = build(tmp_path / "b", evaluate=False)
    taxonomy = load_taxonomy()
    a, b = registry.load_model(first, taxonomy), registry.load_model(second, taxonomy)
    pa, pb = a.predict_many(PROBES), b.predict_many(PROBES)
    assert [(p.topic, p.confidence, p.alternatives) for p in pa] == [(p.topic, p.confidence, p.alternatives) for p in pb]
    assert first.metadata()["taxonomy_digest"] == taxonomy.digest
    assert registry.versions(tmp_path / "a") == [first.version]


def test_cli_eval_prints_macro_f1_last(tmp_path) -> None:
    tr_x, tr_y, te_x, te_y = small_split(per_topic=12, held_out=2)
    path = tmp_path / "history.csv"
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["标题", "内容", "分类"])
        w.writerows(("", t, lab) for t, lab in zip(tr_x + te_x, tr_y + te_y, strict=True))
    done = subprocess.run([sys.executable, "-m", "service.cli", "classifier", "eval", "--data", str(path),
                           "--text-col", "内容", "--label-col", "分类", "--title-col", "标题"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(r"macro-F1 0\.\d{3}|macro-F1 1\.000", lines[-1]), lines[-1]
    assert all(t in done.stdout for t in TOPICS)  # the per-class table
    bad = subprocess.run([sys.executable, "-m", "service.cli", "classifier", "eval", "--data", str(path),
                          "--text-col", "正文", "--label-col", "分类"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "'正文'" in bad.stderr


def test_cli_train_activates_a_model_that_info_reports(tmp_path) -> None:
    import csv
    import json
    import os

    tr_x, tr_y, _, _ = small_split(per_topic=10, held_out=2)
    path = tmp_path / "history.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(tr_x, tr_y, strict=True))
        w.writerow(["外星人来访", "外星事务"])  # not a taxonomy topic
    models = tmp_path / "models"
    env = {**os.environ, "MODEL_DIR": str(models), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    cmd = [sys.executable, "-m", "service.cli", "classifier"]
    refused = subprocess.run([*cmd, "train", "--data", str(path), "--text-col", "text", "--label-col", "label",
                              "--no-eval"], capture_output=True, text=True, timeout=300, env=env)
    assert refused.returncode == 2 and "外星事务" in refused.stderr and not models.exists()
    path.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
    done = subprocess.run([*cmd, "train", "--data", str(path), "--text-col", "text", "--label-col", "label",
                           "--no-eval"], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    version = registry.active_ref(models).version
    assert (models / f"training-{version}.csv").is_file()  # the snapshot retrain folds corrections into
    info = subprocess.run([*cmd, "info"], capture_output=True, text=True, timeout=300, env=env)
    assert info.returncode == 0, info.stderr[-2000:]
    shown = json.loads(info.stdout)
    assert (shown["source"], shown["version"]) == ("model_dir", version)
    assert shown["model_taxonomy_digest"] == shown["taxonomy_digest"] == load_taxonomy().digest


def test_blend_keeps_a_contested_complaint_and_its_follow_up_together(taxonomy) -> None:
    """烧烤油烟: the model alone splits the first complaint and its follow-up across two topics."""
    from classifier.base import TopicPrediction
    from classifier.blend import BlendedClassifier
    from classifier.keywords import KeywordClassifier

    blend = BlendedClassifier(registry.load_model(registry.active_ref(registry.PACKAGED_DIR), taxonomy),
                              KeywordClassifier(taxonomy))
    first, later = blend.predict_many(["米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理",
                                       "米山镇凤凰小区烧烤店油烟还是很大，晚上根本没法开窗"])
    assert first.topic == later.topic != "待研判"
    assert blend.predict("今天天气不错").topic == "待研判"
    # pure blending: the keyword evidence tips a close call, and reasons come from the side chosen
    model = TopicPrediction("城市综合执法", 0.5, (("城市综合执法", 0.5), ("环境保护", 0.4)), ("模型依据词语：城管",))
    keyword = TopicPrediction("环境保护", 0.7, (("环境保护", 0.7),), ("命中关键词：油烟（环境保护）",))
    out = blend.blend(model, keyword)
    assert (out.topic, out.confidence, out.reasons) == ("环境保护", 0.49, ("命中关键词：油烟（环境保护）",))
    assert blend.blend(model, TopicPrediction("待研判", 0.0)).topic == "城市综合执法"
