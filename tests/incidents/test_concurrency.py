"""Two liaisons claiming the same incident at the same instant: exactly one claim wins, the
other gets 409 — on SQLite (guarded update) as on PostgreSQL (row lock)."""

from __future__ import annotations

from service.auth.rules import Principal, Role
from service.incidents import service as wf
from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, MISHAN, SCJ, detail, race
from tests.support.factories import incident


def test_simultaneous_claims_one_wins(client, settings) -> None:
    iid = incident(client, "1", ESTATE)
    assert client.post(f"/api/incidents/{iid}/transfer", headers=COORD,
                       json={"units": [MISHAN, SCJ], "note": "共同办理"}).status_code == 200
    viewers = [Principal(1, "liaison_mishan", Role.LIAISON, unit=MISHAN), Principal(2, "liaison_scj", Role.LIAISON, unit=SCJ)]
    outcomes = race(settings, viewers, lambda session, engine, viewer: wf.claim(
        session=session, engine=engine, viewer=viewer, incident_id=iid))
    assert sorted(map(str, outcomes.values())) == ["409", "done"]
    winner = next(u for u, o in outcomes.items() if o == "done")
    d = detail(client, iid)
    assert d["incident"]["claimed_by"] == winner
    assert [a["actor"] for a in d["audit"] if a["action"] == "incident.claimed"] == [winner]
