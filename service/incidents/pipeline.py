"""Item → analysis → facts → routing decision → clocks: pure, shared by the worker and triage.

No database, queue or clock here: the caller passes everything in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from classifier.base import Classifier, SeverityAssessment, TopicPrediction
from classifier.entities import extract_entities
from classifier.event_entities import title_heads
from classifier.features import Tokenizer
from classifier.gazetteer import Gazetteer, Mentions
from classifier.keywords import KeywordClassifier
from classifier.normalize import normalize
from classifier.severity import assess_severity
from classifier.spread import ItemSignals, SpreadFacts, assess_spread, with_spread
from routing.deadlines import ClockDue, compute_clocks, require_aware
from routing.engine import route
from routing.facts import IncidentFacts, RoutingDecision, Severity
from routing.grouping import Signature, signature_for_item
from routing.orgchart import OrgChart
from routing.policy import Policy
from routing.taxonomy import Taxonomy

VERIFICATION = "verification_request"


@dataclass(frozen=True)
class ItemInput:
    key: str
    text: str
    received_at: datetime
    title: str | None = None
    kind: str | None = None
    topic: str | None = None  # officer overrides
    severity: Severity | None = None
    regions: tuple[str, ...] | None = None
    departments: tuple[str, ...] | None = None
    signals: ItemSignals | None = None  # spread counters from the source

    @property
    def verification_request(self) -> bool:
        return self.kind == VERIFICATION


@dataclass(frozen=True)
class Triage:
    item: ItemInput
    text: str  # normalised (simplified) title + text
    prediction: TopicPrediction
    severity: SeverityAssessment
    mentions: Mentions
    entities: tuple[str, ...]
    facts: IncidentFacts
    decision: RoutingDecision
    clocks: tuple[ClockDue, ...]
    reasons: tuple[str, ...] = field(default=())
    places: tuple[str, ...] = ()  # the regions named and every region above them (grouping)
    heads: tuple[str, ...] = ()  # what the title is about, read without the gazetteer (grouping)

    def signature(self) -> Signature:
        return signature_for_item(
            self.item.key, self.text, self.facts.topic, self.places or self.facts.regions, self.entities,
            self.item.received_at, title=normalize(self.item.title) if self.item.title else None, heads=self.heads,
        )


@dataclass
class Engine:
    org: OrgChart
    taxonomy: Taxonomy
    policy: Policy
    classifier: Classifier
    gazetteer: Gazetteer
    # the classifier's remembered jieba cut (BlendedClassifier.words), shared with the severity signal
    cut: Tokenizer | None = field(init=False)

    def __post_init__(self) -> None:
        self.cut = getattr(self.classifier, "words", None)

    @classmethod
    def build(cls, org: OrgChart, taxonomy: Taxonomy, policy: Policy, classifier: Classifier | None = None) -> Engine:
        return cls(org, taxonomy, policy, classifier or KeywordClassifier(taxonomy), Gazetteer.from_org(org))

    def triage_many(self, items: Sequence[ItemInput]) -> list[Triage]:
        texts = [normalize(" ".join(filter(None, [i.title, i.text]))) for i in items]
        predictions = self.classifier.predict_many(texts)
        return [self._triage(i, t, p) for i, t, p in zip(items, texts, predictions, strict=True)]

    def triage(self, item: ItemInput) -> Triage:
        return self.triage_many([item])[0]

    def _triage(self, item: ItemInput, text: str, prediction: TopicPrediction) -> Triage:
        require_aware(item.received_at, "received_at")
        mentions = self.gazetteer.find(text)
        topic = item.topic or prediction.topic
        assessed = assess_severity(  # the model's cut of this text, made (and remembered) by predict_many
            text, topic=topic, tags=prediction.tags, verification_request=item.verification_request,
            cut=self.cut,
        )
        if item.signals is not None:  # an item already spreading widely is graver than its words
            assessed = with_spread(assessed, assess_spread(SpreadFacts.of_item(item.signals), self.policy.spread))
        severity = item.severity or assessed.level
        regions = item.regions if item.regions is not None else mentions.regions
        departments = item.departments if item.departments is not None else mentions.departments
        facts = IncidentFacts(
            topic=topic,
            severity=severity,
            regions=tuple(regions),
            departments=tuple(departments),
            verification_request=item.verification_request,
            function=self.taxonomy.function_for(topic, text),
        )
        decision = route(facts, self.org, self.taxonomy)
        clocks = compute_clocks(
            severity=severity,
            received_at=item.received_at,
            verification_request=item.verification_request,
            emergency=assessed.emergency,
            policy=self.policy,
        )
        exclude = {s for s, _ in mentions.surfaces} | set(mentions.regions)
        entities = extract_entities(text, exclude=exclude)
        # what place recognition set aside (a name outside the org, a body it does not model)
        place_notes = mentions.notes if item.regions is None and item.departments is None else ()
        reasons = _classification_reasons(item, prediction, assessed) + place_notes + decision.reasons
        places = tuple(dict.fromkeys(a.name for r in facts.regions if r in self.org.regions
                                     for a in self.org.ancestors(r)))
        heads = title_heads(normalize(item.title), exclude) if item.title else ()
        return Triage(item, text, prediction, assessed, mentions, entities, facts, decision, clocks, reasons, places,
                      heads)


def _classification_reasons(item: ItemInput, p: TopicPrediction, s: SeverityAssessment) -> tuple[str, ...]:
    topic = f"主题由人工指定为{item.topic}" if item.topic else f"主题：{p.topic}（置信度{p.confidence:.2f}）"
    severity = f"等级由人工指定为{item.severity}" if item.severity else f"等级：{s.level}"
    return (topic, *(() if item.topic else p.reasons), severity, *(() if item.severity else s.reasons))
