"""Coordinators' corrections as training data, read from the append-only audit log.

A coordinator who changes an incident's topic or severity (service.incidents.retiming.regrade) leaves an
audit entry `incident.topic_changed` / `incident.severity_changed` with before/after, actor and
time; joined to the texts of the incident's items, that is a labelled example. No extra table:
the audit log already keeps everything, and nothing there is ever updated.

Only human changes count: the system's own upgrades (a more severe item merged in) are not
corrections of the classifier. When an incident was corrected more than once, the last change
wins. Severity pairs are exported for the record; the topic model learns from topic pairs.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlmodel import Session, col, select

from classifier.datasets import dedupe, join_title
from service.audit.actions import REGRADED, AuditAction, Regraded
from service.audit.log import SYSTEM
from service.audit.models import AuditEntry
from service.core.columns import id_of
from service.incidents.models import Item

ACTIONS: dict[AuditAction, str] = {action: f for f, action in REGRADED.items()}  # action → field
FIELDS = ("topic", "severity")
# why of the automatic upgrade when a graver incident is merged in (service.incidents.retiming): even
# when a person merged, the new level was not their judgement of these texts
MERGE_UPGRADE = "合并的新信息等级更高"
EXPORT_COLUMNS = ("text", "label", "field", "before", "incident_id", "item_id", "actor", "at", "why")


@dataclass(frozen=True)
class Change:
    """One audited human change of an incident's topic or severity."""

    audit_id: int
    incident_id: int
    field: str  # topic | severity
    before: str
    after: str
    actor: str
    at: datetime
    why: str = ""


@dataclass(frozen=True)
class ItemText:
    item_id: int
    incident_id: int
    text: str  # title and body joined


@dataclass(frozen=True)
class Correction:
    """A labelled example: an item's text with the label a coordinator gave its incident."""

    text: str
    label: str
    field: str
    before: str
    incident_id: int
    item_id: int
    actor: str
    at: datetime
    why: str = ""


# --- pure ----------------------------------------------------------------------------------
def latest_changes(changes: Iterable[Change]) -> dict[tuple[int, str], Change]:
    """(incident, field) → its last human change (by audit id, the log's own order)."""
    out: dict[tuple[int, str], Change] = {}
    for c in sorted(changes, key=lambda c: c.audit_id):
        if c.actor != SYSTEM and c.why != MERGE_UPGRADE:
            out[(c.incident_id, c.field)] = c
    return out


def corrections_from(changes: Iterable[Change], items: Iterable[ItemText]) -> list[Correction]:
    """Every item of a corrected incident, labelled with that incident's corrected value."""
    by_incident: dict[int, list[ItemText]] = {}
    for it in items:
        by_incident.setdefault(it.incident_id, []).append(it)
    out = []
    for (incident_id, field), c in sorted(latest_changes(changes).items(), key=lambda kv: kv[1].audit_id):
        for it in sorted(by_incident.get(incident_id, ()), key=lambda i: i.item_id):
            out.append(Correction(it.text, c.after, field, c.before, incident_id, it.item_id, c.actor, c.at, c.why))
    return out


def training_pairs(corrections: Sequence[Correction], field: str = "topic") -> tuple[list[str], list[str]]:
    """(texts, labels) of one field, de-duplicated (a text labelled two ways is dropped)."""
    rows = [c for c in corrections if c.field == field]
    texts, labels, _dups, _conflicts = dedupe([c.text for c in rows], [c.label for c in rows])
    return texts, labels


# --- I/O -----------------------------------------------------------------------------------
def load_corrections(session: Session, fields: Sequence[str] = FIELDS) -> list[Correction]:
    actions = [a for a, f in ACTIONS.items() if f in fields]
    entries = session.exec(select(AuditEntry).where(col(AuditEntry.action).in_(actions))
                           .order_by(col(AuditEntry.id))).all()
    changes = [_change(e, cast(Regraded, e.detail))
               for e in entries if e.id is not None and e.incident_id is not None and e.detail.get("after")]
    incident_ids = sorted({c.incident_id for c in changes})
    if not incident_ids:
        return []
    rows = session.exec(select(Item.id, Item.incident_id, Item.title, Item.text)
                        .where(col(Item.incident_id).in_(incident_ids))).all()
    items = [ItemText(i, inc, join_title(title or "", text)) for i, inc, title, text in rows
             if i is not None and inc is not None]  # stored rows: both set (the query asks for the ids)
    return corrections_from(changes, items)


def _change(e: AuditEntry, d: Regraded) -> Change:
    if e.incident_id is None:
        raise ValueError(f"audit entry {e.id}: a re-grade names its incident")
    return Change(id_of(e), e.incident_id, ACTIONS[AuditAction(e.action)], str(d.get("before", "")),
                  str(d.get("after", "")), e.actor, e.at, str(d.get("why", "")))


def export_csv(corrections: Sequence[Correction], path: str | Path, field: str | None = None) -> int:
    """Write corrections as a CSV that `yuqing classifier train --text-col text --label-col label`
    reads back; returns the number of rows written."""
    rows = [c for c in corrections if field is None or c.field == field]
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EXPORT_COLUMNS)
        for c in rows:
            w.writerow([c.text, c.label, c.field, c.before, c.incident_id, c.item_id, c.actor, c.at.isoformat(), c.why])
    return len(rows)
