"""The bus events of an incident (service.core.events), built from its row."""

from __future__ import annotations

from typing import Any

from service.core.events import EscalationEvent, EventType, IncidentEvent
from service.incidents.models import Incident


def _assignment(incident: Incident) -> dict[str, Any]:
    return {"incident_id": incident.id or 0, "status": incident.status, "topic": incident.topic,
            "severity": incident.severity, "level_region": incident.level_region,
            "regions": tuple(incident.regions), "first_responsible": tuple(incident.first_responsible),
            "co_responsible": tuple(incident.co_responsible), "lead": incident.lead,
            "claimed_by": incident.claimed_by, "claimed_unit": incident.claimed_unit}


def incident_event(kind: EventType, incident: Incident) -> IncidentEvent:
    return IncidentEvent(type=kind, **_assignment(incident))


def escalation_event(incident: Incident, *, step: str, label: str, recipients: tuple[str, ...],
                     **extra: Any) -> EscalationEvent:
    return EscalationEvent(**_assignment(incident), step=step, label=label, recipients=recipients, **extra)
