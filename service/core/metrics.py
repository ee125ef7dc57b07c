"""Prometheus metrics: counters in-process, gauges read from the database at scrape time.

A scrape costs three aggregate queries (counted by the database over its indexes, no rows
sent back), and their result is reused for `CACHE_SECONDS`: scraping often, or by several
Prometheus servers, does not load the database."""

from __future__ import annotations

import hmac
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from service.core.columns import utcnow
from service.incidents.models import Clock, EscalationStep, Incident
from service.items.models import Item

REGISTRY = CollectorRegistry()
ITEMS_RECEIVED = Counter("yuqing_items_received", "Opinion items accepted (new, not duplicates)", registry=REGISTRY)
QUEUE_DEPTH = Gauge("yuqing_queue_depth", "Jobs waiting in the RQ queue", registry=REGISTRY)
OPEN_INCIDENTS = Gauge("yuqing_open_incidents", "Open incidents by response clock state", ["clock_state"],
                       registry=REGISTRY)
BREACHES = Gauge("yuqing_breaches", "Clocks past due and not met", registry=REGISTRY)
ESCALATIONS = Gauge("yuqing_escalations", "Escalation steps fired", ["step"], registry=REGISTRY)
# a sweep phase (recovery, escalation, claim_expiry, delivery_recovery, digest; "pass": the whole
# pass, e.g. database down) that raised in this process; the other phases still ran
SWEEP_PHASE_FAILURES = Counter("yuqing_sweep_phase_failures", "Sweep phases that failed", ["phase"], registry=REGISTRY)
# poison (service.items.poison): items set aside by this process, and all items failed now (one COUNT)
ITEMS_FAILED = Counter("yuqing_items_failed", "Items set aside as failed by this process", registry=REGISTRY)
FAILED_ITEMS = Gauge("yuqing_failed_items", "Items currently failed (GET /api/items?status=failed)",
                     registry=REGISTRY)
# after a commit (service.core.aftercommit): enqueue / publish / alert_enqueue / process failures,
# logged and recovered by the sweep and the hub's resync, never a 5xx
AFTER_COMMIT_FAILURES = Counter("yuqing_after_commit_failures", "Enqueue or publish failures after a commit",
                                ["what"], registry=REGISTRY)


CACHE_SECONDS = 15.0
_cache: dict[str, tuple[float, dict]] = {}


def _counts(session: Session) -> dict:
    now = utcnow()
    open_clock = (select(Clock.id).join(Incident, Incident.id == Clock.incident_id)
                  .where(Incident.status != "closed", Clock.kind == "response"))  # every state but closed is open
    state = case((Clock.met_at != None, "met"), (Clock.due_at <= now, "overdue"), else_="running")  # noqa: E711
    by_state = dict(session.exec(select(state, func.count()).select_from(Clock)
                                 .where(col(Clock.id).in_(open_clock)).group_by(state)).all())
    breaches = session.exec(select(func.count()).select_from(Clock)
                            .where(Clock.met_at == None, Clock.due_at <= now)).one()  # noqa: E711
    steps = dict(session.exec(select(EscalationStep.step, func.count()).group_by(EscalationStep.step)).all())
    return {"states": {k: by_state.get(k, 0) for k in ("met", "overdue", "running")}, "breaches": breaches,
            "steps": steps}


def render(session: Session, queue_depth: int, *, cache_key: str = "default") -> bytes:
    stamp, counts = _cache.get(cache_key, (float("-inf"), {}))
    if time.monotonic() - stamp > CACHE_SECONDS:
        counts = _counts(session)
        _cache[cache_key] = (time.monotonic(), counts)
    QUEUE_DEPTH.set(queue_depth)
    for state, n in counts["states"].items():
        OPEN_INCIDENTS.labels(state).set(n)
    BREACHES.set(counts["breaches"])
    for step, n in counts["steps"].items():
        ESCALATIONS.labels(step).set(n)
    FAILED_ITEMS.set(session.exec(select(func.count()).select_from(Item).where(Item.status == "failed")).one())
    return generate_latest(REGISTRY)


def authorized(header: str, token: str | None) -> bool:
    """METRICS_TOKEN unset: no one (the route answers 404); set: `Authorization: Bearer <it>`."""
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return bool(token) and bool(given) and hmac.compare_digest(given.encode(), token.encode())
