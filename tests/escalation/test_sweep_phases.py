"""The sweep's guards, its loop, the next-rung time it keeps on each clock, and the lock that
keeps two processes from sweeping one database at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from service.core.db import MIGRATIONS, session_scope
from service.core.metrics import SWEEP_PHASE_FAILURES
from service.escalation import sweep
from service.escalation.ladder import due_clocks
from service.escalation.sweeper import Sweeper, run_sweeps, single_flight
from service.incidents.models import Clock, EscalationStep, Incident
from tests.conftest import METRICS
from tests.escalation.test_sweep import RECEIVED, make_incident, steps
from tests.support.factories import login

H = timedelta(hours=1)


def failures(phase: str) -> float:
    return SWEEP_PHASE_FAILURES.labels(phase)._value.get()


def response_clock(settings, incident: int) -> Clock:
    with session_scope(settings.database_url) as s:
        return s.exec(select(Clock).where(Clock.incident_id == incident, Clock.kind == "response")).one()


def test_a_failing_phase_is_counted_and_escalation_still_fires(client, settings, monkeypatch) -> None:
    incident = make_incident(client)

    def broken(*_a) -> int:
        raise RuntimeError("recovery is broken")

    monkeypatch.setattr(sweep, "_recovery", broken)
    before = failures("recovery")
    done = sweep.sweep_once(settings, RECEIVED + 30 * H)
    assert done["failed"] == ["recovery"]
    assert done["escalations"] == 1 and steps(settings, incident) == [("response", "warn_50")]
    assert failures("recovery") == before + 1
    assert 'yuqing_sweep_phase_failures_total{phase="recovery"}' in client.get("/metrics", headers=METRICS).text
    assert run_sweeps(settings) == 1  # once: every phase ran, the exit says one failed


def test_one_bad_clock_does_not_stop_the_others(client, settings) -> None:
    """A real bad row: a clock without a span has no ladder; the good clocks still fire."""
    good = make_incident(client)
    with session_scope(settings.database_url) as s:
        bad = s.exec(select(Clock).where(Clock.incident_id == good, Clock.kind == "response")).one()
        s.add(Clock(incident_id=good, kind="broken", label="坏", started_at=RECEIVED, due_at=RECEIVED))
        s.commit()
    done = sweep.sweep_once(settings, RECEIVED + 73 * H)
    assert done["failed"] == [] and [st for k, st in steps(settings, good) if k == bad.kind] == \
        ["warn_50", "warn_80", "urge", "supervise"]
    with session_scope(settings.database_url) as s:
        broken = s.exec(select(Clock).where(Clock.kind == "broken")).one()
    assert broken.next_due_at is None  # put to rest, not looked at again


def test_the_loop_goes_on_after_a_failing_pass(client, settings, monkeypatch) -> None:
    incident = make_incident(client)  # received months ago: every rung is due at today's time
    real, calls = sweep.sweep_once, []

    def flaky(s, now=None):
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(s, now)

    monkeypatch.setattr(sweep, "sweep_once", flaky)
    before = failures("pass")
    loop = Sweeper(settings, every=0.05)
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while loop.passes < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        loop.stop()
        thread.join(10)
    assert not thread.is_alive() and loop.passes >= 2 and failures("pass") == before + 1
    assert [st for k, st in steps(settings, incident) if k == "response"] == ["warn_50", "warn_80", "urge", "supervise"]


def test_each_clock_keeps_its_next_rung(client, settings) -> None:
    incident = make_incident(client)
    assert response_clock(settings, incident).next_due_at == RECEIVED  # new: looked at by the next pass
    sweep.sweep_once(settings, RECEIVED + H)
    assert response_clock(settings, incident).next_due_at == RECEIVED + 24 * H  # warn_50 of 48 h
    with session_scope(settings.database_url) as s:  # only what is due is read
        assert due_clocks(s, RECEIVED + 23 * H) == []
        assert [c.kind for c in due_clocks(s, RECEIVED + 24 * H)] == ["response"]
    sweep.sweep_once(settings, RECEIVED + 30 * H)
    assert response_clock(settings, incident).next_due_at == RECEIVED + 38.4 * H  # warn_80
    me = login(client, "liaison_mishan")  # 米山镇人民政府 handles it
    assert client.post(f"/api/incidents/{incident}/claim", headers=me).status_code == 200
    assert client.post(f"/api/incidents/{incident}/respond", headers=me,
                       json={"channel": "政府网站", "text": "已核查整改"}).status_code == 200
    assert response_clock(settings, incident).next_due_at is None  # met: never looked at again
    sweep.sweep_once(settings, RECEIVED + 73 * H)
    assert [st for k, st in steps(settings, incident) if k == "response"] == ["warn_50"]


def test_a_closed_incident_is_put_to_rest(client, settings) -> None:
    incident = make_incident(client)
    with session_scope(settings.database_url) as s:
        row = s.get(Incident, incident)
        row.status = "closed"
        s.add(row)
        s.commit()
    assert sweep.sweep_once(settings, RECEIVED + 73 * H)["escalations"] == 0
    assert response_clock(settings, incident).next_due_at is None
    with session_scope(settings.database_url) as s:
        assert s.exec(select(EscalationStep)).all() == []


def probe(url: str) -> bool:
    with single_flight(url) as mine:
        return mine


HOLDER = """
import sys, time
from service.escalation.sweeper import single_flight
with single_flight(sys.argv[1]) as mine:
    print("held" if mine else "busy", flush=True)
    time.sleep(600)
