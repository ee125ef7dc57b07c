"""The periodic, idempotent sweep: recover stranded items, give incidents older than the duties
theirs, tell principal leaders of 特别重大 incidents, walk the escalation ladder, expire claims
(the incidents' and the units' duty claims), mark finished inbox entries resolved, recover lost
deliveries, remove attachment files no row references (hourly), build the leaders' digest.

Each rung is a row unique per (clock, step): a rerun, or two sweepers at once, never alert
twice. Clocks live in the database, so a restart loses none. Each phase runs in its own
session and its own guard: a phase that fails is logged with its exception and counted
(`yuqing_sweep_phase_failures_total{phase}`), and the other phases still run — escalation
must not wait for a bad item or a broken channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import structlog
from sqlmodel import Session, col, select

from service.accountability.service import sweep_rectifications
from service.alerts.inbox import resolve
from service.alerts.leader import create_major_alerts
from service.alerts.service import create_claim_alerts, delivery_calls, recover_deliveries
from service.attachments.files import PRUNE_AGE, prune_all
from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.metrics import SWEEP_PHASE_FAILURES
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.escalation.ladder import escalate
from service.incidents.claims import expire_claims
from service.incidents.duty_backfill import backfill_duties
from service.incidents.jobs import submit
from service.incidents.models import Item
from service.incidents.runtime import load_engine

log = structlog.get_logger()
STRANDED_AFTER = timedelta(minutes=2)  # a pending item older than this lost its job
T = TypeVar("T")


def guarded(phase: str, run: Callable[[], T], failed: list[str]) -> T | None:
    """`run()`, or None after logging and counting its failure (the name goes to `failed`)."""
    try:
        return run()
    except Exception as exc:
        log.exception("sweep.phase_failed", phase=phase, error=f"{type(exc).__name__}: {exc}")
        SWEEP_PHASE_FAILURES.labels(phase).inc()
        failed.append(phase)
        return None


def recover_stranded(session: Session, settings: Settings, now: datetime) -> list[int]:
    ids = [i for i in session.exec(
        select(Item.id).where(Item.status == "pending", col(Item.created_at) < now - STRANDED_AFTER)
    ).all() if i is not None]
    submit(settings, ids)
    return ids


def _recovery(settings: Settings, now: datetime) -> int:
    with session_scope(settings.database_url) as session:
        return len(recover_stranded(session, settings, now))


def _escalation(settings: Settings, now: datetime) -> int:
    with session_scope(settings.database_url) as session:
        return len(escalate(UnitOfWork(session, settings), load_engine(settings, session), now))


def _claims(settings: Settings, now: datetime) -> int:
    """Lapsed claims back to unclaimed with their alerts, in one transaction, then published."""
    with session_scope(settings.database_url) as session:
        uow, engine = UnitOfWork(session, settings), load_engine(settings, session)
        expired = expire_claims(session, engine, now)
        deliveries = create_claim_alerts(session, engine.org, settings, expired)  # leaders hear of it too
        uow.publish(*expired)
        uow.dispatch("alert_enqueue", delivery_calls(settings, deliveries))
        uow.commit()
    return len(expired)


def _backfill(settings: Settings, now: datetime) -> int:
    """Duties for a batch of incidents opened before they existed (service.incidents.duty_backfill)."""
    with session_scope(settings.database_url) as session:
        done = backfill_duties(session, load_engine(settings, session), now)
        session.commit()
    return done


def major_alerts(settings: Settings, now: datetime) -> int:
    """The principal leader told of every incident newly routed or upgraded to 特别重大."""
    with session_scope(settings.database_url) as session:
        uow, engine = UnitOfWork(session, settings), load_engine(settings, session)
        deliveries, events = create_major_alerts(session, engine.org, settings, now)
        uow.publish(*events)
        uow.dispatch("alert_enqueue", delivery_calls(settings, deliveries))
        uow.commit()
    return len(events)


def _inbox(settings: Settings, now: datetime) -> int:
    """Inbox entries of met clocks and closed incidents marked resolved (the history)."""
    with session_scope(settings.database_url) as session:
        done = resolve(session, now)
        session.commit()
    return done


def _deliveries(settings: Settings, now: datetime) -> int:
    with session_scope(settings.database_url) as session:
        return len(recover_deliveries(session, settings, now))


def _rectifications(settings: Settings, now: datetime) -> int:
    """整改 deadlines (service.accountability): set those the calendar now allows, 提醒 and 逾期."""
    with session_scope(settings.database_url) as session:
        counts = sweep_rectifications(session, now)
        session.commit()
    return sum(counts.values())


_pruned_at: dict[str, datetime] = {}  # ATTACHMENTS_DIR → this process's last prune


def _attachments(settings: Settings, now: datetime) -> int:
    """Unreferenced attachment files (a crash between write and commit), at most once an hour:
    the walk reads the whole directory."""
    root = settings.attachments_dir
    if not root or (last := _pruned_at.get(root)) is not None and now - last < PRUNE_AGE:
        return 0
    _pruned_at[root] = now
    return len(prune_all(settings, now=now))


def sweep_once(settings: Settings, now: datetime | None = None) -> dict:
    """One pass of every phase but the digest; `failed` names the phases that raised."""
    now = now or utcnow()
    failed: list[str] = []
    counts = {
        "recovered": guarded("recovery", lambda: _recovery(settings, now), failed),
        "duties_backfilled": guarded("duty_backfill", lambda: _backfill(settings, now), failed),
        "major_alerts": guarded("major_alerts", lambda: major_alerts(settings, now), failed),
        "escalations": guarded("escalation", lambda: _escalation(settings, now), failed),
        "claims_expired": guarded("claim_expiry", lambda: _claims(settings, now), failed),
        "inbox_resolved": guarded("inbox", lambda: _inbox(settings, now), failed),
        "deliveries_recovered": guarded("delivery_recovery", lambda: _deliveries(settings, now), failed),
        "rectifications": guarded("rectification", lambda: _rectifications(settings, now), failed),
        "attachments_pruned": guarded("attachment_prune", lambda: _attachments(settings, now), failed),
    }
    return {**{k: v or 0 for k, v in counts.items()}, "failed": failed}


def daily_digest(settings: Settings, now: datetime | None = None) -> dict | None:
    """Today's leader digests once the local digest hour has passed (None before it, or when
    it failed: logged and counted, the escalation sweep goes on); a rerun builds none twice
    (one per audience and day)."""
    from service.alerts.digest_service import digest_due, run_digests

    now = now or utcnow()
    if not digest_due(settings, now):
        return None
    return guarded("digest", lambda: run_digests(settings, now=now), [])


def sweep_pass(settings: Settings) -> dict:
    """What `sweep --every` and the embedded server's sweeper run each time: every phase,
    then the daily digest (kept out of sweep_once: its own, once-a-day step)."""
    done = sweep_once(settings)
    log.info("sweep.done", **done)
    digests = daily_digest(settings)
    if digests and (digests["digests"] or digests["deliveries_recovered"]):
        log.info("digest.done", **digests)
    return done
