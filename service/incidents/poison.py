"""Setting poison aside: an item whose processing fails on its own is marked `failed`.

A batch that fails is retried item by item (service.incidents.ingest); an item that then fails
alone is poison — its own data breaks triage or its rows — and retrying it changes nothing
until someone fixes the cause (`yuqing items retry ID…`). It is marked failed with its error,
audited (chain 0: it has no incident) and counted; batch fill-ups take only pending items,
so it never rides along again. A transient fault (lock timeout, connection lost, database
locked, job timeout) is not poison: the batch is left pending and retried later.
"""

from __future__ import annotations

import structlog
from rq.timeouts import BaseTimeoutException
from sqlalchemy import exc as sa_exc
from sqlalchemy import update
from sqlmodel import col

from service.audit.actions import AuditAction, ItemFailed
from service.audit.log import record
from service.core.columns import utcnow
from service.core.metrics import ITEMS_FAILED
from service.core.uow import UnitOfWork
from service.incidents.models import Item

log = structlog.get_logger()

# faults of the moment, not of an item: retrying later may succeed. OperationalError covers
# PostgreSQL's lock_timeout (55P03), deadlocks, serialisation failures, lost connections and
# SQLite's "database is locked"
TRANSIENT = (sa_exc.OperationalError, sa_exc.DisconnectionError, sa_exc.TimeoutError, BaseTimeoutException,
             ConnectionError, TimeoutError)
# SQLSTATE classes and codes of the same kind, whatever exception class the driver maps them
# to: connection (08), rollback (40), resources (53), operator/shutdown (57), lock not
# available (55P03), session ended by idle_in_transaction_session_timeout (25P03)
TRANSIENT_STATES = ("08", "40", "53", "57", "55P03", "25P03")
ERROR_CHARS = 300


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT) or getattr(exc, "connection_invalidated", False):
        return True
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return state.startswith(TRANSIENT_STATES)


def describe(exc: BaseException) -> str:
    """Error class and the first line of its message (the driver's error, not the SQL)."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"[:ERROR_CHARS]


def set_aside(uow: UnitOfWork, item_id: int, exc: BaseException) -> bool:
    """Mark the item failed (if still pending) in a transaction of its own; True if it was."""
    session, error = uow.session, describe(exc)
    marked = session.exec(update(Item).where(col(Item.id) == item_id, col(Item.status) == "pending")
                             .values(status="failed", error=error, processed_at=utcnow())).rowcount
    if marked:
        record(session, AuditAction.ITEM_FAILED, ItemFailed(error=error), item_id=item_id)
    uow.commit()
    if marked:
        ITEMS_FAILED.inc()
        log.error("item.failed", item_id=item_id, error=error)
    return bool(marked)
