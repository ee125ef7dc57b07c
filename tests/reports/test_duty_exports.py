"""On time per unit per duty in the exports and the monthly report (issue 15): a two-department
incident answered by one unit on time and by the other late, read back from the CSV, the XLSX,
the monthly report and its XLSX (SQLite and PostgreSQL); names defused against formulas."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from service.auth.rules import Principal, Role
from service.core.db import session_scope
from service.incidents import duties as duty_steps
from service.incidents.rules import Channel
from service.incidents.runtime import load_engine
from service.reports import export, monthly
from service.reports.duty_figures import DutyFigures
from tests.incidents.test_duties_api import GAJ, JYJ, RECEIVED, TWO, duties, liaisons
from tests.reports.test_render import FORMULA_UNIT, report
from tests.support.factories import incident, login

H = timedelta(hours=1)
JUNE = {"from": "2026-06-01", "to": "2026-06-08"}
HEAD = ["责任单位", "职责", "应办职责数", "按时办理", "超时办理", "时限内待办", "按时率"]
ROWS = [[GAJ, "第一责任", "1", "1", "0", "0", "100.0%"], [JYJ, "牵头", "1", "0", "1", "0", "0.0%"]]


def _answer(settings, iid: int, duty_id: int, viewer: Principal, at: datetime) -> None:
    with session_scope(settings.database_url) as s:
        engine = load_engine(settings, s)
        duty_steps.claim_duty(session=s, engine=engine, viewer=viewer, incident_id=iid, duty_id=duty_id, now=at - H)
        duty_steps.respond_duty(session=s, engine=engine, viewer=viewer, incident_id=iid, duty_id=duty_id,
                                channel=Channel("政府网站"), text="已按职责回应", now=at)
        s.commit()


def _one_on_time_one_late(client, settings) -> dict:
    liaisons(client, settings)
    iid = incident(client, "1", TWO, RECEIVED, severity="一般")  # 48 h
    d = duties(client, iid)
    _answer(settings, iid, d[GAJ]["id"], Principal(0, "liaison_gaj", Role.LIAISON, unit=GAJ), RECEIVED + 2 * H)
    _answer(settings, iid, d[JYJ]["id"], Principal(0, "liaison_jyj", Role.LIAISON, unit=JYJ), RECEIVED + 50 * H)
    return login(client, "leader_gaoping")


def _csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_exports_count_each_units_duty(client, settings) -> None:
    leader = _one_on_time_one_late(client, settings)
    summary = client.get("/api/reports/summary", params=JUNE, headers=leader).json()["duties"]
    assert [(x["unit"], x["on_time"], x["late"]) for x in summary] == [(GAJ, 1, 0), (JYJ, 0, 1)]
    r = client.get("/api/reports/export.csv", params={**JUNE, "table": "duty"}, headers=leader)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "%E6%8C%89%E5%8D%95%E4%BD%8D%E8%81%8C%E8%B4%A3" in r.headers["content-disposition"]  # 按单位职责
    assert r.content.startswith("\ufeff".encode())
    assert _csv(r.content) == [HEAD, *ROWS]
    own = client.get("/api/reports/export.csv", params={**JUNE, "table": "duty"}, headers=login(client, "liaison_gaj"))
    assert _csv(own.content) == [HEAD, ROWS[0]]  # a liaison: his unit's duties only
    wb = load_workbook(io.BytesIO(client.get("/api/reports/export.xlsx", params=JUNE, headers=leader).content))
    assert wb.sheetnames == ["按单位", "按周", "按领域", "按单位职责"]
    ws = wb["按单位职责"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        HEAD, [GAJ, "第一责任", 1, 1, 0, 0, 1], [JYJ, "牵头", 1, 0, 1, 0, 0]]
    assert ws.cell(2, 7).number_format == "0.0%"


def test_the_monthly_report_gives_each_units_duty(client, settings) -> None:
    leader = _one_on_time_one_late(client, settings)
    body = client.get("/api/reports/monthly", params={"month": "2026-06"}, headers=leader).json()
    assert [(x["unit"], x["role_label"], x["owed"], x["on_time"], x["late"], x["pending"]) for x in body["duties"]] == [
        (GAJ, "第一责任", 1, 1, 0, 0), (JYJ, "牵头", 1, 0, 1, 0)]
    assert "各单位职责 2 项，按时办理 1 项，超时 1 项；超时的职责：高平市教育局（牵头）。" in body["summary"]
    r = client.get("/api/reports/monthly.xlsx", params={"month": "2026-06"}, headers=leader)
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["月报", "按单位", "按周", "按领域", "按单位职责"]
    sheet = wb["月报"]
    heading = next(row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 1).value == monthly.DUTY_HEADING)
    assert [sheet.cell(heading + 1, j).value for j in range(1, 8)] == HEAD
    assert [sheet.cell(heading + 3, j).value for j in range(1, 8)] == [JYJ, "牵头", 1, 0, 1, 0, 0]
    assert [[c.value for c in row] for row in wb["按单位职责"].iter_rows()][1][:4] == [GAJ, "第一责任", 1, 1]
    assert sheet["A3"].value == body["summary"]


def test_duty_tables_defuse_formulas() -> None:
    rows = [DutyFigures(FORMULA_UNIT, "lead", 1, 1, 0, 0), DutyFigures("@SUM(1+1)", "weird", 1, 0, 0, 1)]
    lines = list(csv.reader(io.StringIO(export.duty_csv(rows).lstrip("\ufeff"))))
    assert [line[:2] for line in lines[1:]] == [["'" + FORMULA_UNIT, "牵头"], ["'@SUM(1+1)", "weird"]]
    for data in (export.to_xlsx(report(), duties=rows), monthly.to_xlsx(report(), "高平市", 2026, 11, "x", rows)):
        ws = load_workbook(io.BytesIO(data))["按单位职责"]
        cells = [ws.cell(2, 1), ws.cell(3, 1)]
        assert [c.value for c in cells] == ["'" + FORMULA_UNIT, "'@SUM(1+1)"]
        assert all(c.data_type == "s" for c in cells)  # text, not formula
