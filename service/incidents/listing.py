"""The incident list as each viewer may see it, with the board's filters, search and order:
one query builder for the list (`GET /api/incidents`), the board's pages with their true
totals, and the export of the current filter, so the three always agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import and_, case, exists, func, literal, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from routing.orgchart import OrgChart
from routing.taxonomy import Taxonomy
from routing.unitnames import UnitName, resolve_names, unit_names
from service.auth.rules import Principal
from service.core.columns import epoch_seconds
from service.incidents.models import SUPERVISION_CLOCK, Clock, EscalationStep, Incident, IncidentUnit
from service.incidents.rules import Status
from service.incidents.search import search_condition
from service.incidents.units import REGION, UNIT_ROLES, scoped

View = Literal["unclaimed", "mine", "escalated", "all"]
VIEWS: tuple[View, ...] = ("unclaimed", "mine", "escalated", "all")
Order = Literal["breach", "newest"]


@dataclass(frozen=True)
class Filters:
    status: str | None = None  # a Status value, or "open" (not closed)
    topic: str | None = None
    severity: str | None = None
    region: str | None = None  # the region and below
    unit: str | None = None  # a full name, short name or alias (routing.unitnames)
    q: str | None = None  # full-text search


_units: dict[tuple[int, int], tuple[OrgChart, Taxonomy | None, list[UnitName]]] = {}


def org_units(org: OrgChart, taxonomy: Taxonomy | None = None) -> list[UnitName]:
    """The org's units as the picker and the filters match them (kept per org and taxonomy
    object: an imported org is a new object)."""
    key = (id(org), id(taxonomy))
    cached = _units.get(key)
    if cached is not None and cached[0] is org and cached[1] is taxonomy:
        return cached[2]
    if len(_units) > 8:
        _units.clear()
    topics_of: dict[str, list[str]] = {}
    for t in taxonomy.topics if taxonomy else ():
        for f in t.authority:
            topics_of.setdefault(f, []).append(t.name)
    found = unit_names(org, topics_of=topics_of)
    _units[key] = (org, taxonomy, found)
    return found


def _named(units: list[str]):
    return col(Incident.id).in_(select(IncidentUnit.incident_id).where(
        col(IncidentUnit.unit).in_(units), col(IncidentUnit.role).in_(UNIT_ROLES)))


def filtered(session: Session, viewer: Principal, org: OrgChart, f: Filters,
             units: list[UnitName]) -> SelectOfScalar[Incident]:
    """Incidents `viewer` sees that pass `f` (no view, no order)."""
    q = cast(SelectOfScalar[Incident], scoped(select(Incident), viewer, org))
    if f.status == "open":
        q = q.where(col(Incident.status) != Status.CLOSED.value)
    elif f.status is not None:
        q = q.where(col(Incident.status) == f.status)
    for column, value in ((Incident.topic, f.topic), (Incident.severity, f.severity)):
        if value is not None:
            q = q.where(col(column) == value)
    if f.region is not None:
        below = [r for r in org.regions if org.is_ancestor(f.region, r)] if f.region in org.regions else []
        q = q.where(col(Incident.id).in_(select(IncidentUnit.incident_id).where(
            col(IncidentUnit.unit).in_(below), IncidentUnit.role == REGION)))
    if f.unit is not None and f.unit.strip():
        # 市场监管局 stands for the units of that name the org knows; a name it does not know
        # is taken as typed (an incident may name a unit the org lost since)
        q = q.where(_named(resolve_names(units, f.unit) or [f.unit.strip()]))
    if f.q is not None and f.q.strip():
        q = q.where(search_condition(session, f.q, resolve_names(units, f.q)))
    return q


def in_view(q: SelectOfScalar[Incident], view: View, viewer: Principal) -> SelectOfScalar[Incident]:
    if view == "unclaimed":
        return q.where(col(Incident.status) == Status.UNCLAIMED.value)
    if view == "mine":
        return q.where(col(Incident.claimed_by) == viewer.username)
    if view == "escalated":  # open incidents with a rung fired, a claim lapsed or a 督办单 unanswered
        stepped = exists().where(col(EscalationStep.incident_id) == col(Incident.id))
        # a 督办单 carries its own clock (kind supervision:N), met when the notice is answered
        supervised = exists().where(col(Clock.incident_id) == col(Incident.id),
                                    col(Clock.kind).startswith(SUPERVISION_CLOCK),
                                    col(Clock.met_at).is_(None))
        return q.where(col(Incident.status) != Status.CLOSED.value,
                       or_(stepped, supervised, col(Incident.claim_expired_at).is_not(None)))
    return q


def next_breach():
    """The earliest due time of an incident's open clocks (NULL: none open)."""
    return (select(func.min(Clock.due_at)).where(col(Clock.incident_id) == col(Incident.id), col(Clock.met_at).is_(None))
            .correlate(Incident).scalar_subquery())


