"""The duties of incidents opened before they existed (migration 0015), written once.

An incident still being answered (待认领 / 已认领 / 已回应) with no incident_duty row gets the
duties its routing gives (service.incidents.duty_sync), and its legacy state is carried over:

- claimed: the claimant unit's answering duty is claimed, by the incident's claimant, at its time;
- responded: every answering duty (first / lead / co_locality) is met when the incident was
  answered, by the unit of its last response (linked), and their own clocks are met with it —
  nothing escalates for an answer given long ago;
- the report to the Party committee stays open: nobody recorded it, and that is the truth.

One audit entry per incident (incident.duties_backfilled, its duties with their states), also
for an incident routing gives no duty: the entry marks it done, so it is never taken again.
Idempotent and batched (the sweep's `duty_backfill` phase and `yuqing incidents backfill-duties`);
two at once take different incidents on PostgreSQL (SKIP LOCKED), and the unique (incident,
unit, role) index stops the rest. No commit: the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists
from sqlmodel import Session, col, select

from routing.duties import RESPONSE_ROLES
from service.audit.actions import AuditAction
from service.audit.duty_details import BackfilledDuty, DutiesBackfilled
from service.audit.log import record
from service.audit.models import AuditEntry
from service.core.columns import id_of
from service.incidents.duty_answers import RESPONSE_CLOCKS
from service.incidents.duty_rules import CLAIMED, DROPPED, MET, OPEN
from service.incidents.duty_sync import meet_clock, rows_of, sync_duties
from service.incidents.models import Incident, IncidentDuty, Response
from service.incidents.pipeline import Engine
from service.incidents.rules import Status

BATCH = 200  # incidents per call (the sweep's phase: one transaction per pass)
STILL_ANSWERED = (Status.UNCLAIMED.value, Status.CLAIMED.value, Status.RESPONDED.value)


def pending(session: Session, limit: int = BATCH) -> list[Incident]:
    """Incidents still being answered with no duty row and never backfilled, oldest first (locked)."""
    has_duty = exists().where(col(IncidentDuty.incident_id) == Incident.id)
    done = exists().where(col(AuditEntry.incident_id) == Incident.id,
                          col(AuditEntry.action) == AuditAction.DUTIES_BACKFILLED.value)
    return list(session.exec(select(Incident).where(col(Incident.status).in_(STILL_ANSWERED), ~has_duty, ~done)
                             .order_by(col(Incident.id)).limit(limit)
                             .with_for_update(skip_locked=True, of=Incident)).all())


def backfill_duties(session: Session, engine: Engine, now: datetime, limit: int = BATCH) -> int:
    """Give up to `limit` legacy incidents their duties; how many were done (0: none left)."""
    incidents = pending(session, limit)
    if not incidents:
        return 0
    sync_duties(session, engine, incidents, now)
    ids = [id_of(i) for i in incidents]
    duties: dict[int, list[IncidentDuty]] = {i: [] for i in ids}
    for row in rows_of(session, ids):
        if row.status != DROPPED:
            duties[row.incident_id].append(row)
    answers = last_responses(session, ids)
    for incident in incidents:
        rows = duties[id_of(incident)]
        carry_over(session, incident, rows, answers.get(id_of(incident)))
        record(session, AuditAction.DUTIES_BACKFILLED, DutiesBackfilled(duties=[
            BackfilledDuty(unit=r.unit, role=r.role, status=r.status) for r in rows]), incident_id=incident.id)
    session.flush()
    return len(incidents)


def last_responses(session: Session, incident_ids: Sequence[int]) -> dict[int, Response]:
    """Each incident's last answer (kind response; else its last published row)."""
    out: dict[int, Response] = {}
    for r in session.exec(select(Response).where(col(Response.incident_id).in_(incident_ids))
                          .order_by(col(Response.at), col(Response.id))).all():
        if r.kind == "response" or out.get(r.incident_id) is None or out[r.incident_id].kind != "response":
            out[r.incident_id] = r
    return out


def carry_over(session: Session, incident: Incident, duties: list[IncidentDuty], answer: Response | None) -> None:
    """The incident's legacy claim or response, onto its duties (see the module's docstring)."""
    answering = [d for d in duties if d.role in RESPONSE_ROLES]
    if incident.status == Status.CLAIMED.value:
        for d in answering:
            if d.unit == incident.claimed_unit and d.status == OPEN:
                d.status, d.claimed_by, d.claimed_at = CLAIMED, incident.claimed_by, incident.claimed_at
                session.add(d)
        return
    at = incident.responded_at or (answer.at if answer is not None else None)
    if incident.status != Status.RESPONDED.value or at is None:
        return
    for d in answering:
        if d.status == MET:
            continue
        d.status, d.met_at = MET, at
        if answer is not None:
            d.met_by, d.met_unit, d.response_id, d.channel = answer.actor, answer.unit, answer.id, answer.channel
        else:
            d.met_unit = incident.claimed_unit
        if d.clock_kind and d.clock_kind not in RESPONSE_CLOCKS:  # the incident's own were met with it
            meet_clock(session, id_of(incident), d.clock_kind, at)
        session.add(d)
