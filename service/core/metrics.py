"""Prometheus metrics: counters in-process; the gauges read from the database at scrape time
are filled by service.incidents.gauges."""

from __future__ import annotations

import hmac

from prometheus_client import CollectorRegistry, Counter, Gauge

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
# poison (service.incidents.poison): items set aside by this process, and all items failed now (one COUNT)
ITEMS_FAILED = Counter("yuqing_items_failed", "Items set aside as failed by this process", registry=REGISTRY)
FAILED_ITEMS = Gauge("yuqing_failed_items", "Items currently failed (GET /api/items?status=failed)",
                     registry=REGISTRY)
# after a commit (service.core.aftercommit): enqueue / publish / alert_enqueue / process failures,
# logged and recovered by the sweep and the hub's resync, never a 5xx
AFTER_COMMIT_FAILURES = Counter("yuqing_after_commit_failures", "Enqueue or publish failures after a commit",
                                ["what"], registry=REGISTRY)


def authorized(header: str, token: str | None) -> bool:
    """METRICS_TOKEN unset: no one (the route answers 404); set: `Authorization: Bearer <it>`."""
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    if not token or not given:
        return False
    return hmac.compare_digest(given.encode(), token.encode())
