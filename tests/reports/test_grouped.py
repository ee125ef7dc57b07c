"""Every report figure computed by the database (service.reports.grouped) is exactly the pure
reference's, tables.build over loaders.load_records — per unit, per ISO week of local receipt,
per topic and overall (each incident once) — on SQLite and PostgreSQL, on the known incidents
and generated ones; and the routes answer byte for byte what the old path (load_records +
build, computed here) answers: the summary and monthly JSON, the three CSV tables."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from routing.local_time import BEIJING
from service.core.db import session_scope
from service.core.settings import Settings
from service.reports import views
from service.reports.figures import Figures, iso_week
from service.reports.grouped import database_report, grouped_figures
from service.reports.incident_totals import week_starts
from service.reports.loaders import Period, load_records
from service.reports.tables import Report, build
from tests.reports.fixture import AS_OF
from tests.reports.generated import GENERATED_AS_OF, VIEWERS, generate
from tests.support.factories import login

NOVEMBER, MARCH = Period(date(2026, 11, 1), date(2026, 12, 1)), Period(date(2026, 3, 1), date(2026, 4, 1))


def _bare(report: Report) -> Report:
    """The report without the incident ids (the database path leaves them out)."""
    def bare(fs: list[Figures]) -> list[Figures]:
        return [replace(f, incidents=()) for f in fs]
    return Report(replace(report.overall, incidents=()), bare(report.by_unit), bare(report.by_week),
                  bare(report.by_topic))


def _compare(settings: Settings, org, period: Period, as_of: datetime, regions) -> int:
    """Asserts the two paths agree for every viewer and region; the incidents counted."""
    counted = 0
    with session_scope(settings.database_url) as session:
        for viewer in VIEWERS:
            for region in regions:
                args = dict(tz=BEIJING, as_of=as_of, region=region)
                reference = _bare(build(load_records(session, org, viewer, period, **args), as_of, BEIJING))
                database = database_report(session, org, viewer, period, **args)
                assert database == reference, (viewer, period, region)
                for key, expected in (("unit", reference.by_unit), ("week", reference.by_week),
                                      ("topic", reference.by_topic), ("overall", [reference.overall])):
                    assert grouped_figures(session, org, viewer, period, by=key, **args) == expected, key
                counted += reference.overall.received
    return counted


def test_the_known_incidents(settings: Settings, org) -> None:
    assert _compare(settings, org, NOVEMBER, AS_OF, (None, "米山镇", "三甲镇")) > 0
    with session_scope(settings.database_url) as session:
        report = database_report(session, org, VIEWERS[1], NOVEMBER, tz=BEIJING, as_of=AS_OF)
        empty = database_report(session, org, VIEWERS[0], Period(date(2025, 1, 1), date(2025, 2, 1)),
                                tz=BEIJING, as_of=AS_OF)
    assert [w.key for w in report.by_week] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert {t.key: t.received for t in report.by_topic} == {"义务教育": 1, "城市综合执法": 2, "食品药品监管": 4}
    assert report.overall.key == "合计" and report.overall.received == 7
    assert empty == Report(Figures(key="合计"), [], [], [])


@pytest.mark.parametrize("seed", [5, 23])
def test_generated_incidents(settings: Settings, org, seed: int) -> None:
    with session_scope(settings.database_url) as session:
        generate(session, org, 260, seed)
    towns = sorted(r.name for r in org.regions.values() if r.parent == "高平市")[:2]
    assert _compare(settings, org, MARCH, GENERATED_AS_OF, (None, *towns)) > 500
    assert _compare(settings, org, Period(date(2026, 3, 2), date(2026, 3, 9)), GENERATED_AS_OF, (None,)) > 100
    with session_scope(settings.database_url) as session:
        report = database_report(session, org, VIEWERS[0], MARCH, tz=BEIJING, as_of=GENERATED_AS_OF)
    assert len(report.by_week) >= 3 and len(report.by_topic) == 4
    assert report.overall.reviews and report.overall.returns and report.overall.median_claim_hours is not None


@pytest.mark.parametrize("zone, start, end", [
    ("Asia/Shanghai", date(2025, 12, 20), date(2026, 1, 20)),  # 2026-W01 begins on 29 December 2025
    ("Asia/Shanghai", date(1988, 4, 1), date(1988, 4, 30)),  # China's summer time, 1986–1991
    ("Europe/Berlin", date(2026, 3, 20), date(2026, 4, 10)),
    ("America/Havana", date(2026, 3, 1), date(2026, 3, 20)),  # its clocks skip local midnight
])
def test_week_starts_are_the_iso_weeks_of_the_local_date(zone: str, start: date, end: date) -> None:
    tz, period = ZoneInfo(zone), Period(start, end)
    weeks = week_starts(period, tz)
    begins, keys = [b for b, _ in weeks], [k for _, k in weeks]
    first, last = period.bounds(tz)
    instants = [first + timedelta(minutes=17 * i) for i in range(int((last - first) / timedelta(minutes=17)))]
    instants += [b + timedelta(microseconds=d) for b in begins[1:] for d in (-1, 0, 1)] + [last - timedelta(microseconds=1)]
    for at in instants:
        assert keys[bisect_right(begins, at) - 1] == iso_week(at.astimezone(tz).date()), at


FIXED_NOW = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
ROUTES = [("summary", {}), ("monthly", {"month": "2026-11"}), ("monthly", {"month": "2026-03"}),
          *(("export.csv", {"table": t}) for t in ("unit", "week", "topic"))]


def _old_report(viewer, session, engine, settings, period, region):
    """What views._report did before issue 18: every record into Python, then tables.build."""
    tz, as_of = ZoneInfo(settings.timezone), views.utcnow()
    records = load_records(session, engine.org, viewer, period, tz=tz, as_of=as_of,
                           region=views._region(region, engine))
    return build(records, as_of, tz), as_of


def _answers(client: TestClient) -> dict:
    answers = {}
    for who in ("leader_gaoping", "liaison_scj"):
        headers = login(client, who)
        for path, extra in ROUTES:
            for period in ({"from": "2026-11-01", "to": "2026-12-01"}, {"from": "2026-03-01", "to": "2026-04-01"}):
                params = extra if path == "monthly" else {**period, **extra}
                r = client.get(f"/api/reports/{path}", params=params, headers=headers)
                assert r.status_code == 200, r.text
                answers[(who, path, str(params))] = r.content
    return answers


def test_the_routes_answer_as_before(seeded: TestClient, settings: Settings, org,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(settings.database_url) as session:
        generate(session, org, 120, 7)
    monkeypatch.setattr(views, "utcnow", lambda: FIXED_NOW)
    new = _answers(seeded)
    monkeypatch.setattr(views, "_report", _old_report)
    old = _answers(seeded)
    assert new == old
    assert b"2026-W47" in new[("leader_gaoping", "summary", str({"from": "2026-11-01", "to": "2026-12-01"}))]
