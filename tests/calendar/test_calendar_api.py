"""The working-day calendar over the real API (SQLite and PostgreSQL): seeded by migration 0011
from the `holidays` package, a missing year flagged to the admin, the admin's audited edits."""

from __future__ import annotations

from sqlmodel import select

from service.audit.models import AuditEntry
from service.calendar.models import CalendarEntry
from service.calendar.service import load_calendar
from service.core.db import session_scope
from tests.conftest import COORD, VIEWER
from tests.support.factories import login


def test_the_migration_seeds_the_official_years(client, settings) -> None:
    years = [y["year"] for y in client.get("/api/calendar", headers=VIEWER).json()["years"]]
    assert {2020, 2025, 2026} <= set(years)
    y2026 = client.get("/api/calendar/2026", headers=VIEWER).json()
    workdays = [d["day"] for d in y2026["days"] if d["kind"] == "workday"]
    assert workdays == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    assert y2026["source"].startswith("holidays ")
    with session_scope(settings.database_url) as s:
        cal = load_calendar(s)
    assert cal.is_working_day(__import__("datetime").date(2026, 10, 10))


def test_a_missing_year_is_flagged_to_the_admin_and_entered_by_hand(client, settings) -> None:
    admin = login(client, "admin")
    status = client.get("/api/calendar/status", headers=admin).json()
    assert 2027 not in status["years"]
    assert client.get("/api/calendar/status", headers=COORD).status_code == 403
    assert client.get("/api/calendar/2027", headers=VIEWER).status_code == 404
    r = client.post("/api/calendar/2027/seed", headers=admin)  # the package has no 2027 notice
    assert r.status_code == 409 and "2027" in r.json()["error"]["zh"]
    days = [{"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
            {"day": "2027-02-06", "kind": "workday", "name": "调休上班"}]
    r = client.put("/api/calendar/2027", headers=admin, json={"days": days})
    assert r.status_code == 200, r.text
    assert [d["day"] for d in r.json()["days"]] == ["2027-01-01", "2027-02-06"] and r.json()["source"] == "admin"
    status = client.get("/api/calendar/status", headers=admin).json()
    assert 2027 in status["years"] and 2027 not in status["missing"]
    with session_scope(settings.database_url) as s:
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "calendar.year_set")).all()
        assert [(a.actor, a.detail["year"], a.detail["workdays"]) for a in audit] == [("admin", 2027, ["2027-02-06"])]


def test_bad_years_are_refused_and_nothing_is_written(client, settings) -> None:
    admin = login(client, "admin")
    bad = [{"day": "2027-01-01", "kind": "holiday"}, {"day": "2027-01-04", "kind": "workday"},  # a Monday
           {"day": "2028-01-01", "kind": "holiday"}]
    r = client.put("/api/calendar/2027", headers=admin, json={"days": bad})
    assert r.status_code == 422
    assert "不能登记为调休上班" in r.json()["error"]["zh"] and "is not in 2027" in r.json()["error"]["en"]
    assert client.put("/api/calendar/2027", headers=COORD, json={"days": []}).status_code == 403
    assert client.put("/api/calendar/1999", headers=admin, json={"days": []}).status_code == 422
    with session_scope(settings.database_url) as s:
        assert s.exec(select(CalendarEntry).where(CalendarEntry.year == 2027)).all() == []
