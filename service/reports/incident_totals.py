"""The incident-level figures computed by the database (issue 18): figures.by_week, by_topic and
overall over load_records, which count each incident once (figures._one_per_incident) — so
they group one row per incident, not per (incident, unit) pair as unit_totals does.

One row per incident seen through the viewer's pairs (a liaison's incidents are those his unit
answers for, and only his unit's doings count), as _one_per_incident merges the records:
- the clocks, the receipt and the verification request are the incident's;
- returns and 问责 are summed over its units, its reviews are all its units' reviews;
- it was claimed when any of its units first claimed it (the earliest first claim).

The week of an incident is the ISO week of its LOCAL receipt date (figures.by_week): the UTC
instants where the period's local weeks begin are computed in Python with zoneinfo (the same
zone rules and datetime.combine as Period.bounds), and the database picks the week by comparing
the receipt with them — exact on both databases, and whatever the zone's offsets and DST, with
no time zone database or ISO-week function in SQL (SQLite has neither).

All four groupings (the units too) are one statement: the per-pair rows of
unit_totals.pair_records, computed once (a CTE read twice, so PostgreSQL materialises it), are
grouped by unit, and merged per incident then grouped by week, topic and all (UNION ALL). The
reviews are one more small query per kind of key, (unit, score, how many) and (topic, week,
score, how many), folded in Python: counts add up exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, func, literal_column, select, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from routing.orgchart import OrgChart
from service.auth.rules import Principal
from service.incidents.models import Incident
from service.reports.figures import Figures, iso_week
from service.reports.loaders import Period, incident_ids, only_unit_of
from service.reports.unit_totals import (
    figures_row,
    pair_records,
    pairs_of,
    report_connection,
    totals_query,
    unit_scores_query,
)
from service.review.models import Review

GroupKey = Literal["unit", "week", "topic", "overall"]
GROUP_KEYS: tuple[GroupKey, ...] = ("unit", "week", "topic", "overall")
OVERALL = "合计"


def week_starts(period: Period, tz: ZoneInfo) -> list[tuple[datetime, str]]:
    """(the UTC instant the local ISO week begins, its key 2026-W47) for each week the period
    touches, in order; the first one's instant is the period's start (nothing is earlier)."""
    start, _ = period.bounds(tz)
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = [(start, iso_week(period.start))]
    while (monday := monday + timedelta(days=7)) < period.end:
        weeks.append((datetime.combine(monday, time(), tz).astimezone(UTC), iso_week(monday)))
    return weeks


def week_index(received_at, weeks: Sequence[tuple[datetime, str]]):
    """The index into `weeks` of the week an instant (in the period) falls in, as text (the
    three group keys share one column of the UNION)."""
    if len(weeks) == 1:
        return literal_column("'0'")
    return cast(case(*((received_at < begins, i - 1) for i, (begins, _) in enumerate(weeks) if i),
                     else_=len(weeks) - 1), String)


def _incident_rows(pair_rec, weeks: Sequence[tuple[datetime, str]]):
    """One row per incident of the per-pair rows `pair_rec` (unit_totals.pair_records), merged as
    figures._one_per_incident merges records, with the keys topic, week (an index into `weeks`)
    and all (one constant group). The verdicts, the hours to the response and the breaches are
    the incident's, the same on each of its pairs (min picks that one); the hours to the claim
    are from the one receipt, so the least is the earliest first claim's."""
    merged = (select(pair_rec.c.iid, *(func.min(pair_rec.c[c]).label(c)
                                        for c in ("response", "feedback", "claim_us", "response_us", "breaches")),
                     func.sum(pair_rec.c.returns).label("returns"), func.sum(pair_rec.c.flagged).label("flagged"))
              .group_by(pair_rec.c.iid).subquery("merged"))
    return (select(col(Incident.topic).label("topic"), week_index(col(Incident.received_at), weeks).label("week"),
                   literal_column("''").label("all"),
                   *(merged.c[c] for c in ("response", "feedback", "claim_us", "response_us", "returns",
                                            "breaches", "flagged")))
            .select_from(merged).join(Incident, col(Incident.id) == merged.c.iid)
            .cte("incident_rec"))


