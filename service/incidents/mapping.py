"""The incident row ↔ the routing rules' plain data, written once: the decision an incident
carries (routing.facts.RoutingDecision), its columns, and the facts it is routed from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from routing.engine import route
from routing.facts import IncidentFacts, RoutingDecision, Scope, Severity
from service.incidents.models import Incident
from service.incidents.pipeline import Engine


def decision_of(row: Any) -> RoutingDecision:
    """The decision stored on an incident (or on any row with its columns, e.g. a joined clock)."""
    return RoutingDecision(
        scope=Scope(row.scope), vertical=row.vertical, level_region=row.level_region,
        first_responsible=tuple(row.first_responsible), co_responsible=tuple(row.co_responsible),
        coordinators=tuple(row.coordinators), lead=row.lead, leader=row.leader,
        report_to=row.report_to, reasons=tuple(getattr(row, "reasons", ())),
    )


def decision_columns(d: RoutingDecision, reasons: Sequence[str] | None = None) -> dict[str, Any]:
    """The incident's columns for decision `d`; `reasons` replaces the decision's own."""
    return {"scope": str(d.scope), "vertical": d.vertical, "level_region": d.level_region,
            "first_responsible": list(d.first_responsible), "co_responsible": list(d.co_responsible),
            "coordinators": list(d.coordinators), "lead": d.lead, "leader": d.leader, "report_to": d.report_to,
            "reasons": list(d.reasons if reasons is None else reasons)}


def apply_decision(incident: Incident, d: RoutingDecision, reasons: Sequence[str] | None = None) -> None:
    for name, value in decision_columns(d, reasons).items():
        setattr(incident, name, value)


def facts_of(incident: Incident, engine: Engine, *, topic: str | None = None, severity: str | None = None,
             lead: str | None = None) -> IncidentFacts:
    """What the rules route the incident from (a re-grade passes the new topic/severity)."""
    topic = topic or incident.topic
    return IncidentFacts(topic=topic, severity=Severity(severity or incident.severity),
                         regions=tuple(incident.regions), departments=tuple(incident.departments),
                         verification_request=incident.verification_request,
                         function=engine.taxonomy.function_for(topic), lead=lead)


def reroute(incident: Incident, engine: Engine, **changes: Any) -> RoutingDecision:
    return route(facts_of(incident, engine, **changes), engine.org, engine.taxonomy)
