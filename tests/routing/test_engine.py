"""Table-driven tests of `routing.engine.route` against the in-code org of conftest."""

from __future__ import annotations

import pytest

from routing.engine import route
from routing.facts import UNKNOWN_TOPIC, RoutingDecision, Scope, Severity
from routing.orgchart import OrgChart
from routing.taxonomy import Taxonomy
from tests.routing.conftest import build_org, facts

GP = ("高平市人民政府办公室", "中共高平市委宣传部")
JC = ("晋城市人民政府办公室", "中共晋城市委宣传部")
SX = ("山西省人民政府办公厅", "中共山西省委宣传部")
FOOD, EDU, ENV, TAX = "食品药品监管", "义务教育", "环境保护", "税收管理"

# id, facts, expected fields of the decision, words every one of which some reason contains
CASES = [
    # --- single -------------------------------------------------------------------------
    ("township", facts(FOOD, regions=["河西镇"]),
     # a township has no 宣传部: the county-level city's plan (seed 001 四) names 市政府办公室会同宣传部门
     dict(scope=Scope.SINGLE, level_region="河西镇", first_responsible=("河西镇人民政府",), coordinators=GP),
     ["涉及单一乡（镇、办事处）、部门的政务舆情，涉事责任部门是第一责任主体", "市政府办公室会同宣传部门"]),
    ("street", facts(UNKNOWN_TOPIC, regions=["东城街道"]),
     dict(scope=Scope.SINGLE, level_region="东城办事处", first_responsible=("东城办事处",)),
     ["涉及单一乡镇（街道）（东城办事处）"]),
    ("county-department", facts(EDU, departments=["高平市教育局"]),
     dict(scope=Scope.SINGLE, level_region="高平市", first_responsible=("高平市教育局",), coordinators=GP),
     ["涉及单一部门（高平市教育局）", "本级政府办公厅（室）会同宣传部门"]),
    ("county-department+own-county", facts(EDU, regions=["高平市"], departments=["高平市教育局"]),
     dict(scope=Scope.SINGLE, first_responsible=("高平市教育局",), co_responsible=()),
     ["按更具体的地点或部门处理"]),
    ("county-department+township", facts(EDU, regions=["河西镇"], departments=["高平市教育局"]),
     dict(scope=Scope.SINGLE, level_region="高平市", first_responsible=("高平市教育局",),
          co_responsible=("河西镇人民政府",), coordinators=GP),
     ["河西镇人民政府对本辖区部分负责"]),
    ("city-department", facts(EDU, departments=["晋城市教育局"]),
     dict(scope=Scope.SINGLE, level_region="晋城市", first_responsible=("晋城市教育局",), coordinators=JC),
     ["涉事责任部门是第一责任主体"]),
    ("county-with-authority", facts(FOOD, regions=["高平市"]),
     dict(scope=Scope.SINGLE, level_region="高平市", first_responsible=("高平市市场监督管理局",), coordinators=GP),
     ["涉及单一市、县的政务舆情，涉事责任部门是第一责任主体", "本主题业务主管部门"]),
    ("county-without-authority", facts("扶贫", regions=["高平市"]),
     dict(scope=Scope.SINGLE, first_responsible=("高平市人民政府办公室",), coordinators=GP),
     ["高平市没有“扶贫”业务主管部门", "组织研判"]),
    ("county-unknown-topic", facts(UNKNOWN_TOPIC, regions=["阳城县"]),
     dict(scope=Scope.SINGLE, level_region="阳城县", first_responsible=("阳城县人民政府办公室",)),
     ["主题待研判"]),
    ("city-with-authority", facts(FOOD, regions=["晋城"]),
     dict(scope=Scope.SINGLE, level_region="晋城市", first_responsible=("晋城市市场监督管理局",), coordinators=JC),
     ["涉及单一市（晋城市）"]),
    ("province-with-authority", facts(EDU, regions=["山西省"]),
     dict(scope=Scope.SINGLE, level_region="山西省", first_responsible=("山西省教育厅",), coordinators=SX), []),
    ("function-override", facts("市政服务", regions=["高平市"], function="水务"),
     dict(first_responsible=("高平市水务局",)), []),
    # --- multi region -------------------------------------------------------------------
    ("multi-township", facts(FOOD, regions=["河西镇", "马村镇"]),
     dict(scope=Scope.MULTI_REGION, level_region="高平市", first_responsible=("高平市市场监督管理局",),
          co_responsible=("河西镇人民政府", "马村镇人民政府"), coordinators=GP),
     ["涉及多个乡镇（街道）（河西镇、马村镇）", "涉及多个乡(镇、办事处)的政务舆情，市直业务主管部门是舆情回应的第一责任主体",
      "按照属地管理原则"]),
    ("multi-township-unknown-topic", facts(UNKNOWN_TOPIC, regions=["河西镇", "米山镇"]),
     dict(scope=Scope.MULTI_REGION, first_responsible=("高平市人民政府办公室",),
          co_responsible=("河西镇人民政府", "米山镇人民政府")),
     ["主题待研判，尚无业务主管部门"]),
    ("multi-township-no-authority", facts("扶贫", regions=["河西镇", "马村镇"]),
     dict(first_responsible=("高平市人民政府办公室",)), ["高平市没有“扶贫”业务主管部门"]),
    ("multi-county", facts(EDU, regions=["高平市", "阳城县"]),
     dict(scope=Scope.MULTI_REGION, level_region="晋城市", first_responsible=("晋城市教育局",),
          co_responsible=("高平市人民政府", "阳城县人民政府"), coordinators=JC),
     ["涉及同一市属多个县的政务舆情，市级业务主管部门是舆情回应的第一责任主体"]),
    ("township+other-county", facts(FOOD, regions=["河西镇", "阳城县"]),
     dict(scope=Scope.MULTI_REGION, level_region="晋城市", first_responsible=("晋城市市场监督管理局",),
          co_responsible=("河西镇人民政府", "阳城县人民政府"), coordinators=JC),
     ["市级业务主管部门"]),
    ("townships-of-two-counties", facts(FOOD, regions=["马村镇", "凤城镇"]),
     dict(level_region="晋城市", first_responsible=("晋城市市场监督管理局",),
          co_responsible=("马村镇人民政府", "凤城镇人民政府")), []),
    ("multi-city", facts(FOOD, regions=["高平市", "长治市"]),
     dict(scope=Scope.MULTI_REGION, level_region="山西省", first_responsible=("山西省市场监督管理局",),
          co_responsible=("高平市人民政府", "长治市人民政府"), coordinators=SX),
     ["涉及多个市的政务舆情，省级业务主管部门是舆情回应的第一责任主体"]),
    ("multi-city-no-authority", facts("扶贫", regions=["晋城市", "长治市"]),
     dict(first_responsible=("山西省人民政府办公厅",)), ["山西省没有“扶贫”业务主管部门"]),
    ("department+other-county", facts(EDU, regions=["阳城县"], departments=["高平市教育局"]),
     dict(scope=Scope.MULTI_REGION, level_region="晋城市", first_responsible=("晋城市教育局",),
          co_responsible=("阳城县人民政府", "高平市教育局")), []),
    ("townships+county-department", facts(EDU, regions=["河西镇", "马村镇"], departments=["高平市公安局"]),
     dict(scope=Scope.MULTI_REGION, first_responsible=("高平市教育局", "高平市公安局"),
          co_responsible=("河西镇人民政府", "马村镇人民政府")), []),
    ("ancestor-dropped", facts(FOOD, regions=["晋城市", "高平市", "河西镇", "马村镇"]),
     dict(scope=Scope.MULTI_REGION, level_region="高平市", first_responsible=("高平市市场监督管理局",),
          co_responsible=("河西镇人民政府", "马村镇人民政府")),
     ["晋城市与更具体的高平市、河西镇、马村镇同时出现"]),
    # --- multi department ---------------------------------------------------------------
    ("multi-department-authority-leads", facts(FOOD, departments=["高平市市场监督管理局", "高平市公安局"]),
     dict(scope=Scope.MULTI_DEPARTMENT, level_region="高平市",
          first_responsible=("高平市市场监督管理局", "高平市公安局"), coordinators=GP, lead="高平市市场监督管理局"),
     ["相关部门按照职责分工做好回应工作", "确定为牵头部门", "必要时可确定牵头部门"]),
    ("multi-department-no-authority", facts(EDU, departments=["高平市水务局", "高平市公安局"]),
     dict(scope=Scope.MULTI_DEPARTMENT, lead=None), ["暂不确定牵头部门，由高平市人民政府办公室视情况确定"]),
    ("multi-department-designated-lead", facts(FOOD, departments=["高平市市场监督管理局", "高平市公安局"],
                                               lead="高平市公安局"),
     dict(lead="高平市公安局"), ["按指定由高平市公安局牵头"]),
    ("multi-department-lead-outside", facts(FOOD, departments=["高平市水务局", "高平市公安局"],
                                            lead="高平市应急管理局"),
     dict(lead="高平市应急管理局", first_responsible=("高平市水务局", "高平市公安局")), []),
    ("multi-department-bad-lead", facts(FOOD, departments=["高平市市场监督管理局", "高平市公安局"], lead="某某局"),
     dict(lead="高平市市场监督管理局"), ["指定的牵头部门“某某局”不是组织架构中的部门，已忽略"]),
    ("multi-department-two-levels", facts(EDU, departments=["高平市教育局", "晋城市教育局", "晋城市公安局"]),
     dict(level_region="晋城市", coordinators=JC, lead="晋城市教育局"), []),
    ("multi-department+township", facts(FOOD, regions=["河西镇"], departments=["高平市市场监督管理局", "高平市公安局"]),
     dict(scope=Scope.MULTI_DEPARTMENT, co_responsible=("河西镇人民政府",)), ["河西镇人民政府按照属地管理原则"]),
    # two county bureaus of one function: several counties (seed 000 三(五)1), not several departments
    ("multi-department-two-counties", facts(FOOD, departments=["高平市市场监督管理局", "阳城县市场监督管理局"]),
     dict(scope=Scope.MULTI_REGION, level_region="晋城市", first_responsible=("晋城市市场监督管理局",),
          co_responsible=("高平市市场监督管理局", "阳城县市场监督管理局"), coordinators=JC, lead=None),
     ["涉及同一市属多个县的政务舆情，市级业务主管部门是舆情回应的第一责任主体"]),
    # --- vertical management ------------------------------------------------------------
    ("vertical-county-authority", facts(ENV, regions=["高平市"]),
     dict(vertical=True, first_responsible=("晋城市生态环境局高平分局",), coordinators=("晋城市生态环境局", GP[1])),
     ["实行垂直管理", "上级政府部门会同涉事市、县宣传部门做好组织协调工作"]),
    ("vertical-county-department", facts(TAX, departments=["高平市税务局"]),
     dict(vertical=True, coordinators=("国家税务总局晋城市税务局", GP[1])), ["由国家税务总局晋城市税务局会同中共高平市委宣传部",
                                                                      "本级政府办公室不再作为组织协调单位"]),
    ("vertical-multi-township", facts(TAX, regions=["河西镇", "马村镇"]),
     dict(scope=Scope.MULTI_REGION, vertical=True, first_responsible=("高平市税务局",)), []),
    # seed 000 三(五)1: with vertical management "上级政府部门会同涉事市、县宣传部门" coordinate,
    # in place of the government office
    ("vertical-city", facts(TAX, regions=["高平市", "阳城县"]),
     dict(vertical=True, first_responsible=("国家税务总局晋城市税务局",),
          coordinators=("国家税务总局晋城市税务局", "中共晋城市委宣传部", "中共高平市委宣传部")), []),
    ("vertical-among-departments", facts(ENV, departments=["晋城市生态环境局阳城分局", "阳城县教育局"]),
     dict(vertical=True, level_region="阳城县",
          coordinators=("阳城县人民政府办公室", "中共阳城县委宣传部", "晋城市生态环境局")), []),
    ("not-vertical", facts(FOOD, regions=["高平市"]), dict(vertical=False), []),
    # --- especially major ---------------------------------------------------------------
    ("major-township", facts(FOOD, Severity.ESPECIALLY_MAJOR, regions=["河西镇"]),
     dict(scope=Scope.ESPECIALLY_MAJOR, first_responsible=("河西镇人民政府",),
          leader="高平市人民政府主要负责人", report_to="中共高平市委"),  # 本级 of seed 001 四: the city
     ["本级政府主要负责人要切实负起领导责任", "同时应向同级党委报告", "本级为高平市"]),
    ("major-county", facts(FOOD, Severity.ESPECIALLY_MAJOR, regions=["河西镇", "马村镇"]),
     dict(scope=Scope.ESPECIALLY_MAJOR, first_responsible=("高平市市场监督管理局",),
          co_responsible=("河西镇人民政府", "马村镇人民政府"),
          leader="高平市人民政府主要负责人", report_to="中共高平市委"),
     ["由高平市人民政府主要负责人负起领导责任", "并向中共高平市委报告"]),
    ("major-city", facts(ENV, Severity.ESPECIALLY_MAJOR, regions=["高平市", "阳城县"],
                         departments=[]),
     dict(scope=Scope.ESPECIALLY_MAJOR, first_responsible=("晋城市生态环境局",),
          leader="晋城市人民政府主要负责人", report_to="中共晋城市委"), []),
    ("major-multi-department-lead", facts(FOOD, Severity.ESPECIALLY_MAJOR,
                                          departments=["高平市市场监督管理局", "高平市公安局"]),
     dict(scope=Scope.ESPECIALLY_MAJOR, lead="高平市市场监督管理局", leader="高平市人民政府主要负责人"), []),
    ("major-only-for-especially", facts(FOOD, Severity.MAJOR, regions=["高平市"]),
     dict(scope=Scope.SINGLE, leader=None, report_to=None), []),
    # --- missing facts ------------------------------------------------------------------
    ("nothing-named", facts(FOOD),
     dict(scope=Scope.SINGLE, level_region="高平市", first_responsible=("高平市市场监督管理局",), coordinators=GP),
     ["未识别出涉事地区或部门，按属地管理归口本级（高平市）"]),
    ("nothing-named-unknown-topic", facts(UNKNOWN_TOPIC),
     dict(first_responsible=("高平市人民政府办公室",)), ["主题待研判"]),
    ("topic-not-in-taxonomy", facts("外星人", regions=["高平市"]),
     dict(first_responsible=("高平市人民政府办公室",)), ["主题“外星人”不在分类中，按待研判处理"]),
    ("unknown-names-ignored", facts(FOOD, regions=["河西镇", "火星市"], departments=["高平市魔法局"]),
     dict(scope=Scope.SINGLE, first_responsible=("河西镇人民政府",)), ["组织架构中没有：火星市、高平市魔法局，已忽略"]),
    ("only-unknown-names", facts(FOOD, regions=["火星市"]),
     dict(level_region="高平市", first_responsible=("高平市市场监督管理局",)), ["已忽略", "未识别出涉事地区或部门"]),
    ("government-body-as-region", facts(FOOD, regions=["阳城县人民政府"]),
     dict(level_region="阳城县", first_responsible=("阳城县市场监督管理局",)), []),
    ("duplicates", facts(FOOD, regions=["河西镇", "河西镇", "马村镇"]),
     dict(co_responsible=("河西镇人民政府", "马村镇人民政府")), []),
    # --- verification request -----------------------------------------------------------
    ("verification", facts(FOOD, regions=["河西镇"], verification_request=True),
     dict(first_responsible=("河西镇人民政府",)),
     ["对要求核实处置的政务舆情情况要24小时内反馈", "河西镇人民政府须在24小时内反馈"]),
]


