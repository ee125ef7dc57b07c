"""The org loader: the demo organisation (seed 001 附件 1) and located, bilingual errors."""

from __future__ import annotations

import textwrap

import pytest

from routing.orgchart import Level, OrgChart
from routing.orgfile import (
    OrgFileError,
    demo_org_text,
    load_demo_org,
    load_org,
    load_org_text,
    org_digest,
    taxonomy_functions,
)

STREET_OFFICES = ["东城办事处", "南城办事处", "北城办事处"]
TOWNSHIPS = ["米山镇", "三甲镇", "神农镇", "陈区镇", "建宁乡", "北诗镇", "石末乡",
             "河西镇", "马村镇", "原村乡", "野川镇", "寺庄镇", "永禄乡"]  # fmt: skip
# 附件 1's 46 departments and centres as listed ("市X" is 高平市X in the org)
DEPARTMENTS = [
    "高平经济技术开发区管委会", "市发展和改革局", "市教育局", "市工业和信息化局", "市公安局",
    "市民政局", "市司法局", "市财政局", "市人力资源和社会保障局", "市自然资源局",
    "市住房和城乡建设局", "市城市管理局", "市交通运输局", "市水务局", "市农业农村局", "市林业局",
    "市文化和旅游局", "市卫生健康和体育局", "市退役军人事务局", "市应急管理局", "市审计局",
    "市市场监督管理局", "市统计局", "市医疗保障局", "市行政审批服务管理局", "市信访局", "市能源局",
    "市税务局", "晋城市生态环境局高平分局", "市金融发展中心", "市投资促进中心",
    "市中小企业发展促进中心", "市扶贫开发中心", "市畜牧兽医服务中心", "市农业机械发展中心",
    "市园林服务中心", "市农业综合开发中心", "市综合检验检测中心", "市供销合作联合社",
    "市城镇集体工业联合社", "市外贸企业服务中心", "市商业企业服务中心", "市物资企业服务中心",
    "市文化活动中心", "市公共事业建设服务中心", "市融媒体中心",
]  # fmt: skip


@pytest.fixture(scope="module")
def org() -> OrgChart:
    return load_demo_org()


def full_name(listed: str) -> str:
    return "高平" + listed if listed.startswith("市") else listed


# --- the demo organisation -------------------------------------------------------------------
def test_demo_loads(org):
    assert org.home == "高平市"
    assert org.region("高平市").parent == "晋城市"
    assert org.region("晋城市").parent == "山西省"
    assert org.region("山西省").level is Level.PROVINCE
    assert set(org.region("晋城市").children) == {"晋城市城区", "泽州县", "高平市", "阳城县", "陵川县", "沁水县"}


def test_gaoping_has_the_62_units_of_attachment_1(org):
    gaoping = org.region("高平市")
    assert sorted(gaoping.children) == sorted(STREET_OFFICES + TOWNSHIPS)
    assert all(org.region(c).level is Level.TOWNSHIP for c in gaoping.children)
    assert len(DEPARTMENTS) == 46
    expected = {full_name(d) for d in DEPARTMENTS}
    assert set(gaoping.departments) == expected
    assert len(STREET_OFFICES) + len(TOWNSHIPS) + len(expected) == 62


def test_standing_bodies_are_unit_names(org):
    units = org.unit_names()
    for name in ["高平市人民政府", "高平市人民政府办公室", "中共高平市委宣传部", "中共高平市委",
                 "高平市人民政府主要负责人", "米山镇人民政府", "东城办事处"]:  # fmt: skip
        assert name in units
    east = org.region("东城办事处")
    assert (east.government, east.office) == ("东城办事处", "东城办事处党政综合办公室")
    assert east.party_committee == "中共东城街道工作委员会"
    assert east.propaganda == "中共东城街道工作委员会宣传委员"
    assert org.region("晋城市城区").government == "晋城市城区人民政府"


