"""POST /api/items: validated, idempotent on (source, external_id), committed before processing."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select, tuple_

from service.api.deps import EngineDep, SessionDep, SettingsDep, require
from service.api.errors import ApiError
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
    for i, item in enumerate(batch):
        check_names(engine, item, i)
    keys = [(i.source, i.external_id) for i in batch]
    if len(set(keys)) != len(keys):
        raise ApiError(422, "同一批次中 source+external_id 重复", "duplicate source+external_id within the batch")
    results = store(session, batch, utcnow())
    submit(settings, [r["id"] for r in results if not r["duplicate"]])
    ITEMS_RECEIVED.inc(sum(not r["duplicate"] for r in results))
    return {"items": results}


def check_names(engine: Engine, item: ItemIn, index: int) -> None:
    if item.topic is not None and not engine.taxonomy.is_topic(item.topic):
        raise ApiError(422, f"第{index}条：未知主题 {item.topic}", f"item {index}: unknown topic {item.topic!r}")
    for name in (item.regions or []) + (item.departments or []):
        if engine.org.resolve(name) is None:
            raise ApiError(422, f"第{index}条：组织架构中没有 {name}", f"item {index}: {name!r} is not in the organisation")


def store(session: Session, batch: list[ItemIn], now: datetime) -> list[dict]:
    """Insert the new items, report the known ones; all or nothing."""
    existing = _existing(session, [(i.source, i.external_id) for i in batch])
    rows = []
    for i in batch:
        if (i.source, i.external_id) in existing:
            continue
        rows.append(Item(source=i.source, external_id=i.external_id, title=i.title, text=i.text, kind=i.kind,
                         overrides=i.overrides(), received_at=i.received_at or now, created_at=now))
    session.add_all(rows)
    try:
        session.commit()
    except IntegrityError:  # a concurrent request stored some of them first: report those as known
        session.rollback()
        return _store_one_by_one(session, batch, now)
    new = {(r.source, r.external_id): r.id for r in rows}
    return [_result(i, new.get((i.source, i.external_id)) or existing[(i.source, i.external_id)],
                    (i.source, i.external_id) not in new) for i in batch]


def _store_one_by_one(session: Session, batch: list[ItemIn], now: datetime) -> list[dict]:
    results = []
    for i in batch:
        results.extend(store(session, [i], now))
    return results


def _existing(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    rows = session.exec(select(Item.source, Item.external_id, Item.id).where(
        tuple_(col(Item.source), col(Item.external_id)).in_(keys))).all()
    return {(s, e): i for s, e, i in rows}


def _result(i: ItemIn, item_id: int, duplicate: bool) -> dict:
    return {"id": item_id, "source": i.source, "external_id": i.external_id, "duplicate": duplicate}


@router.get("/{item_id}", dependencies=[Depends(require("read"))], summary="查看舆情信息 / one item")
def get_item(item_id: int, session: SessionDep) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise ApiError(404, "没有这条信息", "no such item")
    return item
