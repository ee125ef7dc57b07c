"""Generated incidents for the comparisons of the database's figures with the pure reference
(test_unit_totals, test_grouped): times carry microseconds (medians of even and odd counts,
ties, verdicts at the due time to the microsecond), leads that are also first responsible,
merged incidents, scores in tenths, several topics, and receipts around local midnight on
Sundays and Mondays (the ISO week of the local date)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from service.audit import chain as audit_chain
from service.audit.models import AuditEntry
from service.auth.rules import Principal, Role
from service.incidents.models import Clock, Incident, IncidentUnit
from service.incidents.units import unit_rows
from service.review.models import Review
from tests.reports.fixture import MISHAN, SANJIA, SCJ

VIEWERS = [Principal(1, "admin", Role.ADMIN), Principal(2, "c", Role.COORDINATOR, region="高平市"),
           Principal(3, "l", Role.LEADER, region="米山镇"), Principal(4, "s", Role.LIAISON, unit=SCJ),
           Principal(5, "m", Role.LIAISON, unit=MISHAN), Principal(6, "y", Role.LEADER, region="陵川县")]
TOPICS = ["环境保护", "环境保护", "义务教育", "食品药品监管", "=公式"]


START = datetime(2026, 2, 28, 16, 0, tzinfo=UTC)  # 1 March, midnight in Beijing
MONDAYS = [datetime(2026, 3, 1, 16, 0, tzinfo=UTC), datetime(2026, 3, 8, 16, 0, tzinfo=UTC)]  # 00:00 in Beijing
GENERATED_AS_OF = datetime(2026, 3, 12, 9, 30, 0, 250_000, tzinfo=UTC)


def _at(rng: random.Random, base: datetime, hours: float) -> datetime:
    return base + timedelta(hours=rng.uniform(0, hours), microseconds=rng.randrange(1_000_000))


def generate(session: Session, org, n: int, seed: int) -> None:
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
        if rng.random() < 0.1:  # at a local Monday midnight, to the microsecond: the ISO week's edge
            received = MONDAYS[i % 2] + timedelta(microseconds=rng.choice([-1, 0, 1]))
        session.add(Incident(id=i, topic=rng.choice(TOPICS), severity="一般", scope="single", level_region=level,
                             regions=rng.sample(towns, rng.choice([0, 1])), first_responsible=first,
                             co_responsible=co, lead=lead, verification_request=rng.random() < 0.3,
                             received_at=received, last_seen=received, created_at=received,
                             merged_into=999 if rng.random() < 0.05 else None))
        session.add_all(IncidentUnit(incident_id=i, unit=u, role=r)
                        for u, r in unit_rows(level, [], first, co, lead))
        session.flush()  # the audit entries refer to it
        clocks(session, rng, i, received)
        # sorted: a set's order follows the hash seed, and the draws below would differ run to run
        for unit in sorted({*first, *co, *([lead] if lead else []), rng.choice(units)}):
            unit_doings(session, rng, i, unit, received)
    session.commit()


def clocks(session: Session, rng: random.Random, iid: int, received: datetime) -> None:
    for kind in ("response", "feedback", "followup_info"):
        if rng.random() < (0.1 if kind == "response" else 0.5):
            continue  # no such clock
        due = received + timedelta(hours=rng.choice([24, 48, 72]))
        met = rng.choice([None, due, due - timedelta(microseconds=1), due + timedelta(microseconds=1),
                          _at(rng, received, 90), _at(rng, received, 90)])
        session.add(Clock(incident_id=iid, kind=kind, label=kind, started_at=received, due_at=due, met_at=met))


def unit_doings(session: Session, rng: random.Random, iid: int, unit: str, received: datetime) -> None:
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