def test_authorities_and_vertical_departments(org):
    assert org.authority("高平市", "市场监管").name == "高平市市场监督管理局"
    assert org.authority("高平市", "卫生健康").name == "高平市卫生健康和体育局"
    tax = org.department("高平市税务局")
    assert tax.vertical and tax.vertical_superior == "国家税务总局晋城市税务局"
    assert org.authority("高平市", "税务") == tax
    eco = org.department("晋城市生态环境局高平分局")
    assert eco.vertical and eco.vertical_superior == "晋城市生态环境局"
    assert eco.region == "高平市" and org.authority("高平市", "生态环境") == eco
    assert not org.department("晋城市生态环境局").vertical


@pytest.mark.parametrize("region", ["山西省", "晋城市", "高平市"])
def test_every_taxonomy_function_has_an_authority(org, region):
    missing = [f for f in sorted(taxonomy_functions()) if org.authority(region, f) is None]
    assert missing == []


def test_every_jincheng_county_has_the_main_departments(org):
    main = ["教育", "公安", "民政", "人力社保", "自然资源", "住房城乡建设", "城市管理", "农业农村",
            "卫生健康", "应急管理", "市场监管", "医疗保障", "生态环境", "税务"]  # fmt: skip
    for county in org.region("晋城市").children:
        assert [f for f in main if org.authority(county, f) is None] == [], county


def test_aliases(org):
    assert org.resolve("高平") == "高平市"
    assert org.resolve("东城街道") == "东城办事处"
    assert org.resolve("东城") is None  # too short to be safe
    assert org.resolve("城区") is None  # a common word: 晋城市城区 has no short alias
    assert org.resolve("教育局") is None  # shared by every county: resolved by context elsewhere
    assert "教育局" in org.department("高平市教育局").aliases


def test_load_org_from_path_and_digest(tmp_path):
    text = demo_org_text()
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_org(path).regions.keys() == load_demo_org().regions.keys()
    assert org_digest(text) == org_digest(text) != org_digest(text + "\n")
    assert len(org_digest(text)) == 64


# --- errors ----------------------------------------------------------------------------------
VALID = """\
home: 高平市
regions:
  - name: 晋城市
    level: city
    departments:
      - {name: 晋城市教育局, functions: [教育]}
    children:
      - name: 高平市
        level: county
        departments:
          - {name: 高平市教育局, functions: [教育]}
"""


def load(text: str) -> OrgChart:
    return load_org_text(textwrap.dedent(text), source="demo.yaml")


def error_of(text: str) -> str:
    with pytest.raises(OrgFileError) as info:
        load(text)
    return str(info.value)


def test_valid_minimal_file():
    org = load(VALID)
    assert org.region("高平市").parent == "晋城市"
    assert org.department("高平市教育局").region == "高平市"


def test_yaml_syntax_error():
    message = error_of(VALID.replace("[教育]}\n    children", "[教育]\n    children"))
    assert "demo.yaml 第7行" in message
    assert "regions[0].departments[0]" in message
    assert "YAML 语法错误 / YAML syntax error" in message


def test_unknown_level():
    message = error_of(VALID.replace("level: county", "level: district"))
    assert "demo.yaml 第9行 regions[0].children[0].level:" in message
    assert "'district'" in message


def test_child_level_must_be_lower_than_parent():
    message = error_of(VALID.replace("level: county", "level: city"))
    assert "demo.yaml 第9行 regions[0].children[0].level:" in message
    assert "必须低于上级" in message and "must be lower than its parent" in message


def test_county_directly_under_province_is_allowed():
    assert load(VALID.replace("level: city", "level: province")).region("高平市").level is Level.COUNTY


def test_duplicate_unit_name_reports_both_places():
    message = error_of(VALID.replace("高平市教育局", "晋城市教育局"))
    assert "demo.yaml 第11行 regions[0].children[0].departments[0].name:" in message
    assert "第6行 regions[0].departments[0].name" in message
    assert "duplicate unit name '晋城市教育局'" in message


def test_duplicate_with_a_standing_body():
    message = error_of(VALID.replace("高平市教育局", "晋城市人民政府"))
    assert "regions[0].government" in message and "第11行" in message


