"""What an answer does to the duties: the unit's duty met (the lead's answer meets the other
first-responsible units' too), and the incident's response met once every required duty is.

Used by the incident's own claim/respond (a single-unit incident: its one duty) and by the
per-duty steps (service.incidents.duties). No commit: the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from routing.duties import RESPONSE_ROLES, DutyRole
from service.auth.rules import Principal
from service.core.columns import id_of
from service.incidents.duty_rules import CLAIMED, DROPPED, MET, OPEN
from service.incidents.duty_sync import meet_clock
from service.incidents.models import Clock, Incident, IncidentDuty, IncidentStatement, Response
from service.incidents.rules import Status

RESPONSE_CLOCKS = ("response", "feedback")  # the incident's own: met with the last required duty
_ANSWERING = tuple(str(r) for r in RESPONSE_ROLES)


def active(session: Session, incident_id: int) -> list[IncidentDuty]:
    return list(session.exec(select(IncidentDuty).where(IncidentDuty.incident_id == incident_id,
                                                        IncidentDuty.status != DROPPED)
                             .order_by(col(IncidentDuty.id))).all())


def claim_units_duty(session: Session, incident_id: int, viewer: Principal, now: datetime) -> None:
    """The incident's claim is also the claimant unit's claim of its open duty."""
    if viewer.unit is None:
        return
    session.execute(update(IncidentDuty).where(
        col(IncidentDuty.incident_id) == incident_id, col(IncidentDuty.unit) == viewer.unit,
        col(IncidentDuty.status) == OPEN, col(IncidentDuty.role).in_(_ANSWERING))
        .values(status=CLAIMED, claimed_by=viewer.username, claimed_at=now))


def latest_statement(session: Session, incident_id: int) -> int | None:
    return session.exec(select(IncidentStatement.id).where(IncidentStatement.incident_id == incident_id)
                        .order_by(col(IncidentStatement.id).desc())).first()


def answer(session: Session, incident: Incident, viewer: Principal, response: Response,
           now: datetime) -> tuple[list[IncidentDuty], list[str]]:
    """Meet the answering unit's duties (and, for the lead, the first-responsible units' not yet
    met); returns the duties met and the duty clocks met."""
    rows = active(session, id_of(incident))
    mine = [r for r in rows if r.unit == response.unit and r.role in _ANSWERING and r.status != MET]
    if any(r.role == DutyRole.LEAD for r in mine):  # 牵头部门 answers for all first-responsible units
        mine += [r for r in rows if r.role == DutyRole.FIRST and r.status != MET and r not in mine]
    statement = latest_statement(session, id_of(incident))
    met: list[str] = []
    for row in mine:
        row.status, row.met_at, row.met_by, row.met_unit = MET, now, viewer.username, response.unit
        row.response_id, row.statement_id, row.channel = response.id, statement, response.channel
        if row.clock_kind and row.clock_kind not in RESPONSE_CLOCKS:
            met += meet_clock(session, id_of(incident), row.clock_kind, now)
        session.add(row)
    return mine, met


def settle(session: Session, incident: Incident) -> list[str]:
    """Once every required duty is met the incident's response is: its own clocks met, its
    state 已回应. Returns the incident clocks met (none while a required duty is open)."""
    required = [r for r in active(session, id_of(incident)) if r.required]
    if not required or any(r.status != MET for r in required):
        return []
    kinds = list(session.exec(select(Clock.kind).where(Clock.incident_id == incident.id,
                                                       col(Clock.kind).in_(RESPONSE_CLOCKS),
                                                       col(Clock.met_at).is_(None))).all())
    at = max(r.met_at for r in required if r.met_at is not None)
    session.execute(update(Clock).where(col(Clock.incident_id) == incident.id, col(Clock.kind).in_(kinds))
                    .values(met_at=at, next_due_at=None))
    if incident.status in (Status.UNCLAIMED.value, Status.CLAIMED.value):
        incident.status = Status.RESPONDED.value
    incident.responded_at = incident.responded_at or at
    session.add(incident)
    return sorted(kinds)
