"""Figures loaded from the database (SQLite and PostgreSQL) for the known incidents of
fixture.py, computed by hand: per unit, per week, per topic, overall; and the scoping."""

from __future__ import annotations

from datetime import date

import pytest

from routing.local_time import BEIJING
from service.auth.rules import Principal, Role
from service.core.db import session_scope
from service.core.settings import Settings
from service.reports.loaders import Period, load_records, period_problem
from service.reports.tables import build
from tests.reports.fixture import AS_OF, MISHAN, SANJIA, SCJ

TZ = BEIJING
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
ADMIN = Principal(1, "admin", Role.ADMIN)
LEADER = Principal(2, "leader_gaoping", Role.LEADER, region="高平市")


def load(settings: Settings, org, viewer: Principal, period: Period = NOVEMBER, region: str | None = None):
    with session_scope(settings.database_url) as session:
        return load_records(session, org, viewer, period, tz=TZ, as_of=AS_OF, region=region)


def test_records_per_incident_and_unit(settings: Settings, org) -> None:
    records = load(settings, org, LEADER)
    # 7 merged away, 8 received on 31 October local time: left out; 1 counts for both its units
    assert [(r.incident_id, r.unit) for r in records] == [
        (1, MISHAN), (1, SCJ), (2, SCJ), (3, MISHAN), (4, MISHAN), (5, SANJIA), (6, SCJ), (9, SCJ)]
    two = next(r for r in records if r.incident_id == 2)
    assert (two.returns, two.breaches, two.claimed_at.hour, two.claimed_at.day) == (1, 1, 3, 3)
    assert two.received_at.tzinfo is not None and two.response_due.tzinfo is not None
    mishan_one = next(r for r in records if r.incident_id == 1 and r.unit == MISHAN)
    assert (mishan_one.claimed_at, mishan_one.returns, mishan_one.breaches) == (None, 1, 1)


def test_unit_figures_are_exact(settings: Settings, org) -> None:
    report = build(load(settings, org, LEADER), AS_OF, TZ)
    units = {f.key: f for f in report.by_unit}
    assert list(units) == sorted([SCJ, MISHAN, SANJIA])
    scj, mishan, sanjia = units[SCJ], units[MISHAN], units[SANJIA]
    assert (scj.received, scj.on_time, scj.late, scj.pending) == (4, 2, 1, 1)
    assert scj.on_time_rate == pytest.approx(2 / 3)
    assert scj.median_claim_hours == pytest.approx(1.5)  # 1, 3 (not the second claim at 10), 1, 2
    assert scj.median_response_hours == pytest.approx(10)  # 10, 50, 5
    assert (scj.breaches, scj.returns, scj.reviews, scj.review_score, scj.accountability) == (2, 1, 0, None, 0)
    assert scj.feedback_on_time_rate is None
    assert (mishan.received, mishan.on_time, mishan.late, mishan.pending) == (3, 3, 0, 0)
    assert mishan.on_time_rate == 1.0
    assert (mishan.feedback_on_time, mishan.feedback_late, mishan.feedback_on_time_rate) == (1, 1, 0.5)
    assert mishan.median_claim_hours == pytest.approx(4)  # 2, 6
    assert mishan.median_response_hours == pytest.approx(24)  # 10, 24, 30
    assert (mishan.breaches, mishan.returns, mishan.reviews, mishan.accountability) == (2, 1, 2, 1)
    assert mishan.review_score == pytest.approx(70)
    assert (sanjia.received, sanjia.on_time, sanjia.late, sanjia.on_time_rate, sanjia.breaches) == (1, 0, 1, 0.0, 1)
    assert sanjia.median_claim_hours is None


def test_overall_week_and_topic_figures_count_incidents_once(settings: Settings, org) -> None:
    report = build(load(settings, org, LEADER), AS_OF, TZ)
    t = report.overall
    assert (t.received, t.on_time, t.late, t.pending) == (7, 4, 2, 1)
    assert t.on_time_rate == pytest.approx(4 / 6)
    assert (t.feedback_on_time, t.feedback_late) == (1, 1)
    assert t.median_claim_hours == pytest.approx(2)  # 1, 3, 2, 6, 1, 2 (incident 1: 市场监管局's claim)
    assert t.median_response_hours == pytest.approx(24)  # 10, 50, 24, 30, 5
    assert (t.breaches, t.returns, t.reviews, t.accountability) == (4, 2, 2, 1)
    weeks = {f.key: (f.received, f.on_time, f.late, f.pending) for f in report.by_week}
    # 1 November 00:30 in Beijing is a Sunday: ISO week 44
    assert weeks == {"2026-W44": (1, 1, 0, 0), "2026-W45": (4, 3, 1, 0), "2026-W46": (1, 0, 1, 0),
                     "2026-W47": (1, 0, 0, 1)}
    topics = {f.key: (f.received, f.on_time, f.late, f.pending, f.breaches) for f in report.by_topic}
    assert topics == {"食品药品监管": (4, 2, 1, 1, 2), "城市综合执法": (2, 2, 0, 0, 1), "义务教育": (1, 0, 1, 0, 1)}


def test_a_liaison_gets_his_unit_only(settings: Settings, org) -> None:
    scj = load(settings, org, Principal(3, "liaison_scj", Role.LIAISON, unit=SCJ))
    assert [(r.incident_id, r.unit) for r in scj] == [(1, SCJ), (2, SCJ), (6, SCJ), (9, SCJ)]
    mishan = load(settings, org, Principal(4, "liaison_mishan", Role.LIAISON, unit=MISHAN))
    assert [(r.incident_id, r.unit) for r in mishan] == [(1, MISHAN), (3, MISHAN), (4, MISHAN)]


def test_region_holders_see_their_region_and_below(settings: Settings, org) -> None:
    assert [r.incident_id for r in load(settings, org, Principal(5, "x", Role.LEADER, region="三甲镇"))] == [5]
    assert load(settings, org, Principal(6, "y", Role.LEADER, region="陵川县")) == []  # another county: nothing
    assert len(load(settings, org, Principal(7, "z", Role.COORDINATOR, region="晋城市"))) == 8
    assert len(load(settings, org, ADMIN)) == 8


def test_region_filter_and_period(settings: Settings, org) -> None:
    mishan = load(settings, org, ADMIN, region="米山镇")  # incident 1 names 米山镇; 3, 4 are at its level
    assert [(r.incident_id, r.unit) for r in mishan] == [(1, MISHAN), (1, SCJ), (3, MISHAN), (4, MISHAN)]
    # the region filter narrows the viewer's scope, it never widens it
    assert load(settings, org, Principal(6, "y", Role.LEADER, region="陵川县"), region="高平市") == []
    october = load(settings, org, ADMIN, Period(date(2026, 10, 1), date(2026, 11, 1)))
    assert [r.incident_id for r in october] == [8]
    first_week = load(settings, org, ADMIN, Period(date(2026, 11, 1), date(2026, 11, 3)))
    assert sorted({r.incident_id for r in first_week}) == [1, 9]  # 2 came on 3 November (local)


def test_period_problems() -> None:
    assert period_problem(NOVEMBER) is None
    assert period_problem(Period(date(2026, 11, 2), date(2026, 11, 1)))[1] == "from must be before to"
    assert period_problem(Period(date(2025, 1, 1), date(2026, 2, 6)))[0] == "统计区间不能超过 400 天"
    assert period_problem(Period(date(2025, 1, 1), date(2026, 2, 5))) is None  # 400 days exactly
