"""Undoing a merge: the item leaves for a new incident; the old one's signature is rebuilt."""

from __future__ import annotations

from functools import reduce

from sqlmodel import Session, col, delete, select

from routing.grouping import merge
from service.core.columns import id_of
from service.incidents import signatures
from service.incidents.duty_sync import sync_duties
from service.incidents.ingest import add_places, item_input, open_incident, spread_tally
from service.incidents.models import Incident, IncidentPlace, Item
from service.incidents.pipeline import Engine


def split_item(session: Session, engine: Engine, incident: Incident, item: Item) -> Incident:
    triage = engine.triage(item_input(item))
    new = open_incident(session, triage, triage.signature())
    sync_duties(session, engine, [new])
    item.incident_id = new.id
    item.merge_explanation = None
    session.add(item)
    session.flush()
    rest = session.exec(select(Item).where(Item.incident_id == incident.id).order_by(col(Item.received_at))).all()
    triages = engine.triage_many([item_input(i) for i in rest])
    sigs = [t.signature() for t in triages]
    rebuilt = reduce(merge, sigs[1:], sigs[0])
    incident.signature = {**signatures.to_json(rebuilt), "spread": spread_tally(engine, triages).to_json()}
    incident.last_seen = rebuilt.last_seen
    session.add(incident)
    session.exec(delete(IncidentPlace).where(col(IncidentPlace.incident_id) == incident.id))
    add_places(session, id_of(incident), signatures.places(rebuilt))
    return new
