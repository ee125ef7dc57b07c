"""Routes under /api/reports: figures per unit / week / topic for a period and region, their
CSV/XLSX exports, SVG charts and the monthly report. Any signed-in viewer, scoped like the
incident list (a liaison sees his unit's figures, region holders their region and below)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from routing.assessment import WEIGHT_NOTE
from service.accountability.service import records_for
from service.auth.deps import ReaderDep
from service.auth.rules import Principal
from service.core.columns import utcnow
from service.core.deps import SessionDep, SettingsDep
from service.core.errors import Invalid
from service.core.inputs import StrictDate
from service.incidents.deps import EngineDep
from service.reports import charts, export, monthly
from service.reports.duty_figures import DutyFigures, by_unit_and_duty, duty_json
from service.reports.grouped import database_report, grouped_figures
from service.reports.loaders import Period, load_duties, period_problem
from service.reports.tables import DUTY_SHEET, TABLES, Report, report_json

router = APIRouter(prefix="/api/reports", tags=["reports"])

DEFAULT_DAYS = 30
FROM = Query(None, alias="from", description="起始日期（含），本地日期 YYYY-MM-DD；默认近 30 天")
TO = Query(None, description="截止日期（不含），本地日期 YYYY-MM-DD；默认明天")
REGION = Query(None, description="地区（含下级），如 高平市、米山镇；默认为当前用户可见范围")


def _period(start: date | None, end: date | None, tz: ZoneInfo) -> Period:
    end = end or (utcnow().astimezone(tz).date() + timedelta(days=1))
    period = Period(start or end - timedelta(days=DEFAULT_DAYS), end)
    problem = period_problem(period)
    if problem:
        raise Invalid(*problem)
    return period


def _region(region: str | None, engine) -> str | None:
    if region is not None and region not in engine.org.regions:
        raise Invalid(f"组织架构中没有地区“{region}”", f"unknown region {region!r}")
    return region


def _scope_label(viewer: Principal, region: str | None, engine) -> str:
    return region or viewer.region or viewer.unit or engine.org.home


def _report(viewer: Principal, session, engine, settings, period: Period, region: str | None) -> tuple[Report, datetime]:
    tz, as_of = ZoneInfo(settings.timezone), utcnow()
    # every figure grouped by the database (issue 18): no row per incident comes into Python
    report = database_report(session, engine.org, viewer, period, tz=tz, as_of=as_of, region=_region(region, engine))
    return report, as_of


def _duties(viewer: Principal, session, engine, settings, period: Period, region: str | None,
            as_of: datetime) -> list[DutyFigures]:
    """On time per unit per duty (issue 15), scoped like the figures."""
    records = load_duties(session, engine.org, viewer, period, tz=ZoneInfo(settings.timezone),
                          region=_region(region, engine))
    return by_unit_and_duty(records, as_of)


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename=\"report\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store"}


@router.get("/summary", summary="统计报表：合计、按单位、按周、按领域 / figures by unit, week and topic")
def summary(viewer: ReaderDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
            start: StrictDate | None = FROM, to: StrictDate | None = TO, region: str | None = REGION) -> dict:
    period = _period(start, to, ZoneInfo(settings.timezone))
    report, as_of = _report(viewer, session, engine, settings, period, region)
    since, until = period.bounds(ZoneInfo(settings.timezone))
    duties = _duties(viewer, session, engine, settings, period, region, as_of)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "region": region,
            "scope": _scope_label(viewer, region, engine), "as_of": as_of.isoformat(), **report_json(report),
            # 问责 notified in the period (with their 整改), and how the 4 % is to be read (seed 000 二(三))
            "accountability": records_for(session, engine.org, viewer, since=since, until=until),
            "weight_note": WEIGHT_NOTE,
            "duties": duty_json(duties)}  # on time per unit per duty (issue 15)


# OpenAPI `responses` of the file routes (FastAPI's parameter type: dict[int | str, dict[str, Any]])
CSV_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "CSV（UTF-8，带 BOM）"}}
XLSX_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {export.XLSX_TYPE: {}}, "description": "XLSX 工作簿"}}
SVG_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"image/svg+xml": {}}, "description": "SVG 图表"}}


@router.get("/export.csv", response_class=Response, responses=CSV_DOC,
            summary="导出 CSV（按单位/按周/按领域/按单位职责之一） / one table as CSV")
def export_csv(viewer: ReaderDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
               start: StrictDate | None = FROM, to: StrictDate | None = TO, region: str | None = REGION,
               table: Literal["unit", "week", "topic", "duty"] = Query(
                   "unit", description="unit 按单位 / week 按周 / topic 按领域 / duty 按单位职责"),
               ) -> Response:
    period = _period(start, to, ZoneInfo(settings.timezone))
    if table == "duty":
        body = export.duty_csv(_duties(viewer, session, engine, settings, period, region, utcnow()))
        name = f"舆情回应统计_{DUTY_SHEET}_{period.start}_{period.end}.csv"
    else:
        report, _ = _report(viewer, session, engine, settings, period, region)
        body, name = export.to_csv(report, table), f"舆情回应统计_{TABLES[table][0]}_{period.start}_{period.end}.csv"
    return Response(body, media_type="text/csv; charset=utf-8", headers=_attachment(name))


@router.get("/export.xlsx", response_class=Response, responses=XLSX_DOC,
            summary="导出 XLSX（工作表 按单位/按周/按领域/按单位职责） / the tables as an XLSX workbook")
def export_xlsx(viewer: ReaderDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                start: StrictDate | None = FROM, to: StrictDate | None = TO, region: str | None = REGION) -> Response:
    period = _period(start, to, ZoneInfo(settings.timezone))
    report, as_of = _report(viewer, session, engine, settings, period, region)
    label = _scope_label(viewer, region, engine)
    body = export.to_xlsx(report, title=f"{label}政务舆情回应统计（{period.start} 至 {period.end}）",
                          duties=_duties(viewer, session, engine, settings, period, region, as_of))
    return Response(body, media_type=export.XLSX_TYPE,
                    headers=_attachment(f"舆情回应统计_{period.start}_{period.end}.xlsx"))


@router.get("/chart/{kind}.svg", response_class=Response, responses=SVG_DOC,
            summary="图表（SVG）：units 各单位按时率 / weeks 每周趋势 / topics 各领域 / a chart as SVG")
def chart(kind: Literal["units", "weeks", "topics"], viewer: ReaderDep, session: SessionDep, engine: EngineDep,
          settings: SettingsDep, start: StrictDate | None = FROM, to: StrictDate | None = TO,
          region: str | None = REGION) -> Response:
    tz = ZoneInfo(settings.timezone)
    period, label = _period(start, to, tz), _scope_label(viewer, region, engine)
    if kind == "units":  # the per-unit figures alone, computed by the database (issue 18)
        svg = charts.units_chart(grouped_figures(session, engine.org, viewer, period, by="unit", tz=tz,
                                                 as_of=utcnow(), region=_region(region, engine)), label)
    else:
        report, _ = _report(viewer, session, engine, settings, period, region)
        svg = charts.chart(kind, report, label)
    return Response(svg, media_type="image/svg+xml; charset=utf-8",
                    headers={"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


MONTH = Query(None, description="月份 YYYY-MM；默认本月", examples=["2026-11"])


def _month(text: str | None, tz: ZoneInfo) -> tuple[int, int]:
    if text is None:
        today = utcnow().astimezone(tz).date()
        return today.year, today.month
    parsed = monthly.parse_month(text)
    if parsed is None:
        raise Invalid(f"月份格式应为 YYYY-MM：{text}", f"month must be YYYY-MM, got {text!r}")
    return parsed


@router.get("/monthly", summary="月报内容（标题、综述、各表） / the monthly report's content")
def monthly_report(viewer: ReaderDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                   month: str | None = MONTH, region: str | None = REGION) -> dict:
    tz = ZoneInfo(settings.timezone)
    year, m = _month(month, tz)
    period = monthly.month_period(year, m)
    report, as_of = _report(viewer, session, engine, settings, period, region)
    duties = _duties(viewer, session, engine, settings, period, region, as_of)
    return {**monthly.content(report, _scope_label(viewer, region, engine), year, m, duties), "region": region,
            "as_of": as_of.isoformat()}


@router.get("/monthly.xlsx", response_class=Response, responses=XLSX_DOC,
            summary="月报（XLSX） / the monthly report as XLSX")
def monthly_xlsx(viewer: ReaderDep, session: SessionDep, engine: EngineDep, settings: SettingsDep,
                 month: str | None = MONTH, region: str | None = REGION) -> Response:
    tz = ZoneInfo(settings.timezone)
    year, m = _month(month, tz)
    period = monthly.month_period(year, m)
    report, as_of = _report(viewer, session, engine, settings, period, region)
    name = _scope_label(viewer, region, engine)
    body = monthly.to_xlsx(report, name, year, m, made_at=as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                           duties=_duties(viewer, session, engine, settings, period, region, as_of))
    return Response(body, media_type=export.XLSX_TYPE,
                    headers=_attachment(f"{monthly.title(name, year, m)}.xlsx"))
