"""Claim expiry: a claim not followed by a response within policy `claim_timeout_hours`
reverts and escalates. Run by the sweep; idempotent (an expired claim is no longer a claim),
and two sweepers at once expire it once (guarded update, its rowcount).

- The incident's own claim reverts to unclaimed, and with it the claimant unit's duty.
- Another unit's claim of its own duty (routing.duties: a co-responsible department, a
  locality's part) reverts to open: the duty is claimable again and the unit's leaders and the
  coordinating office are told, as at a missed deadline of that unit's duty clock (催办).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, update
from sqlmodel import Session, col, select

from routing.escalation import recipients
from service.audit.actions import AuditAction, ClaimExpired
from service.audit.duty_details import DutyClaimExpired
from service.audit.log import record
from service.core.columns import id_of
from service.core.events import EscalationEvent
from service.incidents.duty_rules import ACTIVE, CLAIMED, MET, OPEN
from service.incidents.events import escalation_event
from service.incidents.mapping import decision_of
from service.incidents.models import Incident, IncidentDuty
from service.incidents.pipeline import Engine
from service.incidents.rules import Status

STEP, LABEL = "claim_expired", "认领超时未回应"
DUTY_LABEL = "职责认领超时未回应"  # an alert's label holds 16 characters


def expire_claims(session: Session, engine: Engine, now: datetime) -> list[EscalationEvent]:
    """Expire the lapsed claims (the caller commits); returns the `escalation` events to
    publish after the commit: the incidents' claims first, then the other units' duty claims."""
    cutoff = now - timedelta(hours=engine.policy.claim_timeout_hours)
    events = [e for i in _lapsed_incidents(session, cutoff) if (e := _expire_incident(session, engine, i, now))]
    # after the incidents' own: a claimant's duty has lapsed with its incident's claim by now
    events += [e for duty, incident in _lapsed_duties(session, cutoff)
               if (e := _expire_duty(session, engine, duty, incident, now))]
    return events


def _lapsed_incidents(session: Session, cutoff: datetime) -> list[Incident]:
    # an incident several units answer for stays claimed while the claimant's own duty is met
    answered = exists().where(col(IncidentDuty.incident_id) == Incident.id,
                              col(IncidentDuty.unit) == Incident.claimed_unit, col(IncidentDuty.status) == MET)
    return list(session.exec(select(Incident).where(Incident.status == Status.CLAIMED.value,
                                                    col(Incident.claimed_at) <= cutoff, ~answered)
                             .order_by(col(Incident.id))).all())


def _expire_incident(session: Session, engine: Engine, incident: Incident, now: datetime) -> EscalationEvent | None:
    claimed_by, unit, at = incident.claimed_by, incident.claimed_unit, incident.claimed_at
    assert at is not None  # selected by claimed_at <= cutoff
    done = session.exec(
        update(Incident).where(col(Incident.id) == incident.id, col(Incident.status) == Status.CLAIMED.value,
                               col(Incident.claimed_at) == at)
        .values(status=Status.UNCLAIMED.value, claimed_by=None, claimed_unit=None, claimed_at=None,
                claim_expired_at=now)
    ).rowcount
    if done != 1:
        return None  # another sweeper expired it meanwhile (or the claim was answered)
    session.exec(update(IncidentDuty).where(col(IncidentDuty.incident_id) == incident.id,
                                            col(IncidentDuty.unit) == unit, col(IncidentDuty.status) == CLAIMED)
                 .values(status=OPEN, claimed_by=None, claimed_at=None))  # the unit's claim lapses with it
    # the unit's leaders and the government office, as at a missed deadline (催办)
    told = list(recipients("urge", decision_of(incident), engine.org))
    record(session, AuditAction.INCIDENT_CLAIM_EXPIRED, ClaimExpired(claimed_by=claimed_by, unit=unit,
           claimed_at=at.isoformat(), recipients=told), incident_id=incident.id)
    session.refresh(incident)
    return escalation_event(incident, step=STEP, label=LABEL, recipients=tuple(told),
                            expired_claim={"by": claimed_by, "unit": unit})


def _lapsed_duties(session: Session, cutoff: datetime) -> list[tuple[IncidentDuty, Incident]]:
    """Duty claims older than the cutoff, still claimed (so not met), of incidents still being
    answered, but not the claim the incident's own expiry handles (its claimant's duty)."""
    not_claimants = or_(col(Incident.status) != Status.CLAIMED.value, col(Incident.claimed_unit).is_(None),
                        col(Incident.claimed_unit) != IncidentDuty.unit)
    rows = session.exec(select(IncidentDuty, Incident).join(Incident, col(Incident.id) == IncidentDuty.incident_id)
                        .where(col(IncidentDuty.status) == CLAIMED, col(IncidentDuty.claimed_at) <= cutoff,
                               col(Incident.status).in_([s.value for s in ACTIVE]), not_claimants)
                        .order_by(col(IncidentDuty.id))).all()
    return [(duty, incident) for duty, incident in rows]


def _expire_duty(session: Session, engine: Engine, duty: IncidentDuty, incident: Incident,
                 now: datetime) -> EscalationEvent | None:
    claimed_by, at = duty.claimed_by, duty.claimed_at
    assert at is not None  # selected by claimed_at <= cutoff
    done = session.exec(update(IncidentDuty).where(col(IncidentDuty.id) == duty.id,
                                                   col(IncidentDuty.status) == CLAIMED,
                                                   col(IncidentDuty.claimed_at) == at)
                        .values(status=OPEN, claimed_by=None, claimed_at=None)).rowcount
    if done != 1:
        return None  # another sweeper expired it, or the unit answered meanwhile
    # that unit's leaders and the office coordinating its level, as the duty clock's 催办 rung
    told = list(recipients("urge", decision_of(incident), engine.org, duty.unit))
    record(session, AuditAction.DUTY_CLAIM_EXPIRED, DutyClaimExpired(
        duty_id=id_of(duty), unit=duty.unit, role=duty.role, claimed_by=claimed_by, claimed_at=at.isoformat(),
        recipients=told), incident_id=incident.id)
    session.refresh(duty)
    return escalation_event(incident, step=STEP, label=DUTY_LABEL, recipients=tuple(told), clock=duty.clock_kind,
                            expired_claim={"by": claimed_by, "unit": duty.unit, "duty_id": str(duty.id),
                                           "role": duty.role, "at": now.isoformat()})
