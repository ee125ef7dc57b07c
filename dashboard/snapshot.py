"""The dashboard's rows: compact incidents with their open clocks, read from the database.

One shape serves both the snapshot (`GET /api/dashboard/snapshot`, what a client loads on
connect and after every drop) and the live pushes of `dashboard.hub`, so a client applies
either the same way. Each row carries `as_of` (server time of the read, epoch seconds): a
client keeps, per incident, the row with the newest `as_of`, so a push read before a
snapshot can never overwrite it. Keys whose value is null are left out (absent = null): a
client replaces a row whole, never merges it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Query, Request
from sqlalchemy import and_, case, func
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.auth.deps import ReaderDep
from service.auth.names import display_names
from service.auth.rules import Principal
from service.core.db import session_scope
from service.core.deps import SessionDep, SettingsDep
from service.core.settings import Settings
from service.incidents.models import Clock, EscalationStep, Incident, Item
from service.incidents.runtime import load_engine
from service.incidents.units import scoped

CLOSED = ("closed",)
SNAPSHOT_ROWS, SNAPSHOT_MAX = 200, 2000  # the rows of a snapshot: the most urgent first
SUMMARY_CHARS = 80
SUMMARIES_KEPT = 50_000
# (database, incident id) → summary; oldest dropped first. A split or merge that changes an
# incident's first item leaves the old summary until it ages out: it is a label, not the record
_summaries: dict[tuple[str, int], str] = {}
ORG_RECHECK_SECONDS = 30.0  # an imported org reaches the live view's visibility rules within this
_orgs: dict[str, tuple[float, OrgChart]] = {}
# the columns a row carries; the rest of an incident (signature, reasons) stays on the detail page
COLUMNS = ("id", "topic", "severity", "status", "level_region", "regions", "first_responsible", "co_responsible",
           "lead", "claimed_by", "claimed_unit", "returned_unit", "merged_into")


def _columns(names: Iterable[str]) -> list:
    return [getattr(Incident, n) for n in names if hasattr(Incident, n)]


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def load_rows(session: Session, ids: Iterable[int]) -> dict[int, dict]:
    """Compact rows for `ids` (missing ids are simply absent), in three set-wise queries (and a
    fourth for the summaries of incidents not seen before)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    as_of = time.time()
    cols = _columns(COLUMNS) + [Incident.received_at]
    rows: dict[int, dict] = {}
    for r in session.exec(select(*cols).where(col(Incident.id).in_(ids))).all():
        row = dict(r._mapping)
        row["received_at"] = _iso(row["received_at"])
        row.update(as_of=as_of, clocks={}, escalation=None, summary="")
        rows[row["id"]] = row
    if not rows:
        return {}
    found = list(rows)
    for incident_id, kind, label, started_at, due_at, unit in session.execute(
            core_select(col(Clock.incident_id), col(Clock.kind), col(Clock.label), col(Clock.started_at),
                        col(Clock.due_at), col(Clock.unit))
            .where(col(Clock.incident_id).in_(found), col(Clock.met_at).is_(None))):
        # started_at: a countdown's colour is the share of its own span left (a 督办单 starts late)
        entry = {"label": label, "due_at": _iso(due_at), "started_at": _iso(started_at)}
        rows[incident_id]["clocks"][kind] = {**entry, "unit": unit} if unit else entry  # a unit's duty (routing.duties)
    # the last rung fired of a clock still open: a rung of a clock since met is history, and a
    # red 督办 tag beside that clock's 已完成 would contradict it (issue 17)
    for incident_id, step, label, fired_at, kind in session.execute(
            core_select(col(EscalationStep.incident_id), col(EscalationStep.step), col(EscalationStep.label),
                        col(EscalationStep.fired_at), col(Clock.kind)).join(Clock, col(Clock.id) == col(EscalationStep.clock_id))
            .where(col(EscalationStep.incident_id).in_(found), col(Clock.met_at).is_(None))
            .order_by(col(EscalationStep.id))):
        rows[incident_id]["escalation"] = {"step": step, "label": label, "fired_at": _iso(fired_at), "kind": kind}
    db = str(session.get_bind().engine.url)
    unknown = [i for i in found if (db, i) not in _summaries]
    if unknown:  # the first item's title or text, read once per incident: items come in by the thousand
        firsts = select(func.min(Item.id)).where(col(Item.incident_id).in_(unknown)).group_by(col(Item.incident_id))
        for item_incident, title, text in session.exec(select(Item.incident_id, Item.title, Item.text)
                                                       .where(col(Item.id).in_(firsts))):
            if item_incident is not None:  # the query asks for these incidents' items
                _summaries[db, item_incident] = (title or text or "")[:SUMMARY_CHARS]
        while len(_summaries) > SUMMARIES_KEPT:
            _summaries.pop(next(iter(_summaries)))
    for incident_id, row in rows.items():
        # user text from the internet: clients insert it as text, never as HTML
        row["summary"] = _summaries.get((db, incident_id), "")
    names = display_names(session, (row.get("claimed_by") for row in rows.values()))
    for incident_id, row in rows.items():
        row["claimed_by_name"] = names.get(row.get("claimed_by") or "")  # the UI shows the 姓名
        row["response_due"] = (row["clocks"].get("response") or {}).get("due_at")
        row["feedback_due"] = (row["clocks"].get("feedback") or {}).get("due_at")
        # absent means null: rows go to hundreds of sockets several times a second
        rows[incident_id] = {k: v for k, v in row.items() if v is not None}
    return rows


