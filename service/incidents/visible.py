"""The one lookup of an incident for a viewer: 404 unless he sees it (its existence does not
leak). Every read route of an incident or of something inside one (its items, reviews,
supervision notices) asks this, so the rule of `access.sees` holds the same everywhere."""

from __future__ import annotations

from sqlmodel import Session

from routing.orgchart import OrgChart
from service.auth.rules import Viewer, assignment_of, sees
from service.core.errors import NotFound
from service.incidents.models import Incident


def visible_incident(session: Session, org: OrgChart, viewer: Viewer, incident_id: int,
                     *, lock: bool = False) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=lock)
    if incident is None or not sees(viewer, assignment_of(incident), org):
        raise NotFound("没有这个事件", "no such incident")
    return incident
