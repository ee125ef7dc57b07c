"""Keyset pages of the incident list and the board (issue 18 b), on SQLite and PostgreSQL:
following the cursor gives the whole list in its order once, with no row twice and none
skipped while rows arrive and change between pages; a cursor that is not one the API wrote
(or one of the other order) is a 422 in Chinese and English; each viewer's scope holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, update

from service.core.db import session_scope
from service.incidents.cursor import Cursor, encode
from service.incidents.models import Clock, Incident, IncidentUnit
from service.incidents.units import unit_rows
from tests.conftest import COORD
from tests.support.factories import login

NOW = datetime.now(UTC).replace(microsecond=0)
MISHAN, HEXI = "米山镇", "河西镇"


def add(url: str, town: str, *, due_hours: float | None, claimed: bool = False) -> int:
    """An open incident of `town`'s government with a response clock due in `due_hours`
    (None: no open clock), claimed or not; the rows as processing writes them."""
    gov = f"{town}人民政府"
    with session_scope(url) as session:
        incident = Incident(topic="环境保护", severity="一般", status="claimed" if claimed else "unclaimed",
                            scope="single", level_region=town, first_responsible=[gov], regions=[town],
                            received_at=NOW, last_seen=NOW, created_at=NOW,
                            claimed_by="liaison_mishan" if claimed else None, claimed_at=NOW if claimed else None)
        session.add(incident)
        session.flush()
        assert incident.id is not None
        session.add_all(IncidentUnit(incident_id=incident.id, unit=u, role=r)
                        for u, r in unit_rows(town, [town], [gov], [], None))
        if due_hours is not None:
            session.add(Clock(incident_id=incident.id, kind="response", label="回应", started_at=NOW,
                              due_at=NOW + timedelta(hours=due_hours)))
        session.commit()
        return incident.id


@pytest.fixture
def rows(settings) -> list[int]:
    url = settings.database_url
    dues = [5, 1, None, 3, 3, 3, -2, None, 8, 1, 30, None]  # ties on 3 h and 1 h, three with nothing running
    return [add(url, MISHAN if n % 3 else HEXI, due_hours=d, claimed=n % 4 == 0) for n, d in enumerate(dues)]


def board_pages(client, headers=COORD, **params) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        r = client.get("/api/board", params={"view": "all", "limit": 5, **params,
                                             **({"cursor": cursor} if cursor else {})}, headers=headers)
        assert r.status_code == 200, r.text
        pages.append([i["id"] for i in r.json()["incidents"]])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20


def list_pages(client, headers=COORD, **params) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        r = client.get("/api/incidents", params={"limit": 4, **params, **({"cursor": cursor} if cursor else {})},
                       headers=headers)
        assert r.status_code == 200, r.text
        pages.append([i["id"] for i in r.json()])
        cursor = r.headers.get("X-Next-Cursor")
        if cursor is None:
            return pages
        assert len(pages) < 20


def whole(pages: list[list[int]]) -> list[int]:
    return [i for p in pages for i in p]


@pytest.mark.parametrize("order", ["breach", "newest"])
def test_cursor_pages_are_the_whole_list_in_its_order(client, rows, order) -> None:
    one = client.get("/api/board", params={"view": "all", "order": order, "limit": 200}, headers=COORD).json()
    expected = [i["id"] for i in one["incidents"]]
    assert sorted(expected) == sorted(rows) and one["next_cursor"] is None
    pages = board_pages(client, order=order)
    assert whole(pages) == expected
    assert [len(p) for p in pages] == [5, 5, 2]
    listed = client.get("/api/incidents", params={"order": order, "limit": 200}, headers=COORD).json()
    assert whole(list_pages(client, order=order)) == [i["id"] for i in listed] == expected
    if order == "newest":
        assert expected == sorted(rows, reverse=True)
    else:  # soonest due first (the claim's lapse counts for the claimed), nothing running last, ties newest first
        nothing = [rows[2], rows[7], rows[11]]
        assert expected[-3:] == sorted(nothing, reverse=True)
        assert expected.index(rows[6]) == 0  # overdue by 2 h
        assert expected.index(rows[5]) < expected.index(rows[3])  # same due time, unclaimed: the newer first


def test_no_row_twice_or_skipped_while_rows_change(client, settings, rows) -> None:
    url = settings.database_url
    params = {"view": "all", "status": "open", "limit": 5}
    r = client.get("/api/board", params=params, headers=COORD).json()
    seen, cursor = [i["id"] for i in r["incidents"]], r["next_cursor"]
    later = [i for i in rows if i not in seen]
    # between two pages: arrivals due first (before the cursor) and due last; a row already
    # shown falls due sooner; a row not shown yet has its clock met (it moves to the end), another is closed
    early, late = add(url, MISHAN, due_hours=-10), add(url, MISHAN, due_hours=500)
    met, closed = later[0], later[1]
    with session_scope(url) as session:
        session.execute(update(Clock).where(col(Clock.incident_id) == seen[-1]).values(due_at=NOW - timedelta(hours=20)))
        session.execute(update(Clock).where(col(Clock.incident_id) == met).values(met_at=NOW))
        session.execute(update(Incident).where(col(Incident.id) == closed).values(status="closed"))
        session.commit()
    while cursor:
        page = client.get("/api/board", params={**params, "cursor": cursor}, headers=COORD).json()
        seen += [i["id"] for i in page["incidents"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen))  # no row twice
    assert set(rows) - {closed} <= set(seen)  # none skipped, the moved one included
    assert closed not in seen and late in seen
    assert early not in seen  # an arrival before the cursor waits for the next first page


def test_newest_pages_take_no_arrival_twice(client, settings, rows) -> None:
    r = client.get("/api/incidents", params={"limit": 4}, headers=COORD)
    first = [i["id"] for i in r.json()]
    add(settings.database_url, MISHAN, due_hours=1)  # the newest, above the first page
    rest = whole(list_pages(client, cursor=r.headers["X-Next-Cursor"]))
    assert first + rest == sorted(rows, reverse=True)


def test_an_invalid_cursor_is_refused_in_both_languages(client, rows) -> None:
    newest = encode(Cursor("newest", None, rows[-1]))
    for bad, path, params in [
        ("not-a-cursor!", "/api/incidents", {}), ("W10", "/api/incidents", {}),  # "[]"
        (newest, "/api/board", {"order": "breach"}),  # a cursor of the other order
        (encode(Cursor("breach", float("nan"), 5)).replace("NaN", "1e999"), "/api/board", {}),
        (newest, "/api/incidents", {"offset": 4}),  # a cursor and an offset
        ("eyJhIjoxfQ", "/api/board", {"order": "newest"}),  # {"a":1}
    ]:
        r = client.get(path, params={"cursor": bad, **params}, headers=COORD)
        assert r.status_code == 422, (bad, r.text)
        error = r.json()["error"]
        assert error["zh"] and error["en"] and error["zh"] != error["en"], error
    assert client.get("/api/incidents", params={"cursor": newest}, headers=COORD).status_code == 200


def test_pages_keep_the_viewers_scope(client, rows) -> None:
    mishan = login(client, "liaison_mishan")
    expected = {rows[n] for n in range(len(rows)) if n % 3}  # 米山镇's incidents only
    for order in ("breach", "newest"):
        assert set(whole(list_pages(client, mishan, order=order))) == expected
        pages = board_pages(client, mishan, view="unclaimed", order=order)
        assert set(whole(pages)) == {rows[n] for n in range(len(rows)) if n % 3 and n % 4}
    # a cursor names a place in the order, not a scope: the 河西镇 rows stay out after it
    cursor = encode(Cursor("newest", None, max(rows) + 1))
    got = client.get("/api/incidents", params={"cursor": cursor, "limit": 100}, headers=mishan).json()
    assert {i["id"] for i in got} == expected


def test_the_snapshot_is_a_bounded_first_page_with_the_counts_of_all(client, settings, rows) -> None:
    snap = client.get("/api/dashboard/snapshot", params={"limit": 4}, headers=COORD).json()
    # the soonest due open clock first (no claim lapse here: the rows carry their stored clocks)
    assert [i["id"] for i in snap["incidents"]] == [rows[6], rows[1], rows[9], rows[3]]  # ties: the older clock first
    assert snap["truncated"] is True and snap["newest_id"] == max(rows)
    assert snap["counts"] == {"open": 12, "by_severity": {"一般": 12}}
    everything = client.get("/api/dashboard/snapshot", params={"limit": 100}, headers=COORD).json()
    ids = [i["id"] for i in everything["incidents"]]
    assert everything["truncated"] is False and sorted(ids) == sorted(rows)
    assert ids[-3:] == [rows[11], rows[7], rows[2]]  # nothing running: last, newest first
    mishan = client.get("/api/dashboard/snapshot", params={"limit": 100}, headers=login(client, "liaison_mishan"))
    assert {i["id"] for i in mishan.json()["incidents"]} == {rows[n] for n in range(len(rows)) if n % 3}
    assert mishan.json()["counts"]["open"] == 8
