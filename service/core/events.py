"""The events of the bus (service.core.bus), typed: what producers may say and listeners
(the live dashboard, alerts, tests) may read. On Redis they travel as JSON messages of the
same keys (`to_message` / `from_message`); a message of an unknown type or shape is dropped
by the listener, never half-read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    CREATED = "incident.created"
    ITEM_ADDED = "incident.item_added"
    CLAIMED = "incident.claimed"
    RESPONDED = "incident.responded"
    UPDATED = "incident.updated"
    CLOSED = "incident.closed"
    RETURNED = "incident.returned"
    SUPERVISED = "incident.supervised"
    REVIEWED = "incident.reviewed"
    ESCALATION = "escalation"  # a rung of the ladder fired, or a claim lapsed
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    SESSION_ENDED = "session.ended"  # sign-out or a disabled account: its live sockets close


@dataclass(frozen=True, kw_only=True)
class IncidentEvent:
    """An incident changed. Carries its assignment (service.auth.rules.assignment_of reads
    these names) so a listener can filter by viewer without a database round trip; `at` is
    the change time (the live view measures change → screen from it)."""

    type: EventType
    incident_id: int
    status: str | None = None
    topic: str | None = None
    severity: str | None = None
    level_region: str | None = None
    regions: tuple[str, ...] = ()
    first_responsible: tuple[str, ...] = ()
    co_responsible: tuple[str, ...] = ()
    lead: str | None = None
    claimed_by: str | None = None
    claimed_unit: str | None = None
    at: float | None = None


@dataclass(frozen=True, kw_only=True)
class EscalationEvent(IncidentEvent):
    """A rung fired (`step` warn_50 / urge / supervise …) or a claim lapsed (`expired_claim`)."""

    type: EventType = EventType.ESCALATION
    step: str = ""
    label: str = ""
    recipients: tuple[str, ...] = ()
    clock_id: int | None = None
    clock: str | None = None
    expired_claim: dict[str, str | None] | None = None


@dataclass(frozen=True, kw_only=True)
class AlertAcknowledged:
    incident_id: int
    alert_id: int
    step: str
    by: str
    type: EventType = EventType.ALERT_ACKNOWLEDGED
    at: float | None = None


@dataclass(frozen=True, kw_only=True)
class SessionEnded:
    username: str | None = None
    sessions: tuple[int, ...] = field(default_factory=tuple)
    type: EventType = EventType.SESSION_ENDED
    at: float | None = None


Event = IncidentEvent | EscalationEvent | AlertAcknowledged | SessionEnded
_CLASS: dict[EventType, type[Event]] = {EventType.ESCALATION: EscalationEvent,
                                      EventType.ALERT_ACKNOWLEDGED: AlertAcknowledged,
                                      EventType.SESSION_ENDED: SessionEnded}


def to_message(event: Event) -> dict[str, Any]:
    message = asdict(event)
    message["type"] = str(event.type)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in message.items()}


def from_message(message: object) -> Event | None:
    """The typed event of a bus message, or None when it is not one (unknown type, missing
    or mistyped field)."""
    if not isinstance(message, dict):
        return None
    try:
        kind = EventType(message.get("type", ""))  # no type: ValueError, like an unknown one
        cls = _CLASS.get(kind, IncidentEvent)
        names = {f.name: f for f in fields(cls)}
        # JSON values: the dataclass does not check them; incident_id is checked below
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in message.items() if k in names}
        event = cls(**{**values, "type": kind})
    except (ValueError, TypeError):
        return None
    if hasattr(event, "incident_id") and not isinstance(event.incident_id, int):
        return None
    return event
