"""The learned severity signal (classifier.severity_model): trained on severity.csv, explained by
the words that fired, consulted only when the rules found no grave trigger."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest

from classifier.severity import assess_severity, load_rules
from classifier.severity_model import NONE, TRAINING_CSV, SeverityModel, fitted_digest, packaged_model, read_examples
from routing.facts import Severity

# ordinary wordings none of the rules' words or combos catch (not in the training file)
UNSEEN = "县里干部说话不算数，答应的事一件没办"


def test_training_file_is_usable():
    with TRAINING_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 300
    counts = Counter(r["trigger"] for r in rows)
    grave = {k for k, t in load_rules().triggers.items() if t.level != Severity.GENERAL}
    assert set(counts) == grave | {NONE}  # every grave trigger of severity.yaml, nothing else
    assert min(counts.values()) >= 20
    texts = [r["text"].strip() for r in rows]
    assert len(set(texts)) == len(texts)
    assert UNSEEN not in texts


def test_fitting_is_deterministic():
    texts, labels = read_examples()
    a, b = SeverityModel(texts, labels), SeverityModel(texts, labels)
    assert np.array_equal(a.probabilities(UNSEEN), b.probabilities(UNSEEN))


def test_fast_scoring_equals_sklearn():
    model = SeverityModel(*read_examples())
    for text in (UNSEEN, "小区路灯坏了", "网上说要停水三天"):
        expected = model.model.predict_proba(model.vectorizer.transform([text]))[0]
        assert np.allclose(model.probabilities(text), expected)


def test_signal_names_words_of_the_text():
    signal = packaged_model().signal(UNSEEN)
    assert signal is not None and signal.trigger == "credibility"
    assert signal.words and all(w in UNSEEN for w in signal.words)


def test_assessment_uses_the_signal_when_the_rules_find_nothing():
    assert assess_severity(UNSEEN, learned=False).level == Severity.GENERAL
    result = assess_severity(UNSEEN)
    assert result.level == Severity.MAJOR and result.triggers == ("credibility",)
    (reason,) = result.reasons
    assert reason.startswith("影响党和政府公信力：学习模型判断（概率") and "依据词语“" in reason


@pytest.mark.parametrize("text", ["小区路灯坏了，希望尽快修理", "请问公租房怎么申请", "老师批评学生作业没写完"])
def test_ordinary_complaints_stay_general(text):
    assert assess_severity(text).level == Severity.GENERAL


def test_rules_first():
    # a rule hit is not second-guessed by the model
    result = assess_severity("某校发生集体食物中毒")
    assert result.triggers == ("public_health",) and "学习模型" not in "".join(result.reasons)


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("YUQING_CACHE_DIR", str(tmp_path))
    packaged_model.cache_clear()
    yield tmp_path
    packaged_model.cache_clear()


def test_the_fitted_numbers_are_cached_and_score_as_the_fit_does(fresh_cache):
    fitted = packaged_model()  # fitted: nothing cached yet
    cached = list(fresh_cache.glob("severity-*.npz"))
    assert [p.name for p in cached] == [f"severity-{fitted_digest()}.npz"]
    packaged_model.cache_clear()
    loaded = packaged_model()
    assert not hasattr(loaded, "model")  # read from the cache, not fitted again
    for text in (UNSEEN, "小区路灯坏了", "网上说要停水三天"):
        assert np.allclose(loaded.probabilities(text), fitted.probabilities(text))
    assert loaded.signal(UNSEEN) == fitted.signal(UNSEEN)


def test_a_damaged_cache_is_fitted_again_and_replaced(fresh_cache):
    path = fresh_cache / f"severity-{fitted_digest()}.npz"
    path.write_bytes(b"not an npz file")
    model = packaged_model()
    assert hasattr(model, "model")  # fitted
    assert SeverityModel.load(path).classes == model.classes  # and the cache written anew


def test_changed_examples_change_the_digest(tmp_path):
    copy = tmp_path / "severity.csv"
    copy.write_bytes(TRAINING_CSV.read_bytes())
    assert fitted_digest(copy) == fitted_digest()
    copy.write_text(copy.read_text(encoding="utf-8") + "新增的例句,none\n", encoding="utf-8")
    assert fitted_digest(copy) != fitted_digest()
