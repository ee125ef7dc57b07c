"""Claim expiry: a claim not followed by a response within policy `claim_timeout_hours`
reverts to unclaimed and escalates. Run by the sweep; idempotent (an expired claim is no
longer a claim), and two sweepers at once expire it once (guarded update)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from routing.escalation import recipients
from service.audit.actions import AuditAction, ClaimExpired
from service.audit.log import record
from service.core.events import EscalationEvent
from service.incidents.duty_rules import CLAIMED, MET, OPEN
from service.incidents.events import escalation_event
from service.incidents.mapping import decision_of
from service.incidents.models import Incident, IncidentDuty
from service.incidents.pipeline import Engine
from service.incidents.rules import Status

STEP, LABEL = "claim_expired", "认领超时未回应"


def expire_claims(session: Session, engine: Engine, now: datetime) -> list[EscalationEvent]:
    """Expire the lapsed claims and commit; returns the `escalation` events to publish."""
    cutoff = now - timedelta(hours=engine.policy.claim_timeout_hours)
    # an incident several units answer for stays claimed while the claimant's own duty is met
    answered = exists().where(col(IncidentDuty.incident_id) == Incident.id,
                              col(IncidentDuty.unit) == Incident.claimed_unit, col(IncidentDuty.status) == MET)
    lapsed = session.exec(select(Incident).where(Incident.status == Status.CLAIMED.value,
                                                 col(Incident.claimed_at) <= cutoff, ~answered)).all()
    events: list[EscalationEvent] = []
    for incident in lapsed:
        claimed_by, unit, at = incident.claimed_by, incident.claimed_unit, incident.claimed_at
        assert at is not None  # selected by claimed_at <= cutoff
        done = session.exec(
            update(Incident).where(col(Incident.id) == incident.id, col(Incident.status) == Status.CLAIMED.value,
                                   col(Incident.claimed_at) == at)
            .values(status=Status.UNCLAIMED.value, claimed_by=None, claimed_unit=None, claimed_at=None,
                    claim_expired_at=now)
        ).rowcount
        if done != 1:
            continue
        session.exec(update(IncidentDuty).where(col(IncidentDuty.incident_id) == incident.id,
                                                col(IncidentDuty.unit) == unit, col(IncidentDuty.status) == CLAIMED)
                     .values(status=OPEN, claimed_by=None, claimed_at=None))  # the unit's claim lapses with it
        # the unit's leaders and the government office, as at a missed deadline (催办)
        told = list(recipients("urge", decision_of(incident), engine.org))
        record(session, AuditAction.INCIDENT_CLAIM_EXPIRED, ClaimExpired(claimed_by=claimed_by, unit=unit,
               claimed_at=at.isoformat(), recipients=told), incident_id=incident.id)
        session.refresh(incident)
        events.append(escalation_event(incident, step=STEP, label=LABEL, recipients=tuple(told),
                                       expired_claim={"by": claimed_by, "unit": unit}))
    return events