def test_unknown_function():
    message = error_of(VALID.replace("functions: [教育]}\n    children", "functions: [教育, xx]}\n    children"))
    assert (
        "demo.yaml 第6行 regions[0].departments[0].functions: 未知的业务职能 'xx' / unknown business function 'xx'"
        in message
    )


def test_function_served_twice_in_a_region():
    text = VALID + "          - {name: 高平市教育和科技局, functions: [教育]}\n"
    message = error_of(text)
    assert "第12行 regions[0].children[0].departments[1].functions:" in message
    assert "高平市教育局" in message


def test_unknown_home():
    message = error_of(VALID.replace("home: 高平市", "home: 高平县"))
    assert "demo.yaml 第1行 home:" in message and "'高平县'" in message


def test_extra_field():
    message = error_of(VALID.replace("level: county", "level: county\n        population: 480000"))
    assert "demo.yaml 第10行 regions[0].children[0].population: 未知字段 / unknown field" in message


def test_missing_field():
    message = error_of(VALID.replace("        level: county\n", ""))
    assert "demo.yaml 第8行 regions[0].children[0].level: 缺少必填字段 / field required" in message


def test_region_alias_must_not_be_another_region_name():
    message = error_of(VALID.replace("level: county", "level: county\n        aliases: [晋城市]"))
    assert "第10行 regions[0].children[0].aliases[0]:" in message


def test_all_errors_are_reported():
    text = (
        VALID.replace("home: 高平市", "home: 高平市\nversion: 2")
        .replace("level: county", "level: city")
        .replace("functions: [教育]}\n    children", "functions: [xx]}\n    children")
        .replace("高平市教育局", "晋城市教育局")
    )
    with pytest.raises(OrgFileError) as info:
        load(text)
    messages = info.value.messages
    assert len(messages) == 4
    assert str(info.value).count("\n") == 3
    expected = [
        "第2行 version:",
        "第7行 regions[0].departments[0].functions:",
        "第10行 regions[0].children[0].level:",
        "第12行 regions[0].children[0].departments[0].name:",
    ]
    for fragment in expected:
        assert any(fragment in m for m in messages), fragment


def test_empty_and_non_mapping_files():
    assert "第1行" in error_of("")
    assert "<root>" in error_of("- just a list\n")


# --- 本级 bodies per level and the optional keys of issue 14 (old files still load) ----------------
TOWNSHIP_FILE = """
home: 甲县
regions:
  - name: 甲省
    level: province
    children:
      - name: 甲县
        level: county
        children:
          - {name: 乙镇, level: township}
          - {name: 丙镇, level: township, roles_from: self}
          - {name: 丁办事处, level: township}
"""


def test_default_bodies_by_level():
    org = load(TOWNSHIP_FILE)
    assert org.region("甲省").office == "甲省人民政府办公厅"  # seed 000: 办公厅 at province level
    assert org.region("甲县").office == "甲县人民政府办公室"
    town = org.region("乙镇")  # a 党委 and a 党政办, no 宣传部
    assert (town.office, town.party_committee) == ("乙镇党政综合办公室", "中共乙镇委员会")
    assert not town.propaganda.endswith("宣传部")
    assert org.region("丁办事处").party_committee == "中共丁街道工作委员会"  # a street office: 党工委


def test_roles_from_township_defaults_to_county_and_can_be_its_own():
    org = load(TOWNSHIP_FILE)
    assert org.roles_region("乙镇").name == "甲县"
    assert org.roles_region("丁办事处").name == "甲县"
    assert org.roles_region("丙镇").name == "丙镇"  # roles_from: self
    assert org.roles_region("甲县").name == "甲县"


def test_outside_names_load_and_are_optional():
    assert load(TOWNSHIP_FILE).outside_names == ()
    org = load(TOWNSHIP_FILE.replace("home: 甲县", "home: 甲县\noutside_names: [乙镇山]"))
    assert org.outside_names == ("乙镇山",)


def test_roles_from_must_be_self_or_parent():
    assert "roles_from" in error_of(TOWNSHIP_FILE.replace("roles_from: self", "roles_from: uncle"))
