"""The one lookup of an incident for a principal: 404 unless he may READ it (`may`: his role
reads, and he `sees` it; its existence does not leak). Every read or act route of an incident
or of something inside one (its items, reviews, supervision notices, a workflow step) asks
this, so the rule of `service.auth.rules` holds the same everywhere."""

from __future__ import annotations

from sqlmodel import Session

from routing.orgchart import OrgChart
from service.auth.rules import Action, Principal, assignment_of, may
from service.core.errors import NotFound
from service.incidents.models import Incident


def visible_incident(session: Session, org: OrgChart, principal: Principal, incident_id: int,
                     *, lock: bool = False) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=lock)
    if incident is None or not may(principal, Action.READ, assignment_of(incident), org):
        raise NotFound("没有这个事件", "no such incident")
    return incident
