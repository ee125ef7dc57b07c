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
    keys = entity_keys(sig)
    if sig.regions:
        keys.add(region_key(sig))
    return keys


def entity_keys(sig: Signature) -> set[str]:
    return {f"e:{e}" for e in sig.entities}


def region_key(sig: Signature) -> str:
    return "r:" + "|".join(sorted(sig.regions))


def candidate_keys(sigs: list[Signature]) -> tuple[set[str], set[str]]:
    """(keys whose every incident is a candidate, keys whose incidents are candidates only
    when they have no entity). An item with entities joins an incident with entities only
    through a shared entity, and one without entities only on the very same regions
    (grouping._score); looking such items up by region among all incidents would load every
    incident of the town."""
    anyone: set[str] = set()
    bare: set[str] = set()
    for s in sigs:
        if s.entities:
            anyone |= entity_keys(s)
            if s.regions:
                bare.add(region_key(s))
        elif s.regions:
            anyone.add(region_key(s))
    return anyone, bare - anyone
