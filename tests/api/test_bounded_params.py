"""Issue 12 row 12: bounded integers and strict dates everywhere — ids of 2^63 in every path,
offsets past 2^53, dates such as `to=0` or year 1 — are a 404 or a 422 with both languages,
never a 500, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest

from service.core.inputs import DATE_MAX, DATE_MIN, ID_MAX, MAX_INT, parse_date
from tests.conftest import COORD

HUGE = [2**63, 2**63 - 1, 2**64, MAX_INT, ID_MAX + 1]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def id_routes(client) -> list[tuple[str, str]]:
    """Routes whose path parameters are all integers (ids, years): not {kind} nor a unit's name."""
    paths = client.app.openapi()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() if "{" in p for m, op in ops.items()
            if all(q.get("schema", {}).get("type") == "integer" for q in op.get("parameters", []) if q["in"] == "path")]


def test_every_id_in_every_path_is_bounded(client) -> None:
    routes = id_routes(client)
    assert ("GET", "/api/incidents/{incident_id}") in routes and ("POST", "/api/alerts/{alert_id}/ack") in routes
    wrong = []
    for method, path in routes:
        def at(n: int, method: str = method, path: str = path):  # bound now: the loop moves on
            return client.request(method, re.sub(r"\{[^}]+\}", str(n), path), headers=COORD, json={})
        # a role refused outright (a coordinator may not claim) is told so before any id is read
        expected = {403} if at(1).status_code == 403 else {422}
        for n in HUGE:
            r = at(n)
            if r.status_code not in expected or not r.json()["error"]["en"]:
                wrong.append((method, path, n, r.status_code))
        if at(ID_MAX).status_code not in expected | {404}:  # the largest id allowed: simply not there
            wrong.append((method, path, ID_MAX, at(ID_MAX).status_code))
    assert wrong == []
    assert sum(client.get(f"/api/incidents/{n}", headers=COORD).status_code == 422 for n in HUGE) == len(HUGE)


@pytest.mark.parametrize("path", ["/api/incidents", "/api/reviews/queue", "/api/supervision"])
def test_offsets_are_bounded(client, path) -> None:
    assert client.get(path, params={"offset": 2**63}, headers=COORD).status_code == 422
    assert client.get(path, params={"offset": -1}, headers=COORD).status_code == 422
    assert client.get(path, params={"offset": MAX_INT}, headers=COORD).status_code == 200


def test_a_merge_with_a_huge_id_is_refused(client) -> None:
    for n in (2**63, ID_MAX + 1):
        r = client.post("/api/incidents/1/merge", json={"other_incident_id": n}, headers=COORD)
        assert r.status_code == 422 and "other_incident_id" in r.json()["error"]["en"]


REPORTS = ["/api/reports/summary", "/api/reports/export.csv", "/api/reports/export.xlsx",
           "/api/reports/chart/units.svg"]
BAD_DATES = ["0", "1", "0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "2026-1-1", "20261201",
             "2026-W48-1", "2026-02-30", "2026-12-01T00:00:00", " 2026-12-01", "1733011200"]


@pytest.mark.parametrize("path", REPORTS)
def test_report_dates_are_strict(client, path) -> None:
    for name in ("from", "to"):
        for bad in BAD_DATES:
            r = client.get(path, params={name: bad}, headers=COORD)
            assert r.status_code == 422, (name, bad, r.status_code)
            assert "YYYY-MM-DD" in r.json()["error"]["en"] or "between" in r.json()["error"]["en"] \
                or "no such day" in r.json()["error"]["en"], r.json()
    assert client.get(path, params={"from": "2026-11-01", "to": "2026-12-01"}, headers=COORD).status_code == 200


def test_digest_day_is_strict(client) -> None:
    for bad in BAD_DATES:
        assert client.get("/api/digests", params={"day": bad}, headers=COORD).status_code == 422, bad
    assert client.get("/api/digests", params={"day": "2026-12-01"}, headers=COORD).json() == []


def test_month_is_strict(client) -> None:
    for bad in ["0", "0001-01", "2026-13", "2026-1", "9999-12"]:
        assert client.get("/api/reports/monthly", params={"month": bad}, headers=COORD).status_code == 422, bad


def test_parse_date_takes_only_iso_dates_in_range() -> None:
    assert parse_date("2026-12-01").isoformat() == "2026-12-01"
    assert parse_date(DATE_MIN.isoformat()) == DATE_MIN and parse_date(DATE_MAX.isoformat()) == DATE_MAX
    for bad in [*BAD_DATES, 0, 20261201, None]:
        with pytest.raises(ValueError):
            parse_date(bad)


@pytest.mark.parametrize("query", ["topic=a%00b", "unit=%00", "region=%00", "view=all&topic=%00"])
def test_a_nul_in_the_query_string_is_refused(client, query) -> None:
    r = client.get(f"/api/incidents?{query}", headers=COORD)  # was a 500 on PostgreSQL
    assert r.status_code == 422 and "NUL" in r.json()["error"]["en"] and r.json()["error"]["zh"]
    assert client.get("/api/incidents?topic=%2500", headers=COORD).status_code == 200  # a literal "%00" is text
