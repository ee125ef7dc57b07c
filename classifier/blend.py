"""The classifier the service runs: the learned model's probabilities blended with the keyword
baseline's confidences.

Why: the model decides each text alone, and near-identical complaints can fall on either side
of a contested boundary (烧烤店油烟扰民 → 城市综合执法 0.60 / 环境保护 0.35, while the follow-up
"油烟还是很大" → 环境保护 0.73), which splits one incident in two. The taxonomy keywords are the
same for every text, so a share of their evidence keeps such cases consistent and brings the
taxonomy's words to texts unlike any training example. Cost on the packaged training data
(5-fold CV, macro-F1): model alone 0.944, blend 0.7/0.3 0.939.

Scores are blended over the labels either side ranks in its top three (the rest carry almost no
probability); below the model's threshold the item goes to 待研判 with the blended guesses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from classifier.base import Classifier, TopicPrediction
from classifier.keywords import ABSTAIN_REASON, KeywordClassifier
from routing.facts import UNKNOWN_TOPIC

if TYPE_CHECKING:
    from classifier.features import Tokenizer

MODEL_WEIGHT = 0.7


class BlendedClassifier:
    def __init__(self, model: Classifier, keywords: KeywordClassifier, model_weight: float = MODEL_WEIGHT) -> None:
        self.model = model
        self.keywords = keywords
        self.model_weight = model_weight
        # a learned model (classifier.model.TopicModel) brings its own threshold and metadata
        self.threshold: float = getattr(model, "threshold", keywords.threshold)
        self.metadata: dict[str, Any] = getattr(model, "metadata", {})
        self.words: Tokenizer | None = getattr(model, "words", None)  # the model's jieba cut, if it has one

    def predict(self, text: str) -> TopicPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[TopicPrediction]:
        learned = self.model.predict_many(texts)
        return [self.blend(m, self.keywords.predict(t)) for t, m in zip(texts, learned, strict=True)]

    def blend(self, model: TopicPrediction, keyword: TopicPrediction) -> TopicPrediction:
        """One prediction from the model's and the keywords' (pure)."""
        if not model.alternatives and not keyword.alternatives:
            return model  # nothing to go on (e.g. empty text): the model's abstention stands
        w = self.model_weight
        scores: dict[str, float] = {}
        for label, p in model.alternatives:
            scores[label] = scores.get(label, 0.0) + w * p
        for label, c in keyword.alternatives:
            scores[label] = scores.get(label, 0.0) + (1 - w) * c
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        alternatives = tuple((label, round(s, 4)) for label, s in ranked)
        best, confidence = alternatives[0]
        # explain with the side that backs the chosen topic (the model's words when both do)
        source = model if model.alternatives and model.alternatives[0][0] == best else keyword
        reasons = tuple(r for r in source.reasons if r != ABSTAIN_REASON) or model.reasons
        tags = model.tags or keyword.tags
        if confidence < self.threshold:
            return TopicPrediction(UNKNOWN_TOPIC, confidence, alternatives, (*reasons, ABSTAIN_REASON), tags)
        return TopicPrediction(best, confidence, alternatives, reasons, tags)
