"""incident.open_due_at (migration 0016) on SQLite and PostgreSQL: the triggers on clock keep it
equal to the earliest due time of the incident's open clocks through every kind of clock write
(ORM, Core executemany, retiming, met, reopened, moved to another incident, deleted), and the
board's next-breach order read from it (service.incidents.breach) is the order of the key
computed from the clocks and the claim's lapse, over cursor pages, offsets and every tab."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, update
from sqlmodel import col

from service.core.db import session_scope
from service.incidents.models import Clock, Incident, IncidentUnit
from service.incidents.units import unit_rows
from tests.support.factories import login
from tests.support.open_due import assert_open_due_consistent, open_due_mismatches

NOW = datetime.now(UTC).replace(microsecond=0)
CLAIM_HOURS = 4.0  # the demo policy's claim_timeout_hours
WHO = "coordinator_gaoping"  # sees 米山镇; the 我的 tab holds what he claimed


def _incident(session, *, claimed_hours_ago: float | None = None, by: str = "liaison_mishan") -> int:
    gov, town = "米山镇人民政府", "米山镇"
    at = NOW - timedelta(hours=claimed_hours_ago) if claimed_hours_ago is not None else None
    incident = Incident(topic="环境保护", severity="一般", status="claimed" if at else "unclaimed", scope="single",
                        level_region=town, first_responsible=[gov], regions=[town], received_at=NOW, last_seen=NOW,
                        created_at=NOW, claimed_by=by if at else None, claimed_at=at)
    session.add(incident)
    session.flush()
    assert incident.id is not None
    session.add_all(IncidentUnit(incident_id=incident.id, unit=u, role=r)
                    for u, r in unit_rows(town, [town], [gov], [], None))
    return incident.id


def _stored(session, incident_id: int) -> datetime | None:
    return session.get(Incident, incident_id, populate_existing=True).open_due_at


def test_every_kind_of_clock_write_keeps_the_stored_earliest_due(settings) -> None:
    url = settings.database_url
    with session_scope(url) as session:
        a, b = _incident(session), _incident(session)
        session.commit()
        assert _stored(session, a) is None
        # ingest's way: one executemany of several clocks
        session.execute(insert(Clock), [
            {"incident_id": a, "kind": "response", "label": "回应", "started_at": NOW, "due_at": NOW + timedelta(hours=5)},
            {"incident_id": a, "kind": "feedback", "label": "反馈", "started_at": NOW, "due_at": NOW + timedelta(hours=2)},
            {"incident_id": b, "kind": "response", "label": "回应", "started_at": NOW, "due_at": NOW + timedelta(hours=9)}])
        assert (_stored(session, a), _stored(session, b)) == (NOW + timedelta(hours=2), NOW + timedelta(hours=9))
        session.execute(update(Clock).where(col(Clock.incident_id) == a, col(Clock.kind) == "feedback")
                        .values(met_at=NOW))  # met: the next one counts
        assert _stored(session, a) == NOW + timedelta(hours=5)
        clock = session.exec(Clock.__table__.select().where(Clock.incident_id == a, Clock.kind == "response")).one()
        orm = session.get(Clock, clock.id)
        orm.due_at = NOW + timedelta(hours=1)  # retimed through the ORM
        session.flush()
        assert _stored(session, a) == NOW + timedelta(hours=1)
        session.execute(update(Clock).where(col(Clock.incident_id) == a).values(met_at=None))  # reopened
        assert _stored(session, a) == NOW + timedelta(hours=1)
        session.execute(update(Clock).where(col(Clock.incident_id) == a, col(Clock.kind) == "feedback")
                        .values(incident_id=b))  # moved to b, as a merge moves them
        assert (_stored(session, a), _stored(session, b)) == (NOW + timedelta(hours=1), NOW + timedelta(hours=2))
        session.execute(update(Clock).where(col(Clock.incident_id) == b).values(next_due_at=NOW))  # a sweep's write
        assert _stored(session, b) == NOW + timedelta(hours=2)
        session.execute(delete(Clock).where(col(Clock.incident_id) == b, col(Clock.kind) != "response"))
        assert _stored(session, b) == NOW + timedelta(hours=9)
        session.execute(delete(Clock).where(col(Clock.incident_id) == a))
        assert _stored(session, a) is None
        assert open_due_mismatches(session) == {}
        session.commit()
    assert_open_due_consistent(url)


def _expected(session, ids: list[int]) -> list[int]:
    """The board's order from first principles: the earliest of the open clocks' due times and a
    claimed incident's claim lapse, nothing running last, ties newest first."""
    def key(incident_id: int) -> tuple:
        incident = session.get(Incident, incident_id)
        times = [c.due_at for c in session.exec(Clock.__table__.select().where(
            Clock.incident_id == incident_id, Clock.met_at == None))]  # noqa: E711
        if incident.status == "claimed" and incident.claimed_at is not None:
            times.append(incident.claimed_at + timedelta(hours=CLAIM_HOURS))
        return (0, min(times).timestamp(), -incident_id) if times else (1, 0, -incident_id)
    return sorted(ids, key=key)


def _pages(client, headers: dict, limit: int, **params) -> list[int]:
    out, cursor = [], None
    for _ in range(100):
        r = client.get("/api/board", params={"limit": limit, **params, **({"cursor": cursor} if cursor else {})},
                       headers=headers)
        assert r.status_code == 200, r.text
        out += [i["id"] for i in r.json()["incidents"]]
        if (cursor := r.json()["next_cursor"]) is None:
            return out
    raise AssertionError("pages without end")


@pytest.mark.parametrize("view", ["all", "unclaimed", "mine", "escalated"])
def test_the_board_order_from_the_stored_column_is_the_order_of_the_key(client, settings, view) -> None:
    rng = random.Random(16)
    headers = login(client, WHO)
    with session_scope(settings.database_url) as session:
        ids = []
        for n in range(40):
            # whole hours so ties are real: clock against clock, clock against a claim's lapse (claimed 4 h
            # before a clock due now), claim against claim; some with nothing running, some met
            claimed = rng.choice([None, None, 0.0, 2.0, 4.0, 6.0])
            i = _incident(session, claimed_hours_ago=claimed, by=rng.choice(["liaison_mishan", WHO]))
            for kind in rng.sample(["response", "feedback"], rng.choice([0, 1, 1, 2])):
                session.add(Clock(incident_id=i, kind=kind, label=kind, started_at=NOW,
                                  due_at=NOW + timedelta(hours=rng.choice([-3, -2, 0, 0, 2, 4])),
                                  met_at=NOW if rng.random() < 0.2 else None))
            if n % 7 == 0:
                session.flush()
                session.execute(update(Incident).where(col(Incident.id) == i).values(claim_expired_at=NOW))
            ids.append(i)
        session.commit()
        one = client.get("/api/board", params={"view": view, "limit": 200}, headers=headers).json()
        shown = [i["id"] for i in one["incidents"]]
        expected = _expected(session, shown)
    assert shown == expected and len(shown) > 3
    assert _pages(client, headers, 3, view=view) == _pages(client, headers, 7, view=view) == expected
    for offset in (0, 5, len(expected) - 1):
        r = client.get("/api/board", params={"view": view, "limit": 4, "offset": offset}, headers=headers).json()
        assert [i["id"] for i in r["incidents"]] == expected[offset:offset + 4]
