"""Pair signals of the incident merger: fuzzy place names, problem similarity, the learned model."""

from __future__ import annotations

import pytest

from routing.event_match import (
    FEATURES,
    NAMED,
    LogisticPairModel,
    PairModel,
    PairSignals,
    best_pair,
    cosine,
    features,
    model_from_dict,
    name_similarity,
    signals,
)
from routing.policy import Policy, PolicyError, load_policy


def test_variant_spellings_of_one_name_meet() -> None:
    assert name_similarity("白鹤咀", "白咀鹤") == 1.0  # the same characters reordered
    assert name_similarity("中茂城", "中贸城") == pytest.approx(2 / 3)  # one character misspelt
    assert name_similarity("王陵国家考古公园", "国王陵国家考古遗址公园") >= 0.9  # one name held in the other
    assert name_similarity("凤凰小区", "凤凰") == 1.0  # the generic tail does not count


def test_other_places_stay_apart() -> None:
    assert name_similarity("凤凰小区", "翠竹小区") == 0.0
    # sharing only generic parts (国际, 社区) is not being one place
    assert name_similarity("厚海玉龙国际", "中海国际社区") < 0.5
    assert best_pair(["凤凰小区", "建设路"], ["翠竹小区", "建设路东段"])[1:] == ("建设路", "建设路东段")


def test_weighted_cosine_lets_telling_terms_count_more() -> None:
    a, b = {"核价": 1.0, "严重": 1.0, "精装": 1.0}, {"核价": 1.0, "严重": 1.0, "暴利": 1.0}
    assert cosine(a, b) == pytest.approx(2 / 3)
    assert cosine(a, b, lambda t: 1.0 if t == "核价" else 0.1) > 0.95
    assert cosine({"核价": 1.0, "x": 1.0}, {"核价": 1.0, "y": 1.0}) == 0.0  # one word in common is no common problem


def test_a_hospital_an_estate_and_a_road_of_one_name_are_three_places() -> None:
    assert name_similarity("锦绣医院", "锦绣小区") == 0.0 and name_similarity("金泰村", "金泰路") == 0.0
    assert name_similarity("锦绣小区", "锦绣花园") == 1.0  # two estate suffixes: one kind


def test_signals_say_whether_both_name_a_place() -> None:
    s = signals(frozenset({"柏家塘"}), frozenset(), {"ktv": 1.0, "噪音": 1.0}, {}, frozenset({"燕联"}), frozenset(),
                {"ktv": 1.0, "噪音": 1.0}, {})
    assert s.named_both and s.place == 0.0 and s.problem == pytest.approx(1.0)
    same = signals(frozenset({"星沙中茂城"}), frozenset(), {}, {}, frozenset({"星沙中贸城"}), frozenset(), {}, {})
    assert same.named_both and same.place >= NAMED  # 中茂城 ~ 中贸城 once the shared 星沙 is set aside
    unnamed = signals(frozenset(), frozenset(), {"ktv": 1.0}, {}, frozenset({"燕联"}), frozenset(), {"ktv": 1.0}, {})
    assert not unnamed.named_both  # one names no place: only near-identical wording can join them


def test_the_model_joins_one_place_one_problem_and_nothing_across_places() -> None:
    model = PairModel(place_min=0.7, problem_with_place=0.15, problem_without_place=0.9)

    def sig(place: float, words: float, named_both: bool = True) -> PairSignals:
        return PairSignals(place, place, words, 0.0, named_both, True)

    assert model.joins(sig(0.9, 0.2))  # the same estate, the problem told in other words
    assert not model.joins(sig(1.0, 0.05))  # the same estate, another problem
    assert not model.joins(sig(0.6, 1.0))  # the copied template with another estate's name (星沙万科城/星沙中茂城)
    assert model.joins(sig(0.0, 0.95, named_both=False)) and not model.joins(sig(0.0, 0.6, named_both=False))
    assert model.strength(sig(0.9, 0.5)) > model.strength(sig(0.7, 0.5))


