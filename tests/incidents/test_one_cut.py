"""One jieba cut an item: the triage's severity signal reads the words the topic model cut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import classifier.jieba_dict
from classifier.features import prepare
from classifier.severity_model import SeverityModel, fitted_digest, packaged_model
from routing.orgfile import demo_org_text
from service.incidents.jobs import warm_up
from service.incidents.pipeline import ItemInput
from service.incidents.runtime import engine_for

# no rule trigger fires: the learned signal is asked (the only path on which severity cuts words)
TEXT = "米山镇凤凰小区门口的路灯坏了一个多月，晚上出行很不方便，希望尽快修理"


def test_the_triage_cuts_each_item_once_for_the_topic_model_and_the_severity_signal(monkeypatch) -> None:
    engine = engine_for(demo_org_text(), "demo_org.yaml", None)
    words = engine.classifier.words
    assert words is not None  # the packaged model brings its tokenizer
    packaged_model(words)  # fitted (or read from the cache) before jieba's default is barred
    warm_up(engine)  # every tokenizer built (copies of the default dictionary), as a worker starts

    def barred():
        raise AssertionError("the severity signal cut the text again with jieba's default dictionary")

    asked = []
    signal = SeverityModel.signal
    monkeypatch.setattr(SeverityModel, "signal", lambda self, *a, **k: asked.append(self.cut) or signal(self, *a, **k))
    monkeypatch.setattr(classifier.jieba_dict, "default_tokenizer", barred)
    item = ItemInput(key="one-cut", text=TEXT, received_at=datetime(2026, 11, 2, 9, tzinfo=UTC))
    triage = engine.triage(item)
    assert asked == [words]  # the learned signal was asked, with the model's cut
    assert words(prepare(triage.text))  # the model's cut of this text, remembered, is what severity read


def test_the_fitted_severity_numbers_are_keyed_by_the_cut_they_were_fitted_with() -> None:
    assert fitted_digest() != fitted_digest(words="a-user-dictionary")
    assert fitted_digest(words="x") == fitted_digest(words="x")


@pytest.mark.parametrize("text", [TEXT, "小区路灯坏了，希望尽快修理"])
def test_without_a_cut_the_signal_reads_jiebas_default_words(text: str) -> None:
    assert packaged_model().signal(text) == packaged_model(None).signal(text)
