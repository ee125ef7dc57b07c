"""The baseline topic classifier: taxonomy keywords, weighted by specificity.

One compiled trie regex scans the normalised text for every keyword at once (longest keyword at
each position, no overlaps, so 过期食材 is not also counted as 食材). Two-character hits are
checked against a jieba segmentation of a small window around them: a hit that crosses a word
boundary (暂停|水费 for 停水) counts half.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from classifier.base import TopicPrediction
from classifier.normalize import normalize
from routing.facts import UNKNOWN_TOPIC
from routing.taxonomy import Taxonomy

if TYPE_CHECKING:
    import jieba

ABSTAIN_REASON = "未达到置信度阈值，需人工研判"
NO_HIT_REASON = "未命中任何主题关键词"
DEFAULT_THRESHOLD = 0.3
EVIDENCE_SCALE = 1.5  # score at which absolute evidence reaches 1 - 1/e
CROSSING_FACTOR = 0.5  # weight of a short hit that crosses a jieba word boundary
SHORT_HIT = 2  # hits of this length or shorter are checked with jieba
WINDOW = 4  # characters of context each side for that check
MAX_REASON_WORDS = 8
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
# A character trie: each character maps to the trie of what may follow; "" marks a word's end.
Trie: TypeAlias = dict[str, "Trie"]


def keyword_weight(word: str) -> float:
    """Longer keywords are more specific: 2 chars → 1.0, 3 → 1.5, 4 → 2.0, 5+ → 2.5."""
    return 1.0 + 0.5 * (min(len(word), 5) - 2)


def fold(text: str) -> str:
    """Lower-case ASCII only (keeps offsets; CJK is unaffected)."""
    return text.translate(_ASCII_LOWER)


def trie_regex(words: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of `words`, preferring the longest at each position."""
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(_node_pattern(trie) or r"(?!x)x")


def _node_pattern(node: Trie) -> str:
    alts = [re.escape(ch) + _node_pattern(sub) for ch, sub in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    # A word may end here: the greedy `?` still tries the longer words first.
    return f"(?:{body})?" if "" in node else body


class KeywordClassifier:
    """Classifies a text into a taxonomy topic, or 待研判 below `threshold`."""

    def __init__(self, taxonomy: Taxonomy, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.taxonomy = taxonomy
        self.threshold = threshold
        self._names = taxonomy.topic_names
        self._topics_of: dict[str, list[int]] = {}
        for i, topic in enumerate(taxonomy.topics):
            for word in {fold(str(w)) for w in topic.keywords if str(w).strip()}:
                self._topics_of.setdefault(word, []).append(i)
        self._tags_of: dict[str, list[str]] = {}
        for tag in taxonomy.hot_tags:
            for word in {fold(str(w)) for w in tag.keywords if str(w).strip()}:
                self._tags_of.setdefault(word, []).append(tag.name)
        self._topic_re = trie_regex(self._topics_of)
        self._tag_re = trie_regex(self._tags_of)
        self._tokenizer: jieba.Tokenizer | None = None  # built on first use

    # --- jieba --------------------------------------------------------------------------
    @property
    def tokenizer(self) -> jieba.Tokenizer:
        """A dedicated jieba tokenizer that keeps every taxonomy keyword whole (built once)."""
        if self._tokenizer is None:
            from classifier.jieba_dict import tokenizer_with

            self._tokenizer = tokenizer_with(sorted(self._topics_of.keys() | self._tags_of.keys()))
        return self._tokenizer

    def tokenize(self, text: str, hmm: bool = True) -> list[str]:
        """jieba tokens of the normalised text (e.g. features for a learned model)."""
        return [w for w in self.tokenizer.lcut(fold(normalize(text)), HMM=hmm) if w.strip()]

    def _crosses_boundary(self, text: str, start: int, end: int) -> bool:
        lo = max(0, start - WINDOW)
        cuts = {0}
        for _, _, stop in self.tokenizer.tokenize(text[lo : end + WINDOW], HMM=False):
            cuts.add(stop)
        return (start - lo) not in cuts or (end - lo) not in cuts

    # --- scoring ------------------------------------------------------------------------
    def scores(self, text: str) -> tuple[list[float], list[list[str]]]:
        """Per-topic scores and hit words (in order of first occurrence) of a folded text."""
        scores = [0.0] * len(self._names)
        hits: list[list[str]] = [[] for _ in self._names]
        for m in self._topic_re.finditer(text):
            word = m.group()
            weight = keyword_weight(word)
            if len(word) <= SHORT_HIT and self._crosses_boundary(text, m.start(), m.end()):
                weight *= CROSSING_FACTOR
            for i in self._topics_of[word]:
                scores[i] += weight
                if word not in hits[i]:
                    hits[i].append(word)
        return scores, hits

    def tags(self, text: str) -> tuple[str, ...]:
        found = {tag for m in self._tag_re.finditer(text) for tag in self._tags_of[m.group()]}
        return tuple(t.name for t in self.taxonomy.hot_tags if t.name in found)

    @staticmethod
    def confidences(scores: Sequence[float]) -> list[float]:
        """Share of the total score, softened by absolute evidence (one weak hit ≠ certainty)."""
        total = sum(scores)
        if total <= 0:
            return [0.0] * len(scores)
        return [s / total * (1.0 - math.exp(-s / EVIDENCE_SCALE)) for s in scores]

    # --- Classifier protocol ------------------------------------------------------------
    def predict(self, text: str) -> TopicPrediction:
        folded = fold(normalize(text))
        scores, hits = self.scores(folded)
        conf = self.confidences(scores)
        ranked = sorted((i for i, s in enumerate(scores) if s > 0), key=lambda i: (-conf[i], i))
        alternatives = tuple((self._names[i], round(conf[i], 4)) for i in ranked[:3])
        tags = self.tags(folded)
        if not ranked:
            return TopicPrediction(UNKNOWN_TOPIC, 0.0, (), (NO_HIT_REASON, ABSTAIN_REASON), tags)
        best = ranked[0]
        words = "、".join(hits[best][:MAX_REASON_WORDS])
        reasons = (f"命中关键词：{words}（{self._names[best]}）",)
        confidence = round(conf[best], 4)
        if conf[best] < self.threshold:  # weak evidence: keep the guesses for the coordinator
            return TopicPrediction(UNKNOWN_TOPIC, confidence, alternatives, (*reasons, ABSTAIN_REASON), tags)
        return TopicPrediction(self._names[best], confidence, alternatives, reasons, tags)

    def predict_many(self, texts: Sequence[str]) -> list[TopicPrediction]:
        return [self.predict(t) for t in texts]
