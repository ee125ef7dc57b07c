"""Incidents opened before the duties existed (migration 0015) get theirs, once: made the legacy
way (the duty rows and their clocks taken away, the incident's own claim and response as the old
workflow left them), then backfilled by the service, the sweep and the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlmodel import col, select

from service.core.db import session_scope
from service.escalation.sweep import sweep_once
from service.incidents.duty_backfill import backfill_duties
from service.incidents.models import Clock, EscalationStep, Incident, IncidentDuty, Response
from service.incidents.runtime import load_engine
from tests.incidents.helpers import ESTATE, MISHAN, detail
from tests.incidents.test_duties_api import ANSWER, GAJ, JYJ, OFFICE, TWO, duties, liaisons
from tests.support.factories import incident, login


def make_legacy(settings, iid: int, *, responded: bool = False) -> None:
    """The incident as it was before 0015: no duty rows, no duty clocks; answered, its one
    response met the incident (status, responded_at, its own clocks)."""
    with session_scope(settings.database_url) as s:
        own = [c for c in s.exec(select(Clock).where(Clock.incident_id == iid)).all()
               if c.kind.startswith("duty:") or c.kind == "party_report"]
        s.execute(delete(EscalationStep).where(col(EscalationStep.clock_id).in_([c.id for c in own])))
        s.execute(delete(IncidentDuty).where(col(IncidentDuty.incident_id) == iid))
        s.execute(delete(Clock).where(col(Clock.id).in_([c.id for c in own])))
        if responded:
            at = s.exec(select(Response.at).where(Response.incident_id == iid)).one()
            s.execute(update(Incident).where(col(Incident.id) == iid).values(status="responded", responded_at=at))
            s.execute(update(Clock).where(col(Clock.incident_id) == iid, or_(
                col(Clock.kind) == "response", col(Clock.kind) == "feedback")).values(met_at=at, next_due_at=None))
        s.commit()


def backfill(settings, now: datetime | None = None, limit: int = 200) -> int:
    with session_scope(settings.database_url) as s:
        done = backfill_duties(s, load_engine(settings, s), now or datetime.now(UTC), limit)
        s.commit()
    return done


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def state(client, iid: int) -> list[tuple]:
    return [(u, d["role"], d["status"], d["claimed_by"], d["met_unit"], d["met_at"]) for u, d in duties(client, iid).items()]


def test_legacy_unclaimed_and_claimed_incidents_get_their_duties_once(client, settings) -> None:
    _, gaj = liaisons(client, settings)
    open_ = incident(client, "1", TWO)
    claimed = incident(client, "2", TWO.replace("校园欺凌", "学生打架"))
    assert open_ != claimed
    assert client.post(f"/api/incidents/{claimed}/claim", headers=gaj).status_code == 200  # the old, one claim
    for iid in (open_, claimed):
        make_legacy(settings, iid)
        assert duties(client, iid) == {}
    assert backfill(settings) == 2
    assert [(u, r, s) for u, r, s, *_ in state(client, open_)] == [(JYJ, "lead", "open"), (GAJ, "first", "open")]
    claimed_duties = duties(client, claimed)
    inc = detail(client, claimed)["incident"]
    assert (claimed_duties[GAJ]["status"], claimed_duties[GAJ]["claimed_by"]) == ("claimed", "liaison_gaj")
    assert at(claimed_duties[GAJ]["claimed_at"]) == at(inc["claimed_at"]) and claimed_duties[JYJ]["status"] == "open"
    clocks = {c["kind"]: c for c in detail(client, open_)["clocks"]}
    for unit, duty in duties(client, open_).items():  # each duty's own clock, open
        assert clocks[duty["clock_kind"]]["unit"] == unit and clocks[duty["clock_kind"]]["met_at"] is None
    entry = [a for a in detail(client, claimed)["audit"] if a["action"] == "incident.duties_backfilled"]
    assert len(entry) == 1 and entry[0]["detail"]["duties"] == [
        {"unit": JYJ, "role": "lead", "status": "open"}, {"unit": GAJ, "role": "first", "status": "claimed"}]
    before = [state(client, i) for i in (open_, claimed)]
    assert backfill(settings) == 0  # idempotent: nothing changes
    assert [state(client, i) for i in (open_, claimed)] == before
    assert len([a for a in detail(client, claimed)["audit"] if a["action"] == "incident.duties_backfilled"]) == 1


def test_a_legacy_answer_meets_every_answering_duty_and_nothing_escalates(client, settings) -> None:
    _, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    client.post(f"/api/incidents/{iid}/claim", headers=gaj)
    assert client.post(f"/api/incidents/{iid}/respond", headers=gaj, json=ANSWER).status_code == 200
    make_legacy(settings, iid, responded=True)
    responded_at = at(detail(client, iid)["incident"]["responded_at"])
    assert backfill(settings) == 1
    d = duties(client, iid)
    assert [(x["status"], x["met_unit"], x["met_by"], at(x["met_at"])) for x in d.values()] == [
        ("met", GAJ, "liaison_gaj", responded_at)] * 2
    assert d[JYJ]["answer"]["text"] == ANSWER["text"] and d[GAJ]["answer"]["text"] == ANSWER["text"]
    clocks = {c["kind"]: c for c in detail(client, iid)["clocks"]}
    assert all(at(clocks[x["clock_kind"]]["met_at"]) == responded_at for x in d.values())
    sweep_once(settings, datetime.now(UTC) + timedelta(days=5))  # long past every deadline
    with session_scope(settings.database_url) as s:
        fired = s.exec(select(Clock.kind).join(EscalationStep, col(EscalationStep.clock_id) == Clock.id)
                       .where(Clock.incident_id == iid)).all()
    answered = {"response", *(x["clock_kind"] for x in d.values())}  # follow-ups are other clocks: they may fire
    assert set(fired) & answered == set() and len(answered) == 3
    assert detail(client, iid)["incident"]["status"] == "responded"


def test_the_party_report_of_an_answered_especially_major_incident_stays_open(client, settings) -> None:
    iid = incident(client, "1", ESTATE, severity="特别重大")
    mishan = login(client, "liaison_mishan")
    client.post(f"/api/incidents/{iid}/claim", headers=mishan)
    assert client.post(f"/api/incidents/{iid}/respond", headers=mishan, json=ANSWER).status_code == 200
    make_legacy(settings, iid, responded=True)
    assert backfill(settings) == 1
    d = duties(client, iid)
    assert (d[MISHAN]["role"], d[MISHAN]["status"], d[MISHAN]["met_unit"]) == ("first", "met", MISHAN)
    assert (d[OFFICE]["role"], d[OFFICE]["status"], d[OFFICE]["met_at"]) == ("party_report", "open", None)
    assert {c["kind"]: c for c in detail(client, iid)["clocks"]}["party_report"]["met_at"] is None


def test_an_incident_routing_gives_no_duty_is_marked_and_not_taken_again(client, settings) -> None:
    iid = incident(client, "1", ESTATE)
    closed = incident(client, "2", TWO)
    make_legacy(settings, iid)
    make_legacy(settings, closed)
    with session_scope(settings.database_url) as s:
        s.execute(update(Incident).where(col(Incident.id) == iid).values(first_responsible=[], co_responsible=[],
                                                                        lead=None))
        s.execute(update(Incident).where(col(Incident.id) == closed).values(status="closed"))
        s.commit()
    assert backfill(settings) == 1  # the closed one is left alone
    entry = [a for a in detail(client, iid)["audit"] if a["action"] == "incident.duties_backfilled"]
    assert len(entry) == 1 and entry[0]["detail"]["duties"] == []
    assert backfill(settings) == 0 and duties(client, iid) == {} and duties(client, closed) == {}


def test_the_sweep_backfills_in_batches(client, settings) -> None:
    ids = [incident(client, str(n), text) for n, text in enumerate((ESTATE, TWO))]
    for iid in ids:
        make_legacy(settings, iid)
    assert backfill(settings, limit=1) == 1  # a batch at a time
    done = sweep_once(settings)
    assert done["duties_backfilled"] == 1 and done["failed"] == []
    assert sweep_once(settings)["duties_backfilled"] == 0
    assert all(duties(client, iid) for iid in ids)


def test_the_cli_backfills_and_says_how_many(client, settings) -> None:
    ids = [incident(client, str(n), text) for n, text in enumerate((ESTATE, TWO))]
    for iid in ids:
        make_legacy(settings, iid)
    env = {**os.environ, "DATABASE_URL": settings.database_url}
    run = [sys.executable, "-m", "service.cli", "incidents", "backfill-duties", "--batch", "1"]
    first = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "已补写职责的事件 2 件" in first.stdout
    again = subprocess.run(run, capture_output=True, text=True, env=env, timeout=120)
    assert again.returncode == 0 and "已补写职责的事件 0 件" in again.stdout
    assert all(duties(client, iid) for iid in ids)
