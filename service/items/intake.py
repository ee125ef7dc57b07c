"""The one way items enter: validated (service.core.inputs bounds, names of the org), stored
in one statement idempotent on (source, external_id), their processing dispatched after the
commit. POST /api/items, the 舆情报送 form and the CSV/XLSX import all go through `accept`;
nothing here commits (the edge's unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, tuple_

from service.core.columns import pk, utcnow
from service.core.errors import Invalid
from service.core.inputs import ReceivedWindow
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.jobs import processing
from service.incidents.models import Item
from service.incidents.pipeline import Engine
from service.items.schemas import ItemIn


def check_names(engine: Engine, item: ItemIn, index: int) -> None:
    if item.topic is not None and not engine.taxonomy.is_topic(item.topic):
        raise Invalid(f"第{index}条：未知主题 {item.topic}", f"item {index}: unknown topic {item.topic!r}")
    for name in (item.regions or []) + (item.departments or []):
        if engine.org.resolve(name) is None:
            raise Invalid(f"第{index}条：组织架构中没有 {name}", f"item {index}: {name!r} is not in the organisation")


def check_received(item: ItemIn, index: int, window: ReceivedWindow, now: datetime) -> None:
    if problem := item.received_problem(window, now):
        raise Invalid(f"第{index}条 received_at：{problem[0]}，未保存任何数据",
                       f"item {index}: {problem[1]}; nothing was stored",
                       details=[{"field": f"body.{index}.received_at", "problem": problem[1]}])


def validate(engine: Engine, batch: Sequence[ItemIn], window: ReceivedWindow, now: datetime) -> None:
    for i, item in enumerate(batch):
        check_names(engine, item, i)
        check_received(item, i, window, now)
    keys = [(i.source, i.external_id) for i in batch]
    if len(set(keys)) != len(keys):
        raise Invalid("同一批次中 source+external_id 重复", "duplicate source+external_id within the batch")


def accept(uow: UnitOfWork, settings: Settings, engine: Engine, batch: Sequence[ItemIn],
           now: datetime | None = None, extra: Sequence[dict] | None = None) -> list[dict]:
    """Validate, store and (after the caller's commit) process `batch`; `extra` adds columns
    per item (the form's link and reporter)."""
    now = now or utcnow()
    validate(engine, batch, ReceivedWindow.of(settings), now)
    results = store(uow.session, batch, now, extra)
    # committed before processing: a lost job loses nothing (the sweep re-enqueues pending items)
    uow.dispatch("enqueue", processing(settings, [r["id"] for r in results if not r["duplicate"]]))
    return results


def store(session: Session, batch: Sequence[ItemIn], now: datetime, extra: Sequence[dict] | None = None) -> list[dict]:
    """Insert the new items in one statement and report the known ones; all or nothing.

    ON CONFLICT DO NOTHING makes a concurrent request storing the same key wait for it and
    skip the row, so no request fails on the unique key and none stores a row twice."""
    if not batch:
        return []
    rows = [{"source": i.source, "external_id": i.external_id, "title": i.title, "text": i.text, "kind": i.kind,
             "overrides": i.overrides(), "received_at": i.received_at or now, "created_at": now,
             "status": "pending", "analysis": {}, "signals": i.signal_counts(), "link": None, "reported_by": None,
             **(extra[n] if extra else {})} for n, i in enumerate(batch)]
    insert = _dialect_insert(session)(Item).on_conflict_do_nothing(index_elements=["source", "external_id"])
    stmt = insert.returning(Item.source, Item.external_id, Item.id)
    new = {(s, e): i for s, e, i in session.execute(stmt, rows)}
    known = _existing(session, [k for k in ((i.source, i.external_id) for i in batch) if k not in new])
    return [_result(i, new.get(k) or known[k], k not in new) for i in batch for k in [(i.source, i.external_id)]]


def _dialect_insert(session: Session):
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(keys), 500):  # bounded IN lists (an import checks thousands)
        rows = session.exec(select(Item.source, Item.external_id, pk(Item.id)).where(
            tuple_(col(Item.source), col(Item.external_id)).in_(keys[start:start + 500]))).all()
        found.update({(s, e): i for s, e, i in rows})
    return found


def known_keys(session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of `keys` are stored already (an import's preview counts them)."""
    return set(_existing(session, keys))


def _result(i: ItemIn, item_id: int, duplicate: bool) -> dict:
    return {"id": item_id, "source": i.source, "external_id": i.external_id, "duplicate": duplicate}
