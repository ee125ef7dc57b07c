"""Report figures from a fixture of known incidents: exact values, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from routing.local_time import BEIJING
from service.reports.figures import Record, by_topic, by_unit, by_week, iso_week, overall, summarise

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # Monday 08:00 in Beijing
AS_OF = T0 + timedelta(days=10)
SCJ, MISHAN = "高平市市场监督管理局", "米山镇人民政府"


def rec(i: int, unit: str = SCJ, *, topic: str = "食品药品监管", received_h: float = 0, due_h: float = 48,
        claim_h: float | None = None, respond_h: float | None = None, **kw) -> Record:
    at = T0 + timedelta(hours=received_h)
    return Record(incident_id=i, unit=unit, region="高平市", topic=topic, severity="一般", received_at=at,
                  response_due=at + timedelta(hours=due_h),
                  claimed_at=None if claim_h is None else at + timedelta(hours=claim_h),
                  responded_at=None if respond_h is None else at + timedelta(hours=respond_h), **kw)


RECORDS = [
    rec(1, claim_h=1, respond_h=10),  # on time
    rec(2, claim_h=3, respond_h=50, breaches=1, returns=1),  # late (48 h)
    rec(3, due_h=24, claim_h=2, respond_h=24),  # exactly at the due time: on time
    rec(4, received_h=24 * 9.5, claim_h=None),  # unanswered, still within time at AS_OF
    rec(5, claim_h=5, breaches=2),  # unanswered and overdue at AS_OF: late
    rec(6, MISHAN, topic="城市综合执法", claim_h=4, respond_h=6, verification=True,
        feedback_due=T0 + timedelta(hours=24), feedback_at=T0 + timedelta(hours=30),
        review_scores=(80.0, 90.0), accountability=1),
    rec(1, MISHAN, claim_h=1, respond_h=10, returns=1),  # incident 1 is also Mishan's
]


def test_unit_figures_are_exact() -> None:
    units = {f.key: f for f in by_unit(RECORDS, AS_OF)}
    assert set(units) == {SCJ, MISHAN}
    scj, mishan = units[SCJ], units[MISHAN]
    assert (scj.received, scj.on_time, scj.late, scj.pending) == (5, 2, 2, 1)
    assert scj.on_time_rate == pytest.approx(0.5)
    assert scj.median_claim_hours == pytest.approx(2.5)  # 1, 2, 3, 5
    assert scj.median_response_hours == pytest.approx(24)  # 10, 24, 50
    assert (scj.breaches, scj.returns, scj.feedback_on_time_rate) == (3, 1, None)
    assert (mishan.received, mishan.on_time, mishan.late) == (2, 2, 0)
    assert (mishan.feedback_on_time, mishan.feedback_late, mishan.feedback_on_time_rate) == (0, 1, 0.0)
    assert mishan.review_score == pytest.approx(85) and mishan.reviews == 2 and mishan.accountability == 1
    assert mishan.returns == 1


def test_incident_level_figures_count_each_incident_once() -> None:
    total = overall(RECORDS, AS_OF)
    assert total.received == 6 and total.incidents == (1, 2, 3, 4, 5, 6)
    assert (total.on_time, total.late, total.pending) == (3, 2, 1)
    assert total.returns == 2  # incident 2 by 市场监管局, incident 1 by 米山镇
    topics = {f.key: f for f in by_topic(RECORDS, AS_OF)}
    assert topics["食品药品监管"].received == 5 and topics["城市综合执法"].received == 1


def test_weeks_are_local_iso_weeks() -> None:
    tz = BEIJING
    # 2026-11-08 16:30 UTC is Monday 2026-11-09 00:30 in Beijing: week 46, not 45
    late_sunday_utc = rec(9, received_h=24 * 6 + 16.5)
    weeks = {f.key: f.received for f in by_week([*RECORDS, late_sunday_utc], AS_OF, tz)}
    assert weeks == {"2026-W45": 5, "2026-W46": 2}
    assert iso_week(datetime(2027, 1, 1).date()) == "2026-W53"


def test_empty_group_has_no_rates() -> None:
    empty = summarise("无", [], AS_OF)
    assert empty.on_time_rate is None and empty.median_claim_hours is None and empty.review_score is None


def test_assessment_score_weighs_what_the_records_show() -> None:
    from service.reports.figures import Figures

    # response 3/4 on time, feedback 1/2, reviews 80: 100 × (0.45×0.75 + 0.15×0.5 + 0.40×0.8) = 73.25
    full = Figures(key="u", on_time=3, late=1, feedback_on_time=1, feedback_late=1, review_score=80.0, reviews=2)
    assert full.assessment_score == pytest.approx(73.25)
    # never asked to verify: the other two parts carry the weight (0.45×0.75 + 0.40×0.8) / 0.85
    no_feedback = Figures(key="u", on_time=3, late=1, review_score=80.0, reviews=2)
    assert no_feedback.assessment_score == pytest.approx(100 * (0.3375 + 0.32) / 0.85)
    # 5 points off per accountability flag, never below 0
    assert Figures(key="u", on_time=3, late=1, feedback_on_time=1, feedback_late=1, review_score=80.0,
                   accountability=2).assessment_score == pytest.approx(63.25)
    assert Figures(key="u", on_time=0, late=2, accountability=3).assessment_score == 0.0
    # nothing decided and nothing reviewed: no score rather than a zero
    assert Figures(key="u", pending=2).assessment_score is None
    assert not hasattr(Figures(key="u"), "assessment_points")  # the 4 % is not this score's weight
