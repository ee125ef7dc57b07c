"""The database gauges of /metrics (service.core.metrics), read at scrape time.

A scrape costs three aggregate queries (counted by the database over its indexes, no rows
sent back), and their result is reused for `CACHE_SECONDS`: scraping often, or by several
Prometheus servers, does not load the database. The failed-item count is read every time
(operators watch it fall as they retry)."""

from __future__ import annotations

import time

from prometheus_client import generate_latest
from sqlalchemy import case, func
from sqlmodel import Session, col, select

from service.core.columns import utcnow
from service.core.metrics import BREACHES, ESCALATIONS, FAILED_ITEMS, OPEN_INCIDENTS, QUEUE_DEPTH, REGISTRY
from service.incidents.models import Clock, EscalationStep, Incident, Item

CACHE_SECONDS = 15.0
_cache: dict[str, tuple[float, dict]] = {}


def _counts(session: Session) -> dict:
    now = utcnow()
    open_clock = (select(Clock.id).join(Incident, col(Incident.id) == col(Clock.incident_id))
                  .where(Incident.status != "closed", Clock.kind == "response"))  # every state but closed is open
    state = case((col(Clock.met_at) != None, "met"), (col(Clock.due_at) <= now, "overdue"),  # noqa: E711
                 else_="running")
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
