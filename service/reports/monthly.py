"""The monthly report an office sends upward (政务舆情回应工作月报): the month as a period,
a summary paragraph written from the figures, and the XLSX version. Pure, except `to_xlsx`
building bytes."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from service.reports import export
from service.reports.duty_figures import DutyFigures, duty_json, role_label
from service.reports.figures import Figures
from service.reports.loaders import Period
from service.reports.tables import DUTY_SHEET, TABLES, Report, display, figures_json

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DUTY_HEADING = "各单位职责按时办理情况"


def parse_month(text: str) -> tuple[int, int] | None:
    m = MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        return None
    return int(m.group(1)), int(m.group(2))


def month_period(year: int, month: int) -> Period:
    end = date(year + (month == 12), month % 12 + 1, 1)
    return Period(date(year, month, 1), end)


def title(name: str, year: int, month: int) -> str:
    return f"{name}政务舆情回应工作月报（{year}年{month}月）"


def _pct(rate: float | None) -> str:
    return display(rate, "rate")


def _hours(h: float | None) -> str:
    return "—" if h is None else f"{h:.1f} 小时"


def summary_text(report: Report, name: str, year: int, month: int, duties: Sequence[DutyFigures] = ()) -> str:
    """One paragraph of what the figures say, in the order an office report gives them."""
    t = report.overall
    if t.received == 0:
        return f"{year}年{month}月，{name}未受理政务舆情事件。"
    parts = [f"{year}年{month}月，{name}共受理政务舆情事件 {t.received} 件，涉及责任单位 {len(report.by_unit)} 个。"]
    decided = t.on_time + t.late
    parts.append(f"已到回应时限 {decided} 件，按时回应 {t.on_time} 件，按时回应率 {_pct(t.on_time_rate)}"
                 + (f"；另有 {t.pending} 件尚在时限内。" if t.pending else "。"))
    feedback = t.feedback_on_time + t.feedback_late
    if feedback:
        parts.append(f"上级要求核实处置的事件已到反馈时限 {feedback} 件，按时反馈 {t.feedback_on_time} 件，"
                     f"按时反馈率 {_pct(t.feedback_on_time_rate)}。")
    parts.append(f"认领用时中位数 {_hours(t.median_claim_hours)}，回应用时中位数 {_hours(t.median_response_hours)}。")
    parts.append(f"超时 {t.breaches} 次，退回 {t.returns} 次。")
    if t.reviews:
        parts.append(f"开展回应效果评估 {t.reviews} 次，平均得分 {display(t.review_score, 'score')} 分"
                     + (f"，提出问责 {t.accountability} 次。" if t.accountability else "，未提出问责。"))
    parts += _duty_text(duties)
    weakest = _weakest(report.by_unit)
    if weakest:
        parts.append("按时回应率较低的单位：" + "、".join(f"{f.key}（{_pct(f.on_time_rate)}）" for f in weakest) + "。")
    busiest = sorted(report.by_topic, key=lambda f: (-f.received, f.key))[:3]
    parts.append("事件较多的领域：" + "、".join(f"{f.key}（{f.received} 件）" for f in busiest) + "。")
    return "".join(parts)


def _duty_text(duties: Sequence[DutyFigures]) -> list[str]:
    """The units' own duties (牵头、第一责任、属地回应、向同级党委报告): how many, how many late, and whose."""
    owed = sum(f.owed for f in duties)
    if not owed:
        return []
    on_time, late, pending = (sum(getattr(f, k) for f in duties) for k in ("on_time", "late", "pending"))
    text = f"各单位职责 {owed} 项，按时办理 {on_time} 项，超时 {late} 项" + (f"，时限内待办 {pending} 项" if pending else "")
    behind = [f"{f.unit}（{role_label(f.role)}）" for f in duties if f.late]
    return [text + ("；超时的职责：" + "、".join(behind) if behind else "") + "。"]


def _weakest(units: list[Figures], n: int = 3) -> list[Figures]:
    """Units below 100 % on time, lowest first (ties: more late first, then name)."""
    rated = [f for f in units if f.on_time_rate is not None and f.on_time_rate < 1]
    return sorted(rated, key=lambda f: (f.on_time_rate, -f.late, f.key))[:n]


def content(report: Report, name: str, year: int, month: int, duties: Sequence[DutyFigures] = ()) -> dict:
    period = month_period(year, month)
    return {"title": title(name, year, month), "name": name, "month": f"{year:04d}-{month:02d}",
            "from": period.start.isoformat(), "to": period.end.isoformat(),
            "summary": summary_text(report, name, year, month, duties),
            "duties": duty_json(list(duties)),  # on time per unit per duty (issue 15)
            "overall": figures_json(report.overall),
            "weakest": [figures_json(f) for f in _weakest(report.by_unit)],
            "by_unit": [figures_json(f) for f in report.by_unit],
            "by_week": [figures_json(f) for f in report.by_week],
            "by_topic": [figures_json(f) for f in report.by_topic]}


def to_xlsx(report: Report, name: str, year: int, month: int, made_at: str,
            duties: Sequence[DutyFigures] = ()) -> bytes:
    """First sheet 月报: title, the summary paragraph, the unit table and the units' duties;
    then the tables as in the ordinary export (the three, then 按单位职责)."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook has one empty worksheet
    ws.title = "月报"
    heading = title(name, year, month)
    ws["A1"] = export.guard(heading)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A2"] = export.guard(f"统计区间：{month_period(year, month).start.isoformat()} 至 "
                            f"{month_period(year, month).end.isoformat()}（不含）；生成时间：{made_at}")
    ws["A3"] = export.guard(summary_text(report, name, year, month, duties))
    ws["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A3:P3")
    ws.row_dimensions[3].height = 120
    below = export.write_table(ws, TABLES["unit"][1], report.by_unit, report.overall, start_row=5)
    ws.cell(below + 1, 1, DUTY_HEADING).font = Font(bold=True)
    export.write_duty_table(ws, duties, start_row=below + 2)
    for table, (sheet, first) in TABLES.items():
        export.write_table(wb.create_sheet(sheet), first, report.table(table),
                           report.overall if table == "unit" else None)
    export.write_duty_table(wb.create_sheet(DUTY_SHEET), duties)
    wb.properties.title = heading
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
