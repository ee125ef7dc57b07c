"""Leaders' daily digests (领导每日摘要): read them (a leader his own audience's, coordinators
those within their region, the admin all), their delivery status (coordinators, admin), and
build today's now (coordinators for their region, the admin for all)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query

from service.alerts import digest_service as digests
from service.alerts.digest import local_day
from service.alerts.models import Digest
from service.audit.actions import AuditAction, DigestRun
from service.audit.log import record
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal, Role
from service.core.columns import id_of, utcnow
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.errors import Forbidden, NotFound
from service.core.inputs import StrictDate
from service.core.params import IdPath
from service.incidents.deps import EngineDep

router = APIRouter(prefix="/api/digests", tags=["digest"])
Manager = Annotated[Principal, Allowed(Action.MANAGE_ALERTS)]  # coordinators and the admin
DigestReader = Annotated[Principal, Allowed(Action.READ_DIGESTS, refusal=(
    "只有领导、督办人员和管理员可以查看领导摘要", "only leaders, coordinators and the admin may read digests"))]


def _visible(session, engine, viewer: Principal, digest_id: int) -> Digest:
    digest = session.get(Digest, digest_id)
    if digest is None or not digests.may_read(viewer, (digest.audience_kind, digest.audience), engine.org):
        raise NotFound("没有这份摘要", "no such digest")
    return digest


@router.get("", summary="领导每日摘要（新的在前） / leaders' daily digests, newest first")
def list_digests(viewer: DigestReader, session: SessionDep, engine: EngineDep,
                 day: Annotated[StrictDate | None, Query(description="本地日期 YYYY-MM-DD")] = None,
                 limit: int = Query(100, ge=1, le=500)) -> list[dict]:
    rows = digests.digests_for(session, engine.org, viewer, day=day.isoformat() if day else None, limit=limit)
    return [digests.public_digest(d) for d in rows]


@router.get("/{digest_id}", summary="一份摘要的全文与清单 / one digest: text and lists")
def get_digest(digest_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return digests.public_digest(_visible(session, engine, viewer, digest_id), full=True)


@router.get("/{digest_id}/deliveries", summary="摘要推送状态与失败原因 / delivery status of a digest")
def digest_deliveries(digest_id: IdPath, viewer: Manager, session: SessionDep, engine: EngineDep) -> list[dict]:
    return digests.deliveries_of(session, id_of(_visible(session, engine, viewer, digest_id)))


@router.post("/run", summary="立即生成今日摘要（已生成的不重复） / build today's digests now (none twice)")
def run_digests(viewer: Manager, uow: UowDep, engine: EngineDep, settings: SettingsDep,
                background: BackgroundTasks) -> dict:
    now = utcnow()
    day = local_day(now, settings.timezone)
    within = None if viewer.role is Role.ADMIN else viewer.region
    if within is None and viewer.role is not Role.ADMIN:
        raise Forbidden("督办人员须属于某一地区", "a coordinator needs a region")
    created, delivery_ids = digests.build_digests(uow.session, engine.org, settings, day, now, within=within)
    record(uow.session, AuditAction.DIGEST_RUN, DigestRun(day=day.isoformat(), region=within,
           digests=[d.id for d in created], deliveries=len(delivery_ids)), actor=viewer.username)
    uow.commit()
    background.add_task(digests.dispatch_digests, settings, delivery_ids)  # after the response: sends may be slow
    return {"day": day.isoformat(), "created": [digests.public_digest(d) for d in created],
            "deliveries": len(delivery_ids)}
