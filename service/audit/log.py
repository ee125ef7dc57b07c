"""The append-only audit log: service functions call `record`; nothing updates or deletes.
Entries are hash-chained when flushed (service.audit.chain, installed on every session by
service.core.db)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session

from service.audit import chain as audit_chain
from service.audit.actions import AuditAction, check_detail
from service.audit.models import AuditEntry
from service.core.bulk import insert_rows
from service.core.columns import utcnow

SYSTEM = "system"


def record(session: Session, action: AuditAction, detail: Mapping[str, Any], *, incident_id: int | None = None,
           item_id: int | None = None, actor: str = SYSTEM) -> AuditEntry:
    """Add an entry; `detail` is the action's TypedDict (service.audit.actions), its keys checked."""
    check_detail(action, detail)
    # the chain fills at flush, on the class of the session that writes (the app's AppSession):
    # installed here, by the one writer, not on import nor on every ORM session of the process
    audit_chain.install(type(session))
    entry = AuditEntry(incident_id=incident_id, item_id=item_id, actor=actor, action=action.value, detail=dict(detail),
                       at=utcnow())
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

    def add(self, action: AuditAction, detail: Mapping[str, Any], *, incident_id: int | None = None,
            item_id: int | None = None, actor: str = SYSTEM) -> None:
        check_detail(action, detail)
        self.rows.append(SimpleNamespace(incident_id=incident_id, item_id=item_id, actor=actor, action=action.value,
                                         detail=dict(detail), at=utcnow()))

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        session.flush()
        markers = audit_chain.link(session.connection(), self.rows)
        insert_rows(session, AuditEntry, [vars(r) for r in self.rows + markers])
        self.rows = []
