"""The report's figures grouped by the database (issue 18), whatever the group key: per unit
(over one row per incident and unit, unit_totals) or per ISO week of local receipt, per topic
and overall (over one row per incident, incident_totals), in one statement. Exactly the figures of the pure reference,
service.reports.tables.build over loaders.load_records (tests/reports/test_grouped.py), with no
row per incident brought into Python; every report route reads them from here."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from routing.orgchart import OrgChart
from service.auth.rules import Principal
from service.reports.figures import Figures
from service.reports.incident_totals import GroupKey, report_figures
from service.reports.loaders import Period
from service.reports.tables import Report


def grouped_figures(session: Session, org: OrgChart, viewer: Principal, period: Period, *, by: GroupKey,
                    tz: ZoneInfo, as_of: datetime, region: str | None = None) -> list[Figures]:
    """figures.by_unit / by_week / by_topic (or [overall]) over load_records(...), by the database."""
    return report_figures(session, org, viewer, period, tz=tz, as_of=as_of, region=region, keys=(by,))[by]


def database_report(session: Session, org: OrgChart, viewer: Principal, period: Period, *, tz: ZoneInfo,
                    as_of: datetime, region: str | None = None) -> Report:
    """tables.build(load_records(...), as_of, tz), by the database: one statement for the four
    groupings, and the reviews' scores."""
    found = report_figures(session, org, viewer, period, tz=tz, as_of=as_of, region=region)
    return Report(overall=found["overall"][0], by_unit=found["unit"], by_week=found["week"], by_topic=found["topic"])
