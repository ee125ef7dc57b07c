"""The report's tables as plain data: which figures, in which order, under which Chinese
heading. The JSON API, the CSV/XLSX exports, the pages and the monthly report all use these
columns, so a figure is named and formatted the same everywhere. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from service.reports.figures import Figures, Record, by_topic, by_unit, by_week, overall


@dataclass(frozen=True)
class Column:
    key: str  # attribute of Figures (and key in the JSON)
    label: str  # Chinese heading
    kind: str  # count / rate / hours / score / points


COLUMNS: tuple[Column, ...] = (
    Column("received", "受理事件数", "count"),
    Column("on_time", "按时回应", "count"),
    Column("late", "超时回应", "count"),
    Column("pending", "时限内待回应", "count"),
    Column("on_time_rate", "按时回应率", "rate"),
    Column("feedback_on_time", "核实反馈按时", "count"),
    Column("feedback_late", "核实反馈超时", "count"),
    Column("feedback_on_time_rate", "核实反馈按时率", "rate"),
    Column("median_claim_hours", "认领用时中位数（小时）", "hours"),
    Column("median_response_hours", "回应用时中位数（小时）", "hours"),
    Column("breaches", "超时次数", "count"),
    Column("returns", "退回次数", "count"),
    Column("review_score", "评估平均分", "score"),
    Column("reviews", "评估次数", "count"),
    Column("accountability", "问责次数", "count"),
    Column("assessment_score", "舆情回应得分", "score"),
)

# the first column of each table, and the sheet names of the XLSX export
TABLES = {"unit": ("按单位", "责任单位"), "week": ("按周", "周次"), "topic": ("按领域", "领域")}

# on time per unit per duty (service.reports.duty_figures): its sheet, its two key columns, its figures
DUTY_SHEET, DUTY_KEYS = "按单位职责", ("责任单位", "职责")
DUTY_COLUMNS: tuple[Column, ...] = (
    Column("owed", "应办职责数", "count"),
    Column("on_time", "按时办理", "count"),
    Column("late", "超时办理", "count"),
    Column("pending", "时限内待办", "count"),
    Column("on_time_rate", "按时率", "rate"),
)


def figures_json(f: Figures) -> dict:
    return {"key": f.key, **{c.key: _round(getattr(f, c.key), c.kind) for c in COLUMNS}}


def _round(value: float | int | None, kind: str) -> float | int | None:
    if value is None or kind == "count":
        return value
    return round(value, 4 if kind == "rate" else 2)


def display(value: float | int | None, kind: str) -> str:
    """A figure as an office writes it: 87.5%, 12.3, — for none."""
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind in ("hours", "score"):
        return f"{value:.1f}"
    if kind == "points":
        return f"{value:.2f}"
    return str(value)


@dataclass(frozen=True)
class Report:
    overall: Figures
    by_unit: list[Figures]
    by_week: list[Figures]
    by_topic: list[Figures]

    def table(self, name: str) -> list[Figures]:
        return {"unit": self.by_unit, "week": self.by_week, "topic": self.by_topic}[name]


def build(records: Sequence[Record], as_of: datetime, tz: ZoneInfo) -> Report:
    return Report(overall=overall(records, as_of), by_unit=by_unit(records, as_of),
                  by_week=by_week(records, as_of, tz), by_topic=by_topic(records, as_of))


def report_json(report: Report) -> dict:
    return {"overall": figures_json(report.overall),
            "by_unit": [figures_json(f) for f in report.by_unit],
            "by_week": [figures_json(f) for f in report.by_week],
            "by_topic": [figures_json(f) for f in report.by_topic],
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in COLUMNS]}