def claim_lapse(claim_hours: float):
    """When a claimed incident's claim lapses, in epoch seconds: claimed_at + policy
    claim_timeout_hours, the board's 认领 clock (dashboard.board.with_claim_clock; not a stored
    clock). NULL for any other status: only a claimed incident has a claim to lose."""
    return case((and_(col(Incident.status) == Status.CLAIMED.value, col(Incident.claimed_at).is_not(None)),
                 epoch_seconds(col(Incident.claimed_at)) + literal(claim_hours * 3600.0)), else_=None)


def breach_key(claim_hours: float | None):
    """The board's order key, in epoch seconds: the earliest of the open clocks' due times and,
    with `claim_hours`, the claim's lapse (NULL: nothing running)."""
    clocks = epoch_seconds(next_breach())
    if claim_hours is None:
        return clocks
    claim = claim_lapse(claim_hours)
    # LEAST ignores NULLs on PostgreSQL but SQLite's min() does not: spelled out for both
    return case((claim.is_(None), clocks), (clocks.is_(None), claim), (claim < clocks, claim), else_=clocks)


def ordered(q: SelectOfScalar[Incident], order: Order, claim_hours: float | None = None) -> SelectOfScalar[Incident]:
    if order == "newest":
        return q.order_by(col(Incident.id).desc())
    # the next breach first (a clock's due time or the claim's lapse, on the whole list, not a
    # page); an incident with nothing running after every one that has
    key = breach_key(claim_hours)
    return q.order_by(key.is_(None), key, col(Incident.id).desc())


def count(session: Session, q: SelectOfScalar[Incident]) -> int:
    return int(session.execute(select(func.count()).select_from(q.subquery())).scalar_one())


def ids_of(session: Session, q: SelectOfScalar[Incident], *, limit: int, offset: int = 0,
           claim_hours: float | None = None) -> list[int]:
    """The incident ids of `q` in the board's order (the next breach first)."""
    return [int(i) for i in session.execute(ordered(q, "breach", claim_hours).with_only_columns(col(Incident.id))
                                            .offset(offset).limit(limit)).scalars()]


@dataclass(frozen=True)
class Page:
    ids: list[int]
    total: int
    counts: dict[str, int]  # the same filter's total of each tab


def page(session: Session, viewer: Principal, org: OrgChart, f: Filters, units: list[UnitName], *, view: View,
         views: tuple[View, ...], order: Order, limit: int, offset: int, claim_hours: float | None = None) -> Page:
    base = filtered(session, viewer, org, f, units)
    q = in_view(base, view, viewer)
    ids = [int(i) for i in session.execute(ordered(q, order, claim_hours).with_only_columns(col(Incident.id))
                                           .offset(offset).limit(limit)).scalars()]
    counts: dict[str, int] = {v: count(session, in_view(base, v, viewer)) for v in views}
    return Page(ids, counts.get(view, 0) if view in counts else count(session, q), counts)
