"""Processing committed items: triage, join or open an incident, set its clocks, audit it.

Idempotent: only items still `pending` are taken, and everything for a batch is committed in
one transaction, so a job that dies leaves its items pending for the next run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import structlog
from sqlmodel import Session, col, select

from routing.grouping import GroupMatch, match, merge
from service import signatures
from service.audit import record
from service.events import publish
from service.models import Clock, Incident, IncidentPlace, Item, utcnow
from service.pipeline import Engine, ItemInput, Triage
from service.settings import Settings

log = structlog.get_logger()


def item_input(item: Item) -> ItemInput:
    o = item.overrides or {}
    return ItemInput(
        key=str(item.id),
        text=item.text,
        title=item.title,
        received_at=item.received_at,
        kind=item.kind,
        topic=o.get("topic"),
        severity=o.get("severity"),
        regions=tuple(o["regions"]) if "regions" in o else None,
        departments=tuple(o["departments"]) if "departments" in o else None,
    )


def process_items(session: Session, engine: Engine, settings: Settings, item_ids: Sequence[int]) -> list[int]:
    """Process the pending items among `item_ids`; returns the ids of the incidents touched."""
    items = session.exec(
        select(Item).where(col(Item.id).in_(list(item_ids)), Item.status == "pending").order_by(Item.received_at)
    ).all()
    if not items:
        return []
    results = engine.triage_many([item_input(i) for i in items])
    touched: list[int] = []
    events: list[dict] = []
    for item, triage in zip(items, results, strict=True):
        incident, event = _place_item(session, engine, item, triage)
        touched.append(incident.id)
        events.append(event)
    session.commit()
    for event in events:
        publish(settings, event)
    return touched


def _place_item(session: Session, engine: Engine, item: Item, triage: Triage) -> tuple[Incident, dict]:
    sig = triage.signature()
    found = match(sig, _candidates(session, sig, engine), engine.policy.grouping)
    if found is None:
        incident = open_incident(session, triage, sig)
        event = {"type": "incident.created", "incident_id": incident.id}
    else:
        incident = _join_incident(session, engine, item, triage, sig, found)
        event = {"type": "incident.item_added", "incident_id": incident.id, "item_id": item.id}
    item.incident_id = incident.id
    item.status = "processed"
    item.processed_at = utcnow()
    item.analysis = _analysis(triage)
    session.add(item)
    log.info("item.processed", item_id=item.id, incident_id=incident.id, merged=found is not None)
    return incident, event


def _candidates(session: Session, sig, engine: Engine) -> list:
    places = signatures.places(sig)
    if not places:
        return []
    cutoff = sig.first_seen - timedelta(days=engine.policy.grouping.lookback_days)
    rows = session.exec(
        select(Incident).where(
            col(Incident.id).in_(select(IncidentPlace.incident_id).where(col(IncidentPlace.place).in_(places))),
            Incident.last_seen >= cutoff,
        )
    ).all()
    return [signatures.from_json(str(r.id), r.signature) for r in rows]


def open_incident(session: Session, t: Triage, sig) -> Incident:
    d = t.decision
    incident = Incident(
        topic=t.facts.topic, severity=str(t.facts.severity), scope=str(d.scope), vertical=d.vertical,
        emergency=t.severity.emergency, verification_request=t.item.verification_request,
        level_region=d.level_region, first_responsible=list(d.first_responsible),
        co_responsible=list(d.co_responsible), coordinators=list(d.coordinators), lead=d.lead,
        leader=d.leader, report_to=d.report_to, reasons=list(t.reasons), regions=list(t.facts.regions),
        departments=list(t.facts.departments), received_at=t.item.received_at, last_seen=t.item.received_at,
        created_at=utcnow(), signature=signatures.to_json(sig),
    )
    session.add(incident)
    session.flush()
    add_places(session, incident.id, signatures.places(sig))
    for c in t.clocks:
        session.add(Clock(incident_id=incident.id, kind=c.kind, label=c.label, started_at=c.started_at, due_at=c.due_at))
    record(session, "incident.created", incident_id=incident.id, item_id=int(t.item.key),
           topic=incident.topic, severity=incident.severity, first_responsible=incident.first_responsible,
           reasons=incident.reasons)
    return incident


def _join_incident(session: Session, engine: Engine, item: Item, t: Triage, sig, found: GroupMatch) -> Incident:
    incident = session.get(Incident, int(found.key))
    old = signatures.from_json(found.key, incident.signature)
    merged = merge(old, sig)
    incident.signature = signatures.to_json(merged)
    incident.last_seen = merged.last_seen
    add_places(session, incident.id, signatures.places(merged) - signatures.places(old))
    item.merge_explanation = found.explanation
    record(session, "incident.item_merged", incident_id=incident.id, item_id=item.id,
           explanation=found.explanation, score=found.score)
    from service.retiming import upgrade_if_more_severe

    upgrade_if_more_severe(session, engine, incident, t.facts.severity, actor="system")
    session.add(incident)
    return incident


def add_places(session: Session, incident_id: int, places: set[str]) -> None:
    for place in sorted(places):
        session.merge(IncidentPlace(incident_id=incident_id, place=place[:64]))


def _analysis(t: Triage) -> dict:
    p = t.prediction
    return {
        "topic": p.topic, "confidence": round(p.confidence, 4), "alternatives": [list(a) for a in p.alternatives],
        "tags": list(p.tags), "severity": str(t.severity.level), "triggers": list(t.severity.triggers),
        "regions": list(t.mentions.regions), "departments": list(t.mentions.departments),
        "entities": list(t.entities),
    }
