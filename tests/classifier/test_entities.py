"""Entity extraction: named estates, roads, villages, schools … and not generic mentions."""

from __future__ import annotations

import pytest

from classifier.entities import extract_entities

REGIONS = {"高平市", "高平", "米山镇", "米山", "阳城县", "阳城", "河西镇", "东城办事处"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # estates
        ("凤凰小区门口的烧烤店油烟很大", ("凤凰小区",)),
        ("投诉锦绣花园物业乱收费", ("锦绣花园",)),
        ("幸福家园和翠竹苑都停水了", ("幸福家园", "翠竹苑")),
        ("丽发新城小区业主反映", ("丽发新城",)),  # 小区 after an estate name is dropped
        ("杜鹃文苑小区外在施工", ("杜鹃文苑",)),
        ("金茂府的业主", ("金茂府",)),
        # roads, with 段 / 号
        ("建设路东段施工扰民", ("建设路东段",)),
        ("人民路12号门面", ("人民路12号",)),
        ("解放东路和长平大道交叉口", ("解放东路", "长平大道")),
        # villages and communities
        ("金鼎村七里组的水泥路", ("金鼎村",)),
        ("东关社区的路灯坏了", ("东关社区",)),
        # schools, hospitals, companies, others
        ("米山中学门口交通混乱", ("米山中学",)),
        ("育才小学和红星幼儿园", ("育才小学", "红星幼儿园")),
        ("在第一人民医院看病", ("第一人民医院",)),
        ("晋能煤矿拖欠工资", ("晋能煤矿",)),
        ("雅华物业有限公司欠薪", ("雅华公司",)),  # business words dropped
        ("丹河边上有人倒垃圾", ("丹河",)),
        ("龙湾水库的水发臭", ("龙湾水库",)),
    ],
)
def test_named_entities(text, expected):
    assert extract_entities(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "我们小区的电梯坏了",
        "这个小区没有物业",
        "该小区油烟扰民",
        "本村的路没修",
        "多家餐馆油烟扰民",
        "附近学校放学堵车",
        "某小区门口",
        "一所学校收费",
        "周边小区都停水",
        "过马路很危险，道路坑洼，公交线路太少",
        "物业公司不作为",
        "城管来了，市场监管局也来了",
        "县城的街道很脏",
        "市政府和县政府",
        "建议修建过街天桥",
    ],
)
def test_generic_mentions_are_not_entities(text):
    assert extract_entities(text) == ()


def test_region_names_are_excluded_and_stripped():
    text = "高平市凤凰小区旁边，米山镇北杨村，阳城县建设路"
    assert extract_entities(text, exclude=REGIONS) == ("凤凰小区", "北杨村", "建设路")
    assert extract_entities("东城办事处", exclude=REGIONS) == ()


def test_institution_named_by_its_place_keeps_it():
    assert extract_entities("米山镇卫生院", exclude=REGIONS) == ("米山镇卫生院",)
    assert extract_entities("高平市第一中学", exclude=REGIONS) == ("高平市第一中学",)
    assert extract_entities("油麻乡中心学校") == ("油麻乡中心学校",)


def test_order_of_appearance_and_dedup():
    text = "龙湾小区的油烟。龙湾小区旁边的建设路，还有龙湾小区"
    assert extract_entities(text) == ("龙湾小区", "建设路")


def test_stem_stops_at_verbs_and_pronouns():
    assert extract_entities("我投诉凤凰小区") == ("凤凰小区",)
    assert extract_entities("位于建设路的饭店") == ("建设路",)
    assert extract_entities("附近修建搅拌厂") == ()
