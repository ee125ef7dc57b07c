"""The incident_unit index: who an incident is assigned to, kept in step with the incident's
columns wherever they are set, and the viewer scope as one indexed query over it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select
from sqlmodel import Session, col, delete, select

from routing.orgchart import OrgChart
from service.auth.rules import Principal, Role
from service.core.columns import id_of
from service.incidents.models import Incident, IncidentUnit

UNIT_ROLES = ("first", "co", "lead")
REGION = "region"


def unit_rows(level_region: str, regions: Iterable[str], first: Iterable[str], co: Iterable[str],
              lead: str | None) -> list[tuple[str, str]]:
    """(name, role) pairs: the units by role, and the level region and regions named."""
    pairs = [*((u, "first") for u in first), *((u, "co") for u in co), *(((lead, "lead"),) if lead else ()),
             *((r, REGION) for r in (level_region, *regions) if r)]
    return list(dict.fromkeys((name[:200], role) for name, role in pairs))


def pairs_of(incident: Incident) -> list[tuple[str, str]]:
    return unit_rows(incident.level_region, incident.regions, incident.first_responsible,
                     incident.co_responsible, incident.lead)


def _rows(incident: Incident) -> list[IncidentUnit]:
    return [IncidentUnit(incident_id=id_of(incident), unit=u, role=r) for u, r in pairs_of(incident)]


def sync_units(session: Session, incident: Incident, before: list[tuple[str, str]] | None = None) -> None:
    """After the incident's units or regions changed (re-routing, transfer, lead, arbitration).
    With `before` (pairs_of the incident before the change), nothing is written when the
    assignment did not change: a severity raise on ingest usually keeps the same units, and a
    flush per incident there would undo the batching."""
    if before is not None and before == pairs_of(incident):
        return
    session.flush()
    session.exec(delete(IncidentUnit).where(col(IncidentUnit.incident_id) == incident.id))
    session.add_all(_rows(incident))


def scope_names(viewer: Principal, org: OrgChart) -> tuple[frozenset[str], bool] | None:
    """(names, by_region) to look up in incident_unit for `viewer`; None when he sees all.
    Mirrors access.sees: a region holder sees his region and below, a unit holder his unit."""
    if viewer.role is Role.ADMIN:
        return None
    if viewer.region:
        if viewer.region not in org.regions:
            return frozenset(), True
        return frozenset(r for r in org.regions if org.is_ancestor(viewer.region, r)), True
    return frozenset({viewer.unit} if viewer.unit else ()), False


def _scope_ids(viewer: Principal, org: OrgChart) -> Select | None:
    scope = scope_names(viewer, org)
    if scope is None:
        return None
    names, by_region = scope
    roles = (REGION,) if by_region else UNIT_ROLES
    return select(IncidentUnit.incident_id).where(col(IncidentUnit.unit).in_(names), col(IncidentUnit.role).in_(roles))


def scoped(query: Select, viewer: Principal, org: OrgChart) -> Select:
    """`query` over Incident restricted to the incidents `viewer` sees."""
    ids = _scope_ids(viewer, org)
    return query if ids is None else query.where(col(Incident.id).in_(ids))


def seen_ids(viewer: Principal, org: OrgChart) -> Select:
    """The ids of the incidents `viewer` sees, for `other.incident_id IN (…)`: read from
    incident_unit's index alone, without the incident table that `scoped(select(Incident.id))`
    adds (at 100,000 in scope PostgreSQL hashed that join twice: the wall's ladder 140 → 50 ms)."""
    ids = _scope_ids(viewer, org)
    return select(Incident.id) if ids is None else ids
