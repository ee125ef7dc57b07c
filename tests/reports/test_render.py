"""Exports and charts from plain records (no database): labels from the internet are escaped
in SVG and defused in CSV/XLSX (formula injection)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook

from routing.local_time import BEIJING
from service.reports import charts, export
from service.reports.figures import Record
from service.reports.tables import build, display

T0 = datetime(2026, 11, 2, tzinfo=UTC)
EVIL_UNIT = "<script>alert(1)</script>局"
FORMULA_UNIT = '=HYPERLINK("http://x","点我")'
EVIL_TOPIC = "@SUM(1+1)&<b>"


def report():
    def rec(i: int, unit: str, topic: str, respond_h: float) -> Record:
        return Record(incident_id=i, unit=unit, region="高平市", topic=topic, severity="一般", received_at=T0,
                      response_due=T0 + timedelta(hours=48), responded_at=T0 + timedelta(hours=respond_h))
    records = [rec(1, EVIL_UNIT, EVIL_TOPIC, 10), rec(2, FORMULA_UNIT, "-1+2", 50), rec(3, "+cmd|' /C calc'!A0", "ok", 1)]
    return build(records, T0 + timedelta(days=5), BEIJING)


def test_svg_escapes_labels() -> None:
    r = report()
    for kind in charts.KINDS:
        svg = charts.chart(kind, r, "<i>高平市</i>")
        assert "<script" not in svg and "<b>" not in svg and "<i>" not in svg
        root = ET.fromstring(svg)  # well-formed
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        if kind == "units":
            assert "<script>alert…" in texts  # shown as text (shortened), parsed back intact
        if kind == "topics":
            assert EVIL_TOPIC in texts


def test_long_labels_are_shortened() -> None:
    assert charts._short("高平市人力资源和社会保障局劳动监察大队") == "高平市人力资源和社会保障局…"  # 13 characters and the ellipsis


def test_csv_and_xlsx_defuse_formulas() -> None:
    r = report()
    rows = list(csv.reader(io.StringIO(export.to_csv(r, "unit").lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:-1]} == {"'" + FORMULA_UNIT, "'+cmd|' /C calc'!A0", EVIL_UNIT}
    assert rows[-1][0] == "合计"
    topics = [row[0] for row in csv.reader(io.StringIO(export.to_csv(r, "topic").lstrip("\ufeff")))][1:]
    assert set(topics) == {"'@SUM(1+1)&<b>", "'-1+2", "ok"}
    wb = load_workbook(io.BytesIO(export.to_xlsx(r)))
    cells = [wb["按单位"].cell(i, 1) for i in range(2, 5)]
    assert {c.value for c in cells} == {"'" + FORMULA_UNIT, "'+cmd|' /C calc'!A0", EVIL_UNIT}
    assert all(c.data_type == "s" for c in cells)  # text, not formula
    assert {wb["按领域"].cell(i, 1).value for i in range(2, 5)} == {"'@SUM(1+1)&<b>", "'-1+2", "ok"}


def test_display_formats() -> None:
    assert [display(0.5714, "rate"), display(1.25, "hours"), display(None, "score"), display(3, "count")] == [
        "57.1%", "1.2", "—", "3"]


def test_weekly_trend_does_not_skip_empty_weeks() -> None:
    from service.reports.figures import Figures
    rows = [Figures(key="2026-W52", received=2), Figures(key="2027-W02", received=1)]
    assert [(f.key, f.received) for f in charts.continuous_weeks(rows)] == [
        ("2026-W52", 2), ("2026-W53", 0), ("2027-W01", 0), ("2027-W02", 1)]
    root = ET.fromstring(charts.weekly_trend("趋势", rows))
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert labels.count("第53周") == 1 and labels.count("第1周") == 1  # Chinese, not ISO's W53
