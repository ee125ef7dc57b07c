"""The topic taxonomy as frozen data: topics, their business authority functions, hot tags.

The taxonomy lives in YAML (routing/data/taxonomy.yaml); its hash pins learned models to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from routing.facts import UNKNOWN_TOPIC

DEFAULT_TAXONOMY = "taxonomy.yaml"


class TaxonomyError(ValueError):
    pass


@dataclass(frozen=True)
class Topic:
    name: str
    authority: tuple[str, ...]  # business functions; the first is the default
    keywords: tuple[str, ...] = ()
    # function → words that select it instead of the default (市政服务: 水务 ← 停水, 自来水 …)
    by_keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class HotTag:
    name: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    hot_tags: tuple[HotTag, ...]
    digest: str  # sha256 of the canonical topic list: a model trained on another refuses to load
    # business functions with no topic of their own → words that select them for an item of no topic
    functions: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def function_names(self) -> frozenset[str]:
        """Every business function a department may serve: the topics' authorities and the others."""
        return frozenset({f for t in self.topics for f in t.authority} | set(self.functions))

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics)

    def topic(self, name: str) -> Topic | None:
        for t in self.topics:
            if t.name == name:
                return t
        return None

    def is_topic(self, name: str) -> bool:
        return name == UNKNOWN_TOPIC or self.topic(name) is not None

    def function_for(self, topic: str, text: str = "") -> str | None:
        """The business function answering for `topic`, refined by words of `text`."""
        t = self.topic(topic)
        if t is None:
            return self._untopical_function(text) if topic == UNKNOWN_TOPIC else None
        for function, words in t.by_keywords.items():
            if any(w in text for w in words):
                return function
        return t.authority[0]

    def _untopical_function(self, text: str) -> str | None:
        """For an item of no topic: the first function of the `functions` list its text names."""
        for function, words in self.functions.items():
            if any(w in text for w in words):
                return function
        return None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Taxonomy:
        topics = []
        for i, raw in enumerate(data.get("topics") or []):
            name = raw.get("name")
            authority = tuple(raw.get("authority") or ())
            if not name or not authority:
                raise TaxonomyError(f"topics[{i}]: name and authority are required")
            by_kw = {f: tuple(ws) for f, ws in (raw.get("by_keywords") or {}).items()}
            unknown = set(by_kw) - set(authority)
            if unknown:
                raise TaxonomyError(f"topics[{i}] {name}: by_keywords names functions not in authority: {sorted(unknown)}")
            topics.append(Topic(name, authority, tuple(raw.get("keywords") or ()), by_kw))
        names = [t.name for t in topics]
        if len(set(names)) != len(names):
            raise TaxonomyError("topics: duplicate topic names")
        if UNKNOWN_TOPIC in names:
            raise TaxonomyError(f"topics: {UNKNOWN_TOPIC} is reserved")
        tags = tuple(HotTag(t["name"], tuple(t.get("keywords") or ())) for t in data.get("hot_tags") or [])
        canonical = "\n".join(f"{t.name}:{','.join(t.authority)}" for t in topics)
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        functions = {str(f): tuple(str(w) for w in ws or ()) for f, ws in (data.get("functions") or {}).items()}
        return cls(tuple(topics), tags, digest, functions)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    if path is None:
        text = resources.files("routing.data").joinpath(DEFAULT_TAXONOMY).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return Taxonomy.from_dict(yaml.safe_load(text))
