"""grouping.Signature ⇄ the JSON stored on an incident."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from routing.grouping import Signature, name_blocks, term_blocks


def to_json(sig: Signature) -> dict:
    return {
        "topic": sig.topic,
        "regions": sorted(sig.regions),
        "entities": sorted(sig.entities),
        "terms": dict(sig.terms),
        "first_seen": sig.first_seen.isoformat(),
        "last_seen": sig.last_seen.isoformat(),
        "size": sig.size,
        "heads": sorted(sig.heads),
        "title_terms": dict(sig.title_terms),
    }


def from_json(key: str, data: Mapping[str, Any]) -> Signature:
    return Signature(
        key=key,
        topic=data["topic"],
        regions=frozenset(data["regions"]),
        entities=frozenset(data["entities"]),
        terms=data["terms"],
        first_seen=datetime.fromisoformat(data["first_seen"]),
        last_seen=datetime.fromisoformat(data["last_seen"]),
        size=int(data["size"]),
        heads=frozenset(data.get("heads", ())),  # incidents stored before issue 16 have none
        title_terms=data.get("title_terms", {}),
    )


def places(sig: Signature) -> set[str]:
    """Index keys that find merge candidates: each entity, and the exact set of regions.

    grouping.match joins items that share an entity or, lacking entities, name the very same
    regions; with the pair model (issue 16) also items whose names are alike, which share a
    character pair of their names (n:), and items naming no place whose titles share a main
    word (t:). These keys find the candidates and few others.
    """
    keys = entity_keys(sig) | fuzzy_keys(sig) | term_keys(sig)
    if sig.regions:
        keys.add(region_key(sig))
    return keys


def fuzzy_keys(sig: Signature) -> set[str]:
    """n:<character pair>: blocking keys under which variant spellings of a name meet."""
    return {f"n:{k}" for k in name_blocks(sig)}


def term_keys(sig: Signature) -> set[str]:
    """t:<word>: the title's main problem words, how an item naming no place finds its incident."""
    return {f"t:{t}" for t in term_blocks(sig)}


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
        fuzzy = fuzzy_keys(s)  # as grouping._lookup_keys: names, else the title's words
        anyone |= fuzzy or term_keys(s)
        if s.entities:
            anyone |= entity_keys(s)
            if s.regions:
                bare.add(region_key(s))
        elif s.regions:
            anyone.add(region_key(s))
    return anyone, bare - anyone
