"""The principal leader told at once when an incident is routed as, or upgraded to, 特别重大
(issue 15.3; rules.md Responsible body 5), not at the next sweep.

The workflow that grades incidents sits below the alerts (service layers), so it cannot call
them; it publishes an event after each commit instead. The processes that grade incidents (the
server, the RQ worker) subscribe here: an incident event carrying 特别重大 runs the sweep's
major-alerts phase right away. That phase is idempotent (one alert per incident per grading),
so the sweep stays the backstop for an event lost in a crash, and a failure here is logged,
never raised into the publisher (the commit is already the record).
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from routing.facts import Severity
from service.core.bus import subscribe_local
from service.core.columns import utcnow
from service.core.events import EscalationEvent, Event, EventType, IncidentEvent
from service.core.settings import Settings
from service.escalation.sweep import major_alerts

log = structlog.get_logger()
GRADED = frozenset({EventType.CREATED, EventType.ITEM_ADDED, EventType.UPDATED})  # routed, joined, re-graded


def concerns_a_major(event: Event) -> bool:
    """An incident's own change (not a rung the alerts fired) that leaves it 特别重大."""
    return (isinstance(event, IncidentEvent) and not isinstance(event, EscalationEvent)
            and event.type in GRADED and event.severity == Severity.ESPECIALLY_MAJOR.value)


def watch_majors(settings: Settings) -> Callable[[], None]:
    """Subscribe this process; returns the unsubscribe."""
    def on_event(event: Event) -> None:
        if not concerns_a_major(event):
            return
        try:
            major_alerts(settings, utcnow())
        except Exception as exc:  # the sweep tells him within SWEEP_SECONDS instead
            log.warning("major_alerts.failed", incident_id=getattr(event, "incident_id", None),
                        error=f"{type(exc).__name__}: {str(exc)[:200]}")

    return subscribe_local(on_event)
