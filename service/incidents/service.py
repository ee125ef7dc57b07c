"""Workflow steps on one incident: check (states.check), change, meet clocks, audit.

Each function takes the session, the engine, the acting viewer and the incident id (keyword
only), changes the rows and writes `service.audit.log.record` with actor = the viewer's username;
it does not commit — the caller commits and then publishes the events. A refused step raises
a domain error (service.core.errors: not found / forbidden / conflict / invalid) before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from routing.facts import RoutingDecision, Severity
from routing.grouping import merge as merge_signatures
from routing.orgchart import OrgChart
from service.audit.actions import (
    Arbitrated,
    AuditAction,
    Claimed,
    Closed,
    FollowedUp,
    LeadDesignated,
    Merged,
    MergedInto,
    Responded,
    Returned,
    Transferred,
    Units,
)
from service.audit.log import record
from service.auth.rules import Principal, assignment_of
from service.core.columns import id_of, utcnow
from service.core.errors import Conflict, Invalid, refused
from service.incidents import signatures
from service.incidents.duty_answers import RESPONSE_CLOCKS, answer, claim_units_duty, settle
from service.incidents.duty_sync import holds_response, sync_duties
from service.incidents.ingest import add_places, item_input, spread_tally
from service.incidents.mapping import apply_decision, reroute
from service.incidents.models import Clock, Incident, IncidentPlace, Item, Response
from service.incidents.pipeline import Engine
from service.incidents.retiming import regrade, retime, upgrade_if_more_severe
from service.incidents.rules import Case, Channel, FollowUp, Status, Transition, check, clocks_met, close_note_refusal
from service.incidents.units import sync_units
from service.incidents.visible import visible_incident


def case_of(incident: Incident) -> Case:
    return Case(status=Status(incident.status), claimed_unit=incident.claimed_unit)


def load(session: Session, engine: Engine, viewer: Principal, incident_id: int, transition: Transition) -> Incident:
    """The incident, locked for the change (PostgreSQL), once `viewer` may take `transition`."""
    incident = visible_incident(session, engine.org, viewer, incident_id, lock=True)
    refusal = check(viewer, transition, case_of(incident), assignment_of(incident), engine.org)
    if refusal is not None:
        raise refused(refusal.status, refusal.zh, refusal.en)
    return incident


# --- the liaison's steps ---------------------------------------------------------------------
def claim(*, session: Session, engine: Engine, viewer: Principal, incident_id: int,
          now: datetime | None = None) -> Incident:
    incident = load(session, engine, viewer, incident_id, Transition.CLAIM)
    now = now or utcnow()
    # guarded on the state read: of two liaisons claiming at once exactly one wins (SQLite too)
    won = session.exec(
        update(Incident).where(col(Incident.id) == incident_id, col(Incident.status) == incident.status)
        .values(status=Status.CLAIMED.value, claimed_by=viewer.username, claimed_unit=viewer.unit, claimed_at=now)
    ).rowcount
    if won != 1:
        raise Conflict("事件已被其他人认领", "someone else claimed this incident meanwhile")
    session.refresh(incident)
    claim_units_duty(session, incident_id, viewer, now)
    record(session, AuditAction.INCIDENT_CLAIMED, Claimed(unit=viewer.unit), incident_id=incident_id,
           actor=viewer.username)
    return incident


def respond(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, channel: Channel, text: str,
            link: str | None = None, now: datetime | None = None) -> Incident:
    incident = load(session, engine, viewer, incident_id, Transition.RESPOND)
    now = now or utcnow()
    # several units answer for it (routing.duties): this answer meets the unit's duty, and the
    # incident's own clocks only with the last required one
    held = holds_response(session, incident_id)
    met, response = _publish(session, incident, viewer, "response", channel, text, link, now,
                             keep=RESPONSE_CLOCKS if held else ())
    met += answer(session, incident, viewer, response, now)[1]
    if held:
        met += settle(session, incident)
    else:
        incident.status = Status.RESPONDED.value
        incident.responded_at = incident.responded_at or now
    session.add(incident)
    record(session, AuditAction.INCIDENT_RESPONDED, Responded(unit=viewer.unit, channel=channel.value, text=text,
           link=link, clocks_met=met), incident_id=incident_id, actor=viewer.username)
    return incident


def follow_up(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, kind: FollowUp, text: str,
              link: str | None = None, channel: Channel | None = None, now: datetime | None = None) -> Incident:
    incident = load(session, engine, viewer, incident_id, Transition.FOLLOW_UP)
    now = now or utcnow()
    met, _ = _publish(session, incident, viewer, kind.value, channel, text, link, now)
    record(session, AuditAction.INCIDENT_FOLLOWED_UP, FollowedUp(
        unit=viewer.unit, kind=kind.value, channel=channel.value if channel else None, text=text, link=link,
        clocks_met=met), incident_id=incident_id, actor=viewer.username)
    return incident


def close(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, note: str | None,
          now: datetime | None = None) -> Incident:
    """办结: refused (404/403/409 as any step, then 422) without a note; the note is audited."""
    incident = load(session, engine, viewer, incident_id, Transition.CLOSE)
    if (no_note := close_note_refusal(note)) is not None:
        raise refused(no_note.status, no_note.zh, no_note.en)
    assert note is not None
    incident.status, incident.closed_at = Status.CLOSED.value, now or utcnow()
    session.add(incident)
    record(session, AuditAction.INCIDENT_CLOSED, Closed(note=note.strip()), incident_id=incident_id,
           actor=viewer.username)
    return incident


def return_incident(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, grounds: str,
                    now: datetime | None = None) -> Incident:
    """退回 "not ours": waits for the coordinator's arbitration; the clocks keep running
    (they count from receipt), and who returned it and why stay on the incident."""
    incident = load(session, engine, viewer, incident_id, Transition.RETURN)
    incident.status = Status.RETURNED.value
    incident.returned_by, incident.returned_unit = viewer.username, viewer.unit
    incident.returned_at, incident.return_grounds = now or utcnow(), grounds
    _unclaim(incident)
    session.add(incident)
    record(session, AuditAction.INCIDENT_RETURNED, Returned(unit=viewer.unit, grounds=grounds), incident_id=incident_id,
           actor=viewer.username)
    return incident


# --- the coordinator's steps -------------------------------------------------------------------
def arbitrate(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, accept: bool,
              units: Sequence[str] | None, note: str) -> Incident:
    """审定: accepting re-routes to `units` (or re-runs routing), rejecting puts the incident
    back in the returning unit's queue. Either way it is unclaimed again."""
    incident = load(session, engine, viewer, incident_id, Transition.ARBITRATE)
    before = _units_of(incident)
    if accept and units:
        _assign(incident, _known_units(engine.org, units))
    elif accept:
        _apply(incident, _route(engine, incident, incident.lead))
        if incident.returned_unit in incident.first_responsible:
            raise Invalid("重新分办仍指向退回单位，请指定改派单位",
                           "routing gives the returning unit again: name the units to re-route to")
    incident.status = Status.UNCLAIMED.value
    session.add(incident)
    sync_units(session, incident)
    sync_duties(session, engine, [incident])
    record(session, AuditAction.INCIDENT_ARBITRATED, Arbitrated(
        accept=accept, note=note, returned_by=incident.returned_by, returned_unit=incident.returned_unit,
        grounds=incident.return_grounds, before=before, after=_units_of(incident)), incident_id=incident_id,
        actor=viewer.username)
    return incident


