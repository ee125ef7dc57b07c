"""`yuqing items retry ID…`: failed items back to pending (audited), then processed.

For after a fix (a new classifier, a corrected org, a bug fixed): each named item that is
`failed` is set pending again — its error cleared, `item.retried` in the audit log — and
processed at once, inline; one still failing is set aside again with its new error.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy import update
from sqlmodel import col, select

from service.audit.actions import AuditAction, ItemRetried
from service.audit.log import record
from service.core.columns import pk
from service.core.db import session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.models import Item

log = structlog.get_logger()


def reset_failed(settings: Settings, item_ids: Sequence[int], actor: str) -> list[int]:
    """Set the failed ones among `item_ids` pending again, audited; returns their ids."""
    with session_scope(settings.database_url) as session:
        failed = list(session.exec(select(pk(Item.id), Item.error).where(
            col(Item.id).in_(list(item_ids)), Item.status == "failed").with_for_update()).all())
        if failed:
            session.execute(update(Item).where(col(Item.id).in_([i for i, _ in failed]))
                            .values(status="pending", error=None, processed_at=None))
            for item_id, error in failed:
                record(session, AuditAction.ITEM_RETRIED, ItemRetried(previous_error=error), item_id=item_id,
                       actor=actor)
        session.commit()
    return [i for i, _ in failed]


def retry(settings: Settings, item_ids: Sequence[int], actor: str = "cli") -> dict[int, str]:
    """Each id → its outcome: processed (incident N), failed again (error), or why not retried."""
    from service.incidents.ingest import process_items
    from service.incidents.runtime import load_engine

    reset = reset_failed(settings, item_ids, actor)
    if reset:
        with session_scope(settings.database_url) as session:
            engine = load_engine(settings, session)
        try:
            with session_scope(settings.database_url) as session:
                process_items(UnitOfWork(session, settings), engine, reset)
        except Exception as exc:
            log.warning("items.retry_deferred", error=f"{type(exc).__name__}: {str(exc)[:200]}", item_ids=reset[:20])
    with session_scope(settings.database_url) as session:
        found = {i.id: i for i in session.exec(select(Item).where(col(Item.id).in_(list(item_ids))))}
    return {i: _outcome(found.get(i), i in reset) for i in item_ids}


def _outcome(item: Item | None, retried: bool) -> str:
    if item is None:
        return "没有这条信息 / no such item"
    if not retried:
        return f"未重试：状态为 {item.status} / not retried: status {item.status}"
    if item.status == "processed":
        return f"已处理，事件 {item.incident_id} / processed, incident {item.incident_id}"
    if item.status == "failed":
        return f"仍然失败 / failed again: {item.error}"
    return "仍待处理（暂时性故障，稍后由巡检处理） / still pending (a transient fault; the sweep retries)"


def run(args) -> int:
    from service.core.settings import get_settings

    outcomes = retry(get_settings(), args.ids)
    for item_id, outcome in outcomes.items():
        print(f"{item_id}: {outcome}")
    return 0 if all(o.startswith("已处理") for o in outcomes.values()) else 1
