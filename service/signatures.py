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
    """Index keys that find merge candidates: each entity, and the exact set of regions.

    grouping.match only joins items that share an entity or, lacking entities, name the very
    same regions, so these keys find every possible candidate and few others.
    """
    keys = {f"e:{e}" for e in sig.entities}
    if sig.regions:
        keys.add("r:" + "|".join(sorted(sig.regions)))
    return keys
