"""`yuqing triage` on the shipped demo organisation: the stable output contract."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli.triage import TriageInputError, now_local, parse_lines

ITEMS = [
    {"id": "food", "text": "河西镇、马村镇多家餐馆被曝使用过期食材，多名食客腹泻", "received_at": "2026-11-20T09:00:00+08:00"},
    {"id": "border", "text": "高平市与阳城县交界处一化工厂夜间偷排污水，河水发黑发臭", "received_at": "2026-11-20T10:00:00+08:00"},
    {"id": "estate", "text": "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理", "received_at": "2026-11-20T11:00:00+08:00"},
    {"id": "estate-again", "text": "米山镇凤凰小区烧烤店油烟还是很大，晚上根本没法开窗", "received_at": "2026-11-20T13:00:00"},
    {"id": "neighbour", "text": "米山镇翠竹小区烧烤店油烟扰民", "received_at": "2026-11-21T11:00:00+08:00"},
    {"id": "verify", "kind": "verification_request", "text": "请核实高平市税务局违规收费问题",
     "received_at": "2026-11-21T08:00:00+08:00"},
    {"id": "manual", "text": "群众反映问题", "topic": "义务教育", "severity": "特别重大", "regions": ["长治市", "晋城市"],
     "received_at": "2026-11-21T08:00:00+08:00"},
    {"id": "nowhere", "text": "今天天气不错", "received_at": "2026-11-21T08:00:00+08:00"},
]
FIELDS = {"id", "topic", "severity", "scope", "vertical", "first_responsible", "co_responsible", "coordinators",
          "lead", "leader", "report_to", "response_due", "feedback_due", "reasons", "incident"}


def triage(tmp_path: Path, items: list[dict], *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "items.jsonl"
    path.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "service.cli", "triage", *extra, str(path)],
                          capture_output=True, text=True, timeout=120)


def test_triage_contract_on_demo_org(tmp_path: Path) -> None:
    done = triage(tmp_path, ITEMS)
    assert done.returncode == 0, done.stderr
    out = {r["id"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert list(out) == [i["id"] for i in ITEMS]  # input order
    assert all(FIELDS <= set(r) for r in out.values())
    food = out["food"]
    assert (food["scope"], food["first_responsible"]) == ("multi_region", ["高平市市场监督管理局"])
    assert food["co_responsible"] == ["河西镇人民政府", "马村镇人民政府"]
    assert food["response_due"] == "2026-11-22T09:00:00+08:00" and food["feedback_due"] is None
    border = out["border"]
    assert border["first_responsible"] == ["晋城市生态环境局"]
    # both counties' 生态环境 bureaus are vertically managed by the city bureau: seed 000 三(五)1
    # "上级政府部门会同涉事市、县宣传部门做好组织协调工作" (the government office no longer coordinates)
    assert border["coordinators"] == ["晋城市生态环境局", "中共晋城市委宣传部", "中共高平市委宣传部", "中共阳城县委宣传部"]
    assert out["estate-again"]["incident"] == out["estate"]["incident"] == "estate"
    assert out["neighbour"]["incident"] == "neighbour"
    verify = out["verify"]
    assert verify["vertical"] is True and verify["first_responsible"] == ["高平市税务局"]
    assert "国家税务总局晋城市税务局" in verify["coordinators"]
    assert verify["feedback_due"] == "2026-11-22T08:00:00+08:00"
    manual = out["manual"]
    assert (manual["topic"], manual["severity"], manual["scope"]) == ("义务教育", "特别重大", "especially_major")
    assert manual["first_responsible"] == ["山西省教育厅"]
    assert (manual["leader"], manual["report_to"]) == ("山西省人民政府主要负责人", "中共山西省委")
    assert manual["response_due"] == "2026-11-22T08:00:00+08:00"
    nowhere = out["nowhere"]
    assert nowhere["topic"] == "待研判" and nowhere["first_responsible"] == ["高平市人民政府办公室"]
    # who to call: the org file's register of each unit named, in order (seed 000 三(五)2)
    calls = {c["unit"]: c for c in food["who_to_call"]}
    assert list(calls)[:3] == ["高平市市场监督管理局", "河西镇人民政府", "马村镇人民政府"]
    assert calls["高平市市场监督管理局"]["register"]["handler"]["phone"] == "0356-5500103"
    assert calls["河西镇人民政府"]["register"] is None and len(calls["河西镇人民政府"]["missing"]) == 4
    assert nowhere["who_to_call"][0]["register"]["liaison"]["name"] == "郑琳"


def test_triage_reports_bad_input_with_its_line(tmp_path: Path) -> None:
    done = triage(tmp_path, [ITEMS[0], {"id": "x", "text": "某事", "severity": "很严重"}])
    assert done.returncode == 2 and "第2行" in done.stderr and "line 2" in done.stderr
    assert done.stdout == ""


def test_triage_with_a_bad_org_file_names_line_and_field(tmp_path: Path) -> None:
    org = tmp_path / "org.yaml"
    org.write_text("home: 高平市\nregions:\n  - name: 高平市\n    level: town\n", encoding="utf-8")
    done = triage(tmp_path, ITEMS[:1], "--org", str(org))
    assert done.returncode == 2 and "第4行" in done.stderr and "level" in done.stderr


def test_triage_refuses_what_the_api_refuses_naming_the_line(tmp_path: Path) -> None:
    good = {"id": "ok", "text": "米山镇凤凰小区烧烤店油烟扰民", "received_at": "2026-11-20T09:00:00+08:00"}
    done = triage(tmp_path, [good, {**good, "id": "future", "received_at": "2999-01-01T00:00:00+08:00"}])
    assert done.returncode == 2 and done.stdout == ""
    assert "第2行 received_at" in done.stderr and "line 2" in done.stderr and "future" in done.stderr


@pytest.mark.parametrize(("field", "value", "where"), [
    ("received_at", "1970-01-01T00:00:00+08:00", "received_at"),
    ("received_at", "9999-12-31T23:59:59+08:00", "received_at"),
    ("signals", {"views": 10**30}, "signals.views"),
    ("external_id", "x" * 129, "external_id"),
    ("text", "含\x00", "text"),
])
def test_each_bound_of_the_api_holds_in_triage(field: str, value: object, where: str) -> None:
    lines = [json.dumps({"id": "a", "text": "某事"}), json.dumps({"id": "b", "text": "某事", field: value})]
    with pytest.raises(TriageInputError, match=rf"第2行 {re.escape(where)}.*line 2"):
        parse_lines(lines, now_local())
