"""Prometheus metrics: counters in-process, gauges read from the database at scrape time."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy import func
from sqlmodel import Session, select

from service.models import Clock, EscalationStep, Incident, Item, utcnow

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
# poison (service.poison): items set aside by this process, and all items failed now (one COUNT)
ITEMS_FAILED = Counter("yuqing_items_failed", "Items set aside as failed by this process", registry=REGISTRY)
FAILED_ITEMS = Gauge("yuqing_failed_items", "Items currently failed (GET /api/items?status=failed)",
                     registry=REGISTRY)
# after a commit (service.aftercommit): enqueue / publish / alert_enqueue / process failures,
# logged and recovered by the sweep and the hub's resync, never a 5xx
AFTER_COMMIT_FAILURES = Counter("yuqing_after_commit_failures", "Enqueue or publish failures after a commit",
                                ["what"], registry=REGISTRY)


def render(session: Session, queue_depth: int) -> bytes:
    now = utcnow()
    QUEUE_DEPTH.set(queue_depth)
    rows = session.exec(
        select(Clock.due_at, Clock.met_at).join(Incident, Incident.id == Clock.incident_id)
        .where(Incident.status != "closed", Clock.kind == "response")  # every state but closed is open
    ).all()
    states = {"met": 0, "overdue": 0, "running": 0}
    for due, met in rows:
        states["met" if met else "overdue" if due <= now else "running"] += 1
    for state, n in states.items():
        OPEN_INCIDENTS.labels(state).set(n)
    BREACHES.set(session.exec(select(func.count()).select_from(Clock)
                              .where(Clock.met_at == None, Clock.due_at <= now)).one())  # noqa: E711
    for step, n in session.exec(select(EscalationStep.step, func.count()).group_by(EscalationStep.step)).all():
        ESCALATIONS.labels(step).set(n)
    FAILED_ITEMS.set(session.exec(select(func.count()).select_from(Item).where(Item.status == "failed")).one())
    return generate_latest(REGISTRY)
