"""The 政务舆情 register (routing.register; seed 000 三(五)2, seed 001 四) and its org-file form."""

from __future__ import annotations

import pytest

from routing.orgfile import OrgFileError, load_demo_org, load_org_text
from routing.register import (
    ROLES,
    Contact,
    UnitRegister,
    completeness,
    effective,
    missing_roles,
    phone_problem,
    who_to_call,
)

FULL = UnitRegister("甲局", Contact("甲局办公室", "0356-5221234"), Contact("张三", "13912345678", "副局长"),
                    Contact("李四", "13912345679"), Contact("王五", "0356-5221235"))


@pytest.mark.parametrize(("phone", "ok"), [
    ("0356-5221234", True), ("0356 5221234", True), ("(0356)5221234", True), ("13912345678", True),
    ("+86 13912345678", True), ("0356-5221234转801", True), ("5221234", True),
    ("12345", False), ("电话", False), ("0356-52212a4", False), ("", False),
])
def test_phone_problem(phone: str, ok: bool) -> None:
    assert (phone_problem(phone) is None) is ok


@pytest.mark.parametrize(("reg", "missing"), [
    (None, ROLES),  # no entry: all four missing
    (FULL, ()),
    (UnitRegister("甲局", responsible=FULL.responsible), ("coordinating_office", "liaison", "handler")),
    (UnitRegister("甲局", FULL.coordinating_office, FULL.responsible, FULL.liaison, Contact("王五", " ")),
     ("handler",)),  # a handler without a phone is no handler to call
])
def test_missing_roles(reg: UnitRegister | None, missing: tuple[str, ...]) -> None:
    assert missing_roles(reg) == missing


def test_completeness_lists_the_assessed_units_lacking_a_full_register_in_order() -> None:
    regs = {"甲局": FULL, "乙局": UnitRegister("乙局", liaison=Contact("赵六", "13900000000"))}
    gaps = completeness(["丙镇人民政府", "甲局", "乙局"], regs)
    assert [(g.unit, g.missing_labels) for g in gaps] == [
        ("丙镇人民政府", ["政务舆情协调部门", "责任人", "联络人", "承办人"]),
        ("乙局", ["政务舆情协调部门", "责任人", "承办人"])]


def test_an_admin_edit_replaces_the_file_entry_whole() -> None:
    edited = UnitRegister("甲局", liaison=Contact("新联络人", "13900000001"))
    merged = effective({"甲局": FULL, "乙局": FULL}, {"甲局": edited})
    assert merged["甲局"] == edited and merged["乙局"] == FULL


def test_who_to_call_names_each_unit_once_with_its_register() -> None:
    calls = who_to_call(["甲局", "乙局", "甲局"], {"甲局": FULL})
    assert [c["unit"] for c in calls] == ["甲局", "乙局"]
    first = calls[0]["register"]
    assert isinstance(first, dict) and first["liaison"] == {"name": "李四", "phone": "13912345679", "post": ""}
    assert calls[1]["register"] is None and calls[1]["missing"] == ["政务舆情协调部门", "责任人", "联络人", "承办人"]


def test_the_demo_org_lists_the_62_assessed_units_of_seed_001() -> None:
    org = load_demo_org()
    assert len(org.assessed_units) == 62 == len(set(org.assessed_units))
    assert org.assessed_units[:4] == ("东城办事处", "南城办事处", "北城办事处", "米山镇人民政府")
    assert org.assessed_units[-1] == "高平市融媒体中心" and "晋城市生态环境局高平分局" in org.assessed_units
    assert set(org.assessed_units) <= org.handling_units
    gaps = {g.unit: g.missing for g in completeness(org.assessed_units, org.registers)}
    assert "高平市市场监督管理局" not in gaps and gaps["高平市教育局"] == ("handler",)
    assert len(gaps) == 62 - 2


ORG = """home: 甲市
regions:
  - name: 甲市
    level: county
    departments:
      - {name: 甲市教育局, functions: [教育]}
"""


def test_an_old_org_file_without_registers_stays_valid() -> None:
    org = load_org_text(ORG)
    assert org.registers == {} and org.assessed_units == ()


def test_registers_and_assessed_units_in_an_org_file() -> None:
    org = load_org_text(ORG + """assessed_units: [甲市教育局, 甲市人民政府办公室]
registers:
  - unit: 甲市教育局
    liaison: {name: 李四, phone: "13912345679", post: 科长}
""")
    assert org.registers["甲市教育局"].liaison == Contact("李四", "13912345679", "科长")
    assert org.assessed_units == ("甲市教育局", "甲市人民政府办公室")


@pytest.mark.parametrize(("extra", "message"), [
    ("registers:\n  - unit: 乙局\n", "第8行 registers[0].unit: 组织架构中没有单位 '乙局'"),
    ("registers:\n  - unit: 甲市教育局\n    liaison: {name: 李四, phone: 电话}\n",
     "第9行 registers[0].liaison.phone: 联络人：电话号码格式不正确：电话"),
    ("registers:\n  - unit: 甲市教育局\n    liaison: {name: 李四}\n", "registers[0].liaison.phone: 缺少必填字段"),
    ("registers:\n  - unit: 甲市教育局\n    deputy: {name: 李四, phone: '13912345679'}\n",
     "registers[0].deputy: 未知字段"),
    ("registers:\n  - {unit: 甲市教育局}\n  - {unit: 甲市教育局}\n", "第9行 registers[1].unit: 单位 '甲市教育局' 的联络登记重复"),
    ("assessed_units: [丙局]\n", "第7行 assessed_units[0]: 组织架构中没有单位 '丙局'"),
])
def test_register_errors_name_line_and_field(extra: str, message: str) -> None:
    with pytest.raises(OrgFileError) as exc:
        load_org_text(ORG + extra)
    assert any(message in m for m in exc.value.messages), exc.value.messages