@dataclass(frozen=True)
class Loaded:
    rows: dict[int, dict]
    org: OrgChart


def load_changes(settings: Settings, ids: Iterable[int]) -> Loaded:
    """The hub's loader: rows of the changed incidents and the org to judge visibility with."""
    with session_scope(settings.database_url) as session:
        rows = load_rows(session, ids)
        cached = _orgs.get(settings.database_url)
        if cached is None or cached[0] < time.monotonic():
            # reading the org text on every flush would cost a query and a hash of it
            cached = _orgs[settings.database_url] = (time.monotonic() + ORG_RECHECK_SECONDS,
                                                     load_engine(settings, session).org)
        return Loaded(rows, cached[1])


def open_incidents(viewer: Principal, org: OrgChart):
    """The open incidents `viewer` sees, as one indexed query (service.incidents.units.scoped:
    the same scope as every list)."""
    return scoped(select(Incident), viewer, org).where(col(Incident.status).not_in(CLOSED))


def severity_counts(session: Session, viewer: Principal, org: OrgChart) -> tuple[dict, int | None]:
    """The open incidents `viewer` sees by severity, and the newest one's id: one grouped scan."""
    found = session.execute(open_incidents(viewer, org).with_only_columns(
        col(Incident.severity), func.count(), func.max(Incident.id)).group_by(col(Incident.severity))).all()
    by_severity = {str(k): int(n) for k, n, _ in found}
    return {"open": sum(by_severity.values()), "by_severity": by_severity}, max((int(m) for *_, m in found),
                                                                                default=None)


def open_counts(session: Session, viewer: Principal, org: OrgChart, now: datetime | None = None) -> dict:
    """How many open incidents `viewer` sees, by severity, how many have a clock past due and how
    many only clocks still in time: one grouped scan of them (the wall shows these whatever the
    size of the page it holds), the clocks judged by the incident's stored earliest due time. Without
    `now` (the snapshot), by severity only: the clock figures cost as much again."""
    if now is None:
        return severity_counts(session, viewer, org)[0]
    # incident.open_due_at: its earliest open clock (migration 0016), a column of the row scanned
    due_at = col(Incident.open_due_at)
    is_over = and_(due_at.is_not(None), due_at <= now)
    by: dict[str, int] = {}
    over = ahead = 0
    for severity, n, o, a in session.execute(open_incidents(viewer, org).with_only_columns(
            col(Incident.severity), func.count(), func.sum(case((is_over, 1), else_=0)),
            func.sum(case((due_at > now, 1), else_=0)))
            .group_by(col(Incident.severity))).all():
        by[str(severity)] = int(n)
        over, ahead = over + int(o or 0), ahead + int(a or 0)
    return {"open": sum(by.values()), "by_severity": by, "overdue": over, "ahead": ahead}


def visible_open_ids(session: Session, viewer: Principal, org: OrgChart, limit: int) -> tuple[list[int], bool]:
    """The first `limit` open incidents `viewer` sees, the soonest due open clock first (those
    with none after, newest first), and whether there are more. Walks incident.open_due_at (each
    incident's earliest open clock, kept by triggers: migration 0016) along its index, so it
    reads about `limit` rows, not every open incident."""
    due_at = col(Incident.open_due_at)
    base = open_incidents(viewer, org).with_only_columns(col(Incident.id))
    ids = [int(i) for i in session.execute(base.where(due_at.is_not(None)).order_by(due_at, col(Incident.id))
                                           .limit(limit + 1)).scalars()]
    if len(ids) <= limit:  # room left: the open incidents with no clock running, newest first
        ids += [int(i) for i in session.execute(base.where(due_at.is_(None)).order_by(col(Incident.id).desc())
                                                .limit(limit + 1 - len(ids))).scalars()]
    return ids[:limit], len(ids) > limit


router = APIRouter(prefix="/api/dashboard", tags=["dashboard"])


@router.get("/snapshot", summary="看板快照（重连后以此为准） / the viewer's most urgent open incidents with their clocks, and counts")
def snapshot(request: Request, viewer: ReaderDep, session: SessionDep, settings: SettingsDep,
             limit: int = Query(SNAPSHOT_ROWS, ge=1, le=SNAPSHOT_MAX)) -> dict:
    """A bounded first page (not every open incident: 100,000 rows are 30 MB to every client
    on each reconnect), the next breach first, with the counts of all of them."""
    hub = getattr(request.app.state, "hub", None)
    seq = hub.seq_of(viewer) if hub is not None else 0  # the scope's last push before this read
    org = load_engine(settings, session).org
    ids, truncated = visible_open_ids(session, viewer, org, limit)
    rows = load_rows(session, ids)
    if hub is not None:
        hub.remember(rows.values())  # so a later reassignment away from this viewer is pushed as removed
    incidents = [rows[i] for i in ids if i in rows]
    as_of = incidents[0]["as_of"] if incidents else time.time()
    counts, newest = severity_counts(session, viewer, org)  # newest: with the counts, one scan of the scope
    return {"as_of": as_of, "seq": seq, "truncated": truncated, "counts": counts,
            "newest_id": newest, "incidents": incidents}