def _grouped_by(pair_rec, rec, key: GroupKey, dialect: str):
    """totals_query grouped by one key (the units over the pairs, the others over the incidents
    `rec`), with the key's position in GROUP_KEYS last."""
    kind: ColumnElement = literal_column(str(GROUP_KEYS.index(key))).label("kind")
    if key == "unit":
        return totals_query(pair_rec, dialect).add_columns(kind)
    column = {"week": "week", "topic": "topic", "overall": "all"}[key]
    keyed = select(*(c.label(c.name) for c in rec.c if c.name not in ("topic", "week", "all")),
                   rec.c[column].label("k")).subquery(f"by_{key}")
    return totals_query(keyed, dialect).add_columns(kind)


def _scores_query(ids, pairs, weeks: Sequence[tuple[datetime, str]]):
    """(topic, week, score, how many): the reviews of the viewer's pairs, by the incident's keys."""
    reviews = (select(col(Incident.topic).label("topic"), week_index(col(Incident.received_at), weeks).label("week"),
                      col(Review.score).label("score"))
               .select_from(pairs)
               .join(Review, and_(col(Review.incident_id) == pairs.c.iid, col(Review.unit) == pairs.c.unit))
               .join(Incident, col(Incident.id) == pairs.c.iid)
               .where(col(Review.score).is_not(None)).subquery("reviews"))
    # grouped by the sub-select's columns: PostgreSQL refuses a constant (a one-week period) in GROUP BY
    return select(reviews.c.topic, reviews.c.week, reviews.c.score, func.count()).group_by(
        reviews.c.topic, reviews.c.week, reviews.c.score)


def _scores(conn, ids, pairs, only_unit: str | None, weeks, keys: Sequence[GroupKey]):
    """{(key, group): [(score, how many)]}: the reviews of the viewer's pairs, per group."""
    scores: dict[tuple[GroupKey, str], list[tuple[float, int]]] = defaultdict(list)
    if "unit" in keys:
        for unit, score, k in conn.execute(unit_scores_query(ids, only_unit)).all():
            scores[("unit", unit)].append((float(score), k))
    if set(keys) - {"unit"}:
        for topic, week, score, k in conn.execute(_scores_query(ids, pairs, weeks)).all():
            names: tuple[tuple[GroupKey, str], ...] = (("week", weeks[int(week)][1]), ("topic", topic),
                                                       ("overall", OVERALL))
            for key_name in names:
                scores[key_name].append((float(score), k))
    return scores


def report_figures(session: Session, org: OrgChart, viewer: Principal, period: Period, *, tz: ZoneInfo,
                   as_of: datetime, region: str | None = None,
                   keys: Sequence[GroupKey] = GROUP_KEYS) -> dict[GroupKey, list[Figures]]:
    """{key: figures} for each of `keys`: by_unit / by_week / by_topic (sorted by key) and
    overall (one Figures, 合计, even over no incident) over load_records(...), by the database:
    one statement for the groupings, which share one pass over the pairs, the clocks and the
    audit log (a CTE read twice, so PostgreSQL materialises it), and the reviews' scores."""
    start, end = period.bounds(tz)
    ids, weeks, only_unit = incident_ids(viewer, org, start, end, region), week_starts(period, tz), only_unit_of(viewer)
    pairs = pairs_of(ids, only_unit)
    conn = report_connection(session)
    scores = _scores(conn, ids, pairs, only_unit, weeks, keys)
    pair_rec = pair_records(ids, pairs, as_of)
    rec = _incident_rows(pair_rec, weeks)
    statement = union_all(*(_grouped_by(pair_rec, rec, key, conn.dialect.name) for key in keys))
    found: dict[GroupKey, list[Figures]] = {key: [] for key in keys}
    for k, *row, kind in conn.execute(statement).all():
        key = GROUP_KEYS[int(kind)]
        name = weeks[int(k)][1] if key == "week" else OVERALL if key == "overall" else k
        found[key].append(figures_row(name, row, scores[(key, name)]))
    for key in keys:
        found[key].sort(key=lambda f: f.key)  # by code point, as figures.group sorts
    if "overall" in found and not found["overall"]:
        found["overall"] = [Figures(key=OVERALL)]
    return found
