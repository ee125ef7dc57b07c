"""The append-only audit log: service functions call `record`; nothing updates or deletes.
Entries are hash-chained when flushed (service.audit_chain)."""

from __future__ import annotations

from sqlmodel import Session

from service import audit_chain  # noqa: F401 — installs the chaining hook
from service.models import AuditEntry, utcnow

SYSTEM = "system"


def record(session: Session, action: str, *, incident_id: int | None = None, item_id: int | None = None,
           actor: str = SYSTEM, **detail: object) -> AuditEntry:
    entry = AuditEntry(incident_id=incident_id, item_id=item_id, actor=actor, action=action, detail=detail, at=utcnow())
    session.add(entry)
    return entry
