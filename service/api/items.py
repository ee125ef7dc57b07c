"""POST /api/items: validated, idempotent on (source, external_id), committed before processing."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select, tuple_

from service.api.deps import EngineDep, SessionDep, SettingsDep, require
from service.api.errors import ApiError
from service.api.params import IdPath
from service.inputs import ReceivedWindow
from service.metrics import ITEMS_RECEIVED
from service.models import Item, utcnow
from service.pipeline import Engine
from service.queue import submit
from service.schemas import ItemIn

router = APIRouter(prefix="/api/items", tags=["items"])
MAX_BATCH = 1000


@router.post("", status_code=status.HTTP_202_ACCEPTED, dependencies=[Depends(require("ingest"))],
             summary="接收舆情信息（单条或批量） / ingest one item or a batch")
def ingest(payload: ItemIn | list[ItemIn], session: SessionDep, settings: SettingsDep, engine: EngineDep) -> dict:
    batch = payload if isinstance(payload, list) else [payload]
    if not 1 <= len(batch) <= MAX_BATCH:
        raise ApiError(422, f"每批 1 至 {MAX_BATCH} 条", f"a batch holds 1 to {MAX_BATCH} items")
    now, window = utcnow(), ReceivedWindow.of(settings)
    for i, item in enumerate(batch):
        check_names(engine, item, i)
        check_received(item, i, window, now)
    keys = [(i.source, i.external_id) for i in batch]
    if len(set(keys)) != len(keys):
        raise ApiError(422, "同一批次中 source+external_id 重复", "duplicate source+external_id within the batch")
    results = store(session, batch, now)
    submit(settings, [r["id"] for r in results if not r["duplicate"]])
    ITEMS_RECEIVED.inc(sum(not r["duplicate"] for r in results))
    return {"items": results}


def check_names(engine: Engine, item: ItemIn, index: int) -> None:
    if item.topic is not None and not engine.taxonomy.is_topic(item.topic):
        raise ApiError(422, f"第{index}条：未知主题 {item.topic}", f"item {index}: unknown topic {item.topic!r}")
    for name in (item.regions or []) + (item.departments or []):
        if engine.org.resolve(name) is None:
            raise ApiError(422, f"第{index}条：组织架构中没有 {name}", f"item {index}: {name!r} is not in the organisation")


def check_received(item: ItemIn, index: int, window: ReceivedWindow, now: datetime) -> None:
    if problem := item.received_problem(window, now):
        raise ApiError(422, f"第{index}条 received_at：{problem[0]}，未保存任何数据",
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
    session.commit()
    return [_result(i, new.get(k) or known[k], k not in new) for i in batch for k in [(i.source, i.external_id)]]


def _dialect_insert(session: Session):  # noqa: ANN202
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    rows = session.exec(select(Item.source, Item.external_id, Item.id).where(
        tuple_(col(Item.source), col(Item.external_id)).in_(keys))).all()
    return {(s, e): i for s, e, i in rows}


def _result(i: ItemIn, item_id: IdPath, duplicate: bool) -> dict:
    return {"id": item_id, "source": i.source, "external_id": i.external_id, "duplicate": duplicate}


@router.get("/{item_id}", dependencies=[Depends(require("read"))], summary="查看舆情信息 / one item")
def get_item(item_id: IdPath, session: SessionDep) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ApiError(404, "没有这条信息", "no such item")
    return item
