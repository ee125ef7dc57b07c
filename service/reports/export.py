"""CSV and XLSX files of a report. Unit and topic names come from incident data, so a cell
starting with = + - @ (or a tab / carriage return) is prefixed with a single quote: a
spreadsheet must never run it as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TypeVar

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.reports.duty_figures import DutyFigures, role_label
from service.reports.figures import Figures
from service.reports.tables import COLUMNS, DUTY_COLUMNS, DUTY_KEYS, DUTY_SHEET, TABLES, Report, display

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMAT = {"rate": "0.0%", "hours": "0.0", "score": "0.0", "points": "0.00", "count": "0"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
T = TypeVar("T")


def guard(value: T) -> T | str:
    """Text that a spreadsheet would read as a formula, defused; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def rows_of(figures: Sequence[Figures], total: Figures | None = None) -> list[tuple[str, list[float | None]]]:
    """(key, the figures of COLUMNS) per row; the 合计 row last when `total` is given."""
    rows = [(f.key, [getattr(f, c.key) for c in COLUMNS]) for f in figures]
    if total is not None:
        rows.append(("合计", [getattr(total, c.key) for c in COLUMNS]))
    return rows


def to_csv(report: Report, table: str) -> str:
    """One table as CSV (UTF-8 with BOM so Excel reads the Chinese), figures as displayed."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([TABLES[table][1], *(c.label for c in COLUMNS)])
    for key, values in rows_of(report.table(table), report.overall if table == "unit" else None):
        writer.writerow([guard(key), *(display(v, c.kind) for v, c in zip(values, COLUMNS, strict=True))])
    return out.getvalue()


def duty_rows(duties: Sequence[DutyFigures]) -> list[tuple[str, str, list[float | int | None]]]:
    """(unit, the duty's Chinese name, the figures of DUTY_COLUMNS) per row."""
    return [(f.unit, role_label(f.role), [getattr(f, c.key) for c in DUTY_COLUMNS]) for f in duties]


def duty_csv(duties: Sequence[DutyFigures]) -> str:
    """On time per unit per duty as CSV (UTF-8 with BOM), names defused like every other cell."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*DUTY_KEYS, *(c.label for c in DUTY_COLUMNS)])
    for unit, role, values in duty_rows(duties):
        writer.writerow([guard(unit), guard(role),
                         *(display(v, c.kind) for v, c in zip(values, DUTY_COLUMNS, strict=True))])
    return out.getvalue()


HEAD_FILL = PatternFill("solid", fgColor="EEF2F7")


def _heading(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for j, label in enumerate(labels, start=1):
        cell = ws.cell(row, j, label)
        cell.font, cell.fill = Font(bold=True), HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")


def write_duty_table(ws: Worksheet, duties: Sequence[DutyFigures], start_row: int = 1) -> int:
    """The duty table at `start_row` (numbers stay numbers); returns the next free row."""
    _heading(ws, start_row, [*DUTY_KEYS, *(c.label for c in DUTY_COLUMNS)])
    r = start_row
    for r, (unit, role, values) in enumerate(duty_rows(duties), start=start_row + 1):
        ws.cell(r, 1, guard(unit))
        ws.cell(r, 2, guard(role))
        for j, (value, c) in enumerate(zip(values, DUTY_COLUMNS, strict=True), start=3):
            ws.cell(r, j, value).number_format = NUMBER_FORMAT[c.kind]
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 16
    return r + 1


def write_table(ws: Worksheet, first: str, figures: Sequence[Figures], total: Figures | None = None,
                start_row: int = 1) -> int:
    """Heading and rows at `start_row`; numbers stay numbers (rates formatted as percentages).
    Returns the next free row."""
    _heading(ws, start_row, [first, *(c.label for c in COLUMNS)])
    r = start_row
    for r, (key, values) in enumerate(rows_of(figures, total), start=start_row + 1):
        ws.cell(r, 1, guard(key))
        for j, (value, c) in enumerate(zip(values, COLUMNS, strict=True), start=2):
            cell = ws.cell(r, j, value)
            cell.number_format = NUMBER_FORMAT[c.kind]
    if total is not None:  # the 合计 row, last
        for j in range(1, len(COLUMNS) + 2):
            ws.cell(r, j).font = Font(bold=True)
    ws.column_dimensions["A"].width = 30
    for j in range(2, len(COLUMNS) + 2):
        ws.column_dimensions[get_column_letter(j)].width = 12
    return r + 1


def to_xlsx(report: Report, title: str | None = None, duties: Sequence[DutyFigures] = ()) -> bytes:
    """Sheets 按单位 / 按周 / 按领域 (the unit sheet ends with the 合计 row), then 按单位职责."""
    wb = Workbook()
    if wb.active is not None:  # a new workbook has one empty sheet: ours replace it
        wb.remove(wb.active)
    for table, (sheet, first) in TABLES.items():
        ws = wb.create_sheet(sheet)
        write_table(ws, first, report.table(table), report.overall if table == "unit" else None)
        ws.freeze_panes = "B2"
    write_duty_table(wb.create_sheet(DUTY_SHEET), duties)
    wb[DUTY_SHEET].freeze_panes = "C2"
    if title:
        wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
