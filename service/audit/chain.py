"""The audit log as hash chains: each entry carries the hash of the previous entry of its
chain, so an edited, deleted or reordered entry shows (`yuqing audit verify`).

One chain per incident (chain = incident id) and chain 0 for entries with no incident, so
writers on different incidents never wait for each other. Chaining happens once per flush
(a `before_flush` hook), so a batch of 1,000 audit rows costs one lock statement and one
query for the chain tails, not one round trip per row. Concurrent appends to one chain are
serialised by locking the incident row (PostgreSQL; the workflow updates that row anyway,
so the lock order matches and no new deadlock appears) or an advisory lock for chain 0;
SQLite has one writer at a time. The unique (chain, seq) index refuses a forked chain
whatever happens.

Chain 0 records the creation of every other chain (`audit.chain_started`), so a chain
deleted whole shows. What the chains cannot show alone: removing the newest entries of a
chain (truncation), or entries rewritten and re-hashed by someone with database access and
this code — signed checkpoints (service.audit.checkpoint) show those.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import event, func, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.base import instance_state
from sqlmodel import Session, col, select

from service.audit.actions import AuditAction, ChainStarted
from service.audit.models import AuditEntry

GENESIS = "0" * 64
SYSTEM_CHAIN = 0
SYSTEM_CHAIN_LOCK = 0x7975_6175  # advisory lock id for chain 0 ("yuau")
CHAIN_STARTED = AuditAction.CHAIN_STARTED  # chain 0's record of a chain's first entry


def canonical(chain: int, seq: int, incident_id: int | None, item_id: int | None, actor: str, action: str,
              detail: dict, at: datetime, prev_hash: str) -> bytes:
    """The bytes hashed: every column but the id (given by the database after the hash) and
    the hash itself. The detail hashes the same before and after its trip through the JSON
    column (tuples and lists, int and str keys serialise alike)."""
    body = {"chain": chain, "seq": seq, "incident_id": incident_id, "item_id": item_id, "actor": actor,
            "action": action, "detail": detail,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "prev": prev_hash}
    try:
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    except TypeError:  # int and str keys mixed cannot be sorted: take them as the column returns them
        body["detail"] = json.loads(json.dumps(detail, ensure_ascii=False))
        return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def entry_hash(e: AuditEntry, prev_hash: str) -> str:
    return hashlib.sha256(canonical(e.chain, e.seq, e.incident_id, e.item_id, e.actor, e.action, e.detail or {},
                                    e.at, prev_hash)).hexdigest()


def install(session_class: type[OrmSession]) -> None:
    """Chain the audit entries of every session of `session_class` at flush. Called where the
    app's sessions are made (service.core.db), not on import: other sessions of the process
    (a test's, a tool's) get no hook they did not ask for. Idempotent."""
    if not event.contains(session_class, "before_flush", _chain_new_entries):
        event.listen(session_class, "before_flush", _chain_new_entries)


def _chain_new_entries(session: OrmSession, _ctx: object, _instances: object) -> None:
    new = [o for o in session.new if isinstance(o, AuditEntry)]
    if new:
        # insert_order: the order of session.add, so a chain follows the order of record() calls
        for marker in link(session.connection(), sorted(new, key=lambda e: instance_state(e).insert_order or 0)):
            session.add(marker)  # added during before_flush: part of this same flush


def link(conn, entries: list) -> list:
    """Give `entries` (AuditEntry objects or anything with their attributes, in the order they
    were recorded) their chain, seq, prev_hash and hash, after the tails already stored.
    Returns the chain-0 entries recording the creation of chains begun here (the caller
    writes them with the others): a chain deleted whole is then missed by chain 0."""
    by_chain: dict[int, list] = defaultdict(list)
    for e in entries:
        e.chain = e.incident_id or SYSTEM_CHAIN
        by_chain[e.chain].append(e)
    chains = sorted(by_chain)
    _lock(conn, [c for c in chains if c != SYSTEM_CHAIN], SYSTEM_CHAIN in by_chain)
    tails = _tails(conn, chains)
    begun = [c for c in chains if c != SYSTEM_CHAIN and c not in tails]
    markers = [type(entries[0])(incident_id=None, item_id=None, actor="system", action=CHAIN_STARTED.value,
                                detail=ChainStarted(chain=c), at=by_chain[c][0].at) for c in begun]
    if markers:
        if SYSTEM_CHAIN not in by_chain:
            _lock(conn, [], True)
            tails.update(_tails(conn, [SYSTEM_CHAIN]))
        for m in markers:
            m.chain = SYSTEM_CHAIN
        by_chain[SYSTEM_CHAIN] = markers + by_chain[SYSTEM_CHAIN]
    for chain, group in by_chain.items():
        seq, prev = tails.get(chain, (0, GENESIS))
        for e in group:
            seq += 1
            e.seq, e.prev_hash = seq, prev
            e.hash = prev = entry_hash(e, prev)
    return markers


def _lock(conn, incidents: list[int], system: bool) -> None:
    if conn.dialect.name == "postgresql":
        if incidents:
            conn.execute(text("SELECT id FROM incident WHERE id = ANY(:ids) ORDER BY id FOR UPDATE"),
                         {"ids": incidents})
        if system:  # last: chain 0 is taken by no one while waiting for a row
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SYSTEM_CHAIN_LOCK})
    elif conn.dialect.name == "sqlite":
        # pysqlite opens a transaction only at the first INSERT/UPDATE, so the tails would be
        # read outside it and another writer could append in between: take the write lock first
        raw = conn.connection.dbapi_connection
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def mark_existing_chains(conn) -> int:
    """Record in chain 0 the creation of every chain that has none yet (migration 0008: the
    chains written before markers existed). Appends only."""
    from types import SimpleNamespace

    from service.core.columns import table_of, utcnow

    have = {c for (c,) in conn.execute(select(AuditEntry.chain).where(AuditEntry.chain != SYSTEM_CHAIN).distinct())}
    marked = {d.get("chain") for (d,) in conn.execute(select(AuditEntry.detail).where(
        AuditEntry.chain == SYSTEM_CHAIN, AuditEntry.action == CHAIN_STARTED))}
    rows = [SimpleNamespace(incident_id=None, item_id=None, actor="system", action=CHAIN_STARTED.value,
                            detail=ChainStarted(chain=c, backfilled=True), at=utcnow()) for c in sorted(have - marked)]
    if rows:
        link(conn, rows)
        conn.execute(table_of(AuditEntry).insert(), [{k: v for k, v in vars(r).items()} for r in rows])
    return len(rows)


def _tails(conn, chains: list[int]) -> dict[int, tuple[int, str]]:
    """Last (seq, hash) of each chain: one indexed query per 500 chains."""
    b = aliased(AuditEntry)
    top = select(func.max(b.seq)).where(b.chain == AuditEntry.chain).correlate(AuditEntry).scalar_subquery()
    tails: dict[int, tuple[int, str]] = {}
    for i in range(0, len(chains), 500):
        q = (select(AuditEntry.chain, AuditEntry.seq, AuditEntry.hash)
             .where(col(AuditEntry.chain).in_(chains[i:i + 500]), AuditEntry.seq == top))
        tails.update({c: (n, h) for c, n, h in conn.execute(q).all()})
    return tails


@dataclass(frozen=True)
class Break:
    entry_id: int
    chain: int
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit entry id={self.entry_id} (chain {self.chain}, seq {self.seq}): {self.reason}"


def first_break(entries: Iterable[AuditEntry]) -> Break | None:
    """Walk entries ordered by (chain, seq); the first one that does not fit its chain. Pure."""
    chain, seq, prev = None, 0, GENESIS
    for e in entries:
        if e.chain != chain:
            chain, seq, prev = e.chain, 0, GENESIS
        seq += 1
        where = partial(Break, e.id or 0, e.chain, e.seq)  # the break at this entry, given why
        if e.chain != (e.incident_id or SYSTEM_CHAIN):
            return where(f"incident_id {e.incident_id} does not belong to chain {e.chain}")
        if e.seq != seq:
            return where(f"expected seq {seq}: an entry before it was removed or inserted")
        if e.prev_hash != prev:
            return where("prev_hash does not match the previous entry's hash")
        if entry_hash(e, prev) != e.hash:
            return where("content does not match its hash (edited)")
        prev = e.hash
    return None


def walk(session: Session) -> Iterator[AuditEntry]:
    q = select(AuditEntry).order_by(col(AuditEntry.chain), col(AuditEntry.seq)).execution_options(yield_per=2000)
    yield from session.exec(q)


def verify(session: Session) -> tuple[int, Break | None]:
    """(entries checked, first break or None)."""
    count = 0

    def counted() -> Iterator[AuditEntry]:
        nonlocal count
        for e in walk(session):
            count += 1
            yield e

    broken = first_break(counted())
    return count, broken
