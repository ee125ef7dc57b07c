"""The append-only audit log: service functions call `record`; nothing updates or deletes.
Entries are hash-chained when flushed (service.audit.chain)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlmodel import Session

from service.audit import chain as audit_chain  # installs the chaining hook for record()
from service.audit.models import AuditEntry
from service.core.bulk import insert_rows
from service.core.columns import utcnow

SYSTEM = "system"


def record(session: Session, action: str, *, incident_id: int | None = None, item_id: int | None = None,
           actor: str = SYSTEM, **detail: object) -> AuditEntry:
    entry = AuditEntry(incident_id=incident_id, item_id=item_id, actor=actor, action=action, detail=detail, at=utcnow())
    session.add(entry)
    return entry


@dataclass
class AuditBatch:
    """Entries recorded as plain rows and written with one executemany, chained in one pass:
    an ingest batch writes hundreds, and an ORM object each costs more than the database does.

    `write` first flushes what `record` left pending, so entries of one chain keep the order
    of the calls as long as the caller writes the batch before any `record` on the same
    incident (service.incidents.ingest does)."""

    rows: list[SimpleNamespace] = field(default_factory=list)

    def add(self, action: str, *, incident_id: int | None = None, item_id: int | None = None,
            actor: str = SYSTEM, **detail: object) -> None:
        self.rows.append(SimpleNamespace(incident_id=incident_id, item_id=item_id, actor=actor, action=action,
                                         detail=detail, at=utcnow()))

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        session.flush()
        markers = audit_chain.link(session.connection(), self.rows)
        insert_rows(session, AuditEntry, [vars(r) for r in self.rows + markers])
        self.rows = []