def transfer(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, units: Sequence[str],
             note: str, co_units: Sequence[str] | None = None) -> Incident:
    """转办: the named units become first responsible, `co_units` (when given, [] for none)
    the 配合单位; any claim lapses."""
    incident = load(session, engine, viewer, incident_id, Transition.TRANSFER)
    before = _units_of(incident)
    first = _known_units(engine.org, units)
    if co_units is not None:  # [] clears them
        co = _known_units(engine.org, co_units) if co_units else []
        incident.co_responsible = [u for u in co if u not in first]
    _assign(incident, first)
    incident.status = Status.UNCLAIMED.value
    _unclaim(incident)
    session.add(incident)
    sync_units(session, incident)
    sync_duties(session, engine, [incident])
    record(session, AuditAction.INCIDENT_TRANSFERRED, Transferred(note=note, before=before, after=_units_of(incident)),
           incident_id=incident_id, actor=viewer.username)
    return incident


def designate_lead(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, unit: str,
                   note: str | None = None) -> Incident:
    """指定牵头部门: routing is re-run with the lead (routing.rules.designated_lead)."""
    incident = load(session, engine, viewer, incident_id, Transition.LEAD)
    if unit not in engine.org.departments:
        raise Invalid(f"“{unit}”不是组织架构中的部门", f"{unit!r} is not a department of the organisation")
    before = incident.lead
    _apply(incident, _route(engine, incident, unit))
    session.add(incident)
    sync_units(session, incident)
    sync_duties(session, engine, [incident])
    record(session, AuditAction.INCIDENT_LEAD_DESIGNATED, LeadDesignated(before=before, after=incident.lead, note=note),
           incident_id=incident_id, actor=viewer.username)
    return incident


