"""The board's next-breach order from stored, indexed columns (issue 18 b).

An incident's key is the earlier of its open clocks' first due time (incident.open_due_at,
kept by triggers on clock, migration 0016) and, when it is claimed, its claim's lapse
(claimed_at + policy claim_timeout_hours: a setting, so never stored). The order is key ASC
(nothing running last), id DESC. A page merges three walks, each along an index and a few
rows long whatever the size of the filter:

- by open_due_at (ix_incident_open_due): the incidents whose key is their clocks' due time;
- by claimed_at (ix_incident_claim): the claimed ones whose claim lapses first;
- by id DESC: those with nothing running.

Each incident is in exactly one walk, so the merge neither repeats nor drops one."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, case, literal, or_
from sqlmodel import Session, col
from sqlmodel.sql.expression import SelectOfScalar

from service.core.columns import epoch_seconds
from service.incidents.cursor import Cursor
from service.incidents.models import Incident
from service.incidents.rules import Status

LATEST_SECONDS = 253_402_300_000.0  # a little before 9999-12-31: the last time a datetime holds
Row = tuple[float | None, int]  # (key in epoch seconds, None: nothing running; incident id)


def claimed() -> ColumnElement[bool]:
    return and_(col(Incident.status) == Status.CLAIMED.value, col(Incident.claimed_at).is_not(None))


def claim_lapse(claim_hours: float):
    """When a claimed incident's claim lapses, in epoch seconds: claimed_at + policy
    claim_timeout_hours, the board's 认领 clock (dashboard.board.with_claim_clock; not a stored
    clock). NULL for any other status: only a claimed incident has a claim to lose."""
    return case((claimed(), _lapse(claim_hours)), else_=None)


def _lapse(claim_hours: float):
    return epoch_seconds(col(Incident.claimed_at)) + literal(claim_hours * 3600.0)


def _from(key: float, hours: float) -> datetime:
    """A lower bound of the stored time whose key (time + `hours`) is `key`: the index's start
    (a second early: the exact comparison is in epoch seconds, as the key is)."""
    return datetime.fromtimestamp(min(max(key - hours * 3600.0 - 1.0, 0.0), LATEST_SECONDS), UTC)


def _walk(session: Session, q: SelectOfScalar[Incident], column, key, hours: float, cursor: Cursor | None,
          n: int) -> list[Row]:
    """The first `n` rows of `q` after `cursor` in (key, id DESC), walking `column`'s index:
    key is `column` + `hours`, so both orders agree."""
    walk = q.with_only_columns(key, col(Incident.id))
    if cursor is not None and cursor.key is not None:
        walk = walk.where(column >= _from(cursor.key, hours),
                          or_(key > cursor.key, and_(key == cursor.key, col(Incident.id) < cursor.id)))
    rows = session.execute(walk.order_by(column.asc(), col(Incident.id).desc()).limit(n)).all()
    return [(float(r[0]), int(r[1])) for r in rows]


def breach_rows(session: Session, q: SelectOfScalar[Incident], n: int, cursor: Cursor | None = None,
                claim_hours: float | None = None) -> list[Row]:
    """The first `n` rows of `q` after `cursor` in the board's order; without `claim_hours`, by
    the clocks alone."""
    due_at = col(Incident.open_due_at)
    due = epoch_seconds(due_at)
    rows: list[Row] = []
    if cursor is None or cursor.key is not None:
        by_clocks = q.where(due_at.is_not(None))
        if claim_hours is not None:
            lapse = claim_lapse(claim_hours)
            by_clocks = by_clocks.where(or_(lapse.is_(None), due <= lapse))  # a tie: the clock's
            rows += _walk(session, q.where(claimed(), or_(due_at.is_(None), _lapse(claim_hours) < due)),
                          col(Incident.claimed_at), _lapse(claim_hours), claim_hours, cursor, n)
        rows += _walk(session, by_clocks, due_at, due, 0.0, cursor, n)
        rows.sort(key=lambda r: (r[0], -r[1]))
        if len(rows) >= n:  # each walk gave n (or all it has): the first n of the two are these
            return rows[:n]
    idle = q.where(due_at.is_(None))
    if claim_hours is not None:
        idle = idle.where(~claimed())
    if cursor is not None and cursor.key is None:
        idle = idle.where(col(Incident.id) < cursor.id)
    found = session.execute(idle.with_only_columns(col(Incident.id)).order_by(col(Incident.id).desc())
                            .limit(n - len(rows))).scalars()
    return rows + [(None, int(i)) for i in found]
