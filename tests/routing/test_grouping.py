"""Grouping: an item joins an incident for the same place and the same concrete problem."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from classifier.entities import extract_entities
from classifier.event_entities import title_heads
from routing.event_match import PairModel
from routing.facts import UNKNOWN_TOPIC
from routing.grouping import (
    MAX_TERMS,
    Signature,
    assign,
    cut_places,
    group_batch,
    match,
    merge,
    name_blocks,
    signature_for_item,
    similarity,
    terms,
)
from routing.policy import GroupingRule, load_policy

RULE = GroupingRule(lookback_days=180, min_similarity_with_entity=0.12, min_similarity_without_entity=0.6)
T0 = datetime(2024, 3, 1, 9, 30)
ENV = "环境保护"
FOOD = "食品药品监管"

FUMES_1 = "凤凰小区一楼的烧烤餐馆油烟直排，熏得楼上住户不敢开窗，晚上还很吵，希望有关部门管一管。"
FUMES_2 = "凤凰小区底商餐馆的油烟问题还是没人管，油烟管道直接排到楼道里，住户苦不堪言。"
FUMES_NEIGHBOUR = "锦绣花园一楼的烧烤餐馆油烟直排，熏得楼上住户不敢开窗，晚上还很吵。"
ELEVATOR = "凤凰小区5号楼电梯经常坏，已经困人好几次了，物业一直拖着不修。"
FOOD_1 = "高平市好几家饭店使用过期食材，后厨卫生脏乱差，请市场监管部门尽快查处。"
FOOD_2 = "高平市好几家饭店使用过期食材，后厨卫生脏乱差，请市场监管部门尽快依法查处！"


def sig(key, text, *, days=0, topic=ENV, regions=("高平市",), entities=("凤凰小区",)) -> Signature:
    return signature_for_item(key, text, topic, regions, entities, T0 + timedelta(days=days))


# --- terms and similarity ------------------------------------------------------------------
def test_terms_are_content_bigrams():
    t = terms("我们小区的餐馆油烟很大，油烟熏人")
    assert "油烟" in t and "餐馆" in t
    assert t["油烟"] > t["餐馆"]  # 1 + ln tf
    assert not {"我们", "小区", "的餐", "们小"} & set(t)


def test_terms_keep_latin_words_and_are_capped_and_json_ready():
    t = terms("PM2.5 超标，" + "".join(chr(0x4E00 + i * 7) for i in range(200)))
    assert "pm2.5" in t
    assert len(t) == MAX_TERMS
    assert json.loads(json.dumps(t)) == t


def test_similarity_is_cosine():
    a = {"油烟": 1.0, "餐馆": 1.0}
    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, {"电梯": 1.0}) == 0.0
    assert similarity(a, {"油烟": 1.0}) == pytest.approx(2**-0.5)
    assert similarity({}, a) == 0.0


def test_signature_leaves_places_out_of_the_terms():
    s = sig("a", FUMES_1)
    assert not {"凤凰", "凰小"} & set(s.terms)
    assert s.first_seen == s.last_seen == T0 and s.size == 1


# --- match ---------------------------------------------------------------------------------
def test_same_estate_same_problem_months_apart_joins():
    incident = sig("a", FUMES_1)
    found = match(sig("b", FUMES_2, days=37), [incident], RULE)
    assert found is not None and found.key == "a"
    assert found.shared_entities == ("凤凰小区",)
    assert found.score >= RULE.min_similarity_with_entity
    assert found.explanation.startswith("同一地点「凤凰小区」，问题相近（相似度")
    assert "油烟" in found.explanation
    assert "主题同为环境保护" in found.explanation
    assert found.explanation.endswith("距上次出现37天")


def test_neighbouring_estate_with_the_same_complaint_does_not_join():
    neighbour = sig("b", FUMES_NEIGHBOUR, days=3, entities=("锦绣花园",))
    assert similarity(neighbour.terms, sig("a", FUMES_1).terms) > 0.5  # the wording is alike …
    assert match(neighbour, [sig("a", FUMES_1)], RULE) is None  # … the place is not


def test_same_estate_name_in_another_town_does_not_join():
    # regions as the pipeline gives them: the named town and every region above it
    mishan = ("山西省", "晋城市", "高平市", "米山镇")
    sanjia = ("山西省", "晋城市", "高平市", "三甲镇")
    incident = sig("1", FUMES_1, regions=mishan)
    assert match(sig("2", FUMES_2, days=3, regions=sanjia), [incident], RULE) is None
    assert match(sig("3", FUMES_2, days=3, regions=mishan), [incident], RULE) is not None
    # naming only the county (or no region) does not contradict the town
    assert match(sig("4", FUMES_2, days=3, regions=mishan[:3]), [incident], RULE) is not None
    assert match(sig("5", FUMES_2, days=3, regions=()), [incident], RULE) is not None


def test_same_estate_other_problem_does_not_join():
    assert match(sig("b", ELEVATOR, days=9), [sig("a", FUMES_1)], RULE) is None


def test_outside_lookback_does_not_join():
    incident = sig("a", FUMES_1)
    assert match(sig("b", FUMES_2, days=181), [incident], RULE) is None
    assert match(sig("b", FUMES_2, days=179), [incident], RULE) is not None
    assert match(sig("b", FUMES_2, days=-181), [incident], RULE) is None


def test_item_received_before_the_incident_joins_it():
    """Parallel workers and backfills process items out of received order: grouping must not
    depend on that order."""
    found = match(sig("b", FUMES_2, days=-2), [sig("a", FUMES_1)], RULE)
    assert found is not None and "早于事件首次出现2天" in found.explanation
    items = [sig("a", FUMES_1), sig("b", FUMES_2, days=3), sig("c", FUMES_1, days=5)]
    in_order = group_batch(items, RULE)
    one_late = assign(items[1:], [], RULE)
    late = assign([items[0]], one_late.incidents.values(), RULE)
    assert len(set(in_order.values())) == 1
    assert len(one_late.incidents) == 1 and set(late.incident_of.values()) == set(one_late.incidents)


def test_lookback_counts_from_last_seen():
    incident = merge(sig("a", FUMES_1), sig("b", FUMES_2, days=150))
    assert match(sig("c", FUMES_1, days=300), [incident], RULE) is not None


def test_topics_must_agree_unless_one_is_unknown():
    incident = sig("a", FUMES_1)
    assert match(sig("b", FUMES_2, days=1, topic="城市综合执法"), [incident], RULE) is None
    found = match(sig("b", FUMES_2, days=1, topic=UNKNOWN_TOPIC), [incident], RULE)
    assert found is not None and f"新留言{UNKNOWN_TOPIC}" in found.explanation
    assert match(sig("b", FUMES_2, days=1), [sig("a", FUMES_1, topic=UNKNOWN_TOPIC)], RULE) is not None


def test_without_entities_near_duplicates_in_the_same_region_join():
    incident = sig("a", FOOD_1, topic=FOOD, entities=())
    found = match(sig("b", FOOD_2, days=2, topic=FOOD, entities=()), [incident], RULE)
    assert found is not None and found.shared_entities == ()
    assert found.explanation.startswith("同一地区「高平市」，表述几乎相同")
    other = sig("b", FOOD_2.replace("高平市", "阳城县"), days=2, topic=FOOD, regions=("阳城县",), entities=())
    assert match(other, [incident], RULE) is None
    nowhere = sig("b", FOOD_2, days=2, topic=FOOD, regions=(), entities=())
    assert match(nowhere, [sig("a", FOOD_1, topic=FOOD, regions=(), entities=())], RULE) is None


def test_without_entities_loosely_similar_text_does_not_join():
    loose = sig("b", "高平市一家饭店卫生不好，食材不新鲜。", days=2, topic=FOOD, entities=())
    assert match(loose, [sig("a", FOOD_1, topic=FOOD, entities=())], RULE) is None


def test_an_item_naming_many_places_is_not_pinned_to_one():
    roads = ("建设路", "人民路", "长平大道", "泫氏街", "团结路")
    s = sig("a", "建议优化建设路、人民路、长平大道、泫氏街、团结路的红绿灯", entities=roads)
    assert s.entities == frozenset()


def test_best_score_wins_and_ties_go_to_the_most_recent():
    item = sig("x", FUMES_2, days=60)
    close = sig("close", FUMES_2, days=10)
    far = sig("far", ELEVATOR + FUMES_1, days=20)
    assert match(item, [far, close], RULE).key == "close"
    old, new = sig("old", FUMES_1, days=1), sig("new", FUMES_1, days=5)
    assert match(item, [old, new], RULE).key == "new"
    assert match(item, [new, old], RULE).key == "new"


# --- merge and batches ---------------------------------------------------------------------
def test_merge_unites_places_extends_span_and_keeps_key():
    incident = sig("a", FUMES_1, topic=UNKNOWN_TOPIC)
    item = sig("b", FUMES_2, days=37, regions=("米山镇",), entities=("凤凰小区", "建设路"))
    merged = merge(incident, item)
    assert merged.key == "a" and merged.topic == ENV  # the incident's topic was unknown
    assert merged.regions == {"高平市", "米山镇"}
    assert merged.entities == {"凤凰小区", "建设路"}
    assert (merged.first_seen, merged.last_seen, merged.size) == (T0, T0 + timedelta(days=37), 2)
    assert len(merged.terms) <= MAX_TERMS
    assert merge(merged, sig("c", FUMES_1, days=40, topic="城市综合执法")).topic == ENV


def test_merge_weights_terms_by_size():
    big = Signature("a", ENV, frozenset(), frozenset(), {"油烟": 1.0}, T0, T0, size=3)
    small = Signature("b", ENV, frozenset(), frozenset(), {"噪音": 1.0}, T0, T0)
    assert merge(big, small).terms == {"油烟": 0.75, "噪音": 0.25}


def test_group_batch_partitions_a_mixed_sequence():
    items = [
        sig("fumes-2", FUMES_2, days=37),
        sig("fumes-1", FUMES_1),
        sig("neighbour", FUMES_NEIGHBOUR, days=2, entities=("锦绣花园",)),
        sig("elevator", ELEVATOR, days=5),
        sig("fumes-3", FUMES_1, days=200),  # 163 days after fumes-2: the incident is still open
        sig("food-1", FOOD_1, days=1, topic=FOOD, entities=()),
        sig("food-2", FOOD_2, days=4, topic=FOOD, entities=()),
        sig("food-yc", FOOD_2, days=4, topic=FOOD, regions=("阳城县",), entities=()),
        sig("elevator-2", "凤凰小区电梯又坏了，困人好几次，物业还是不修", days=6, topic=UNKNOWN_TOPIC),
    ]
    assert group_batch(items, RULE) == {
        "fumes-1": "fumes-1",
        "fumes-2": "fumes-1",
        "fumes-3": "fumes-1",
        "neighbour": "neighbour",
        "elevator": "elevator",
        "elevator-2": "elevator",
        "food-1": "food-1",
        "food-2": "food-1",
        "food-yc": "food-yc",
    }


def _brute_force(items, rule):
    incidents, incident_of = {}, {}
    for item in sorted(items, key=lambda s: s.first_seen):
        found = match(item, list(incidents.values()), rule)
        incident = merge(incidents[found.key], item) if found else item
        incidents[incident.key] = incident
        incident_of[item.key] = incident.key
    return incident_of


def test_the_index_finds_every_incident_an_item_may_join():
    # items with and without entities, in nested and disjoint regions, with near-identical
    # text, so joins happen across every kind of key: the narrowed lookup must agree with
    # scoring each item against every incident
    import random

    rng = random.Random(7)
    places = [(), ("凤凰小区",), ("翠竹小区",), ("凤凰小区", "翠竹小区")]
    regions = [("高平市",), ("高平市", "米山镇"), ("高平市", "三甲镇"), ()]
    # distinct times: equal scores then go to the most recent incident, not to the scan order
    items = [sig(f"i{n}", rng.choice([FOOD_1, FOOD_2, FUMES_1, FUMES_2]), days=n / 10,
                 topic=rng.choice([FOOD, UNKNOWN_TOPIC]), regions=rng.choice(regions), entities=rng.choice(places))
             for n in range(300)]
    got = assign(items, (), RULE).incident_of
    assert got == _brute_force(items, RULE)
    assert len(set(got.values())) < len(items) / 2  # joins did happen: the comparison means something


def test_an_item_with_a_place_joins_an_incident_without_one_in_the_same_regions():
    bare = sig("a", FOOD_1, topic=FOOD, entities=())
    placed = sig("b", FOOD_2, days=1, topic=FOOD, entities=("凤凰小区",))
    assert assign([placed], [bare], RULE).incident_of == {"b": "a"}
    # and the other way round: the incident has the place, the item does not
    assert assign([sig("c", FOOD_2, days=1, topic=FOOD, entities=())], [placed], RULE).incident_of == {"c": "b"}


# --- with the learned pair model (issue 16): real messages, no gazetteer help ----------------
THRESHOLD_RULE = GroupingRule(lookback_days=365, min_similarity_with_entity=0.12, min_similarity_without_entity=0.6,
                              model=PairModel(place_min=0.6, problem_with_place=0.15, problem_without_place=0.9))


@pytest.fixture(params=["thresholds", "learned"])
def model_rule(request: pytest.FixtureRequest) -> GroupingRule:
    """The hand-set thresholds, and the logistic model the packaged policy ships (bench/events_train.py)."""
    return THRESHOLD_RULE if request.param == "thresholds" else load_policy().grouping


def real(key: str, title: str, text: str, days: int, topic: str = UNKNOWN_TOPIC) -> Signature:
    heads = title_heads(title)
    return signature_for_item(key, title + " " + text, topic, (), extract_entities(title + " " + text),
                              T0 + timedelta(days=days), title=title, heads=heads)


CHARGE_1 = real("a", "A7县星沙中茂城恶意拖欠购房资金不退还！", "中茂城收了我们的购房资金，一直拖欠不退还。", 0)
CHARGE_2 = real("b", "A7县星沙中贸城还没有退购房资金", "星沙中贸城还是没有退还业主的购房资金，拖欠半年了。", 200,
                topic="城乡建设")
CHARGE_ELSEWHERE = real("c", "A7县星沙万科城恶意拖欠购房资金不退还！", "万科城收了我们的购房资金，一直拖欠不退还。", 3)
KTV = "小区3栋一楼开了一家KTV，每天营业到凌晨，噪音严重扰民，住户无法休息，请相关部门查处。"


def test_a_misspelt_estate_months_later_joins_with_an_explanation(model_rule: GroupingRule) -> None:
    found = match(CHARGE_2, [CHARGE_1], model_rule)
    assert found is not None and found.key == "a"
    assert "同一地点「星沙中贸城」~「星沙中茂城」" in found.explanation and "同一问题（相似度" in found.explanation
    assert "距上次出现200天" in found.explanation
    assert match(CHARGE_2, [CHARGE_1], replace(model_rule, lookback_days=180)) is None  # the window is the policy's


def test_a_template_copied_with_another_estates_name_stays_apart(model_rule: GroupingRule) -> None:
    assert match(CHARGE_ELSEWHERE, [CHARGE_1], model_rule) is None
    a = real("k1", "举报A3区柏家塘小区KTV严重扰民", "柏家塘" + KTV, 0)
    b = real("k2", "举报A3区燕联小区KTV严重扰民", "燕联" + KTV, 5)
    assert match(b, [a], model_rule) is None


def test_same_estate_another_problem_stays_apart_with_the_model(model_rule: GroupingRule) -> None:
    fumes = real("f", "凤凰小区楼下烧烤店油烟扰民", FUMES_1, 0)
    elevator = real("e", "凤凰小区电梯经常坏", ELEVATOR, 3)
    assert match(elevator, [fumes], model_rule) is None
    assert match(real("g", "凤凰小区油烟问题还没人管", FUMES_2, 40), [fumes], model_rule) is not None


def test_the_index_finds_a_misspelt_estate_and_a_title_naming_no_place(model_rule: GroupingRule) -> None:
    # 中茂城/中贸城 share no entity key: the fuzzy name blocks bring them together
    assert assign([CHARGE_2], [CHARGE_1], model_rule).incident_of == {"b": "a"}
    assert not (set(CHARGE_1.entities) & set(CHARGE_2.entities))
    assert set(name_blocks(CHARGE_1)) & set(name_blocks(CHARGE_2))
    assert not set(name_blocks(CHARGE_1)) & set(name_blocks(real("z", "凤凰小区油烟扰民", FUMES_1, 1)))
    bare = real("n", "恶意拖欠购房资金不退还！", "A7县恶意拖欠购房资金不退还！ 收了我们的购房资金，一直拖欠不退还。", 10)
    assert assign([bare], [CHARGE_1], model_rule).incident_of == {"n": "a"}


def test_places_are_cut_in_one_order_whatever_the_order_they_come_in() -> None:
    # two overlapping places of one length: which is cut first decides the terms, and a set's
    # order follows the hash seed — two workers grouped the same messages differently
    places = ["凤凰小区", "小区楼下"]
    text = "凤凰小区楼下烧烤店油烟扰民"
    cut = cut_places(text, text, places)
    assert cut == cut_places(text, text, list(reversed(places)))
    assert cut[0] == " 楼下烧烤店油烟扰民"  # the longest first, then in character order: 凤凰小区 < 小区楼下
