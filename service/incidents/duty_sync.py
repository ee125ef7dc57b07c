"""The duty rows of an incident kept in step with its routing (routing.duties), and their clocks.

Written when an incident opens and whenever it is re-routed or re-timed. A duty keeps its
state (claim, answer) across re-routing as long as its unit keeps the role; a duty routing no
longer gives is `dropped` and its clock put to rest. Each duty's clock is a row of the common
`clock` table — kind `duty:{id}` (or `party_report`), label naming the unit, `unit` set — so the
sweep walks it, the board shows it, and the ladder's rungs go to that unit and its leaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from routing.duties import PARTY_REPORT, Duty, DutyRole, duties_of, uses_incident_clock
from routing.escalation import next_due
from routing.facts import Severity
from service.core.columns import id_of, utcnow
from service.incidents.duty_rules import DROPPED, MET, OPEN
from service.incidents.mapping import decision_of
from service.incidents.models import Clock, Incident, IncidentDuty
from service.incidents.pipeline import Engine
from service.incidents.queries import fired_steps

DUTY_CLOCK = "duty:"  # a duty's own clock is kind f"duty:{duty id}"


def wanted(engine: Engine, incident: Incident) -> tuple[Duty, ...]:
    return duties_of(decision_of(incident), severity=Severity(incident.severity), received_at=incident.received_at,
                     verification_request=incident.verification_request, emergency=incident.emergency,
                     policy=engine.policy, org=engine.org)


def rows_of(session: Session, incident_ids: Sequence[int]) -> list[IncidentDuty]:
    return list(session.exec(select(IncidentDuty).where(col(IncidentDuty.incident_id).in_(incident_ids))
                             .order_by(col(IncidentDuty.id))).all())


def holds_response(session: Session, incident_id: int) -> bool:
    """The incident's response waits for several duties (its own clock is not one unit's)."""
    required = session.exec(select(IncidentDuty.clock_kind).where(
        IncidentDuty.incident_id == incident_id, col(IncidentDuty.required).is_(True),
        IncidentDuty.status != DROPPED)).all()
    return len(required) > 1


def sync_duties(session: Session, engine: Engine, incidents: Sequence[Incident], now: datetime | None = None) -> None:
    """Write each incident's duties and their clocks (a batch of new incidents: one flush)."""
    now = now or utcnow()
    plans = {id_of(i): (i, wanted(engine, i)) for i in incidents}
    existing: dict[int, dict[tuple[str, str], IncidentDuty]] = {k: {} for k in plans}
    for row in rows_of(session, list(plans)):
        existing[row.incident_id][row.unit, row.role] = row
    kept: list[tuple[Incident, Duty, IncidentDuty]] = []
    for incident_id, (incident, duties) in plans.items():
        rows = existing[incident_id]
        for d in duties:
            key = (d.unit, str(d.role))
            row = rows.pop(key) if key in rows else IncidentDuty(
                incident_id=incident_id, unit=d.unit, role=str(d.role), owes=d.owes, clause=d.clause, label=d.label)
            row.owes, row.clause, row.required, row.label, row.due_at = d.owes, d.clause, d.required, d.label, d.due_at
            if row.status == DROPPED:
                row.status = OPEN
            kept.append((incident, d, row))
        for gone in rows.values():
            gone.status, gone.required = DROPPED, False
            session.add(gone)
    session.add_all(row for _, _, row in kept)
    session.flush()  # ids for the new duties: their clocks are named after them
    _clocks(session, engine, [(i, d, r, plans[id_of(i)][1]) for i, d, r in kept],
            [r for rows in existing.values() for r in rows.values()], now)


def _clocks(session: Session, engine: Engine, kept: list, dropped: list[IncidentDuty], now: datetime) -> None:
    """Each kept duty's own clock upserted (re-timed from receipt), each dropped one at rest."""
    ids = list({i.id for i, _, _, _ in kept} | {r.incident_id for r in dropped})
    clocks = {(c.incident_id, c.kind): c for c in session.exec(select(Clock).where(col(Clock.incident_id).in_(ids)))}
    fired = fired_steps(session, [id_of(c) for c in clocks.values()])
    rule = engine.policy.escalation
    for incident, duty, row, duties in kept:
        before = row.clock_kind
        row.clock_kind = _kind_of(duty, row, duties)
        if before and before not in (row.clock_kind, "response"):  # the incident's own clock is not the duty's
            _rest(clocks.get((incident.id, before)), now)
        if row.clock_kind == "response" or duty.due_at is None:
            continue
        clock = clocks.get((incident.id, row.clock_kind)) or Clock(
            incident_id=id_of(incident), kind=row.clock_kind, label=row.label, started_at=incident.received_at,
            due_at=duty.due_at)
        clock.label, clock.unit, clock.started_at, clock.due_at = row.label, row.unit, incident.received_at, duty.due_at
        clock.met_at = row.met_at if row.status == MET else None
        done = fired.get(clock.id, frozenset()) if clock.id is not None else frozenset()
        clock.next_due_at = None if clock.met_at else next_due(clock.started_at, clock.due_at, rule, done)
        session.add(clock)
        session.add(row)
    for row in dropped:
        if row.clock_kind and row.clock_kind != "response":
            _rest(clocks.get((row.incident_id, row.clock_kind)), now)


def _kind_of(duty: Duty, row: IncidentDuty, duties: tuple[Duty, ...]) -> str:
    if duty.role is DutyRole.PARTY_REPORT:
        return PARTY_REPORT
    return "response" if uses_incident_clock(duty, duties) else f"{DUTY_CLOCK}{row.id}"


def _rest(clock: Clock | None, now: datetime) -> None:
    """A clock no longer owed: met (off the board) and never escalated again."""
    if clock is not None and clock.met_at is None:
        clock.met_at, clock.next_due_at = now, None


def meet_clock(session: Session, incident_id: int, kind: str | None, at: datetime) -> list[str]:
    """Meet one of the incident's clocks (a duty's own); the kinds met."""
    if not kind:
        return []
    clock = session.exec(select(Clock).where(Clock.incident_id == incident_id, Clock.kind == kind,
                                             col(Clock.met_at).is_(None))).first()
    if clock is None:
        return []
    clock.met_at, clock.next_due_at = at, None
    session.add(clock)
    return [kind]
