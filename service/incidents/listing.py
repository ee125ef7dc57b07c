"""The incident list as each viewer may see it, with the board's filters, search and order:
one query builder for the list (`GET /api/incidents`), the board's pages with their true
totals, and the export of the current filter, so the three always agree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import ColumnElement, and_, case, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from routing.orgchart import OrgChart
from routing.taxonomy import Taxonomy
from routing.unitnames import UnitName, resolve_names, unit_names
from service.auth.rules import Principal
from service.core.errors import Invalid
from service.incidents.breach import Row, breach_rows
from service.incidents.cursor import Cursor, decode, encode
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


def view_condition(view: View, viewer: Principal) -> ColumnElement[bool] | None:
    """The tab's condition over Incident (None: the whole filter)."""
    if view == "unclaimed":
        return col(Incident.status) == Status.UNCLAIMED.value
    if view == "mine":
        return col(Incident.claimed_by) == viewer.username
    if view == "escalated":  # open incidents with a rung fired, a claim lapsed or a 督办单 unanswered
        # uncorrelated IN (hashed once by PostgreSQL), not EXISTS per row: the tab is counted
        # over every incident of the filter on each page (bench/province_views.py)
        stepped = col(Incident.id).in_(select(EscalationStep.incident_id))
        # a 督办单 carries its own clock (kind supervision:N), met when the notice is answered
        supervised = col(Incident.id).in_(select(Clock.incident_id).where(
            col(Clock.kind).startswith(SUPERVISION_CLOCK), col(Clock.met_at).is_(None)))
        return and_(col(Incident.status) != Status.CLOSED.value,
                    or_(stepped, supervised, col(Incident.claim_expired_at).is_not(None)))
    return None


def in_view(q: SelectOfScalar[Incident], view: View, viewer: Principal) -> SelectOfScalar[Incident]:
    condition = view_condition(view, viewer)
    return q if condition is None else q.where(condition)


def after(cursor: Cursor | None):
    """Rows after `cursor` in the newest-first order (id DESC); None: from the start."""
    return None if cursor is None else col(Incident.id) < cursor.id


def keyset(cursor: str | None, offset: int, order: Order) -> Cursor | None:
    """The decoded cursor of a request; a cursor and an offset together are refused."""
    if cursor is None:
        return None
    if offset:
        raise Invalid("翻页游标与 offset 不能同时使用", "give either a cursor or an offset, not both")
    return decode(cursor, order)


@dataclass(frozen=True)
class Keyed:
    ids: list[int]
    next_cursor: str | None  # None: the last page


def ordered_ids(session: Session, q: SelectOfScalar[Incident], order: Order, *, limit: int, offset: int = 0,
                cursor: Cursor | None = None, claim_hours: float | None = None) -> Keyed:
    """One page of `q`'s ids in `order` (newest: id DESC; breach: the next breach first, on the
    whole list, an incident with nothing running after every one that has: service.incidents.breach),
    after `cursor` or `offset` rows, with the cursor of the page after it."""
    if order == "newest":
        page_q = q.with_only_columns(col(Incident.id)).order_by(col(Incident.id).desc())
        if (condition := after(cursor)) is not None:
            page_q = page_q.where(condition)
        rows: list[Row] = [(None, int(i)) for i in session.execute(page_q.offset(offset).limit(limit + 1)).scalars()]
    else:
        rows = breach_rows(session, q, offset + limit + 1, cursor, claim_hours)[offset:]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return Keyed([r[1] for r in rows[:limit]], encode(Cursor(order, last[0], last[1])) if last else None)


def count(session: Session, q: SelectOfScalar[Incident]) -> int:
    return int(session.execute(select(func.count()).select_from(q.subquery())).scalar_one())


def counts(session: Session, base: SelectOfScalar[Incident], views: tuple[View, ...], viewer: Principal) -> dict[str, int]:
    """The filter's total of each tab, in one scan of it (not one count per tab)."""
    if not views:
        return {}
    sums = [func.coalesce(func.sum(case((c, 1), else_=0)), 0) if (c := view_condition(v, viewer)) is not None
            else func.count() for v in views]
    found = session.execute(base.with_only_columns(*sums)).one()
    return {v: int(n) for v, n in zip(views, found, strict=True)}


def ids_of(session: Session, q: SelectOfScalar[Incident], *, limit: int, offset: int = 0,
           claim_hours: float | None = None) -> list[int]:
    """The incident ids of `q` in the board's order (the next breach first)."""
    return ordered_ids(session, q, "breach", limit=limit, offset=offset, claim_hours=claim_hours).ids


@dataclass(frozen=True)
class Page:
    ids: list[int]
    total: int
    counts: dict[str, int]  # the same filter's total of each tab
    next_cursor: str | None = None


def page(session: Session, viewer: Principal, org: OrgChart, f: Filters, units: list[UnitName], *, view: View,
         views: tuple[View, ...], order: Order, limit: int, offset: int, claim_hours: float | None = None,
         cursor: Cursor | None = None) -> Page:
    base = filtered(session, viewer, org, f, units)
    found = ordered_ids(session, in_view(base, view, viewer), order, limit=limit, offset=offset, cursor=cursor,
                        claim_hours=claim_hours)
    tabs = counts(session, base, tuple(dict.fromkeys((*views, view))), viewer)
    return Page(found.ids, tabs[view], {v: tabs[v] for v in views}, found.next_cursor)
