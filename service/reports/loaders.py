"""Database rows → report `Record`s, scoped by viewer, period and region.

Bulk only: one query, whatever the number of incidents (see `load_records`); every part of
it is restricted by the same sub-select of incident ids.
The figures themselves are defined in service.reports.figures (pure). The routes do not load
records any more: service.reports.grouped computes the same figures in the database (issue 18);
`load_records` stays as the reference those are tested against (tests/reports/test_grouped.py,
bench/report_per_unit.py) and for whatever needs the rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.audit.actions import AuditAction, Claimed, Returned, key_of
from service.audit.models import AuditEntry
from service.auth.rules import Principal, Role
from service.incidents.models import Clock, Incident, IncidentDuty, IncidentUnit
from service.incidents.units import REGION, UNIT_ROLES, scope_names
from service.reports.duty_figures import DutyRecord
from service.reports.figures import Record
from service.review.models import Review

MAX_SPAN_DAYS = 400
UNIT = key_of("unit", Claimed, Returned)  # the detail key the claims and returns are counted by


@dataclass(frozen=True)
class Period:
    """Local dates [start, end): incidents received on `start` up to the day before `end`."""

    start: date
    end: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period in UTC (midnight local time at both ends)."""
        return (datetime.combine(self.start, time(), tz).astimezone(UTC),
                datetime.combine(self.end, time(), tz).astimezone(UTC))

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def period_problem(period: Period) -> tuple[str, str] | None:
    """(zh, en) naming what is wrong with a requested period, else None."""
    if period.end <= period.start:
        return "起始日期须早于截止日期", "from must be before to"
    if period.days > MAX_SPAN_DAYS:
        return f"统计区间不能超过 {MAX_SPAN_DAYS} 天", f"the period may span at most {MAX_SPAN_DAYS} days"
    return None


def regions_below(org: OrgChart, region: str) -> frozenset[str]:
    return frozenset(r for r in org.regions if org.is_ancestor(region, r))


def incident_ids(viewer: Principal, org: OrgChart, start: datetime, end: datetime, region: str | None):
    """A sub-select of the ids of the incidents counted: received in the period, not merged
    away, in `region` (level region or a region named, at or below it) and seen by `viewer`."""
    q = select(Incident.id).where(Incident.received_at >= start, Incident.received_at < end,
                                  col(Incident.merged_into).is_(None))
    scope = scope_names(viewer, org)
    if scope is not None:
        names, by_region = scope
        q = q.where(col(Incident.id).in_(select(IncidentUnit.incident_id).where(
            col(IncidentUnit.unit).in_(names), col(IncidentUnit.role).in_((REGION,) if by_region else UNIT_ROLES))))
    if region is not None:
        q = q.where(col(Incident.id).in_(select(IncidentUnit.incident_id).where(
            col(IncidentUnit.unit).in_(regions_below(org, region)), IncidentUnit.role == REGION)))
    return q


def only_unit_of(viewer: Principal) -> str | None:
    """The one unit whose records a viewer gets (a liaison, a unit leader); None: all the units
    of the incidents he sees."""
    return viewer.unit if viewer.role is not Role.ADMIN and not viewer.region else None


def unit_doings(ids):
    """(iid, unit, first_claim, returns): what each unit did to each incident, from one pass over
    the audit log — its first claim (even one that lapsed) and how many times it returned it."""
    unit_of = AuditEntry.detail[UNIT].as_string()
    claimed, returned = AuditEntry.action == AuditAction.INCIDENT_CLAIMED, AuditEntry.action == AuditAction.INCIDENT_RETURNED
    return (select(col(AuditEntry.incident_id).label("iid"), unit_of.label("unit"),
                   func.min(case((claimed, col(AuditEntry.at)), else_=None)).label("first_claim"),
                   func.sum(case((returned, 1), else_=0)).label("returns"))
            .where(col(AuditEntry.action).in_((AuditAction.INCIDENT_CLAIMED, AuditAction.INCIDENT_RETURNED)),
                   col(AuditEntry.incident_id).in_(ids))
            .group_by(col(AuditEntry.incident_id), unit_of).subquery("doings"))


