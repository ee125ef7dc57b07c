"""A small Shanxi org chart built in code (independent of the demo org YAML).

山西省 → 晋城市, 长治市; 晋城市 → 高平市, 阳城县; 高平市 → 河西镇, 马村镇, 米山镇, 东城办事处;
阳城县 → 凤城镇. Departments for 市场监管, 教育, 生态环境, 税务 … at each level, with the
vertically managed 晋城市生态环境局高平分局, 高平市税务局 and 国家税务总局晋城市税务局.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from routing.facts import IncidentFacts, Severity
from routing.local_time import BEIJING
from routing.orgchart import Department, Level, OrgChart, Region, build_alias_index
from routing.policy import Policy, load_policy
from routing.taxonomy import Taxonomy, load_taxonomy

CST = BEIJING

# name, level, parent, aliases
REGIONS = [
    ("山西省", Level.PROVINCE, None, ("山西",)),
    ("晋城市", Level.CITY, "山西省", ("晋城",)),
    ("长治市", Level.CITY, "山西省", ("长治",)),
    ("高平市", Level.COUNTY, "晋城市", ("高平",)),
    ("阳城县", Level.COUNTY, "晋城市", ("阳城",)),
    ("河西镇", Level.TOWNSHIP, "高平市", ()),
    ("马村镇", Level.TOWNSHIP, "高平市", ()),
    ("米山镇", Level.TOWNSHIP, "高平市", ()),
    ("东城办事处", Level.TOWNSHIP, "高平市", ("东城街道",)),
    ("凤城镇", Level.TOWNSHIP, "阳城县", ()),
]

# name, region, functions, vertical_superior
DEPARTMENTS = [
    ("山西省市场监督管理局", "山西省", ("市场监管",), None),
    ("山西省教育厅", "山西省", ("教育",), None),
    ("山西省生态环境厅", "山西省", ("生态环境",), None),
    ("国家税务总局山西省税务局", "山西省", ("税务",), "国家税务总局"),
    ("晋城市市场监督管理局", "晋城市", ("市场监管",), None),
    ("晋城市教育局", "晋城市", ("教育",), None),
    ("晋城市生态环境局", "晋城市", ("生态环境",), None),
    ("国家税务总局晋城市税务局", "晋城市", ("税务",), "国家税务总局山西省税务局"),
    ("晋城市公安局", "晋城市", ("公安",), None),
    ("长治市市场监督管理局", "长治市", ("市场监管",), None),
    ("长治市教育局", "长治市", ("教育",), None),
    ("高平市市场监督管理局", "高平市", ("市场监管",), None),
    ("高平市教育局", "高平市", ("教育",), None),
    ("晋城市生态环境局高平分局", "高平市", ("生态环境",), "晋城市生态环境局"),
    ("高平市税务局", "高平市", ("税务",), "国家税务总局晋城市税务局"),
    ("高平市公安局", "高平市", ("公安",), None),
    ("高平市应急管理局", "高平市", ("应急管理",), None),
    ("高平市住房和城乡建设局", "高平市", ("住房城乡建设",), None),
    ("高平市水务局", "高平市", ("水务",), None),
    ("阳城县市场监督管理局", "阳城县", ("市场监管",), None),
    ("阳城县教育局", "阳城县", ("教育",), None),
    ("晋城市生态环境局阳城分局", "阳城县", ("生态环境",), "晋城市生态环境局"),
]


def _bodies(name: str, level: Level) -> dict[str, str]:
    """Standing bodies named by the usual convention (a street office is its own government)."""
    if name.endswith("办事处"):
        short = name.removesuffix("办事处")
        return dict(
            government=name,
            office=f"{name}党政办公室",
            propaganda=f"中共{short}街道工委宣传部",
            party_committee=f"中共{short}街道工委",
            leader=f"{name}主要负责人",
        )
    office = "人民政府办公厅" if level is Level.PROVINCE else "人民政府办公室"
    return dict(
        government=f"{name}人民政府",
        office=f"{name}{office}",
        propaganda=f"中共{name}委宣传部",
        party_committee=f"中共{name}委",
        leader=f"{name}人民政府主要负责人",
    )


def build_org(home: str = "高平市") -> OrgChart:
    departments = {
        name: Department(name, region, functions, vertical_superior=superior)
        for name, region, functions, superior in DEPARTMENTS
    }
    regions = {
        name: Region(
            name,
            level,
            parent,
            aliases=aliases,
            departments=tuple(d.name for d in departments.values() if d.region == name),
            children=tuple(child for child, _, p, _ in REGIONS if p == name),
            **_bodies(name, level),
        )
        for name, level, parent, aliases in REGIONS
    }
    return OrgChart(regions, departments, home, build_alias_index(regions, departments))


@pytest.fixture(scope="session")
def org() -> OrgChart:
    return build_org()


@pytest.fixture(scope="session")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy()


def facts(topic: str = "食品药品监管", severity: Severity = Severity.GENERAL, **kw: object) -> IncidentFacts:
    """IncidentFacts with tuples from lists, for compact parametrize tables."""
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()}
    return IncidentFacts(topic, severity, **fields)  # type: ignore[arg-type]


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware time in China Standard Time, in March 2024."""
    return datetime(2024, 3, day, hour, minute, tzinfo=CST)
