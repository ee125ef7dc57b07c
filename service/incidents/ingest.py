"""Processing committed items: triage, join or open incidents, set clocks, audit — per batch.

Idempotent: only items still `pending` are taken, and a batch is committed in one
transaction, so a job that dies leaves its items pending for the next run. A batch that
fails is retried item by item, and an item that fails alone is set aside (service.incidents.poison);
the batch path itself pays nothing for this. The batch is
grouped in memory (routing.grouping.assign) against the candidate incidents loaded in two
queries, then written with batched inserts: round trips, not rules, bound the throughput.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import structlog
from sqlalchemy import ColumnClause, and_, exists, literal_column, or_, text, update
from sqlalchemy.orm import QueryableAttribute, aliased, defer
from sqlmodel import Session, col, select

from classifier.spread import ItemSignals, SpreadTally, assess_spread
from routing.facts import SEVERITY_RANK, Severity
from routing.grouping import Assignment, Signature, assign
from service.audit.actions import AuditAction, IncidentCreated, ItemMerged
from service.audit.log import AuditBatch
from service.core.bulk import insert_rows
from service.core.columns import id_of, utcnow
from service.core.events import EventType, IncidentEvent
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents import poison, signatures
from service.incidents.duty_sync import sync_duties
from service.incidents.mapping import decision_columns
from service.incidents.models import Clock, Incident, IncidentPlace, IncidentUnit, Item
from service.incidents.pipeline import Engine, ItemInput, Triage
from service.incidents.retiming import retime, upgrade_if_more_severe
from service.incidents.search import index_items
from service.incidents.units import pairs_of

log = structlog.get_logger()


def item_input(item: Item) -> ItemInput:
    o = item.overrides or {}
    return ItemInput(
        key=str(item.id), text=item.text, title=item.title, received_at=item.received_at, kind=item.kind,
        topic=o.get("topic"), severity=o.get("severity"),
        regions=tuple(o["regions"]) if "regions" in o else None,
        departments=tuple(o["departments"]) if "departments" in o else None,
        signals=ItemSignals.from_dict(item.signals),
    )


def process_items(uow: UnitOfWork, engine: Engine, item_ids: Sequence[int], *, up_to: int = 0) -> list[int]:
    """Process the pending items among `item_ids` — and, up to `up_to` items in all, the oldest
    other pending ones (a worker behind the queue takes bigger batches: each batch pays fixed
    costs, and the jobs of items taken early find nothing left to do). Returns the ids of the
    incidents touched. Each batch is its own transaction (committed, then published)."""
    items = _take(uow.session, item_ids, up_to)
    if not items:
        return []
    ids = [id_of(i) for i in items]
    try:
        return _process(uow, engine, items)
    except Exception as exc:
        uow.rollback()
        if poison.is_transient(exc):
            raise  # of the moment: the batch stays pending, the job is retried (or swept)
        if len(ids) == 1:
            poison.set_aside(uow, ids[0], exc)
            return []
        log.warning("items.batch_failed", items=len(ids), error=poison.describe(exc), item_ids=ids[:20])
        return _one_by_one(uow, engine, ids)


def _one_by_one(uow: UnitOfWork, engine: Engine, ids: list[int]) -> list[int]:
    """After a failed batch: each item in a transaction of its own, in received order; one
    that fails alone is set aside, the others are routed."""
    touched: list[int] = []
    for item_id in ids:
        items = _take(uow.session, [item_id], 0)
        if not items:
            continue  # another worker took it meanwhile
        try:
            touched += _process(uow, engine, items)
        except Exception as exc:
            uow.rollback()
            if poison.is_transient(exc):
                raise
            poison.set_aside(uow, item_id, exc)
    return list(dict.fromkeys(touched))


def _process(uow: UnitOfWork, engine: Engine, items: list[Item]) -> list[int]:
    session = uow.session
    triages = {t.item.key: t for t in engine.triage_many([item_input(i) for i in items])}
    sigs = [t.signature() for t in triages.values()]
    _serialize_grouping(session, uow.settings)
    existing = _candidates(session, sigs, engine)
    plan = assign(sigs, existing.values(), engine.policy.grouping)
    rows = _write(session, engine, items, triages, existing, plan)
    index_items(session, items)  # the board's full-text search (service.incidents.search)
    touched = [rows[key].id or 0 for key in dict.fromkeys(plan.incident_of.values())]
    uow.publish(*(IncidentEvent(type=EventType.ITEM_ADDED if key.startswith("x:") else EventType.CREATED,
                                incident_id=rows[key].id or 0, severity=rows[key].severity)  # 特别重大: leader told
                  for key in dict.fromkeys(plan.incident_of.values())))
    uow.commit()
    log.info("items.processed", items=len(items), incidents=len(touched), merged=len(plan.matches),
             item_ids=[i.id for i in items][:20], incident_ids=touched[:20])
    return touched


def _take(session: Session, item_ids: Sequence[int], up_to: int) -> list[Item]:
    """The pending items to process, locked on PostgreSQL so that two workers never take the
    same item (a locked one is skipped: its worker is on it)."""
    postgres = session.get_bind().dialect.name == "postgresql"

    def pending(q):
        q = q.where(Item.status == "pending")
        return q.with_for_update(skip_locked=True) if postgres else q

    items = list(session.exec(pending(select(Item).where(col(Item.id).in_(list(item_ids))))).all())
    room = up_to - len(items)
    if postgres and items and room > 0:
        taken = [i.id for i in items]
        items += session.exec(pending(select(Item).where(col(Item.id).not_in(taken))).order_by(Item.id)
                              .limit(room)).all()
    return sorted(items, key=lambda i: (i.received_at, i.id))


GROUPING_LOCK = 0x7975_7169  # "yuqi": one advisory lock id for the grouping phase


def _serialize_grouping(session: Session, settings: Settings) -> None:
    """Workers triage in parallel but group one batch at a time: two batches grouped at once
    could each open an incident for the same event, or update one incident twice. SQLite
    serialises writers by itself; PostgreSQL takes a transaction-scoped advisory lock.

    The wait is bounded (lock_timeout, for the rest of this transaction): behind a holder
    that is gone but not yet disconnected, the batch fails as transient — left pending and
    retried — instead of waiting forever (the holder's session ends by
    idle_in_transaction_session_timeout, service.core.db)."""
    if session.get_bind().dialect.name == "postgresql":
        ms = max(1, int(settings.pg_lock_timeout_seconds * 1000))
        session.execute(text(f"SET LOCAL lock_timeout = {ms}"))  # an int of ours: no user text
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": GROUPING_LOCK})


def _candidates(session: Session, sigs: list[Signature], engine: Engine) -> dict[str, Signature]:
    """Incidents that share an index key with any item of the batch, within the lookback."""
    anyone, bare = signatures.candidate_keys(sigs)
    if not anyone and not bare:
        return {}
    cutoff = min(s.first_seen for s in sigs) - timedelta(days=engine.policy.grouping.lookback_days)
    other = aliased(IncidentPlace)
    has_entity = exists().where(col(other.incident_id) == col(IncidentPlace.incident_id),
                                col(other.place).startswith("e:"))
    ids = select(IncidentPlace.incident_id).where(
        or_(col(IncidentPlace.place).in_(anyone), and_(col(IncidentPlace.place).in_(bare), ~has_entity)))
    wanted = select(Incident.id).where(col(Incident.id).in_(ids), Incident.last_seen >= cutoff)
    if session.get_bind().dialect.name == "postgresql":
        return _SIGNATURES.fetch(session, wanted)
    found = session.exec(  # only what grouping needs: full rows with their JSON are costly
        select(Incident.id, Incident.signature).where(col(Incident.id).in_(wanted))).all()
    # keyed "x:<incident id>" so they cannot clash with new incidents, keyed by item id
    return {f"x:{i}": signatures.from_json(f"x:{i}", data) for i, data in found}


class SignatureCache:
    """Candidate signatures a worker has parsed, by PostgreSQL row version (xmin): every
    update of an incident row gives it a new xmin, so a signature whose row kept its xmin is
    the one stored. Consecutive batches share most candidates, and decoding their JSON was
    the largest cost of the serialised section."""

    LIMIT = 200_000  # signatures kept per process (a few hundred MB at most); then start over

    def __init__(self) -> None:
        self._kept: dict[tuple[str, int], tuple[str, Signature]] = {}

    def fetch(self, session: Session, wanted) -> dict[str, Signature]:
        db = str(session.get_bind().engine.url)
        xmin: ColumnClause[str] = literal_column("incident.xmin::text")
        versions = session.execute(select(Incident.id, xmin).where(col(Incident.id).in_(wanted))).all()
        stale = [i for i, v in versions if self._kept.get((db, i), ("",))[0] != v]
        if stale:
            if len(self._kept) + len(stale) > self.LIMIT:
                self._kept.clear()
            for i, v, data in session.execute(select(Incident.id, xmin, Incident.signature)
                                              .where(col(Incident.id).in_(stale))):
                self._kept[db, i] = (v, signatures.from_json(f"x:{i}", data))
        return {f"x:{i}": self._kept[db, i][1] for i, _v in versions}


_SIGNATURES = SignatureCache()


def _write(session: Session, engine: Engine, items: Sequence[Item], triages: dict[str, Triage],
           existing: dict[str, Signature], plan: Assignment) -> dict[str, Incident]:
    """Insert new incidents, update joined ones, then clocks, places, audit and items."""
    touched = set(plan.incident_of.values())
    rows, stored = _load(session, [k for k in touched if k in existing])
    tallies = _tallies(engine, items, triages, plan, stored)
    new = {k: _new_incident(triages[k], plan.incidents[k], tallies[k]) for k in touched if k not in existing}
    session.add_all(new.values())
    session.flush()  # ids for the new incidents, in one batched insert
    side = SideRows()
    for k, row in new.items():
        _open(session, row, triages[k], plan.incidents[k], side)
    for k, row in rows.items():
        _extend(session, engine, row, existing[k], plan.incidents[k], tallies[k], side)
    side.write(session)  # before any re-timing below reads the clocks
    sync_duties(session, engine, list(new.values()))  # each unit's duty and its clock (routing.duties)
    rows.update(new)
    now, updates = utcnow(), []
    for item in items:
        key = plan.incident_of[str(item.id)]
        row, t = rows[key], triages[str(item.id)]
        m = plan.matches.get(str(item.id))
        updates.append({"id": item.id, "incident_id": row.id, "status": "processed", "processed_at": now,
                        "analysis": _analysis(t), "merge_explanation": m.explanation if m else None})
        if m is not None:
            side.audit.add(AuditAction.INCIDENT_ITEM_MERGED, ItemMerged(explanation=m.explanation, score=m.score),
                           incident_id=row.id, item_id=item.id)
            if SEVERITY_RANK[Severity(t.facts.severity)] > SEVERITY_RANK[Severity(row.severity)]:
                side.write(session)
                upgrade_if_more_severe(session, engine, row, t.facts.severity, actor="system")
    side.write(session)
    _raise_by_spread(session, engine, [(row, tallies[k]) for k, row in rows.items()])
    session.flush()
    # one executemany by primary key: the ORM's per-object change tracking costs more here
    # than the database does
    session.execute(update(Item), updates)
    return rows


def _load(session: Session, keys: list[str]) -> tuple[dict[str, Incident], dict[str, SpreadTally]]:
    """The joined incidents' rows and their stored spread tallies. The rows come without their
    signature, the largest JSON column: `_extend` replaces it whole, and decoding it again
    (the candidates' copy is already parsed) was a tenth of a worker's time; only its spread
    tally is read, by JSON path."""
    if not keys:
        return {}, {}
    sig = col(Incident.signature)
    found = session.exec(select(Incident, sig["spread"]).options(defer(cast("QueryableAttribute[dict]", sig)))
                         .where(col(Incident.id).in_([int(k[2:]) for k in keys]))).all()
    return {f"x:{r.id}": r for r, _ in found}, {f"x:{r.id}": _stored_tally(r, spread) for r, spread in found}


def _tallies(engine: Engine, items: Sequence[Item], triages: dict[str, Triage], plan: Assignment,
             stored: dict[str, SpreadTally]) -> dict[str, SpreadTally]:
    """Each touched incident's spread tally with the batch's items added (from memory only)."""
    tallies = dict(stored)
    for item in items:  # in received order
        key, t = plan.incident_of[str(item.id)], triages[str(item.id)]
        tallies[key] = _added(tallies.get(key, SpreadTally()), t, engine.policy.spread.growth_window_hours)
    return tallies


def _stored_tally(row: Incident, spread: dict | None) -> SpreadTally:
    if spread is not None:
        return SpreadTally.from_json(spread)
    # an incident from before spread tallies (rare, and gone after its next item): what its
    # signature, loaded now, and row already tell
    return SpreadTally(items=int(row.signature.get("size", 1)), regions=frozenset(row.signature.get("regions", ())),
                       units=frozenset(row.departments))


def spread_tally(engine: Engine, triages: Sequence[Triage]) -> SpreadTally:
    """The tally of an incident rebuilt from all its items (after a split)."""
    tally = SpreadTally()
    for t in sorted(triages, key=lambda t: t.item.received_at):
        tally = _added(tally, t, engine.policy.spread.growth_window_hours)
    return tally


def _added(tally: SpreadTally, t: Triage, window_hours: float) -> SpreadTally:
    return tally.add(t.item.signals, departments=t.facts.departments, regions=t.facts.regions,
                     received_at=t.item.received_at, window_hours=window_hours)


def _raise_by_spread(session: Session, engine: Engine, touched: list[tuple[Incident, SpreadTally]]) -> None:
    """Raise the incidents whose spread (merged items, units, regions, growth, engagement)
    crosses a figure of the policy; the clocks are re-timed from the first receipt."""
    rule, org = engine.policy.spread, engine.org

    def above(region: str) -> list[str]:  # 米山镇 → 山西省, 晋城市, 高平市
        return [r.name for r in org.ancestors(region)[:-1]] if region in org.regions else []

    rising = [(row, spread) for row, tally in touched
              if SEVERITY_RANK[(spread := assess_spread(tally.facts(rule.growth_window_hours, above), rule)).level]
              > SEVERITY_RANK[Severity(row.severity)]]
    if not rising:
        return
    session.flush()  # the clocks of new incidents, for retime's query
    # one flush (and one audit-chain pass) for all the raises, not one per incident
    with session.no_autoflush:
        for row, spread in rising:
            reasons = [f"传播态势：{r}" for r in spread.reasons_above(Severity(row.severity))]
            upgrade_if_more_severe(session, engine, row, spread.level, actor="system", why="；".join(reasons))


def _new_incident(t: Triage, sig: Signature, tally: SpreadTally | None = None) -> Incident:
    d = t.decision
    tally = tally or _added(SpreadTally(), t, 1)  # one item: its hour is inside any window
    return Incident(
        topic=t.facts.topic, severity=str(t.facts.severity), emergency=t.severity.emergency,
        verification_request=t.item.verification_request, **decision_columns(d, t.reasons),
        regions=list(t.facts.regions),
        departments=list(t.facts.departments), received_at=t.item.received_at, last_seen=sig.last_seen,
        created_at=utcnow(), signature={**signatures.to_json(sig), "spread": tally.to_json()},
    )


@dataclass
class SideRows:
    """Places, unit-index rows, clocks and audit entries of a batch, inserted with one
    executemany per table: building an ORM object per row costs more here than the database
    does. Written before anything else records on the same incidents (chain order)."""

    places: list[dict] = field(default_factory=list)
    units: list[dict] = field(default_factory=list)
    clocks: list[dict] = field(default_factory=list)
    audit: AuditBatch = field(default_factory=AuditBatch)

    def add_places(self, incident_id: int, places: set[str]) -> None:
        self.places += ({"incident_id": incident_id, "place": p[:200]} for p in sorted(places))

    def write(self, session: Session) -> None:
        for table, rows in ((IncidentPlace, self.places), (IncidentUnit, self.units), (Clock, self.clocks)):
            insert_rows(session, table, rows)
        self.places, self.units, self.clocks = [], [], []
        self.audit.write(session)


def _open(session: Session, row: Incident, t: Triage, sig: Signature, side: SideRows) -> None:
    side.add_places(id_of(row), signatures.places(sig))
    side.units += ({"incident_id": row.id, "unit": u, "role": r} for u, r in pairs_of(row))
    side.clocks += ({"incident_id": row.id, "kind": c.kind, "label": c.label, "started_at": c.started_at,
                     "due_at": c.due_at, "next_due_at": c.started_at} for c in t.clocks)  # placed by the sweep
    side.audit.add(AuditAction.INCIDENT_CREATED, IncidentCreated(topic=row.topic, severity=row.severity,
                   first_responsible=row.first_responsible, reasons=row.reasons), incident_id=row.id,
                   item_id=int(t.item.key))


def _extend(session: Session, engine: Engine, row: Incident, before: Signature, after: Signature,
            tally: SpreadTally, side: SideRows) -> None:
    row.signature = {**signatures.to_json(after), "spread": tally.to_json()}
    row.last_seen = after.last_seen
    if after.first_seen < row.received_at:  # an earlier item joined late: clocks count from it
        row.received_at = after.first_seen
        side.write(session)  # the clocks of incidents opened in this batch, for retime's query
        retime(session, engine, row)
    side.add_places(id_of(row), signatures.places(after) - signatures.places(before))
    session.add(row)


def open_incident(session: Session, t: Triage, sig: Signature) -> Incident:
    """A new incident for one item (used when a coordinator splits an item out)."""
    row = _new_incident(t, sig)
    session.add(row)
    session.flush()
    side = SideRows()
    _open(session, row, t, sig, side)
    side.write(session)
    return row


def add_places(session: Session, incident_id: int, places: set[str]) -> None:
    """Callers pass only keys the incident does not have yet (no read-before-write)."""
    session.add_all(IncidentPlace(incident_id=incident_id, place=place[:200]) for place in sorted(places))


def _analysis(t: Triage) -> dict:
    p = t.prediction
    return {
        "topic": p.topic, "confidence": round(p.confidence, 4), "alternatives": [list(a) for a in p.alternatives],
        "tags": list(p.tags), "severity": str(t.severity.level), "triggers": list(t.severity.triggers),
        "regions": list(t.mentions.regions), "departments": list(t.mentions.departments),
        "entities": list(t.entities),
    }
