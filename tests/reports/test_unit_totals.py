"""The per-unit report computed by the database (service.reports.unit_totals) gives exactly the
figures of the pure reference, figures.by_unit over loaders.load_records, on SQLite and
PostgreSQL: on the known incidents of fixture.py, and on generated ones whose times carry
microseconds (medians of even and odd counts, ties, verdicts at the due time to the
microsecond, leads that are also first responsible, merged incidents, scores in tenths)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from routing.local_time import BEIJING
from service.auth.rules import Principal
from service.core.db import session_scope
from service.core.settings import Settings
from service.reports.figures import Figures, by_unit
from service.reports.loaders import Period, load_records
from service.reports.unit_totals import exact_mean, unit_figures
from tests.reports.fixture import AS_OF, MISHAN, SANJIA, SCJ
from tests.reports.generated import GENERATED_AS_OF, VIEWERS, generate

TZ = BEIJING
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))


def both(settings: Settings, org, viewer: Principal, period: Period, as_of: datetime,
         region: str | None = None) -> tuple[list[Figures], list[Figures]]:
    """(reference, database): by_unit over the records (incident ids dropped: the database
    path leaves them out), and unit_figures."""
    with session_scope(settings.database_url) as session:
        records = load_records(session, org, viewer, period, tz=TZ, as_of=as_of, region=region)
        reference = [replace(f, incidents=()) for f in by_unit(records, as_of)]
        return reference, unit_figures(session, org, viewer, period, tz=TZ, as_of=as_of, region=region)


def test_the_known_incidents(settings: Settings, org) -> None:
    for viewer in VIEWERS:
        for region in (None, "米山镇", "三甲镇"):
            reference, database = both(settings, org, viewer, NOVEMBER, AS_OF, region)
            assert database == reference, (viewer, region)
    _, units = both(settings, org, VIEWERS[1], NOVEMBER, AS_OF)
    scj, mishan, sanjia = ({f.key: f for f in units}[u] for u in (SCJ, MISHAN, SANJIA))
    assert (scj.received, scj.on_time, scj.late, scj.pending, scj.breaches, scj.returns) == (4, 2, 1, 1, 2, 1)
    assert (scj.median_claim_hours, scj.median_response_hours) == (1.5, 10.0)
    assert (mishan.feedback_on_time, mishan.feedback_late, mishan.review_score, mishan.reviews) == (1, 1, 70.0, 2)
    assert (mishan.median_claim_hours, mishan.median_response_hours, mishan.accountability) == (4.0, 24.0, 1)
    assert (sanjia.late, sanjia.median_claim_hours, sanjia.median_response_hours) == (1, None, None)
    assert isinstance(scj.returns, int) and isinstance(scj.breaches, int)  # not PostgreSQL's numeric sums


def test_exact_mean_is_statistics_mean() -> None:
    from statistics import mean

    values = [80.3, 60.8, 99.9, 70.1, 70.1, 0.1, 33.3]
    assert exact_mean([(v, 1) for v in values]) == mean(values)
    assert exact_mean([(70.1, 3), (0.3, 2)]) == mean([70.1, 70.1, 70.1, 0.3, 0.3])
    assert exact_mean([]) is None


@pytest.mark.parametrize("seed", [3, 17])
def test_generated_incidents(settings: Settings, org, seed: int) -> None:
    with session_scope(settings.database_url) as session:
        generate(session, org, 260, seed)
    march, first_days = Period(date(2026, 3, 1), date(2026, 4, 1)), Period(date(2026, 3, 2), date(2026, 3, 6))
    towns = sorted(r.name for r in org.regions.values() if r.parent == "高平市")[:2]
    checked = 0
    for viewer in VIEWERS:
        for period, region in ((march, None), (first_days, None), (march, towns[0]), (march, towns[1])):
            reference, database = both(settings, org, viewer, period, GENERATED_AS_OF, region)
            assert database == reference, (viewer, period, region)
            checked += sum(f.received for f in reference)
    assert checked > 1000  # the comparisons were not over nothing
    reference, _ = both(settings, org, VIEWERS[0], march, GENERATED_AS_OF)
    assert any(f.median_claim_hours is not None and f.median_claim_hours % 1 for f in reference)
    for figure in ("pending", "late", "feedback_on_time", "feedback_late", "reviews", "accountability", "returns"):
        assert sum(getattr(f, figure) for f in reference) > 0, figure