def incident_clocks(ids, as_of: datetime):
    """(iid, response_due, responded_at, feedback_due, feedback_at, breaches) from one pass over
    the clocks (one of each kind per incident): the two timed clocks, and how many clocks were
    breached (met late, or open past due at `as_of`)."""
    def of(kind: str, column):
        return func.max(case((col(Clock.kind) == kind, column), else_=None))

    late = or_(col(Clock.met_at) > col(Clock.due_at), and_(col(Clock.met_at).is_(None), col(Clock.due_at) < as_of))
    return (select(col(Clock.incident_id).label("iid"),  # type: ignore[call-overload]  # sqlmodel types four columns
                   of("response", col(Clock.due_at)).label("response_due"),
                   of("response", col(Clock.met_at)).label("responded_at"),
                   of("feedback", col(Clock.due_at)).label("feedback_due"),
                   of("feedback", col(Clock.met_at)).label("feedback_at"),
                   func.sum(case((late, 1), else_=0)).label("breaches"))
            .where(col(Clock.incident_id).in_(ids)).group_by(col(Clock.incident_id)).subquery("clocks"))


def load_records(session: Session, org: OrgChart, viewer: Principal, period: Period, *, tz: ZoneInfo,
                 as_of: datetime, region: str | None = None) -> list[Record]:
    """One Record per (incident, unit answering for it: first / co / lead). A liaison (or a
    unit leader) gets his unit's records only; region holders all units of their incidents.

    One query: the incident's units, joined to its clocks (the two timed ones and the count
    breached), to the first claim and the returns of each unit (audit log, aggregated by the
    database) and to the unit's review (at most one per incident and unit)."""
    start, end = period.bounds(tz)
    ids = incident_ids(viewer, org, start, end, region)
    only_unit = only_unit_of(viewer)
    clocks, doings = incident_clocks(ids, as_of), unit_doings(ids)
    # sqlmodel types select() for at most four columns; the rows are unpacked by position below
    q = (select(Incident.id, IncidentUnit.unit, Incident.level_region, Incident.topic, Incident.severity,  # type: ignore[call-overload]
                Incident.received_at, Incident.verification_request, clocks.c.response_due, clocks.c.responded_at,
                clocks.c.feedback_due, clocks.c.feedback_at, doings.c.first_claim, doings.c.returns,
                clocks.c.breaches, Review.score, Review.accountability)
         .join(IncidentUnit, IncidentUnit.incident_id == Incident.id)
         .outerjoin(clocks, clocks.c.iid == Incident.id)
         .outerjoin(doings, and_(doings.c.iid == Incident.id, doings.c.unit == IncidentUnit.unit))
         .outerjoin(Review, and_(col(Review.incident_id) == col(Incident.id),
                                 col(Review.unit) == col(IncidentUnit.unit)))
         .where(col(Incident.id).in_(ids), col(IncidentUnit.role).in_(UNIT_ROLES)))
    if only_unit is not None:
        q = q.where(IncidentUnit.unit == only_unit)

    records: dict[tuple[int, str], Record] = {}
    # Core rows: the ORM's per-row bookkeeping is not needed here
    for (iid, unit, level, topic, severity, received, verification, response_due, responded_at, feedback_due,
         feedback_at, claimed_at, returned, breached, score, flagged) in session.connection().execute(q).all():
        if (iid, unit) in records:  # a lead that is also first responsible: one record
            continue
        records[(iid, unit)] = Record(
            incident_id=iid, unit=unit, region=level, topic=topic, severity=severity, received_at=received,
            response_due=response_due, responded_at=responded_at, claimed_at=claimed_at,
            verification=bool(verification), feedback_due=feedback_due, feedback_at=feedback_at,
            returns=returned or 0, breaches=breached or 0,
            review_scores=() if score is None else (float(score),), accountability=int(bool(flagged)))
    return sorted(records.values(), key=lambda r: (r.incident_id, r.unit))


def load_duties(session: Session, org: OrgChart, viewer: Principal, period: Period, *, tz: ZoneInfo,
                region: str | None = None) -> list[DutyRecord]:
    """Every duty (not dropped) of the incidents counted, one query; a liaison gets his unit's."""
    start, end = period.bounds(tz)
    q = (select(IncidentDuty.incident_id, IncidentDuty.unit, IncidentDuty.role, IncidentDuty.due_at)
         .add_columns(col(IncidentDuty.met_at))
         .where(col(IncidentDuty.incident_id).in_(incident_ids(viewer, org, start, end, region)),
                col(IncidentDuty.status) != "dropped"))
    only_unit = only_unit_of(viewer)
    if only_unit is not None:
        q = q.where(col(IncidentDuty.unit) == only_unit)
    return [DutyRecord(iid, unit, role, due, met) for iid, unit, role, due, met in session.execute(q).all()]