def test_the_packaged_policy_has_a_learned_model_and_bad_ones_are_refused() -> None:
    model = load_policy().grouping.model
    assert isinstance(model, LogisticPairModel) and 0 < model.threshold < 1
    data = model.to_dict()
    assert model_from_dict(data) == model
    base = {"clocks": {"response": {"hours": 24}}, "escalation": {"warn_fractions": [0.5], "supervise_after_hours": 1},
            "grouping": {"lookback_days": 1, "min_similarity_with_entity": 0.1, "min_similarity_without_entity": 0.5}}
    assert Policy.from_dict(base).grouping.model is None
    thresholds = {"place_min": 0.7, "problem_with_place": 0.2, "problem_without_place": 0.9}
    assert isinstance(Policy.from_dict({**base, "grouping": {**base["grouping"], "model": thresholds}}).grouping.model,
                      PairModel)  # a policy of thresholds still loads
    missing = {**data, "weights": {k: v for k, v in data["weights"].items() if k != "place"}}
    for bad in ({**thresholds, "place_min": 1.5}, {"place_min": 0.5}, {**thresholds, "problem_with_place": "x"}, "x",
                {**data, "threshold": 1.0}, missing, {**data, "weights": [1.0] * len(FEATURES)}):
        with pytest.raises(PolicyError):
            Policy.from_dict({**base, "grouping": {**base["grouping"], "model": bad}})


def test_numbered_names_must_agree() -> None:
    assert name_similarity("805路", "808路") == 0.0 and name_similarity("地铁3号线", "地铁4号线") == 0.0
    assert name_similarity("805路公交车", "805路") >= 0.9
    assert name_similarity("区金路小区", "金路小区") == 1.0
    # the shared township does not make two estates one: 星沙万科城 ≠ 星沙中茂城, but 星沙中茂城 ~ 星沙中贸城
    assert name_similarity("星沙万科城", "星沙中茂城") < 0.5 <= name_similarity("星沙中茂城", "星沙中贸城")  # a name cut after a region's first character


def test_signals_tell_the_title_place_the_number_of_shared_names_and_the_gap() -> None:
    s = signals(frozenset({"同鑫家园"}), frozenset({"新桥新村"}), {}, {}, frozenset(), frozenset({"同鑫家园", "新桥新村"}),
                {}, {}, gap_days=40.0)
    assert s.titled == 1.0 and s.head == 0.0 and s.shared == 2 and s.gap_days == 40.0
    long_name = signals(frozenset({"万润滨江天著"}), frozenset(), {}, {}, frozenset({"万润滨江天著"}), frozenset(), {}, {})
    assert long_name.specific > s.specific  # 万润滨江天著 is one place, 同鑫(家园) may be several
    body_only = signals(frozenset({"依法处理好"}), frozenset({"凉塘路"}), {}, {}, frozenset({"星沙商业乐园"}),
                        frozenset({"凉塘路"}), {}, {})
    assert body_only.place == 1.0 and body_only.titled < 0.6  # only a road named in passing is common
    assert len(features(s)) == len(FEATURES) and all(0 <= x <= 1 for x in features(s))


def test_the_logistic_model_weighs_the_signals_and_refuses_templates() -> None:
    weights = tuple(4.0 if f in ("titled", "problem") else 0.0 for f in FEATURES)
    model = LogisticPairModel(weights, bias=-3.0, threshold=0.5)

    def sig(place: float, words: float, named_both: bool = True) -> PairSignals:
        return PairSignals(place, place, words, 0.0, named_both, True, titled=place)

    assert model.joins(sig(1.0, 0.2))  # the same estate, the problem in other words
    assert not model.joins(sig(0.0, 0.4))  # other places, somewhat alike wording
    assert not model.joins(sig(0.3, 0.9))  # a template copied with another estate's name, however alike
    assert model.joins(sig(0.0, 0.9, named_both=False))  # one names no place: the wording decides
    assert model.strength(sig(1.0, 0.5)) > model.strength(sig(0.7, 0.5))


def test_the_matched_names_do_not_depend_on_the_hash_seed() -> None:
    """Two name pairs equally similar: the one kept is the same in every process (a retrain on
    the same labels gives the same features)."""
    import subprocess
    import sys

    code = ("from routing.event_match import signals\n"
            "s = signals(frozenset(), frozenset({'凤凰小区', '翠竹小区', '金泰花园', '锦绣家园'}), {}, {},\n"
            "            frozenset(), frozenset({'凤凰小区', '翠竹小区', '金泰花园', '锦绣家园'}), {}, {})\n"
            "print(s.place_pair, s.shared)")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), "PATH": ""}).stdout for seed in range(6)}
    assert len(seen) == 1, seen
