"""`yuqing triage` gains a `duties` list per item (routing.duties), the other fields unchanged:
several departments, several localities and an especially major item, on the demo org."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_triage_cli import FIELDS, triage

ITEMS = [
    {"id": "two", "text": "高平市教育局和高平市公安局对校园欺凌事件互相推诿", "severity": "一般",
     "received_at": "2026-11-21T08:00:00+08:00"},
    {"id": "food", "text": "河西镇、马村镇多家餐馆被曝使用过期食材", "received_at": "2026-11-21T09:00:00+08:00"},
    {"id": "major", "text": "群众反映问题", "topic": "义务教育", "severity": "特别重大", "regions": ["长治市", "晋城市"],
     "received_at": "2026-11-21T08:00:00+08:00"},
]


def test_triage_lists_each_units_duty(tmp_path: Path) -> None:
    done = triage(tmp_path, ITEMS)
    assert done.returncode == 0, done.stderr
    out = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert all(FIELDS <= set(r) for r in out.values())

    def duties(key: str) -> list[tuple]:
        return [(d["unit"], d["role"], d["required"], d["clocks"]) for d in out[key]["duties"]]

    assert duties("two") == [
        ("高平市教育局", "lead", True, {"response": "2026-11-23T08:00:00+08:00"}),
        ("高平市公安局", "first", True, {"response": "2026-11-23T08:00:00+08:00"})]
    assert duties("food") == [
        ("高平市市场监督管理局", "first", True, {"response": "2026-11-23T09:00:00+08:00"}),
        ("河西镇人民政府", "co_locality", False, {"response": "2026-11-23T09:00:00+08:00"}),
        ("马村镇人民政府", "co_locality", False, {"response": "2026-11-23T09:00:00+08:00"})]
    major = out["major"]
    assert major["duties"][0]["unit"] == major["first_responsible"][0] == "山西省教育厅"
    report = major["duties"][-1]
    assert (report["unit"], report["role"], report["role_label"], report["clocks"]) == (
        "山西省人民政府办公厅", "party_report", "向同级党委报告", {"party_report": "2026-11-21T12:00:00+08:00"})
    assert "中共山西省委" in report["owes"] and "同时应向同级党委报告" in report["clause"]
    assert major["clocks"] == {"response": "2026-11-22T08:00:00+08:00", "followup_info": "2026-11-24T08:00:00+08:00",
                               "followup_result": "2026-11-28T08:00:00+08:00"}  # the incident's clocks unchanged
