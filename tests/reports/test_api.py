"""/api/reports over the known incidents (SQLite and PostgreSQL): JSON figures, the CSV and
XLSX files opened back, the SVG charts parsed, the monthly report, the refusals.

The API counts at the time of the request: every due time of the fixture has passed by then,
so incident 6 (pending at fixture.AS_OF) is late here."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.reports.fixture import MISHAN, SANJIA, SCJ
from tests.support.factories import login

NOV = {"from": "2026-11-01", "to": "2026-12-01"}
SVG = "{http://www.w3.org/2000/svg}"


def get(client: TestClient, path: str, who: str = "leader_gaoping", **params: str):
    return client.get(f"/api/reports/{path}", params=params, headers=login(client, who))


def test_summary_figures(seeded: TestClient) -> None:
    r = get(seeded, "summary", **NOV)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["from"], body["to"], body["scope"]) == ("2026-11-01", "2026-12-01", "高平市")
    t = body["overall"]
    assert (t["received"], t["on_time"], t["late"], t["pending"], t["on_time_rate"]) == (7, 4, 3, 0, 0.5714)
    assert (t["feedback_on_time_rate"], t["median_claim_hours"], t["median_response_hours"]) == (0.5, 2.0, 24.0)
    assert (t["breaches"], t["returns"], t["review_score"], t["accountability"]) == (5, 2, 70.0, 1)
    units = {u["key"]: u for u in body["by_unit"]}
    assert list(units) == sorted([SCJ, MISHAN, SANJIA])
    assert (units[SCJ]["on_time"], units[SCJ]["late"], units[SCJ]["on_time_rate"]) == (2, 2, 0.5)
    assert units[SCJ]["median_claim_hours"] == 1.5 and units[MISHAN]["feedback_on_time_rate"] == 0.5
    assert [w["key"] for w in body["by_week"]] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert {f["key"]: f["received"] for f in body["by_topic"]} == {"义务教育": 1, "城市综合执法": 2, "食品药品监管": 4}
    assert body["columns"][4] == {"key": "on_time_rate", "label": "按时回应率", "kind": "rate"}


def test_scoping_through_the_api(seeded: TestClient) -> None:
    scj = get(seeded, "summary", "liaison_scj", **NOV).json()
    assert [u["key"] for u in scj["by_unit"]] == [SCJ] and scj["overall"]["received"] == 4
    narrowed = get(seeded, "summary", **NOV, region="三甲镇").json()
    assert [u["key"] for u in narrowed["by_unit"]] == [SANJIA] and narrowed["scope"] == "三甲镇"


@pytest.mark.parametrize(("params", "en"), [
    ({"from": "2026-12-01", "to": "2026-11-01"}, "from must be before to"),
    ({"from": "2025-01-01", "to": "2026-11-01"}, "the period may span at most 400 days"),
    ({**NOV, "region": "不存在县"}, "unknown region '不存在县'"),
])
def test_bad_periods_and_regions_are_422(seeded: TestClient, params: dict, en: str) -> None:
    for path in ("summary", "export.csv", "export.xlsx", "chart/units.svg"):
        r = get(seeded, path, **params)
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"]["en"] == en and r.json()["error"]["zh"]


def test_csv_export(seeded: TestClient) -> None:
    r = get(seeded, "export.csv", **NOV)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith("\ufeff".encode())  # BOM: Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["责任单位", "受理事件数", "按时回应", "超时回应", "时限内待回应", "按时回应率"]
    by = {row[0]: row for row in rows[1:]}
    assert by[SCJ][:6] == [SCJ, "4", "2", "2", "0", "50.0%"]
    assert by[SCJ][9] == "1.5" and by[SCJ][13] == "—"  # median claim hours; no review
    assert by[MISHAN][8] == "50.0%" and by[MISHAN][13] == "70.0"
    assert rows[-1][:6] == ["合计", "7", "4", "3", "0", "57.1%"]
    weeks = list(csv.reader(io.StringIO(get(seeded, "export.csv", **NOV, table="week").content.decode("utf-8-sig"))))
    assert [w[0] for w in weeks] == ["周次", "2026-W44", "2026-W45", "2026-W46", "2026-W47"]


def test_xlsx_export_opens_back(seeded: TestClient) -> None:
    r = get(seeded, "export.xlsx", **NOV)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["按单位", "按周", "按领域", "按单位职责"]
    ws = wb["按单位"]
    assert [c.value for c in ws[1]][:3] == ["责任单位", "受理事件数", "按时回应"]
    row = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1)}
    assert set(row) == {SCJ, MISHAN, SANJIA, "合计"} and ws.cell(ws.max_row, 1).value == "合计"
    scj = row[SCJ]
    assert [ws.cell(scj, j).value for j in range(2, 7)] == [4, 2, 2, 0, 0.5]
    assert ws.cell(scj, 6).number_format == "0.0%" and ws.cell(scj, 10).value == 1.5
    assert ws.cell(row[SCJ], 14).value is None  # no review: an empty cell, not 0
    topics = wb["按领域"]
    assert {topics.cell(i, 1).value: topics.cell(i, 2).value for i in range(2, topics.max_row + 1)} == {
        "义务教育": 1, "城市综合执法": 2, "食品药品监管": 4}


def test_charts_are_well_formed_svg(seeded: TestClient) -> None:
    for kind in ("units", "weeks", "topics"):
        r = get(seeded, f"chart/{kind}.svg", **NOV)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(r.content)
        assert root.tag == f"{SVG}svg" and "Noto Sans CJK SC" in root.get("font-family")
        texts = [t.text for t in root.iter(f"{SVG}text")]
        if kind == "units":
            assert "高平市 各单位按时回应率" in texts and "50.0%（2/4）" in texts
            widths = [r.get("width") for r in root.iter(f"{SVG}rect")][1:]  # after the background
            assert widths == ["440.0", "220.0", "0.0"]  # 100 %, 50 %, 0 % of 440 px: best first
        if kind == "weeks":
            assert len(list(root.iter(f"{SVG}circle"))) == 4
    assert get(seeded, "chart/pie.svg", **NOV).status_code == 422


def test_monthly_report(seeded: TestClient) -> None:
    body = get(seeded, "monthly", month="2026-11").json()
    assert body["title"] == "高平市政务舆情回应工作月报（2026年11月）"
    assert (body["from"], body["to"]) == ("2026-11-01", "2026-12-01")
    assert body["summary"].startswith("2026年11月，高平市共受理政务舆情事件 7 件，涉及责任单位 3 个。"
                                      "已到回应时限 7 件，按时回应 4 件，按时回应率 57.1%。")
    assert "按时回应率较低的单位：三甲镇人民政府（0.0%）、高平市市场监督管理局（50.0%）。" in body["summary"]
    assert "开展回应效果评估 2 次，平均得分 70.0 分，提出问责 1 次。" in body["summary"]
    assert [u["key"] for u in body["weakest"]] == [SANJIA, SCJ]
    r = get(seeded, "monthly.xlsx", month="2026-11")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["月报", "按单位", "按周", "按领域", "按单位职责"]
    assert wb["月报"]["A1"].value == body["title"] and wb["月报"]["A3"].value == body["summary"]
    assert wb["月报"]["A5"].value == "责任单位"
    r = get(seeded, "monthly", month="2026-13")
    assert r.status_code == 422 and r.json()["error"]["en"] == "month must be YYYY-MM, got '2026-13'"
