"""The periodic, idempotent sweep: walk the escalation ladder and recover stranded items.

Each rung is a row unique per (clock, step): a rerun, or two sweepers at once, never alert
twice. Clocks live in the database, so a restart loses none.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from routing.escalation import recipients, steps_due
from routing.facts import RoutingDecision, Scope
from service.alerts.service import create_alerts, create_claim_alerts, dispatch, recover_deliveries
from service.audit import record
from service.db import session_scope
from service.events import publish
from service.models import Clock, EscalationStep, Incident, Item, utcnow
from service.pipeline import Engine
from service.queue import submit
from service.runtime import load_engine
from service.settings import Settings
from service.workflow.claims import expire_claims

log = structlog.get_logger()
STRANDED_AFTER = timedelta(minutes=2)  # a pending item older than this lost its job


def escalate(session: Session, engine: Engine, settings: Settings, now: datetime) -> list[EscalationStep]:
    rows = session.exec(
        select(Clock, Incident)
        .join(Incident, Incident.id == Clock.incident_id)
        .where(Clock.met_at == None, Incident.status != "closed")  # noqa: E711 — deadlines pause for nothing
    ).all()
    fired: list[EscalationStep] = []
    for clock, incident in rows:
        done = frozenset(session.exec(select(EscalationStep.step).where(EscalationStep.clock_id == clock.id)).all())
        for step in steps_due(clock.started_at, clock.due_at, now, engine.policy.escalation, open=True, done=done):
            row = _fire(session, engine, clock, incident, step, now)
            if row is not None:
                fired.append(row)
    deliveries = create_alerts(session, engine.org, settings, fired)  # committed with their rungs
    session.commit()
    for row in fired:
        publish(settings, {"type": "escalation", "incident_id": row.incident_id, "clock_id": row.clock_id,
                           "step": row.step, "label": row.label, "recipients": row.recipients})
    dispatch(settings, deliveries)  # RQ jobs with retries, or inline without Redis
    return fired


def _fire(session: Session, engine: Engine, clock: Clock, incident: Incident, step, now: datetime):  # noqa: ANN001, ANN202
    row = EscalationStep(clock_id=clock.id, incident_id=incident.id, step=step.name, label=step.label,
                         due_at=step.at, fired_at=now, recipients=list(recipients(step.name, decision_of(incident), engine.org)))
    try:
        with session.begin_nested():  # another sweeper may have fired it meanwhile
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    record(session, "escalation." + step.name, incident_id=incident.id, clock=clock.kind,
           label=step.label, recipients=row.recipients, due_at=step.at.isoformat())
    log.info("escalation.fired", incident_id=incident.id, clock=clock.kind, step=step.name)
    return row


def decision_of(incident: Incident) -> RoutingDecision:
    return RoutingDecision(
        scope=Scope(incident.scope), vertical=incident.vertical, level_region=incident.level_region,
        first_responsible=tuple(incident.first_responsible), co_responsible=tuple(incident.co_responsible),
        coordinators=tuple(incident.coordinators), lead=incident.lead, leader=incident.leader,
        report_to=incident.report_to, reasons=tuple(incident.reasons),
    )


def recover_stranded(session: Session, settings: Settings, now: datetime) -> list[int]:
    ids = list(session.exec(
        select(Item.id).where(Item.status == "pending", col(Item.created_at) < now - STRANDED_AFTER)
    ).all())
    submit(settings, ids)
    return ids


def sweep_once(settings: Settings, now: datetime | None = None) -> dict:
    now = now or utcnow()
    with session_scope(settings.database_url) as session:
        recovered = recover_stranded(session, settings, now)
        engine = load_engine(settings, session)
        fired = escalate(session, engine, settings, now)
        expired = expire_claims(session, engine, now)
        claim_deliveries = create_claim_alerts(session, engine.org, settings, expired)  # leaders hear of it too
        lost_deliveries = recover_deliveries(session, settings, now)
    for event in expired:
        publish(settings, event)
    dispatch(settings, claim_deliveries)
    return {"recovered": len(recovered), "escalations": len(fired), "claims_expired": len(expired),
            "deliveries_recovered": len(lost_deliveries)}


def daily_digest(settings: Settings, now: datetime | None = None) -> dict | None:
    """Today's leader digests once the local digest hour has passed (None before it); a rerun
    builds none twice (one per audience and day). A failure is logged: the escalation sweep
    must go on."""
    from service.alerts.digest_service import digest_due, run_digests

    now = now or utcnow()
    if not digest_due(settings, now):
        return None
    try:
        return run_digests(settings, now=now)
    except Exception:  # noqa: BLE001
        log.exception("digest.failed")
        return None


def run_sweeps(settings: Settings, every: float = 0) -> int:
    while True:
        log.info("sweep.done", **sweep_once(settings))
        digests = daily_digest(settings)  # kept out of sweep_once: its own, once-a-day step
        if digests and (digests["digests"] or digests["deliveries_recovered"]):
            log.info("digest.done", **digests)
        if every <= 0:
            return 0
        time.sleep(every)
