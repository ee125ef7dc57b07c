"""Tokenizers copied from the loaded default dictionary cut exactly as freshly loaded ones."""

from __future__ import annotations

import csv
from pathlib import Path

import jieba

from classifier.jieba_dict import default_tokenizer, tokenizer_with
from classifier.keywords import KeywordClassifier
from routing.taxonomy import load_taxonomy

TOPICS_CSV = Path(__file__).parents[2] / "classifier" / "data" / "training" / "topics.csv"
WORDS = ["高平市市场监督管理局", "米山镇人民政府", "油烟扰民", "凤凰小区", "拖欠工资"]


def texts(n: int = 400) -> list[str]:
    with TOPICS_CSV.open(encoding="utf-8", newline="") as fh:
        return [row["text"] for row, _ in zip(csv.DictReader(fh), range(n), strict=False)]


def fresh(words) -> jieba.Tokenizer:
    """What the tokenizers were before: the default dictionary read again, then the words."""
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in words:
        tok.add_word(*(w if isinstance(w, tuple) else (w,)))
    return tok


def test_a_copy_with_user_words_cuts_as_a_fresh_tokenizer_with_them() -> None:
    words = [*WORDS, *sorted({k for t in load_taxonomy().topics for k in t.keywords})]
    copied, loaded = tokenizer_with(words), fresh(words)
    sample = texts()
    assert len(sample) >= 200
    for hmm in (True, False):
        assert [copied.lcut(t, HMM=hmm) for t in sample] == [loaded.lcut(t, HMM=hmm) for t in sample]
    # the words matter: without them the cut differs (the comparison above can fail)
    assert default_tokenizer().lcut("米山镇人民政府回应油烟扰民") != copied.lcut("米山镇人民政府回应油烟扰民")


def test_tags_are_kept_and_the_default_dictionary_is_left_as_shipped() -> None:
    before = dict(default_tokenizer().FREQ)
    tok = tokenizer_with([("白鹤咀村", "ns"), "晋城泽州"])
    assert tok.user_word_tag_tab == {"白鹤咀村": "ns"}
    assert "白鹤咀村" in tok.lcut("白鹤咀村修路")
    assert default_tokenizer().FREQ == before and "白鹤咀村" not in default_tokenizer().FREQ


def test_the_keyword_classifier_gets_a_copy_that_keeps_its_keywords_whole() -> None:
    kc = KeywordClassifier(load_taxonomy())
    assert kc.tokenizer is kc.tokenizer  # built once
    assert kc.tokenizer is not default_tokenizer()
