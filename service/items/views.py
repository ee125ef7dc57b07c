"""POST /api/items: validated, idempotent on (source, external_id), committed before processing;
GET /api/items (by status) and /api/items/{id}, each scoped to what the reader may see."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, func, select, tuple_

from service.auth.deps import Allowed
from service.auth.rules import Action, Principal, allowed
from service.core.columns import pk, utcnow
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.errors import Forbidden, Invalid, NotFound
from service.core.inputs import ReceivedWindow
from service.core.metrics import ITEMS_RECEIVED
from service.core.params import IdPath
from service.incidents.deps import EngineDep
from service.incidents.jobs import processing
from service.incidents.models import Incident, Item
from service.incidents.pipeline import Engine
from service.incidents.units import scoped
from service.incidents.visible import visible_incident
from service.items.schemas import ItemIn

router = APIRouter(prefix="/api/items", tags=["items"])
MAX_BATCH = 1000


@router.post("", status_code=status.HTTP_202_ACCEPTED, dependencies=[Allowed(Action.INGEST)],
             summary="接收舆情信息（单条或批量） / ingest one item or a batch")
def ingest(payload: ItemIn | list[ItemIn], uow: UowDep, settings: SettingsDep, engine: EngineDep) -> dict:
    batch = payload if isinstance(payload, list) else [payload]
    if not 1 <= len(batch) <= MAX_BATCH:
        raise Invalid(f"每批 1 至 {MAX_BATCH} 条", f"a batch holds 1 to {MAX_BATCH} items")
    now, window = utcnow(), ReceivedWindow.of(settings)
    for i, item in enumerate(batch):
        check_names(engine, item, i)
        check_received(item, i, window, now)
    keys = [(i.source, i.external_id) for i in batch]
    if len(set(keys)) != len(keys):
        raise Invalid("同一批次中 source+external_id 重复", "duplicate source+external_id within the batch")
    results = store(uow.session, batch, now)
    # committed before processing: a lost job loses nothing (the sweep re-enqueues pending items)
    uow.dispatch("enqueue", processing(settings, [r["id"] for r in results if not r["duplicate"]]))
    uow.commit()
    ITEMS_RECEIVED.inc(sum(not r["duplicate"] for r in results))
    return {"items": results}


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


def store(session: Session, batch: list[ItemIn], now: datetime) -> list[dict]:
    """Insert the new items in one statement and report the known ones; all or nothing.

    ON CONFLICT DO NOTHING makes a concurrent request storing the same key wait for it and
    skip the row, so no request fails on the unique key and none stores a row twice."""
    rows = [{"source": i.source, "external_id": i.external_id, "title": i.title, "text": i.text, "kind": i.kind,
             "overrides": i.overrides(), "received_at": i.received_at or now, "created_at": now,
             "status": "pending", "analysis": {}, "signals": i.signal_counts()} for i in batch]
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
    rows = session.exec(select(Item.source, Item.external_id, pk(Item.id)).where(
        tuple_(col(Item.source), col(Item.external_id)).in_(keys))).all()
    return {(s, e): i for s, e, i in rows}


def _result(i: ItemIn, item_id: int, duplicate: bool) -> dict:
    return {"id": item_id, "source": i.source, "external_id": i.external_id, "duplicate": duplicate}


# -- reading items ------------------------------------------------------------------------------
# Who reads items: those who see an item's incident read its items (`visible_incident`); the
# items of no incident yet (pending, failed) are READ_UNROUTED's: the ingest machines that posted
# them (an ingest token reads nothing else: no routed item, no incident), coordinators and the
# admin, who retry and fix them.
ItemReader = Annotated[Principal, Allowed(Action.READ, Action.READ_UNROUTED)]
Lister = Annotated[Principal, Allowed(Action.READ_UNROUTED, refusal=(
    "仅接收端、督办与管理员可查看信息列表", "only ingest, coordinators and the admin list items"))]
ItemStatus = Literal["pending", "failed", "processed"]


@router.get("", summary="舆情信息列表（待处理 / 处理失败 / 已处理） / items by status, e.g. failed ones to retry",
            responses={403: {"description": "仅接收端、督办与管理员 / ingest, coordinators and the admin only"}})
def list_items(reader: Lister, session: SessionDep, engine: EngineDep,
               status: ItemStatus = Query(..., description="pending 待处理 / failed 处理失败 / processed 已处理"),
               limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=2**31)) -> dict:
    q = select(Item).where(Item.status == status)
    if status == "processed":  # routed: only those of incidents the viewer sees
        if not allowed(reader, Action.READ):
            raise Forbidden("接收令牌只能列出待处理或处理失败的信息", "an ingest token lists pending or failed items only")
        q = q.where(col(Item.incident_id).in_(scoped(select(Incident.id), reader, engine.org)))
    total = session.exec(select(func.count()).select_from(q.subquery())).one()
    rows = session.exec(q.order_by(col(Item.id).desc()).offset(offset).limit(limit)).all()
    return {"total": total, "limit": limit, "offset": offset, "items": [_summary(i) for i in rows]}


def _summary(i: Item) -> dict:
    return {"id": i.id, "source": i.source, "external_id": i.external_id, "title": i.title, "text": i.text,
            "status": i.status, "error": i.error, "received_at": i.received_at, "created_at": i.created_at,
            "processed_at": i.processed_at, "incident_id": i.incident_id}


@router.get("/{item_id}", summary="查看舆情信息 / one item",
            responses={404: {"description": "没有这条信息，或无权查看 / no such item, or not yours to see"}})
def get_item(item_id: IdPath, reader: ItemReader, session: SessionDep, engine: EngineDep) -> Item:
    """404 unless the principal sees the item's incident (as GET /api/incidents/{id}); an item
    of no incident (pending, failed) only for READ_UNROUTED: ingest, coordinators, the admin."""
    item = session.get(Item, item_id)  # IdPath bounds the id
    if item is None or (item.incident_id is None and not allowed(reader, Action.READ_UNROUTED)):
        raise NotFound("没有这条信息", "no such item")
    if item.incident_id is not None:
        try:
            visible_incident(session, engine.org, reader, item.incident_id)
        except NotFound:
            raise NotFound("没有这条信息", "no such item") from None
    return item
