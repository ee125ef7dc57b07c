"""The escalation sweep: ladder rungs fire once, only while the clock is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from service.core.bus import subscribe_local
from service.core.db import session_scope
from service.core.events import to_message
from service.escalation.sweep import sweep_once
from service.incidents.models import Clock, EscalationStep
from tests.conftest import COORD
from tests.support import factories

RECEIVED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 Beijing


def make_incident(client) -> int:
    return factories.incident(client, "1", "米山镇凤凰小区烧烤店油烟扰民", RECEIVED)


def steps(settings, incident_id: int) -> list[tuple[str, str]]:
    with session_scope(settings.database_url) as s:
        rows = s.exec(select(Clock.kind, EscalationStep.step).join(Clock, Clock.id == EscalationStep.clock_id)
                      .where(EscalationStep.incident_id == incident_id).order_by(EscalationStep.id)).all()
    return [tuple(r) for r in rows]


def test_ladder_fires_in_order_and_never_twice(client, settings) -> None:
    incident = make_incident(client)
    events: list[dict] = []
    unsubscribe = subscribe_local(lambda e: events.append(to_message(e)))  # as Redis carries it
    try:
        assert sweep_once(settings, RECEIVED + timedelta(hours=23))["escalations"] == 0
        sweep_once(settings, RECEIVED + timedelta(hours=30))  # response (48 h) past 50 %
        assert steps(settings, incident) == [("response", "warn_50")]
        sweep_once(settings, RECEIVED + timedelta(hours=30))  # a rerun adds nothing
        assert steps(settings, incident) == [("response", "warn_50")]
        sweep_once(settings, RECEIVED + timedelta(hours=73))  # late sweep: every missed rung
        response = [s for k, s in steps(settings, incident) if k == "response"]
        assert response == ["warn_50", "warn_80", "urge", "supervise"]
    finally:
        unsubscribe()
    escalations = [e for e in events if e["type"] == "escalation" and e["step"] == "supervise"]
    assert escalations and escalations[0]["recipients"] == ["高平市人民政府主要负责人"]  # the level above 米山镇
    assert escalations[0]["recipients"]
    audit = client.get(f"/api/incidents/{incident}", headers=COORD).json()["audit"]
    assert sum(a["action"] == "escalation.urge" for a in audit) == 1


def test_met_clock_does_not_escalate(client, settings) -> None:
    incident = make_incident(client)
    with session_scope(settings.database_url) as s:
        for clock in s.exec(select(Clock).where(Clock.incident_id == incident)):
            clock.met_at = RECEIVED + timedelta(hours=1)
            s.add(clock)
        s.commit()
    assert sweep_once(settings, RECEIVED + timedelta(days=30))["escalations"] == 0
    assert steps(settings, incident) == []
