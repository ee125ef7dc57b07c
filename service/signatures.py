"""grouping.Signature ⇄ the JSON stored on an incident."""

from __future__ import annotations

from datetime import datetime

from routing.grouping import Signature


def to_json(sig: Signature) -> dict:
    return {
        "topic": sig.topic,
        "regions": sorted(sig.regions),
        "entities": sorted(sig.entities),
        "terms": dict(sig.terms),
        "first_seen": sig.first_seen.isoformat(),
        "last_seen": sig.last_seen.isoformat(),
        "size": sig.size,
    }


def from_json(key: str, data: dict) -> Signature:
    return Signature(
        key=key,
        topic=data["topic"],
        regions=frozenset(data["regions"]),
        entities=frozenset(data["entities"]),
        terms=data["terms"],
        first_seen=datetime.fromisoformat(data["first_seen"]),
        last_seen=datetime.fromisoformat(data["last_seen"]),
        size=int(data["size"]),
    )


def places(sig: Signature) -> set[str]:
    return set(sig.entities) | set(sig.regions)