def merge(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, other_id: int,
          now: datetime | None = None) -> tuple[Incident, Incident]:
    """The other incident is absorbed: its items move here, this incident's clocks count from
    the earliest receipt of both, and the other is closed pointing here. Returns both."""
    if other_id == incident_id:
        raise Invalid("不能与自身合并", "an incident cannot be merged with itself")
    first, second = sorted((incident_id, other_id))  # lock in id order: two opposite merges cannot deadlock
    rows = {i: load(session, engine, viewer, i, Transition.MERGE) for i in (first, second)}
    survivor, absorbed = rows[incident_id], rows[other_id]
    item_ids = list(session.exec(select(Item.id).where(Item.incident_id == other_id)).all())
    session.execute(update(Item).where(col(Item.incident_id) == other_id).values(incident_id=incident_id))
    before = signatures.from_json(f"x:{incident_id}", survivor.signature)
    joined = merge_signatures(before, signatures.from_json(f"x:{other_id}", absorbed.signature))
    # the spread tally (classifier.spread) is rebuilt from all items now here, as a split does
    moved = session.exec(select(Item).where(Item.incident_id == incident_id)).all()
    tally = spread_tally(engine, engine.triage_many([item_input(i) for i in moved]))
    survivor.signature = {**signatures.to_json(joined), "spread": tally.to_json()}
    survivor.last_seen = joined.last_seen
    survivor.received_at = min(survivor.received_at, absorbed.received_at)
    survivor.verification_request = survivor.verification_request or absorbed.verification_request
    survivor.emergency = survivor.emergency or absorbed.emergency
    # new items must find the survivor, not the closed incident
    session.exec(delete(IncidentPlace).where(col(IncidentPlace.incident_id) == other_id))
    add_places(session, incident_id, signatures.places(joined) - signatures.places(before))
    absorbed.status, absorbed.closed_at, absorbed.merged_into = Status.CLOSED.value, now or utcnow(), incident_id
    session.add_all([survivor, absorbed])
    session.flush()
    retime(session, engine, survivor)
    upgrade_if_more_severe(session, engine, survivor, Severity(absorbed.severity), actor=viewer.username)
    record(session, AuditAction.INCIDENT_MERGED, Merged(absorbed=other_id, item_ids=item_ids,
           received_at=survivor.received_at.isoformat()), incident_id=incident_id, actor=viewer.username)
    record(session, AuditAction.INCIDENT_MERGED_INTO, MergedInto(survivor=incident_id), incident_id=other_id,
           actor=viewer.username)
    return survivor, absorbed


def change_grade(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, why: str,
                 topic: str | None = None, severity: Severity | None = None) -> Incident:
    """Topic/severity by hand: service.incidents.retiming re-routes and re-times, keeping the history."""
    incident = load(session, engine, viewer, incident_id, Transition.REGRADE)
    regrade(session, engine, incident, topic=topic, severity=severity, actor=viewer.username, why=why)
    return incident


# --- helpers -------------------------------------------------------------------------------------
def _publish(session: Session, incident: Incident, viewer: Principal, kind: str, channel: Channel | None, text: str,
             link: str | None, now: datetime, keep: Iterable[str] = ()) -> tuple[list[str], Response]:
    """The response row and the incident clocks it meets (but those in `keep`)."""
    response = Response(incident_id=id_of(incident), kind=kind, channel=channel.value if channel else None, text=text,
                        link=link, actor=viewer.username, unit=viewer.unit, at=now)
    session.add(response)
    session.flush()  # its id, for the duties it answers
    kinds = clocks_met(kind, channel) - frozenset(keep)
    met = list(session.exec(select(Clock.kind).where(Clock.incident_id == incident.id, col(Clock.kind).in_(kinds),
                                                     Clock.met_at == None)).all())  # noqa: E711
    session.execute(update(Clock).where(col(Clock.incident_id) == incident.id, col(Clock.kind).in_(met))
                    .values(met_at=now, next_due_at=None))  # a met clock never escalates
    return sorted(met), response


def _unclaim(incident: Incident) -> None:
    incident.claimed_by = incident.claimed_unit = incident.claimed_at = None


def _units_of(incident: Incident) -> Units:
    return Units(first_responsible=list(incident.first_responsible), co_responsible=list(incident.co_responsible),
                 lead=incident.lead)


def _assign(incident: Incident, units: list[str]) -> None:
    incident.first_responsible = units
    incident.co_responsible = [u for u in incident.co_responsible if u not in units]
    incident.reasons = [*incident.reasons, f"由政府办公室改派{'、'.join(units)}办理"]


def _known_units(org: OrgChart, units: Iterable[str]) -> list[str]:
    names = list(dict.fromkeys(u.strip() for u in units if u.strip()))
    unknown = [u for u in names if u not in org.handling_units]
    if unknown or not names:
        raise Invalid(f"组织架构中没有单位：{'、'.join(unknown) or '（空）'}",
                       f"unknown units: {', '.join(unknown) or '(none given)'}", units=unknown)
    return names


def _route(engine: Engine, incident: Incident, lead: str | None) -> RoutingDecision:
    return reroute(incident, engine, lead=lead)


def _apply(incident: Incident, d: RoutingDecision) -> None:
    apply_decision(incident, d)
