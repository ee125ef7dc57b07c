"""Coordinators' merges and splits as labelled pairs for retraining the merger (issue 16).

Read from the append-only audit log, as topic corrections are (service.learning.corrections): no extra
table. `incident.merged` (workflow.merge, by a person) says the absorbed items (detail.item_ids)
report the survivor's incident: each is paired, same, with the survivor's other items.
`incident.item_split` (the split route) says the item is not the incident's: it is paired, not
same, with the items still there. A pair decided twice keeps the later decision (audit order).
The survivor's and the split incident's items are read as they are now, so a later split of
one of them shows as its own entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlmodel import Session, col, select

from service.audit.actions import AuditAction, Merged
from service.audit.log import SYSTEM
from service.audit.models import AuditEntry
from service.incidents.models import Item

MERGED, SPLIT = AuditAction.INCIDENT_MERGED, AuditAction.INCIDENT_ITEM_SPLIT


@dataclass(frozen=True)
class Decision:
    audit_id: int
    action: str  # MERGED | SPLIT
    incident_id: int
    item_ids: tuple[int, ...]  # the absorbed items, or the one split out
    actor: str


@dataclass(frozen=True)
class LabelledPair:
    a: int  # item ids, a < b
    b: int
    same: bool
    audit_id: int
    actor: str


def pairs_from(decisions: Iterable[Decision], members: Mapping[int, Sequence[int]]) -> list[LabelledPair]:
    """Labelled pairs of items from human decisions; `members`: incident id → its item ids now."""
    out: dict[tuple[int, int], LabelledPair] = {}
    for d in sorted(decisions, key=lambda d: d.audit_id):
        if d.actor == SYSTEM:
            continue
        moved = set(d.item_ids)
        others = [i for i in members.get(d.incident_id, ()) if i not in moved]
        for x in sorted(moved):
            for y in others:
                a, b = sorted((x, y))
                out[a, b] = LabelledPair(a, b, d.action == MERGED, d.audit_id, d.actor)
    return sorted(out.values(), key=lambda p: (p.a, p.b))


def load_pairs(session: Session) -> tuple[list[LabelledPair], dict[int, Item]]:
    entries = session.exec(select(AuditEntry).where(col(AuditEntry.action).in_([MERGED, SPLIT]))
                           .order_by(col(AuditEntry.id))).all()
    decisions = [Decision(e.id, e.action, e.incident_id, _moved(e), e.actor)
                 for e in entries if e.id is not None and e.incident_id is not None and _moved(e)]
    incident_ids = sorted({d.incident_id for d in decisions})
    if not incident_ids:
        return [], {}
    rows = session.exec(select(Item).where(col(Item.incident_id).in_(incident_ids))).all()
    members: dict[int, list[int]] = {}
    for r in rows:
        if r.id is not None and r.incident_id is not None:  # stored rows: both set (the query asks for the ids)
            members.setdefault(r.incident_id, []).append(r.id)
    pairs = pairs_from(decisions, members)
    wanted = {i for p in pairs for i in (p.a, p.b)}
    found = session.exec(select(Item).where(col(Item.id).in_(sorted(wanted)))).all() if wanted else []
    items = {r.id: r for r in found if r.id is not None}
    return pairs, items


def _moved(e: AuditEntry) -> tuple[int, ...]:
    if e.action == MERGED:
        return tuple(int(i) for i in cast(Merged, e.detail).get("item_ids") or () if i is not None)
    return (int(e.item_id),) if e.item_id is not None else ()


def export_jsonl(pairs: Sequence[LabelledPair], items: Mapping[int, Item], path: str | Path) -> int:
    """One line per pair with both items' title, text and time: what bench/events_train.py
    --pairs reads to add a deployment's decisions to the pairs it learns from."""
    with Path(path).open("w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps({"a": _item(items[p.a]), "b": _item(items[p.b]), "same": p.same,
                                 "audit_id": p.audit_id, "actor": p.actor}, ensure_ascii=False) + "\n")
    return len(pairs)


def _item(i: Item) -> dict:
    return {"id": str(i.id), "title": i.title, "text": i.text, "received_at": i.received_at.isoformat()}
