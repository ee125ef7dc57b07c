"""The escalation phase of the sweep: fire the rungs that are due, in batches.

Each clock keeps the time of its next rung (`clock.next_due_at`, indexed), so a pass reads
only the clocks whose rung has come — its cost follows what is due, not what is open. For a
batch of such clocks the fired rungs are read in one query, the new rungs go in with one
INSERT … ON CONFLICT DO NOTHING (unique per clock and step: a rerun, or a second sweeper at
the same moment, adds none), their audit entries and alerts in the same transaction, and each
clock is placed at its following rung (routing.escalation.next_due).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import update
from sqlmodel import Session, col, select

from routing.escalation import next_due, recipients, steps_due
from routing.facts import RoutingDecision
from service.alerts.service import create_alerts, delivery_calls
from service.audit.actions import AuditAction, Escalated
from service.audit.log import AuditBatch
from service.core.bulk import insert_ignoring
from service.core.events import EscalationEvent
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.mapping import decision_of
from service.incidents.models import Clock, EscalationStep, Incident
from service.incidents.pipeline import Engine
from service.incidents.queries import fired_steps

log = structlog.get_logger()
BATCH = 500  # clocks per transaction


@dataclass(frozen=True)
class Fired:
    """A rung this pass inserted: the columns of its escalation_step row (an ORM object each
    costs more than the database does, at a thousand rungs)."""

    id: int
    clock_id: int
    incident_id: int
    step: str
    label: str
    due_at: datetime
    fired_at: datetime
    recipients: list


def escalate(uow: UnitOfWork, engine: Engine, now: datetime) -> list[Fired]:
    """Fire every rung due by `now`, batch by batch (each committed with its audit entries and
    alerts, then published and dispatched); returns the rungs this call fired."""
    session, settings = uow.session, uow.settings
    fired: list[Fired] = []
    after = 0
    while True:
        batch = due_clocks(session, now, after)
        if not batch:
            return fired
        after = batch[-1].id
        rows, deliveries = _fire_batch(session, engine, settings, batch, now)
        uow.publish(*(EscalationEvent(incident_id=r.incident_id, clock_id=r.clock_id, step=r.step, label=r.label,
                                      recipients=tuple(r.recipients)) for r in rows))
        uow.dispatch("alert_enqueue", delivery_calls(settings, deliveries))  # RQ jobs with retries, or inline
        uow.commit()
        fired += rows
        if len(batch) < BATCH:
            return fired


DUE_COLUMNS = (col(Clock.id), col(Clock.kind), col(Clock.unit), col(Clock.started_at), col(Clock.due_at), col(Clock.met_at),
               col(Clock.incident_id), col(Incident.status), *(col(getattr(Incident, f)) for f in RoutingDecision.__dataclass_fields__
                                                              if f != "reasons"))


def due_clocks(session: Session, now: datetime, after: int = 0) -> list:
    """Clocks whose next look is due (id order, after `after`) with what routing needs of
    their incidents, as plain rows. Met clocks and closed incidents are taken too, once, to be
    put to rest (next_due_at NULL)."""
    return list(session.execute(
        select(*DUE_COLUMNS).join(Incident, col(Incident.id) == Clock.incident_id)
        .where(col(Clock.next_due_at) <= now, col(Clock.id) > after).order_by(col(Clock.id)).limit(BATCH)).all())


def _duty_units(session: Session, incident_ids: set[int]) -> dict[int, frozenset[str]]:
    """The units with a duty clock of their own (routing.duties), per incident: warned on it, not again."""
    out: dict[int, set[str]] = {}
    if incident_ids:
        for incident_id, unit in session.execute(select(col(Clock.incident_id), col(Clock.unit)).where(
                col(Clock.incident_id).in_(incident_ids), col(Clock.unit).is_not(None))):
            out.setdefault(incident_id, set()).add(unit)
    return {k: frozenset(v) for k, v in out.items()}


def _fire_batch(session: Session, engine: Engine, settings: Settings, batch: Sequence,
                now: datetime) -> tuple[list[Fired], list[int]]:
    rule = engine.policy.escalation
    done = fired_steps(session, [c.id for c in batch])
    apart = _duty_units(session, {c.incident_id for c in batch})
    wanted: list[dict] = []
    placed: dict[int, datetime | None] = {}
    for clock in batch:
        if clock.met_at is not None or clock.status == "closed":  # deadlines pause for nothing else
            placed[clock.id] = None
            continue
        try:
            due = steps_due(clock.started_at, clock.due_at, now, rule, open=True, done=done.get(clock.id, frozenset()))
        except ValueError:  # a clock without a span has no ladder; one bad row must not stop the others
            log.warning("escalation.bad_clock", clock_id=clock.id, incident_id=clock.incident_id)
            placed[clock.id] = None
            continue
        decision = decision_of(clock)
        wanted += ({"clock_id": clock.id, "incident_id": clock.incident_id, "step": s.name, "label": s.label,
                    "due_at": s.at, "fired_at": now, "recipients": list(recipients(s.name, decision, engine.org, clock.unit,
                                                  apart.get(clock.incident_id, frozenset())))}
                   for s in due)
        placed[clock.id] = next_due(clock.started_at, clock.due_at, rule, done.get(clock.id, frozenset())
                                    | {s.name for s in due})
    rows = _insert_new(session, wanted)
    _audit(session, batch, rows)
    _place(session, placed)
    return rows, create_alerts(session, engine.org, settings, rows)  # committed with their rungs


def _insert_new(session: Session, wanted: list[dict]) -> list[Fired]:
    """Insert the rungs; those another sweeper inserted meanwhile are skipped by the unique
    (clock, step) index and not returned."""
    ids = {(clock_id, step): i for i, clock_id, step in insert_ignoring(
        session, EscalationStep, wanted, ("clock_id", "step"),
        (col(EscalationStep.id), col(EscalationStep.clock_id), col(EscalationStep.step)))}
    return [Fired(id=ids[r["clock_id"], r["step"]], **r) for r in wanted if (r["clock_id"], r["step"]) in ids]


def _audit(session: Session, batch: Sequence, rows: list[Fired]) -> None:
    kinds = {c.id: c.kind for c in batch}
    audit = AuditBatch()
    for r in rows:
        audit.add(AuditAction.escalation(r.step), Escalated(clock=kinds[r.clock_id], label=r.label,
                  recipients=r.recipients, due_at=r.due_at.isoformat()), incident_id=r.incident_id)
        log.info("escalation.fired", incident_id=r.incident_id, clock=kinds[r.clock_id], step=r.step)
    audit.write(session)


def _place(session: Session, placed: dict[int, datetime | None]) -> None:
    """Each clock at its following rung (NULL: met, closed or nothing left), one executemany."""
    if placed:
        session.execute(update(Clock), [{"id": i, "next_due_at": at} for i, at in placed.items()])

