"""Severity from spread signals: thresholds, reasons, never lowering, the incident tally."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from classifier.base import SeverityAssessment
from classifier.spread import SPREAD, ItemSignals, SpreadFacts, SpreadTally, assess_spread, with_spread
from routing.facts import SEVERITY_RANK, Severity
from routing.policy import SpreadRule, load_policy

GENERAL, MAJOR, ESPECIALLY = Severity.GENERAL, Severity.MAJOR, Severity.ESPECIALLY_MAJOR
RULE = SpreadRule(
    thresholds={
        "reposts": {MAJOR: 5000, ESPECIALLY: 50000},
        "comments": {MAJOR: 2000},
        "items": {MAJOR: 10, ESPECIALLY: 100},
        "regions": {MAJOR: 3, ESPECIALLY: 6},
        "per_hour": {MAJOR: 5, ESPECIALLY: 20},
        "engagement": {MAJOR: 10000},
    },
    growth_window_hours=6,
)
T0 = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("reposts", "level"),
    [(4999, GENERAL), (5000, MAJOR), (12000, MAJOR), (49999, MAJOR), (50000, ESPECIALLY), (10**7, ESPECIALLY)],
)
def test_reposts_thresholds(reposts, level):
    assert assess_spread(SpreadFacts(reposts=reposts), RULE).level == level


def test_reason_names_signal_value_level_and_threshold():
    result = assess_spread(SpreadFacts(reposts=12000), RULE)
    assert result.reasons == ("转发 12,000 次，超过重大阈值 5,000",)
    assert assess_spread(SpreadFacts(reposts=50000), RULE).reasons == ("转发 50,000 次，达到特别重大阈值 50,000",)
    growth = assess_spread(SpreadFacts(per_hour=7.5), RULE).reasons
    assert growth == ("近6小时平均每小时新增信息 7.5 条，超过重大阈值 5",)


def test_each_crossing_signal_gives_a_reason_and_the_highest_level_wins():
    result = assess_spread(SpreadFacts(reposts=6000, comments=2500, items=150, regions=2), RULE)
    assert result.level == ESPECIALLY
    assert [c.signal for c in result.crossings] == ["reposts", "comments", "items"]
    assert result.reasons_above(MAJOR) == ("合并信息 150 条，超过特别重大阈值 100",)
    assert len(result.reasons_above(GENERAL)) == 3


def test_missing_signals_and_signals_without_thresholds_are_ignored():
    empty = assess_spread(SpreadFacts(), RULE)
    assert (empty.level, empty.reasons) == (GENERAL, ())
    # likes and views have no figure in RULE: huge values say nothing
    assert assess_spread(SpreadFacts(likes=10**9, views=10**9), RULE).level == GENERAL
    # and a policy without a spread section never raises
    assert assess_spread(SpreadFacts(reposts=10**9, items=10**6), SpreadRule()).level == GENERAL


def test_more_spread_never_lowers_the_level():
    levels = [assess_spread(SpreadFacts(reposts=n, items=n // 500), RULE).level for n in range(0, 100_000, 997)]
    ranks = [SEVERITY_RANK[lvl] for lvl in levels]
    assert ranks == sorted(ranks) and ranks[0] == 0 and ranks[-1] == 2


def test_spread_raises_an_item_but_never_lowers_its_text_level():
    text = SeverityAssessment(GENERAL, ("rumour",), ("谣言与不实信息：命中“网传”",))
    raised = with_spread(text, assess_spread(SpreadFacts(reposts=6000), RULE))
    assert raised.level == MAJOR
    assert raised.triggers == ("rumour", SPREAD)
    assert raised.reasons[-1] == "传播态势：转发 6,000 次，超过重大阈值 5,000"
    grave = SeverityAssessment(ESPECIALLY, ("casualties",), ("人员伤亡：死亡12人，达到特别重大标准",), emergency=True)
    kept = with_spread(grave, assess_spread(SpreadFacts(reposts=6000), RULE))
    assert (kept.level, kept.emergency) == (ESPECIALLY, True)
    assert with_spread(text, assess_spread(SpreadFacts(reposts=10), RULE)) is text


def test_item_signals_from_a_mapping():
    s = ItemSignals.from_dict({"reposts": 3, "likes": 4})
    assert s == ItemSignals(reposts=3, likes=4)
    assert s.as_dict() == {"reposts": 3, "likes": 4}
    assert s.engagement == 7
    assert ItemSignals(views=100).engagement is None  # views are not engagement
    assert ItemSignals.from_dict({}) is None and ItemSignals.from_dict(None) is None


def _tally(entries, window=6):  # (minutes after T0, signals, regions)
    tally = SpreadTally()
    for minutes, signals, regions in entries:
        tally = tally.add(signals, departments=(), regions=regions, received_at=T0 + timedelta(minutes=minutes),
                          window_hours=window)
    return tally


def test_tally_keeps_peaks_sums_and_distinct_places():
    tally = _tally([
        (0, ItemSignals(reposts=4000, comments=10), ["米山镇"]),
        (30, None, ["米山镇", "河西镇"]),
        (60, ItemSignals(reposts=3000, likes=5000), ["马村镇"]),
    ])
    facts = tally.facts(6)
    assert (facts.items, facts.reposts, facts.comments, facts.likes, facts.views) == (3, 4000, 10, 5000, None)
    assert facts.engagement == 4000 + 10 + 3000 + 5000
    assert facts.regions == 3
    result = assess_spread(facts, RULE)
    assert result.level == MAJOR  # engagement 12,010 and 3 regions; no single item reached 5,000 reposts
    assert {c.signal for c in result.crossings} == {"engagement", "regions"}


def test_tally_growth_counts_only_the_recent_window():
    # 40 items in the first two hours, then nothing for a day, then 12 items in one hour
    burst = [(m * 3, None, ()) for m in range(40)]
    later = [(24 * 60 + m * 5, None, ()) for m in range(12)]
    first = _tally(burst)
    assert first.facts(6).per_hour == round(40 / 6, 2)
    after = _tally(burst + later)
    assert after.facts(6).per_hour == 2.0  # the burst fell out of the window
    assert after.facts(6).items == 52
    assert len(after.hours) <= 6  # old hours are dropped, the JSON stays small


def test_an_item_received_out_of_order_counts_but_not_in_an_old_hour():
    tally = _tally([(600, None, ()), (0, None, ())])  # the second was received 10 h earlier
    assert tally.facts(6).items == 2
    assert tally.facts(6).per_hour == round(1 / 6, 2)


def test_tally_json_round_trip():
    tally = _tally([(0, ItemSignals(reposts=5, views=9), ["米山镇"]), (70, ItemSignals(comments=2), ["河西镇"])])
    tally = tally.add(None, departments=["高平市教育局"], regions=(), received_at=T0, window_hours=6)
    assert SpreadTally.from_json(tally.to_json()) == tally
    assert SpreadTally.from_json(tally.to_json()).facts(6) == tally.facts(6)


def test_packaged_policy_has_a_figure_for_every_signal():
    rule = load_policy().spread
    assert rule.growth_window_hours > 0
    assert set(rule.thresholds) == {"reposts", "comments", "likes", "views", "engagement", "items", "units",
                                    "regions", "per_hour"}
    for levels in rule.thresholds.values():
        assert levels[MAJOR] < levels[ESPECIALLY]
    assert assess_spread(SpreadFacts(reposts=12000), rule).reasons == ("转发 12,000 次，超过重大阈值 5,000",)


def test_a_region_and_its_parents_count_as_one_place():
    parents = {"米山镇": ["山西省", "晋城市", "高平市"], "河西镇": ["山西省", "晋城市", "高平市"], "高平市": ["山西省", "晋城市"]}
    tally = _tally([(0, None, ["高平市", "米山镇"]), (5, None, ["高平市"]), (9, None, ["河西镇"])])
    assert tally.facts(6).regions == 3  # without the org every name counts
    assert tally.facts(6, lambda r: parents.get(r, [])).regions == 2  # 米山镇, 河西镇
    assert _tally([(0, None, ["高平市"])]).facts(6, lambda r: parents.get(r, [])).regions == 1
