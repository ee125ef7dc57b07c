"""A fixture of known incidents for the report tests, written as rows (incident, its
incident_unit index, clocks, claim/return audit entries, reviews) with fixed times, so every
figure can be computed by hand. Expected values are in the tests.

All times UTC; T is Monday 2026-11-02 08:00 in Beijing. AS_OF is 2026-11-20 00:00 UTC.

| # | topic | units (first / co) | received | response (due → met) | notes |
|---|---|---|---|---|---|
| 1 | 食品药品监管 | 市场监管局 / 米山镇 | T | 48 h → 10 h | claim 市场监管局 1 h; 米山镇 returned; follow-up met late |
| 2 | 食品药品监管 | 市场监管局 | T+24 h | 48 h → 50 h (late) | claims 3 h and 10 h; returned by 市场监管局 |
| 3 | 城市综合执法 | 米山镇 (verification) | T+48 h | 24 h → 24 h | feedback 24 h → 24 h; claim 2 h; review 80 |
| 4 | 城市综合执法 | 米山镇 (verification) | T+72 h | 48 h → 30 h | feedback 24 h → 30 h (late); claim 6 h; review 60, 问责 |
| 5 | 义务教育 | 三甲镇 | T+7 d | 48 h → unmet (late at AS_OF) | no claim |
| 6 | 食品药品监管 | 市场监管局 | AS_OF−10 h | 48 h → unmet (pending at AS_OF) | claim 1 h |
| 7 | 食品药品监管 | 市场监管局 | T+5 h | merged into 1: left out | |
| 8 | 食品药品监管 | 市场监管局 | 10-31 23:30 Beijing | before the period: left out | |
| 9 | 食品药品监管 | 市场监管局 | 11-01 00:30 Beijing | 48 h → 5 h | claim 2 h; first minute of November locally |
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from service.audit import chain as audit_chain
from service.audit.models import AuditEntry
from service.incidents.models import Clock, Incident, IncidentUnit
from service.incidents.units import unit_rows
from service.review.models import Review

T = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
SCJ, MISHAN, SANJIA = "高平市市场监督管理局", "米山镇人民政府", "三甲镇人民政府"
H = timedelta(hours=1)


def _incident(session: Session, iid: int, topic: str, level: str, regions: list[str], first: list[str],
              received: datetime, *, co: list[str] = (), verification: bool = False, severity: str = "一般",
              merged_into: int | None = None) -> None:
    session.add(Incident(id=iid, topic=topic, severity=severity, scope="single", level_region=level,
                         regions=regions, first_responsible=first, co_responsible=list(co),
                         verification_request=verification, received_at=received, last_seen=received,
                         created_at=received, merged_into=merged_into,
                         status="closed" if merged_into else "unclaimed"))
    session.add_all(IncidentUnit(incident_id=iid, unit=u, role=r) for u, r in unit_rows(level, regions, first, co, None))


def _clock(session: Session, iid: int, kind: str, received: datetime, due_h: float, met_h: float | None) -> None:
    session.add(Clock(incident_id=iid, kind=kind, label=kind, started_at=received, due_at=received + due_h * H,
                      met_at=None if met_h is None else received + met_h * H))


def _audit(session: Session, iid: int, action: str, unit: str, at: datetime) -> None:
    # rows written past `record` (fixed times): the chain hook must be on this session's class all the same,
    # whatever ran before in this worker
    audit_chain.install(type(session))
    session.add(AuditEntry(incident_id=iid, actor="tester", action=action, detail={"unit": unit}, at=at))
    session.flush()  # chained in the order written


def _review(session: Session, iid: int, unit: str, score: float, accountability: bool = False) -> None:
    session.add(Review(incident_id=iid, unit=unit, reviewer="reviewer_gaoping", timeliness=int(score),
                       accuracy=int(score), authority=int(score), handling=int(score), score=score,
                       accountability=accountability, accountability_ground="处置不得力" if accountability else None,
                       at=AS_OF))


def seed(session: Session) -> None:
    t1, t2, t3, t4 = T, T + 24 * H, T + 48 * H, T + 72 * H
    t5, t6, t7 = T + 7 * 24 * H, AS_OF - 10 * H, T + 5 * H
    t8 = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)
    t9 = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
    _incident(session, 1, "食品药品监管", "高平市", ["米山镇"], [SCJ], t1, co=[MISHAN])
    _incident(session, 2, "食品药品监管", "高平市", [], [SCJ], t2)
    _incident(session, 3, "城市综合执法", "米山镇", ["米山镇"], [MISHAN], t3, verification=True, severity="重大")
    _incident(session, 4, "城市综合执法", "米山镇", ["米山镇"], [MISHAN], t4, verification=True)
    _incident(session, 5, "义务教育", "三甲镇", ["三甲镇"], [SANJIA], t5)
    _incident(session, 6, "食品药品监管", "高平市", [], [SCJ], t6)
    _incident(session, 7, "食品药品监管", "高平市", [], [SCJ], t7, merged_into=1)
    _incident(session, 8, "食品药品监管", "高平市", [], [SCJ], t8)
    _incident(session, 9, "食品药品监管", "高平市", [], [SCJ], t9)
    session.flush()
    _clock(session, 1, "response", t1, 48, 10)
    _clock(session, 1, "followup_info", t1, 72, 80)
    _clock(session, 2, "response", t2, 48, 50)
    _clock(session, 3, "response", t3, 24, 24)
    _clock(session, 3, "feedback", t3, 24, 24)
    _clock(session, 4, "response", t4, 48, 30)
    _clock(session, 4, "feedback", t4, 24, 30)
    _clock(session, 5, "response", t5, 48, None)
    _clock(session, 6, "response", t6, 48, None)
    _clock(session, 7, "response", t7, 48, None)
    _clock(session, 8, "response", t8, 48, 1)
    _clock(session, 9, "response", t9, 48, 5)
    _audit(session, 1, "incident.returned", MISHAN, t1 + 0.5 * H)
    _audit(session, 1, "incident.claimed", SCJ, t1 + 1 * H)
    _audit(session, 2, "incident.claimed", SCJ, t2 + 3 * H)
    _audit(session, 2, "incident.returned", SCJ, t2 + 4 * H)
    _audit(session, 2, "incident.claimed", SCJ, t2 + 10 * H)  # claimed again: the first claim counts
    _audit(session, 3, "incident.claimed", MISHAN, t3 + 2 * H)
    _audit(session, 4, "incident.claimed", MISHAN, t4 + 6 * H)
    _audit(session, 6, "incident.claimed", SCJ, t6 + 1 * H)
    _audit(session, 7, "incident.claimed", SCJ, t7 + 1 * H)
    _audit(session, 9, "incident.claimed", SCJ, t9 + 2 * H)
    _review(session, 3, MISHAN, 80)
    _review(session, 4, MISHAN, 60, accountability=True)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":  # ids were given: move the sequence past them
        session.execute(text("SELECT setval('incident_id_seq', 100)"))
    session.commit()
