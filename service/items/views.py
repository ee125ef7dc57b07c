"""POST /api/items: validated, idempotent on (source, external_id), committed before processing;
GET /api/items (by status) and /api/items/{id}, each scoped to what the reader may see."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlmodel import col, func, select

from service.auth.deps import Allowed
from service.auth.rules import Action, Principal, allowed
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.errors import Forbidden, Invalid, NotFound
from service.core.metrics import ITEMS_RECEIVED
from service.core.params import IdPath
from service.incidents.deps import EngineDep
from service.incidents.models import Item
from service.incidents.units import seen_ids
from service.incidents.visible import visible_incident
from service.items.intake import accept, store
from service.items.schemas import ItemIn

router = APIRouter(prefix="/api/items", tags=["items"])
__all__ = ["router", "store"]  # store: the tests' and demo history's way in (service.items.intake)
MAX_BATCH = 1000


@router.post("", status_code=status.HTTP_202_ACCEPTED, dependencies=[Allowed(Action.INGEST)],
             summary="接收舆情信息（单条或批量） / ingest one item or a batch")
def ingest(payload: ItemIn | list[ItemIn], uow: UowDep, settings: SettingsDep, engine: EngineDep) -> dict:
    batch = payload if isinstance(payload, list) else [payload]
    if not 1 <= len(batch) <= MAX_BATCH:
        raise Invalid(f"每批 1 至 {MAX_BATCH} 条", f"a batch holds 1 to {MAX_BATCH} items")
    results = accept(uow, settings, engine, batch)
    uow.commit()
    ITEMS_RECEIVED.inc(sum(not r["duplicate"] for r in results))
    return {"items": results}


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
        q = q.where(col(Item.incident_id).in_(seen_ids(reader, engine.org)))
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
