"""Two reviewers reviewing the same response at the same instant: exactly one review is
written, the other gets 409 — the incident's row lock (PostgreSQL) or the unique constraint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.auth.rules import Principal, Role
from service.review import service as rv
from tests.incidents.helpers import ESTATE, MISHAN, detail, race
from tests.review.helpers import responded


def test_simultaneous_reviews_one_lands(client, settings) -> None:
    iid = responded(client, "1", ESTATE, "liaison_mishan", datetime.now(UTC) - timedelta(hours=1))
    viewers = [Principal(1, "reviewer_gaoping", Role.REVIEWER, unit="中共高平市委宣传部", region="高平市"),
               Principal(2, "admin", Role.ADMIN)]
    outcomes = race(settings, viewers, lambda session, engine, viewer: rv.review(
        session=session, engine=engine, viewer=viewer, incident_id=iid,
        judgement=rv.Judgement(unit=MISHAN, accuracy=80, authority=80, handling=80)))
    assert sorted(map(str, outcomes.values())) == ["409", "done"]
    winner = next(u for u, o in outcomes.items() if o == "done")
    assert [a["actor"] for a in detail(client, iid)["audit"] if a["action"] == "incident.reviewed"] == [winner]
