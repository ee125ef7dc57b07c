"""A unit's claim of its own duty lapses like the incident's (policy claim_timeout_hours): the
sweep opens the duty again, audits it, tells that unit's leaders and the coordinating office,
once — also with two sweepers at the same instant (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.auth.rules import Principal, Role
from service.core.bus import subscribe_local
from service.core.events import to_message
from service.escalation.sweep import sweep_once
from service.incidents.claims import expire_claims
from tests.incidents.helpers import detail, race
from tests.incidents.test_duties_api import ANSWER, GAJ, JYJ, OFFICE, TWO, duties, liaisons
from tests.support.factories import incident, login

LEADER = "高平市人民政府主要负责人"


def _two_claims(client, settings) -> tuple[int, dict, dict, dict]:
    """公安局 claims first (the incident's claimant) and answers; 教育局 claims its own duty."""
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    d = duties(client, iid)
    assert client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/claim", headers=gaj).status_code == 200
    assert client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/respond", headers=gaj, json=ANSWER).status_code == 200
    assert client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/claim", headers=jyj).status_code == 200
    assert detail(client, iid)["incident"]["claimed_unit"] == GAJ
    return iid, d, jyj, gaj


def test_another_units_lapsed_duty_claim_opens_again_and_escalates_once(client, settings) -> None:
    iid, d, jyj, _ = _two_claims(client, settings)
    events: list[dict] = []
    unsubscribe = subscribe_local(lambda e: events.append(to_message(e)))
    try:
        now = datetime.now(UTC)
        assert sweep_once(settings, now + timedelta(hours=3))["claims_expired"] == 0  # policy: 4 h
        assert duties(client, iid)[JYJ]["status"] == "claimed"
        assert sweep_once(settings, now + timedelta(hours=5))["claims_expired"] == 1
        assert sweep_once(settings, now + timedelta(hours=6))["claims_expired"] == 0  # idempotent
    finally:
        unsubscribe()
    after = duties(client, iid)
    assert (after[JYJ]["status"], after[JYJ]["claimed_by"], after[JYJ]["claimed_at"]) == ("open", None, None)
    assert after[GAJ]["status"] == "met"  # an answered duty is no claim: it stays
    inc = detail(client, iid)
    assert (inc["incident"]["status"], inc["incident"]["claimed_unit"]) == ("claimed", GAJ)  # the claimant answered
    entries = [a for a in inc["audit"] if a["action"] == "incident.duty_claim_expired"]
    assert len(entries) == 1 and not [a for a in inc["audit"] if a["action"] == "incident.claim_expired"]
    detail_ = entries[0]["detail"]
    assert (detail_["duty_id"], detail_["unit"], detail_["role"], detail_["claimed_by"]) == (
        d[JYJ]["id"], JYJ, "lead", "liaison_jyj")
    assert detail_["recipients"] == [LEADER, OFFICE] and detail_["claimed_at"]
    lapsed = [e for e in events if e["type"] == "escalation" and e.get("step") == "claim_expired"]
    assert len(lapsed) == 1 and lapsed[0]["recipients"] == [LEADER, OFFICE]
    assert lapsed[0]["expired_claim"]["duty_id"] == str(d[JYJ]["id"]) and lapsed[0]["expired_claim"]["unit"] == JYJ
    assert lapsed[0]["clock"] == d[JYJ]["clock_kind"]
    alerts = [a for a in client.get("/api/alerts", headers=login(client, "leader_gaoping")).json()
              if a["step"] == "claim_expired"]
    assert len(alerts) == 1 and alerts[0]["incident_id"] == iid and alerts[0]["clock"] == d[JYJ]["clock_kind"]
    assert "认领超时" in alerts[0]["label"]
    # claimable again by its unit
    assert client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/claim", headers=jyj).status_code == 200


def test_the_claimants_own_duty_lapses_with_the_incidents_claim_not_twice(client, settings) -> None:
    jyj, gaj = liaisons(client, settings)
    iid = incident(client, "1", TWO)
    d = duties(client, iid)
    client.post(f"/api/incidents/{iid}/duties/{d[GAJ]['id']}/claim", headers=gaj)  # the incident's claimant
    client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/claim", headers=jyj)
    assert sweep_once(settings, datetime.now(UTC) + timedelta(hours=5))["claims_expired"] == 2
    after = duties(client, iid)
    assert [after[u]["status"] for u in (JYJ, GAJ)] == ["open", "open"]
    actions = [a["action"] for a in detail(client, iid)["audit"] if "expired" in a["action"]]
    assert sorted(actions) == ["incident.claim_expired", "incident.duty_claim_expired"]
    entry = next(a for a in detail(client, iid)["audit"] if a["action"] == "incident.duty_claim_expired")
    assert entry["detail"]["unit"] == JYJ


def test_an_answered_or_fresh_duty_claim_does_not_lapse(client, settings) -> None:
    iid, d, jyj, _ = _two_claims(client, settings)
    client.post(f"/api/incidents/{iid}/duties/{d[JYJ]['id']}/respond", headers=jyj, json=ANSWER)
    assert sweep_once(settings, datetime.now(UTC) + timedelta(hours=5))["claims_expired"] == 0
    assert duties(client, iid)[JYJ]["status"] == "met"


def test_two_sweepers_at_once_expire_a_duty_claim_once(client, settings) -> None:
    iid, d, _, _ = _two_claims(client, settings)
    later = datetime.now(UTC) + timedelta(hours=5)
    sweepers = [Principal(0, "sweeper_a", Role.ADMIN), Principal(0, "sweeper_b", Role.ADMIN)]
    found: dict[str, int] = {}

    def sweep(session, engine, viewer) -> None:
        found[viewer.username] = len(expire_claims(session, engine, later))

    outcomes = race(settings, sweepers, sweep)
    assert outcomes == {"sweeper_a": "done", "sweeper_b": "done"}
    assert sorted(found.values()) == [0, 1]
    entries = [a for a in detail(client, iid)["audit"] if a["action"] == "incident.duty_claim_expired"]
    assert len(entries) == 1 and duties(client, iid)[JYJ]["status"] == "open"
