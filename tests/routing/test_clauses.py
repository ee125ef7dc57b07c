"""Each 舆情回应 clause of the seeds, at every level of the demo org, text in → decision out.

The whole pure pipeline runs (place recognition on the text, the routing rules, the reasons);
the topic and severity are given so that each row tests the clause it cites, not the
classifier. Every row cites its clause; the place-recognition rows (issue 14 item 5) include
the negative cases, where a name must NOT be taken for one of ours.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from routing.facts import Severity
from routing.local_time import BEIJING
from routing.orgchart import Level
from routing.orgfile import load_demo_org
from routing.policy import load_policy
from routing.taxonomy import load_taxonomy
from service.incidents.pipeline import Engine, ItemInput

S000 = "seed 000 三(五)1"  # 山西省 implementing opinions: 单一市、县 / 垂直管理 / 多个市 / 同一市属多个县 / 多个部门
S001 = "seed 001 四"  # 高平市 plan: 单一乡（镇、办事处）、部门 / 多个乡 / 市政府办公室会同宣传部门 / 特别重大
GP = ["高平市人民政府办公室", "中共高平市委宣传部"]
JC = ["晋城市人民政府办公室", "中共晋城市委宣传部"]
SX = ["山西省人民政府办公厅", "中共山西省委宣传部"]
G, M, E = Severity.GENERAL, Severity.MAJOR, Severity.ESPECIALLY_MAJOR

# id, clause, text, topic, severity, expected decision fields, words some reason contains
CASES = [
    # --- township (Gaoping's townships: the city's plan makes the city 本级) ------------------
    ("township-single", S001, "神农镇一村干部克扣低保金，村民不满", "社会救助", G,
     dict(scope="single", first_responsible=("神农镇人民政府",), coordinators=tuple(GP), leader=None),
     ["涉及单一乡（镇、办事处）、部门的政务舆情", "市政府办公室会同宣传部门", "不设政府办公室、宣传部"]),
    ("street-office-single", S001, "北城街道办事处工作人员办事推诿", "城市综合执法", G,
     dict(first_responsible=("北城办事处",), coordinators=tuple(GP)), ["本级为高平市"]),
    ("township-especially-major", S001, "寺庄镇一煤矿发生透水事故", "安全生产", E,
     dict(scope="especially_major", first_responsible=("寺庄镇人民政府",), coordinators=tuple(GP),
          leader="高平市人民政府主要负责人", report_to="中共高平市委"),
     ["本级政府主要负责人要切实负起领导责任", "同时应向同级党委报告", "本级为高平市"]),
    ("townships-several", S001, "米山镇、野川镇多家饭店使用过期食材", "食品药品监管", G,
     dict(scope="multi_region", first_responsible=("高平市市场监督管理局",),
          co_responsible=("米山镇人民政府", "野川镇人民政府"), coordinators=tuple(GP)),
     ["涉及多个乡(镇、办事处)的政务舆情，市直业务主管部门是舆情回应的第一责任主体"]),
    # --- county-level city (高平市) ------------------------------------------------------------
    ("county-department", S001, "高平市教育局擅自调整学区划片", "义务教育", G,
     dict(scope="single", first_responsible=("高平市教育局",), coordinators=tuple(GP)),
     ["涉及单一乡（镇、办事处）、部门的政务舆情，涉事责任部门是第一责任主体", "本级政府办公厅（室）会同宣传部门"]),
    ("county-vertical", S000, "高平市税务局窗口乱收费", "税收管理", G,
     dict(vertical=True, first_responsible=("高平市税务局",), coordinators=("国家税务总局晋城市税务局", GP[1])),
     ["涉事责任部门实行垂直管理的，上级政府部门会同涉事市、县宣传部门做好组织协调工作", "本级政府办公室不再作为组织协调单位"]),
    ("county-vertical-among-departments", S000, "晋城市生态环境局高平分局和高平市教育局对学校旁的污染互相推诿",
     "环境保护", G,
     dict(scope="multi_department", vertical=True, coordinators=(*GP, "晋城市生态环境局")),
     ["相关部门按照职责分工做好回应工作", "实行垂直管理"]),
    ("county-several-departments", S000, "高平市市场监督管理局和高平市公安局对学校食堂问题互相推诿", "食品药品监管", G,
     dict(scope="multi_department", first_responsible=("高平市市场监督管理局", "高平市公安局"),
          coordinators=tuple(GP), lead="高平市市场监督管理局"),
     ["涉及多个部门的政务舆情，相关部门按照职责分工做好回应工作", "必要时可确定牵头部门"]),
    ("county-especially-major", S001, "高平市一化工厂爆炸", "安全生产", E,
     dict(first_responsible=("高平市应急管理局",), leader="高平市人民政府主要负责人", report_to="中共高平市委"),
     ["本级政府主要负责人要切实负起领导责任"]),
    # --- city (晋城市): several counties, departments of several counties ---------------------
    ("city-two-county-bureaus", S000, "泽州县教育局和阳城县教育局擅自调整招生划片", "义务教育", G,
     dict(scope="multi_region", first_responsible=("晋城市教育局",),
          co_responsible=("泽州县教育局", "阳城县教育局"), coordinators=tuple(JC)),
     ["涉及同一市属多个县的政务舆情，市级业务主管部门是舆情回应的第一责任主体", "按照属地管理原则"]),
    ("city-two-county-bureaus-vertical", S000, "高平市税务局和沁水县税务局多收税费", "税收管理", G,
     dict(scope="multi_region", vertical=True, first_responsible=("国家税务总局晋城市税务局",),
          co_responsible=("高平市税务局", "国家税务总局沁水县税务局"),
          coordinators=("国家税务总局晋城市税务局", "中共晋城市委宣传部", "中共高平市委宣传部", "中共沁水县委宣传部")),
     ["市级业务主管部门是舆情回应的第一责任主体", "上级政府部门会同涉事市、县宣传部门"]),
    ("city-department", S000, "晋城市医疗保障局报销政策执行不一", "社会保险", G,
     dict(scope="single", first_responsible=("晋城市医疗保障局",), coordinators=tuple(JC)), ["涉事责任部门是第一责任主体"]),
    ("city-especially-major", S000, "泽州县、陵川县山洪，多人失踪", "救灾", E,
     dict(first_responsible=("晋城市应急管理局",), leader="晋城市人民政府主要负责人", report_to="中共晋城市委"), []),
    ("city-unmodelled-county-body", S000, "陵川县财政局拖欠工程款", "财政预决算", G,
     dict(first_responsible=("陵川县人民政府办公室",), coordinators=("陵川县人民政府办公室", "中共陵川县委宣传部")),
     ["“陵川县财政局”未在组织架构中建模", "按最近的已建模层级陵川县处理"]),
    # --- province (山西省): several cities --------------------------------------------------
    ("province-two-cities", S000, "晋城市和长治市多家养老院服务差", "养老服务", G,
     dict(scope="multi_region", first_responsible=("山西省民政厅",),
          co_responsible=("晋城市人民政府", "长治市人民政府"), coordinators=tuple(SX)),
     ["涉及多个市的政务舆情，省级业务主管部门是舆情回应的第一责任主体"]),
    ("province-especially-major", S000, "晋城市、长治市暴雨成灾", "救灾", E,
     dict(first_responsible=("山西省应急管理厅",), leader="山西省人民政府主要负责人", report_to="中共山西省委",
          coordinators=tuple(SX)), []),
    ("province-two-cities-vertical", S000, "高平市税务局和长子县税务局多收税费", "税收管理", G,
     dict(vertical=True, first_responsible=("国家税务总局山西省税务局",),
          co_responsible=("高平市税务局", "国家税务总局长子县税务局")),
     ["涉及多个市的政务舆情", "上级政府部门会同涉事市、县宣传部门"]),
    # --- place recognition: negative cases (never ours) and everyday words -------------------
    ("idiom-holds-a-city", S000, "希望社会长治久安，不要再有人闹事", "社会救助", G,
     dict(first_responsible=("高平市民政局",), co_responsible=()), ["“长治久安”"]),
    ("famous-place-outside", S001, "游客在神农架景区迷路，景区救援迟缓", "公共文化服务", G,
     dict(first_responsible=("高平市文化和旅游局",)), ["神农架"]),
    ("street-office-of-another-city", S001, "北京市东城街道办事处拆除违建", "城市综合执法", G,
     dict(first_responsible=("高平市城市管理局",)), ["“北京市”，指向组织外"]),
    ("listed-outside-name", S001, "凤城市一家企业偷排", "环境保护", G,  # outside_names of the org file
     dict(first_responsible=("晋城市生态环境局高平分局",)), ["“凤城市”是组织架构以外的地名"]),
    ("township-name-with-another-level", S001, "巴公县一家企业偷排", "环境保护", G,  # 巴公镇 is a township
     dict(first_responsible=("晋城市生态环境局高平分局",)), ["“巴公县”与本组织的巴公镇级别不符，指向组织外"]),
    ("township-variant-spelling", S001, "建宁镇卫生院乱收费", "医疗卫生", G,
     dict(first_responsible=("建宁乡人民政府",)), ["涉及单一乡镇（街道）（建宁乡）"]),
    ("everyday-word-for-police", S001, "高平交警乱罚款", "交通运输", G,
     dict(first_responsible=("高平市公安局",)), ["涉及单一部门（高平市公安局）"]),
    ("segmentation-cuts-across-a-city", S000, "要提高平均工资，长治久安才有保障", "就业创业", G,
     dict(first_responsible=("高平市人力资源和社会保障局",), co_responsible=()),
     ["“高平”被切分在词语“提高”中", "“长治久安”"]),
    ("street-office-under-another-of-our-cities", S001, "长治市东城街道一小区停水", "市政服务", G,
     dict(level_region="长治市", first_responsible=("长治市人民政府办公室",)), ["东城办事处不在长治市"]),
    ("alias-kept-where-segmentation-agrees", S001, "陈区一煤矿透水，陈区长到现场", "安全生产", G,
     dict(first_responsible=("陈区镇人民政府",)), ["“陈区”被切分在词语“区长”中"]),
    ("everyday-word-for-a-station", S001, "米山镇税务所乱收费", "税收管理", G,
     dict(first_responsible=("高平市税务局",), co_responsible=("米山镇人民政府",)), []),
    ("township-name-after-a-city-elsewhere", S001, "焦作市马村一家工厂偷排", "环境保护", G,
     dict(first_responsible=("晋城市生态环境局高平分局",)), ["前为组织架构以外的地名“焦作市”"]),
    ("township-name-after-a-province-elsewhere", S001, "福建三明建宁一所学校乱收费", "义务教育", G,
     dict(first_responsible=("高平市教育局",)), ["前为组织架构以外的地名“福建”"]),
    ("our-name-after-our-province", S001, "山西省高平市米山镇一小区停水", "市政服务", G,
     dict(first_responsible=("米山镇人民政府",)), []),
    # --- topics of departments that had no functions (item 7) ------------------------------------
    ("bus-services", S001, "高平市3路公交车停运，沿线村民出行困难", "交通运输", G,
     dict(first_responsible=("高平市交通运输局",)), ["本主题业务主管部门"]),
    ("finance-risk", S001, "高平市一投资公司非法集资跑路", "金融风险", G,
     dict(first_responsible=("高平市金融发展中心",)), []),
    ("function-without-topic", S001, "退役军人优待证迟迟办不下来", "待研判", G,
     dict(first_responsible=("高平市退役军人事务局",)), ["文中涉及“退役军人事务”职能"]),
]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.build(load_demo_org(), load_taxonomy(), load_policy())


def _triage(engine: Engine, text: str, topic: str, severity: Severity):
    at = datetime(2026, 11, 20, 9, tzinfo=BEIJING)
    return engine.triage(ItemInput("x", text, at, topic=topic, severity=severity))


@pytest.mark.parametrize(("clause", "text", "topic", "severity", "expected", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_clause(clause, text, topic, severity, expected, words, engine: Engine) -> None:
    t = _triage(engine, text, topic, severity)
    for field, value in expected.items():
        assert getattr(t.decision, field) == value, (clause, field)
    for word in words:
        assert any(word in r for r in t.reasons), (clause, word, t.reasons)


def test_no_township_body_that_does_not_exist(engine: Engine) -> None:
    """A township has no 宣传部 and no 人民政府办公室; routing never names one (seed 001 四)."""
    org = engine.org
    for region in org.regions.values():
        if region.level is not Level.TOWNSHIP:
            continue
        assert not region.propaganda.endswith("宣传部") and "人民政府办公室" not in region.office
        assert region.party_committee.endswith(("委员会", "工作委员会"))
        assert org.roles_region(region.name).level is Level.COUNTY
    t = _triage(engine, "马村镇一饭店食物中毒", "食品药品监管", E)
    named = (*t.decision.coordinators, t.decision.leader, t.decision.report_to)
    assert not any("马村镇" in n for n in named)


def test_names_of_standing_bodies_by_level(engine: Engine) -> None:
    """The provincial office is 办公厅, a city's or county's 办公室 (seed 000 "本级政府办公厅（室）")."""
    for region in engine.org.regions.values():
        if region.level is Level.PROVINCE:
            assert region.office == f"{region.name}人民政府办公厅"
        elif region.level is not Level.TOWNSHIP:
            assert region.office == f"{region.name}人民政府办公室"
            assert region.propaganda == f"中共{region.name}委宣传部"


def test_every_department_serves_a_function(engine: Engine) -> None:
    assert [d.name for d in engine.org.departments.values() if not d.functions] == []