@pytest.mark.parametrize(("facts_", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_route(facts_, expected, words, org: OrgChart, taxonomy: Taxonomy) -> None:
    decision = route(facts_, org, taxonomy)
    for field, value in expected.items():
        assert getattr(decision, field) == value, field
    text = "\n".join(decision.reasons)
    for word in words:
        assert word in text


@pytest.mark.parametrize(("facts_",), [(c[1],) for c in CASES], ids=[c[0] for c in CASES])
def test_invariants(facts_, org: OrgChart, taxonomy: Taxonomy) -> None:
    decision = route(facts_, org, taxonomy)
    assert isinstance(decision, RoutingDecision)
    assert decision.first_responsible and decision.reasons
    for values in (decision.first_responsible, decision.co_responsible, decision.coordinators, decision.reasons):
        assert len(values) == len(set(values))
    assert not set(decision.first_responsible) & set(decision.co_responsible)
    assert decision.level_region in org.regions
    known = org.unit_names() | {d.vertical_superior for d in org.departments.values() if d.vertical_superior}
    assert set(decision.first_responsible + decision.co_responsible + decision.coordinators) <= known
    if decision.scope is not Scope.ESPECIALLY_MAJOR:
        assert decision.leader is None and decision.report_to is None


def test_order_is_stable(org: OrgChart, taxonomy: Taxonomy) -> None:
    a = route(facts(FOOD, regions=["马村镇", "河西镇"]), org, taxonomy)
    assert a.co_responsible == ("马村镇人民政府", "河西镇人民政府")
    assert route(facts(FOOD, regions=["马村镇", "河西镇"]), org, taxonomy) == a


def test_home_elsewhere(taxonomy: Taxonomy) -> None:
    """A deployment at city level takes items with no place at the city."""
    decision = route(facts(FOOD), build_org(home="晋城市"), taxonomy)
    assert decision.level_region == "晋城市"
    assert decision.first_responsible == ("晋城市市场监督管理局",)
