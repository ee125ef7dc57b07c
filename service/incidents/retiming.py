"""Re-grading an incident (topic and/or severity): re-route and re-time every clock from the
original receipt. Each change is audited with before/after, which is also how coordinators'
corrections reach the classifier's training data (action `incident.topic_changed` /
`incident.severity_changed`)."""

from __future__ import annotations

from sqlmodel import Session, select

from routing.deadlines import compute_clocks
from routing.escalation import next_due
from routing.facts import SEVERITY_RANK, Severity
from service.audit.actions import REGRADED, AuditAction, Regraded
from service.audit.log import record
from service.core.columns import id_of
from service.incidents.duty_sync import sync_duties
from service.incidents.mapping import apply_decision, reroute
from service.incidents.models import Clock, Incident
from service.incidents.pipeline import Engine
from service.incidents.queries import fired_steps
from service.incidents.units import pairs_of, sync_units


def upgrade_if_more_severe(session: Session, engine: Engine, incident: Incident, severity: Severity, actor: str,
                           why: str = "合并的新信息等级更高") -> bool:
    if SEVERITY_RANK[Severity(severity)] <= SEVERITY_RANK[Severity(incident.severity)]:
        return False
    regrade(session, engine, incident, severity=Severity(severity), actor=actor, why=why)
    return True


def change_severity(session: Session, engine: Engine, incident: Incident, severity: Severity, *, actor: str, why: str) -> None:
    regrade(session, engine, incident, severity=severity, actor=actor, why=why)


def regrade(session: Session, engine: Engine, incident: Incident, *, topic: str | None = None,
            severity: Severity | None = None, actor: str, why: str) -> list[AuditAction]:
    """Set topic and/or severity, re-route and re-time; returns the audit actions written."""
    before = {"topic": incident.topic, "severity": incident.severity}
    after = {"topic": topic or incident.topic, "severity": str(severity or incident.severity)}
    changed = [k for k in ("topic", "severity") if after[k] != before[k]]
    if not changed:
        return []
    d = reroute(incident, engine, topic=after["topic"], severity=after["severity"], lead=incident.lead)
    units_before = pairs_of(incident)
    incident.topic, incident.severity = after["topic"], after["severity"]
    # the routing reasons are new; say first what was re-graded and why (the audit keeps the rest)
    labels = {"topic": "主题", "severity": "等级"}
    regraded = [f"{labels[k]}由{before[k]}调整为{after[k]}（{why}）" for k in changed]
    apply_decision(incident, d, reasons=[*regraded, *d.reasons])
    sync_units(session, incident, before=units_before)
    retime(session, engine, incident)
    session.add(incident)
    actions = [REGRADED[k] for k in changed]
    for k, action in zip(changed, actions, strict=True):
        record(session, action, Regraded(before=before[k], after=after[k], why=why), incident_id=incident.id,
               actor=actor)
    return actions


def retime(session: Session, engine: Engine, incident: Incident) -> None:
    """Clocks count from the first receipt: an upgrade can make a clock overdue at once."""
    due = compute_clocks(
        severity=Severity(incident.severity), received_at=incident.received_at,
        verification_request=incident.verification_request, emergency=incident.emergency, policy=engine.policy,
    )
    existing = {c.kind: c for c in session.exec(select(Clock).where(Clock.incident_id == incident.id))}
    fired = fired_steps(session, [id_of(c) for c in existing.values()])
    for c in due:
        clock = existing.get(c.kind) or Clock(incident_id=id_of(incident), kind=c.kind, label=c.label,
                                              started_at=c.started_at)
        clock.started_at, clock.due_at = c.started_at, c.due_at
        # the new ladder's next rung (rungs already fired stay fired); a met clock stays at rest
        done = fired.get(clock.id, frozenset()) if clock.id is not None else frozenset()  # new: none fired
        clock.next_due_at = None if clock.met_at else next_due(c.started_at, c.due_at, engine.policy.escalation, done)
        session.add(clock)
    sync_duties(session, engine, [incident])  # each unit's duty re-routed and re-timed with it

