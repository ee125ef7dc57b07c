"""Bulk 认领 and 转办 from the board (issue 17 part 3), and the unit picker's lookup (part 4).

A bulk action takes each incident on its own: the same service call, permission check and
audit entry as the single route, inside a savepoint, so one refused (not visible, not yours,
wrong state) rolls back alone and the others stand. The answer lists every id's outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field
from sqlmodel import Session

from routing.unitnames import match_units
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal, Role
from service.core.deps import UowDep
from service.core.errors import DomainError
from service.core.events import EventType
from service.core.inputs import Id, StrictModel
from service.incidents import service as wf
from service.incidents.deps import EngineDep
from service.incidents.events import incident_event
from service.incidents.listing import org_units
from service.incidents.models import Incident
from service.incidents.pipeline import Engine

router = APIRouter(tags=["workflow"])
MAX_BULK = 200


class BulkIn(StrictModel):
    ids: list[Id] = Field(min_length=1, max_length=MAX_BULK, description="事件编号")


class BulkTransferIn(BulkIn):
    units: list[str] = Field(min_length=1, max_length=20, description="第一责任单位（全称）")
    co_units: list[str] | None = Field(None, max_length=20, description="配合单位（缺省：保留原配合单位）")
    note: str = Field(min_length=2, max_length=2000)


def _each(session: Session, ids: list[int], act: Callable[[int], Incident]) -> tuple[list[dict], list[Incident]]:
    outcomes, done = [], []
    for incident_id in dict.fromkeys(ids):
        try:
            with session.begin_nested():
                incident = act(incident_id)
        except DomainError as err:
            outcomes.append({"id": incident_id, "ok": False, "status": err.status,
                             "error": {"zh": err.zh, "en": err.en}})
            continue
        done.append(incident)
        outcomes.append({"id": incident_id, "ok": True, "state": incident.status})
    return outcomes, done


def _answer(outcomes: list[dict]) -> dict:
    ok = sum(1 for o in outcomes if o["ok"])
    return {"done": ok, "failed": len(outcomes) - ok, "results": outcomes}


@router.post("/api/bulk/claim", summary="批量认领（逐件检查、逐件留痕） / claim several incidents")
def bulk_claim(body: BulkIn, viewer: Annotated[Principal, Allowed(Action.CLAIM)], uow: UowDep,
               engine: EngineDep) -> dict:
    outcomes, done = _each(uow.session, body.ids, lambda i: wf.claim(
        session=uow.session, engine=engine, viewer=viewer, incident_id=i))
    uow.publish(*(incident_event(EventType.CLAIMED, i) for i in done))
    uow.commit()
    return _answer(outcomes)


@router.post("/api/bulk/transfer", summary="批量转办（逐件检查、逐件留痕） / transfer several incidents")
def bulk_transfer(body: BulkTransferIn, viewer: Annotated[Principal, Allowed(Action.ARBITRATE)], uow: UowDep,
                  engine: EngineDep) -> dict:
    outcomes, done = _each(uow.session, body.ids, lambda i: wf.transfer(
        session=uow.session, engine=engine, viewer=viewer, incident_id=i, units=body.units, note=body.note,
        co_units=body.co_units))
    uow.publish(*(incident_event(EventType.UPDATED, i) for i in done))
    uow.commit()
    return _answer(outcomes)


def _within(viewer: Principal, engine: Engine) -> str | None:
    """The region whose units (and its subregions') a viewer names: his region, his unit's,
    or None (an administrator or a machine token of no region: the whole org)."""
    if viewer.role is Role.ADMIN:
        return None
    if viewer.region:
        return viewer.region
    if viewer.unit and viewer.unit in engine.org.departments:
        return engine.org.departments[viewer.unit].region
    return engine.org.body_index.get(viewer.unit or "")


@router.get("/api/units", summary="单位选择：按全称、简称、别名或职能查找 / units matching what was typed")
def units(viewer: ReaderDep, engine: EngineDep, q: str = Query(..., min_length=1, max_length=100),
          limit: int = Query(20, ge=1, le=50)) -> dict:
    """The handling units of the viewer's region and below (the units his incidents can be
    assigned to), his own region's first."""
    org, within = engine.org, _within(viewer, engine)
    pool = org_units(org, engine.taxonomy)
    if within is not None:
        pool = [u for u in pool if within in org.regions and org.is_ancestor(within, u.region)]
    found = match_units(pool, q, home=within or org.home, limit=limit)
    return {"units": [{"name": u.name, "short": u.short, "region": u.region, "kind": u.kind,
                       "aliases": list(u.aliases)} for u in found]}