"""


def test_one_sweeper_at_a_time_and_a_killed_holder_frees_the_lock(settings) -> None:
    url = settings.database_url
    from service.core.db import migrate

    migrate(url)  # the SQLite file exists, as it does beside a server
    with single_flight(url) as first:
        assert first
        seen: list[bool] = []
        other = threading.Thread(target=lambda: seen.append(probe(url)))
        other.start()
        other.join()
        assert seen == [False]  # another connection / file description: refused, not waiting
    assert probe(url)  # released
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert not probe(url)  # another process sweeps
        holder.kill()  # SIGKILL: no clean-up runs in the holder
        holder.wait(10)
        deadline = time.monotonic() + 10
        while not probe(url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert probe(url)
    finally:
        holder.kill()


@pytest.mark.parametrize("every", [0])
def test_sweep_seconds_zero_or_redis_means_no_embedded_sweeper(settings, every) -> None:
    from service.escalation.sweeper import embedded_sweeper

    assert embedded_sweeper(settings.model_copy(update={"sweep_seconds": every})) is None
    assert embedded_sweeper(settings.model_copy(update={"sweep_seconds": 5, "redis_url": "redis://x"})) is None


@pytest.mark.empty_database
def test_migration_0007_places_the_clocks_already_there(database_url) -> None:
    """A database from before next_due_at: unmet clocks get their next rung (the rungs they
    fired count), met ones stay NULL."""

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from service.core.db import get_engine

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0006")
    at = RECEIVED.replace(tzinfo=None) if database_url.startswith("sqlite") else RECEIVED
    with get_engine(database_url).begin() as conn:
        conn.execute(text("INSERT INTO incident (id, topic, severity, status, scope, vertical, emergency, "
                          "verification_request, level_region, first_responsible, co_responsible, coordinators, "
                          "reasons, regions, departments, received_at, last_seen, created_at, signature) VALUES "
                          "(1, '城市综合执法', '一般', 'unclaimed', 'single', false, false, false, '米山镇', '[]', '[]', "
                          "'[]', '[]', '[]', '[]', :t, :t, :t, '{}')"), {"t": at})
        for cid, kind, met in ((1, "response", None), (2, "feedback", at)):
            conn.execute(text("INSERT INTO clock (id, incident_id, kind, label, started_at, due_at, met_at) "
                              "VALUES (:id, 1, :k, :k, :s, :d, :m)"),
                         {"id": cid, "k": kind, "s": at, "d": at + 48 * H, "m": met})
        conn.execute(text("INSERT INTO escalation_step (clock_id, incident_id, step, label, due_at, fired_at, "
                          "recipients) VALUES (1, 1, 'warn_50', '提醒', :t, :t, '[]')"), {"t": at + 24 * H})
    command.upgrade(cfg, "head")
    with session_scope(database_url) as s:
        placed = {c.kind: c.next_due_at for c in s.exec(select(Clock))}
    assert placed == {"response": RECEIVED + 38.4 * H, "feedback": None}  # warn_50 fired: warn_80 next
