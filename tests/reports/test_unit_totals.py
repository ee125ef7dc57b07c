"""The per-unit report computed by the database (service.reports.unit_totals) gives exactly the
figures of the pure reference, figures.by_unit over loaders.load_records, on SQLite and
PostgreSQL: on the known incidents of fixture.py, and on generated ones whose times carry
microseconds (medians of even and odd counts, ties, verdicts at the due time to the
microsecond, leads that are also first responsible, merged incidents, scores in tenths)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from routing.local_time import BEIJING
from service.audit import chain as audit_chain
from service.audit.models import AuditEntry
from service.auth.rules import Principal, Role
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Clock, Incident, IncidentUnit
from service.incidents.units import unit_rows
from service.reports.figures import Figures, by_unit
from service.reports.loaders import Period, load_records
from service.reports.unit_totals import exact_mean, unit_figures
from service.review.models import Review
from tests.reports.fixture import AS_OF, MISHAN, SANJIA, SCJ

TZ = BEIJING
NOVEMBER = Period(date(2026, 11, 1), date(2026, 12, 1))
VIEWERS = [Principal(1, "admin", Role.ADMIN), Principal(2, "c", Role.COORDINATOR, region="高平市"),
           Principal(3, "l", Role.LEADER, region="米山镇"), Principal(4, "s", Role.LIAISON, unit=SCJ),
           Principal(5, "m", Role.LIAISON, unit=MISHAN), Principal(6, "y", Role.LEADER, region="陵川县")]


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


START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 1 March, midnight in Beijing
GENERATED_AS_OF = datetime(2026, 3, 12, 9, 30, 0, 250_000, tzinfo=UTC)


def _at(rng: random.Random, base: datetime, hours: float) -> datetime:
    return base + timedelta(hours=rng.uniform(0, hours), microseconds=rng.randrange(1_000_000))


def _generate(session: Session, org, n: int, seed: int) -> None:
    """`n` incidents received in the first days of March 2026 (some just outside), ids from 1000."""
    rng = random.Random(seed)
    towns = sorted(r.name for r in org.regions.values() if r.parent == "高平市")[:4]
    units = [SCJ, MISHAN, SANJIA, *sorted(d for d in org.departments if d.startswith("高平市"))[:3]]
    audit_chain.install(type(session))
    for i in range(1000, 1000 + n):
        level = rng.choice([*towns, "高平市"])
        first = rng.sample(units, rng.choice([1, 1, 2]))
        co = rng.sample([u for u in units if u not in first], rng.choice([0, 0, 1]))
        lead = rng.choice([None, None, first[0], rng.choice(units)])  # first and lead: one record
        received = _at(rng, START - timedelta(hours=6), 15 * 24)
        received = received.replace(microsecond=0) if rng.random() < 0.2 else received
        session.add(Incident(id=i, topic="环境保护", severity="一般", scope="single", level_region=level,
                             regions=rng.sample(towns, rng.choice([0, 1])), first_responsible=first,
                             co_responsible=co, lead=lead, verification_request=rng.random() < 0.3,
                             received_at=received, last_seen=received, created_at=received,
                             merged_into=999 if rng.random() < 0.05 else None))
        session.add_all(IncidentUnit(incident_id=i, unit=u, role=r)
                        for u, r in unit_rows(level, [], first, co, lead))
        session.flush()  # the audit entries refer to it
        _clocks(session, rng, i, received)
        for unit in {*first, *co, *([lead] if lead else []), rng.choice(units)}:
            _unit_doings(session, rng, i, unit, received)
    session.commit()


def _clocks(session: Session, rng: random.Random, iid: int, received: datetime) -> None:
    for kind in ("response", "feedback", "followup_info"):
        if rng.random() < (0.1 if kind == "response" else 0.5):
            continue  # no such clock
        due = received + timedelta(hours=rng.choice([24, 48, 72]))
        met = rng.choice([None, due, due - timedelta(microseconds=1), due + timedelta(microseconds=1),
                          _at(rng, received, 90), _at(rng, received, 90)])
        session.add(Clock(incident_id=iid, kind=kind, label=kind, started_at=received, due_at=due, met_at=met))


def _unit_doings(session: Session, rng: random.Random, iid: int, unit: str, received: datetime) -> None:
    """Claims (the first counts), returns, and a review of one unit's part."""
    for action, most in (("incident.claimed", 3), ("incident.returned", 2)):
        for _ in range(rng.choice([0, 0, 1, most])):
            at = received + timedelta(hours=rng.choice([1, 2, 3])) if rng.random() < 0.3 else _at(rng, received, 30)
            session.add(AuditEntry(incident_id=iid, actor="tester", action=action, detail={"unit": unit}, at=at))
    if rng.random() < 0.35:
        score = rng.randrange(0, 1001) / 10
        session.add(Review(incident_id=iid, unit=unit, reviewer="reviewer_gaoping", timeliness=80, accuracy=80,
                           authority=80, handling=80, score=score, accountability=rng.random() < 0.2,
                           at=received + timedelta(days=2)))


@pytest.mark.parametrize("seed", [3, 17])
def test_generated_incidents(settings: Settings, org, seed: int) -> None:
    with session_scope(settings.database_url) as session:
        _generate(session, org, 260, seed)
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
