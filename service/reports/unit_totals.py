"""The per-unit report computed by the database (issue 18): the figures of
`figures.by_unit(load_records(...))`, without bringing one row per incident and unit into Python.

service.reports.figures stays the reference: its pure definitions (verdict, summarise) are
what this module computes, one GROUP BY per unit, on SQLite and PostgreSQL alike. A test
compares the two paths on generated incidents (tests/reports/test_unit_totals.py).

Exactness, where SQL arithmetic would differ from Python's:
- hours are whole microseconds (service.core.columns.epoch_microseconds) divided in Python, as
  `timedelta / timedelta(hours=1)` divides them;
- a median is the mean of the two middle values (one value twice for an odd count), picked with
  ROW_NUMBER / COUNT over the unit — statistics.median; percentile_cont would interpolate
  `lo + (hi - lo) * 0.5`, which can differ in the last bit, and SQLite has none;
- the review mean is statistics.mean's: the exact sum of the scores divided once, so the
  database counts each (unit, score) and Python adds them up as fractions.

`Figures.incidents` is left empty here: no response of the API carries it (figures_json leaves
it out); a drill-down lists the unit's incidents through the incident list.
The incident-level groupings (week, topic, overall) are service.reports.incident_totals; both
are reached through service.reports.grouped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, and_, case, cast, exists, func, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from routing.orgchart import OrgChart
from service.auth.rules import Principal
from service.core.columns import epoch_microseconds
from service.incidents.models import Incident, IncidentUnit
from service.incidents.units import UNIT_ROLES
from service.reports.figures import Figures
from service.reports.loaders import Period, incident_clocks, incident_ids, only_unit_of, unit_doings
from service.review.models import Review

HOUR_US = timedelta(hours=1) // timedelta(microseconds=1)
ON_TIME, LATE, PENDING = "on_time", "late", "pending"


def verdict_sql(met, due, as_of: datetime) -> ColumnElement:
    """figures.verdict in SQL: on_time / late / pending, NULL when there is no such clock."""
    return case((due.is_(None), None),
                (met.is_not(None), case((met <= due, ON_TIME), else_=LATE)),
                (due < as_of, LATE), else_=PENDING)


def pairs_of(ids, only_unit: str | None):
    """(iid, unit, received_at, verification): one per incident and unit answering for it, as
    load_records keeps them — a unit with two roles (a lead also first responsible) is kept
    under its first role in name order, which an anti-join finds cheaper than a DISTINCT."""
    incidents = ids.with_only_columns(col(Incident.id), col(Incident.received_at),
                                      col(Incident.verification_request)).subquery("incidents")
    other = aliased(IncidentUnit)
    where: list[ColumnElement[bool]] = [col(IncidentUnit.role).in_(UNIT_ROLES), ~exists().where(
        col(other.incident_id) == col(IncidentUnit.incident_id), col(other.unit) == col(IncidentUnit.unit),
        col(other.role).in_(UNIT_ROLES), col(other.role) < col(IncidentUnit.role))]
    if only_unit is not None:
        where.append(col(IncidentUnit.unit) == only_unit)
    return (select(col(IncidentUnit.incident_id).label("iid"), col(IncidentUnit.unit).label("unit"),
                   incidents.c.received_at, incidents.c.verification_request.label("verification"))
            .join(incidents, incidents.c.id == col(IncidentUnit.incident_id))
            .where(*where).subquery("pairs"))


def pair_records(ids, pairs, as_of: datetime):
    """One row per pair, what summarise reads of a Record: the unit (as the group key k), the
    two verdicts, the microseconds from receipt to the first claim and to the response, returns,
    breaches, 问责; and the incident (iid), which incident_totals groups them by."""
    clocks, doings = incident_clocks(ids, as_of), unit_doings(ids)
    received = epoch_microseconds(pairs.c.received_at)

    def since_receipt(at):
        return case((at.is_(None), None), else_=epoch_microseconds(at) - received)

    return (select(pairs.c.unit.label("k"), pairs.c.iid.label("iid"),
                   verdict_sql(clocks.c.responded_at, clocks.c.response_due, as_of).label("response"),
                   case((pairs.c.verification, verdict_sql(clocks.c.feedback_at, clocks.c.feedback_due, as_of)),
                        else_=None).label("feedback"),
                   since_receipt(doings.c.first_claim).label("claim_us"),
                   since_receipt(clocks.c.responded_at).label("response_us"),
                   func.coalesce(doings.c.returns, 0).label("returns"),
                   func.coalesce(clocks.c.breaches, 0).label("breaches"),
                   case((col(Review.accountability), 1), else_=0).label("flagged"))
            .select_from(pairs)
            .outerjoin(clocks, clocks.c.iid == pairs.c.iid)
            .outerjoin(doings, and_(doings.c.iid == pairs.c.iid, doings.c.unit == pairs.c.unit))
            .outerjoin(Review, and_(col(Review.incident_id) == pairs.c.iid, col(Review.unit) == pairs.c.unit))
            .cte("rec"))


def _middle(rec, column: str):
    """(k, lo, hi): the two middle values of `column` per group key k (the same one twice for
    an odd count), NULLs left out as summarise leaves them out."""
    value = rec.c[column]
    ranked = (select(rec.c.k, value.label("v"),
                     func.row_number().over(partition_by=rec.c.k, order_by=value).label("rn"),
                     func.count().over(partition_by=rec.c.k).label("n"))
              .where(value.is_not(None)).subquery())
    # positions (n + 1) // 2 and n // 2 + 1, without integer division (rendered differently per dialect)
    return (select(ranked.c.k, func.min(ranked.c.v).label("lo"), func.max(ranked.c.v).label("hi"))
            .where(ranked.c.rn * 2 >= ranked.c.n, ranked.c.rn * 2 <= ranked.c.n + 2)
            .group_by(ranked.c.k).subquery())


def _sum(value) -> ColumnElement:
    # PostgreSQL sums bigints as numeric (a Decimal in Python): the counts stay integers
    return cast(func.sum(value), BigInteger)


def _count(condition) -> ColumnElement:
    return _sum(case((condition, 1), else_=0))


def totals_query(rec, dialect: str):
    """Per group key (the column k of `rec`): the counts and sums of summarise, and the middle
    values of its two medians (percentile_disc, the lower middle value ascending and descending,
    on PostgreSQL: one pass with no window; window functions elsewhere). `rec` has one row per
    record counted: k, response, feedback, claim_us, response_us, returns, breaches, flagged."""
    totals = select(rec.c.k, func.count().label("received"),
                    _count(rec.c.response == ON_TIME).label("on_time"), _count(rec.c.response == LATE).label("late"),
                    _count(rec.c.response == PENDING).label("pending"),
                    _count(rec.c.feedback == ON_TIME).label("feedback_on_time"),
                    _count(rec.c.feedback == LATE).label("feedback_late"),
                    _sum(rec.c.breaches).label("breaches"), _sum(rec.c.returns).label("returns"),
                    _sum(rec.c.flagged).label("accountability"))
    if dialect == "postgresql":
        middle = [func.percentile_disc(0.5).within_group(order) for v in (rec.c.claim_us, rec.c.response_us)
                  for order in (v, v.desc())]
        return totals.add_columns(*middle).group_by(rec.c.k)
    grouped = totals.group_by(rec.c.k).subquery()
    claim, answer = _middle(rec, "claim_us"), _middle(rec, "response_us")
    return (select(grouped, claim.c.lo, claim.c.hi, answer.c.lo, answer.c.hi)
            .select_from(grouped.outerjoin(claim, claim.c.k == grouped.c.k)
                         .outerjoin(answer, answer.c.k == grouped.c.k)))


def unit_scores_query(ids, only_unit: str | None):
    """(unit, score, how many): the reviews of the units answering for the incidents `ids`,
    counted per distinct score (a review is of one unit's part in one incident)."""
    answering = exists().where(col(IncidentUnit.incident_id) == col(Review.incident_id),
                               col(IncidentUnit.unit) == col(Review.unit), col(IncidentUnit.role).in_(UNIT_ROLES))
    where: list[ColumnElement[bool]] = [col(Review.incident_id).in_(ids), answering, col(Review.score).is_not(None)]
    if only_unit is not None:
        where.append(col(Review.unit) == only_unit)
    return select(col(Review.unit), col(Review.score), func.count()).where(*where).group_by(
        col(Review.unit), col(Review.score))


def _median_hours(lo: int | None, hi: int | None) -> float | None:
    """statistics.median of the hours: (a + b) / 2 of the two middle ones (a == b if odd)."""
    return None if lo is None or hi is None else (lo / HOUR_US + hi / HOUR_US) / 2


def exact_mean(counted: list[tuple[float, int]]) -> float | None:
    """statistics.mean of the values, each `how many` times: their exact sum divided once."""
    n = sum(k for _, k in counted)
    return float(sum((Fraction(v) * k for v, k in counted), Fraction(0)) / n) if n else None


def figures_row(key: str, row, scores: list[tuple[float, int]]) -> Figures:
    """A row of totals_query (its key left off) and the group's (score, how many) as Figures."""
    (received, on_time, late, pending, fb_on_time, fb_late, breaches, returns, flagged,
     claim_lo, claim_hi, answer_lo, answer_hi) = row
    return Figures(key=key, received=received, on_time=on_time, late=late, pending=pending,
                   feedback_on_time=fb_on_time, feedback_late=fb_late,
                   median_claim_hours=_median_hours(claim_lo, claim_hi),
                   median_response_hours=_median_hours(answer_lo, answer_hi),
                   breaches=breaches, returns=returns, review_score=exact_mean(scores),
                   reviews=sum(k for _, k in scores), accountability=flagged)


def report_connection(session: Session):
    """The session's connection, set up for these grouped queries."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # the planner's estimates of these joins of grouped sub-selects are far too high: it would
        # spend seconds compiling the query (JIT) to save milliseconds running it
        conn.exec_driver_sql("SET LOCAL jit = off")
    return conn


def unit_figures(session: Session, org: OrgChart, viewer: Principal, period: Period, *, tz: ZoneInfo,
                 as_of: datetime, region: str | None = None) -> list[Figures]:
    """figures.by_unit over load_records(session, org, viewer, period, ...), by the database:
    two queries (the totals with the medians' middle values, the reviews' scores)."""
    start, end = period.bounds(tz)
    ids = incident_ids(viewer, org, start, end, region)
    only_unit = only_unit_of(viewer)
    conn = report_connection(session)
    scores: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for unit, score, k in conn.execute(unit_scores_query(ids, only_unit)).all():
        scores[unit].append((float(score), k))
    totals = totals_query(pair_records(ids, pairs_of(ids, only_unit), as_of), conn.dialect.name)
    figures = [figures_row(unit, row, scores[unit]) for unit, *row in conn.execute(totals).all()]
    return sorted(figures, key=lambda f: f.key)  # by code point, as by_unit sorts (not the collation)
