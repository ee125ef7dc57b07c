"""The classifier contract: what any topic classifier (baseline or learned) returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from routing.facts import Severity


@dataclass(frozen=True)
class TopicPrediction:
    topic: str  # a taxonomy topic, or 待研判 when nothing fits well enough
    confidence: float  # 0..1
    alternatives: tuple[tuple[str, float], ...] = ()  # top three (topic, score), best first
    reasons: tuple[str, ...] = ()  # Chinese, e.g. "命中关键词：过期食材、餐馆"
    tags: tuple[str, ...] = ()  # hot tags (就学就医 …)


@runtime_checkable
class Classifier(Protocol):
    def predict(self, text: str) -> TopicPrediction: ...

    def predict_many(self, texts: Sequence[str]) -> list[TopicPrediction]: ...


@dataclass(frozen=True)
class SeverityAssessment:
    level: Severity
    triggers: tuple[str, ...] = ()  # trigger keys that fired, e.g. public_health
    reasons: tuple[str, ...] = ()  # Chinese, naming the words that fired
    emergency: bool = False  # an emergency / disaster / accident (national-practice clocks)
