"""The wallboard's figures: which clocks count for today's on-time rate, which rung an
incident stands on, and the route's scoping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from dashboard.wallstats import day_start, ladder, on_time_today
from routing.local_time import BEIJING_NAME
from service.core.columns import utcnow
from service.core.db import session_scope
from service.escalation.sweep import sweep_once
from service.incidents.models import Clock, Incident
from tests.conftest import COORD, INGEST, VIEWER
from tests.support.factories import incident

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
START = day_start(NOW, BEIJING_NAME)
FOOD = "河西镇多家餐馆被曝使用过期食材"


def test_the_day_starts_at_local_midnight() -> None:
    assert START == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    assert day_start(datetime(2026, 11, 24, 15, 59, tzinfo=UTC), BEIJING_NAME) == START - timedelta(days=1)


def test_met_in_time_late_and_open_past_due_count_but_future_clocks_do_not(client: TestClient) -> None:
    h = timedelta(hours=1)
    times = [
        (NOW - 2 * h, NOW - 3 * h),  # due today, met in time
        (NOW + 30 * h, NOW - h),  # met today, long before due: in time
        (NOW - 4 * h, NOW - h),  # met today, 3 h late
        (NOW - h, None),  # due today, still open: late
        (NOW + 5 * h, None),  # due later today: not judged yet
        (START - 2 * h, START - 3 * h),  # yesterday's business
    ]
    towns = ["河西镇", "米山镇", "三甲镇", "神农镇", "陈区镇", "北诗镇"]
    ids = [incident(client, f"t-{n}", f"{town}多家餐馆被曝使用过期食材") for n, town in enumerate(towns)]
    assert len(set(ids)) == len(towns)
    settings = client.app.state.settings
    with session_scope(settings.database_url) as s:  # each incident's response clock set to one case
        for incident_id, (due, met) in zip(ids, times, strict=True):
            clock = s.exec(select(Clock).where(Clock.incident_id == incident_id, Clock.kind == "response")).one()
            clock.due_at, clock.met_at = due, met
            s.add(clock)
        s.commit()
        result = on_time_today(s, select(Incident.id), START, NOW)
        assert (result.on_time, result.late, result.total) == (2, 2, 4)
        assert result.rate == 0.5
        assert on_time_today(s, select(Incident.id).where(Incident.id == -1), START, NOW).rate is None


def test_an_incident_stands_on_its_highest_rung_whatever_the_order() -> None:
    steps = [(1, "warn_50"), (1, "urge"), (1, "warn_80"),  # 1: 催办 (a later 提醒 of another clock does not lower it)
             (2, "warn_50"), (2, "warn_80"),  # 2: 提醒
             (3, "supervise"), (3, "warn_50"),  # 3: 督办
             (4, "claim_lapsed")]  # not a rung of the ladder
    assert ladder(steps) == {"warn": 1, "urge": 1, "supervise": 1}
    assert ladder([]) == {"warn": 0, "urge": 0, "supervise": 0}


def test_the_route_needs_a_login_and_answers_for_the_viewer(client: TestClient) -> None:
    assert client.get("/api/dashboard/wall").status_code == 401
    received = utcnow() - timedelta(hours=50)  # 一般: 48 h, so due 2 h ago, unanswered
    r = client.post("/api/items", headers=INGEST, json={"external_id": "o-1", "text": FOOD, "severity": "一般",
                                                        "received_at": received.isoformat()})
    assert r.status_code == 202
    sweep_once(client.app.state.settings)  # now: 提醒 ×2 and 催办 on the response clock
    body = client.get("/api/dashboard/wall", headers=COORD).json()
    today = received + timedelta(hours=48) >= day_start(utcnow(), BEIJING_NAME)
    assert (body["on_time"]["late"], body["on_time"]["on_time"]) == ((1, 0) if today else (0, 0))
    assert body["ladder"] == {"warn": 0, "urge": 1, "supervise": 0}
    # counted by the database, not from the rows a snapshot page holds (issue 18)
    assert body["open"] == {"open": 1, "by_severity": {"一般": 1}, "overdue": 1, "ahead": 0}
    assert [u["id"] for u in body["urgent"]] == [1]

    r = client.post("/api/auth/login", json={"username": "liaison_mishan", "password": "demo12345"})
    assert r.status_code == 200  # 米山镇 is not assigned the 河西镇 incident: sees none of it
    assert client.get("/api/dashboard/wall").json() == {
        "on_time": {**body["on_time"], "on_time": 0, "late": 0, "total": 0, "rate": None},
        "ladder": {"warn": 0, "urge": 0, "supervise": 0},
        "open": {"open": 0, "by_severity": {}, "overdue": 0, "ahead": 0}, "urgent": []}


def test_a_rate_is_shown_only_from_its_minimum_base() -> None:
    from dashboard.wallstats import MIN_BASE, OnTime

    assert OnTime(1, 0).rate == 1.0 and OnTime(1, 0).shown_rate() is None  # "100 %" of one clock says nothing
    assert OnTime(MIN_BASE - 1, 1).shown_rate() == (MIN_BASE - 1) / MIN_BASE
    assert OnTime(0, 0).shown_rate(0) is None


def test_screens_of_one_scope_share_one_read(settings) -> None:
    from service.main import create_app

    item = {"text": FOOD, "severity": "一般", "received_at": utcnow().isoformat()}
    with TestClient(create_app(settings.model_copy(update={"wall_cache_seconds": 600}))) as client:
        assert client.post("/api/items", headers=INGEST, json={**item, "external_id": "s-1"}).status_code == 202
        assert client.get("/api/dashboard/wall", headers=COORD).json()["open"]["open"] == 1
        r = client.post("/api/items", headers=INGEST, json={**item, "text": "米山镇集贸市场缺斤少两", "external_id": "s-2"})
        assert r.status_code == 202
        # the coordinator token and the viewer token hold the same region: the same figures, not read again
        assert client.get("/api/dashboard/wall", headers=COORD).json()["open"]["open"] == 1
        assert client.get("/api/dashboard/wall", headers=VIEWER).json()["open"]["open"] == 1
        assert client.post("/api/auth/login", json={"username": "liaison_mishan", "password": "demo12345"}).status_code == 200
        assert client.get("/api/dashboard/wall").json()["open"]["open"] == 1  # 米山镇's own scope: read for it
    with TestClient(create_app(settings.model_copy(update={"wall_cache_seconds": 0}))) as client:
        assert client.get("/api/dashboard/wall", headers=COORD).json()["open"]["open"] == 2
