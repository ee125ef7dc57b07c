"""Gazetteer: org names, aliases and qualified forms found in text, resolved by context."""

from __future__ import annotations

import pytest

from classifier.gazetteer import Gazetteer, trie_pattern
from routing.orgchart import Department, Level, OrgChart, Region, build_alias_index


def _region(name: str, level: Level, parent: str | None, aliases=(), departments=(), children=()) -> Region:
    government = name if name.endswith("办事处") else f"{name}人民政府"
    return Region(
        name=name,
        level=level,
        parent=parent,
        government=government,
        office=f"{government}办公室",
        propaganda=f"中共{name}委宣传部",
        party_committee=f"中共{name}委",
        leader=f"{government}主要负责人",
        aliases=tuple(aliases),
        departments=tuple(departments),
        children=tuple(children),
    )


def make_org(home: str = "高平市") -> OrgChart:
    depts = [
        Department("高平市教育局", "高平市", ("教育",), ("教育局",)),
        Department("高平市城市管理局", "高平市", ("城市管理",), ("城管局", "城管")),
        Department("高平市市场监督管理局", "高平市", ("市场监管",), ("市场监管局",)),
        Department("阳城县城市管理局", "阳城县", ("城市管理",), ("城管",)),
        Department("晋城市教育局", "晋城市", ("教育",), ("教育局",)),
    ]
    by_region: dict[str, list[str]] = {}
    for d in depts:
        by_region.setdefault(d.region, []).append(d.name)
    regions = [
        _region("山西省", Level.PROVINCE, None, children=("晋城市",)),
        _region("晋城市", Level.CITY, "山西省", departments=by_region["晋城市"], children=("高平市", "阳城县", "晋城市城区")),
        _region(
            "高平市", Level.COUNTY, "晋城市", ("高平",), by_region["高平市"], ("米山镇", "河西镇", "东城办事处")
        ),
        _region("阳城县", Level.COUNTY, "晋城市", ("阳城",), by_region["阳城县"]),
        _region("晋城市城区", Level.COUNTY, "晋城市", ("城区",)),
        _region("米山镇", Level.TOWNSHIP, "高平市", ("米山",)),
        _region("河西镇", Level.TOWNSHIP, "高平市", ("河西",)),
        _region("东城办事处", Level.TOWNSHIP, "高平市", ("东城街道",)),
    ]
    region_map = {r.name: r for r in regions}
    dept_map = {d.name: d for d in depts}
    return OrgChart(region_map, dept_map, home, build_alias_index(region_map, dept_map))


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_org(make_org())


@pytest.mark.parametrize(
    ("text", "regions", "departments"),
    [
        ("高平市米山镇有人反映", ("高平市", "米山镇"), ()),
        ("高平米山的路坏了", ("高平市", "米山镇"), ()),
        ("东城街道的居民", ("东城办事处",), ()),
        ("请高平市教育局回复", (), ("高平市教育局",)),
        ("高平市人民政府办公室转", ("高平市",), ()),
        ("中共阳城县委宣传部", ("阳城县",), ()),
        ("高平教育局不作为", (), ("高平市教育局",)),
        ("高平市市场监管局", (), ("高平市市场监督管理局",)),
        ("阳城县城管打人", (), ("阳城县城市管理局",)),
        ("阳城城管打人", (), ("阳城县城市管理局",)),
    ],
)
def test_names_aliases_bodies_and_qualified_forms(gaz, text, regions, departments):
    m = gaz.find(text)
    assert m.regions == regions
    assert m.departments == departments


def test_surfaces_map_to_full_names(gaz):
    m = gaz.find("高平教育局和米山")
    assert m.surfaces == (("高平教育局", "高平市教育局"), ("米山", "米山镇"))


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("阳城县町店镇的城管乱收费", "阳城县城市管理局"),  # bare alias, named region
        ("城管乱收费", "高平市城市管理局"),  # nothing named → home
        ("教育局不回复", "高平市教育局"),
        ("市教育局不回复", "高平市教育局"),  # 高平 is a county-level 市
        ("米山镇的学校，市教育局不管", "高平市教育局"),  # township → ancestor
        ("米山镇教育局", "高平市教育局"),
        ("阳城县的学校，市教育局不管", "晋城市教育局"),  # 县 → the 市 above
        ("阳城县的学校，教育局不管", "晋城市教育局"),  # 阳城 has none: walk up
        ("小区教育局", "高平市教育局"),  # 区 of 小区 is no level hint
    ],
)
def test_bare_alias_resolved_by_context(gaz, text, department):
    assert gaz.find(text).departments == (department,)


def test_bare_alias_outside_the_chain_is_ignored():
    gaz = Gazetteer.from_org(make_org(home="晋城市"))
    assert gaz.find("城管乱收费").departments == ()
    assert gaz.find("晋城市城管乱收费").departments == ()


def test_nearest_lowest_region_wins(gaz):
    m = gaz.find("阳城县和高平市米山镇都有，城管不管")
    assert m.departments == ("高平市城市管理局",)


def test_no_double_counting(gaz):
    m = gaz.find("高平市教育局、高平市教育局和高平市人民政府")
    assert m.departments == ("高平市教育局",)
    assert m.regions == ("高平市",)
    assert m.surfaces == (("高平市教育局", "高平市教育局"), ("高平市人民政府", "高平市"))


@pytest.mark.parametrize(
    "text",
    ["老城区的路灯坏了", "城区的路灯坏了", "河西走廊旅游", "黄河西岸"],
)
def test_stoplist(gaz, text):
    m = gaz.find(text)
    assert m.regions == ()
    assert "晋城市城区" not in m.regions and "河西镇" not in m.regions


def test_stoplist_keeps_real_names(gaz):
    assert gaz.find("晋城市城区").regions == ("晋城市城区",)
    assert gaz.find("河西镇和河西").regions == ("河西镇",)


def test_trie_pattern_is_leftmost_longest():
    import re

    pattern = re.compile(trie_pattern(["高平", "高平市", "高平市教育局", "市教育局", "a.b"]))
    assert pattern.findall("高平市教育局、高平市、高平人、市教育局、a.b、axb") == [
        "高平市教育局", "高平市", "高平", "市教育局", "a.b"
    ]
