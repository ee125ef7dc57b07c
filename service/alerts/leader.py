"""The principal leader's alert for an especially major incident (issue 15.3): when an incident
is routed as, or upgraded to, 特别重大, its decision's `leader` (本级政府主要负责人) is told on the
dashboard and through the channels, not only once a clock breaches (rules.md Responsible
body 5: he leads, directs and supervises; seed 001).

Run at once on the grading's event (service.escalation.major_watch: this layer sits above the
workflow that grades incidents, so it listens rather than being called) and by the sweep as the
backstop. Once per incident
per grading: the alert key names the incident and its last 等级 change (0: graded so when it
was routed), unique per audience, so a rerun adds none and only a new upgrade — after a
downgrade — alerts again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from routing.facts import Severity
from routing.orgchart import OrgChart
from service.alerts.inbox_rules import MAJOR
from service.alerts.models import Alert
from service.alerts.service import Named, add_alerts, enabled_channels
from service.audit.actions import AuditAction
from service.audit.models import AuditEntry
from service.core.columns import id_of
from service.core.events import EscalationEvent
from service.core.settings import Settings
from service.incidents.models import Clock, Incident

LABEL = "特别重大"


def _grading(session: Session, ids: Sequence[int]) -> dict[int, int]:
    """The audit id of each incident's last 等级 change (absent: never re-graded)."""
    rows = session.execute(select(AuditEntry.incident_id, func.max(AuditEntry.id))
                           .where(col(AuditEntry.incident_id).in_(ids),
                                  col(AuditEntry.action) == AuditAction.INCIDENT_SEVERITY_CHANGED.value)
                           .group_by(col(AuditEntry.incident_id))).all()
    return {i: m for i, m in rows if i is not None}


def create_major_alerts(session: Session, org: OrgChart, settings: Settings,
                        now: datetime) -> tuple[list[int], list[EscalationEvent]]:
    """Alerts for open 特别重大 incidents whose leader was not told of this grading yet (the
    caller commits); returns the delivery ids to dispatch and the events to publish."""
    majors = list(session.exec(select(Incident).where(col(Incident.severity) == Severity.ESPECIALLY_MAJOR.value,
                                                      col(Incident.status) != "closed",
                                                      col(Incident.leader).is_not(None))).all())
    if not majors:
        return [], []
    graded = _grading(session, [id_of(i) for i in majors])
    keys = {id_of(i): f"{MAJOR}:{i.id}:{graded.get(id_of(i), 0)}" for i in majors}
    told = set(session.exec(select(Alert.key).where(col(Alert.key).in_(keys.values()))).all())
    fresh = [i for i in majors if keys[id_of(i)] not in told]
    if not fresh:
        return [], []
    due = {r.incident_id: r.due_at for r in session.execute(
        select(Clock.incident_id, Clock.due_at).where(col(Clock.incident_id).in_([id_of(i) for i in fresh]),
                                                      col(Clock.kind) == "response"))}
    wanted: list[tuple[Named, Sequence[str], dict[str, Any]]] = [
        (i, [i.leader or ""], {"key": keys[id_of(i)], "step_id": None, "clock": MAJOR, "clock_label": LABEL,
                               "step": MAJOR, "label": LABEL, "due_at": due.get(id_of(i), now), "created_at": now})
        for i in fresh]
    deliveries = add_alerts(session, org, settings, enabled_channels(session), wanted)
    events = [EscalationEvent(incident_id=id_of(i), step=MAJOR, label=LABEL, recipients=(i.leader or "",),
                              clock=MAJOR) for i in fresh]
    return [id_of(d) for d in deliveries], events
