"""The alert inbox (table `inbox_entry`): kept up to date as rungs fire, read folded to one
row per incident, acknowledged in bulk, resolved once the clock is met or the incident closed.

An entry is *open* while its clock runs: the read filters out at once what the sweep will mark
resolved on its next pass (`resolve`), so a met clock leaves the inbox the moment it is met and
the history still says when and why. Refusals are domain errors raised before any write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.alerts.audience import is_recipient, viewer_audiences
from service.alerts.inbox_rules import CLAIM, MAJOR, Entry, clocks_text, fold, rank_of, stage
from service.alerts.models import REGION, UNIT, Alert, InboxEntry
from service.audit.actions import AlertAcknowledged, AuditAction
from service.audit.log import AuditBatch
from service.auth.names import display_names
from service.auth.rules import Principal
from service.core.columns import table_of, utcnow
from service.core.errors import Forbidden, Invalid, NotFound
from service.incidents.models import Clock, Incident

MAX_ACK = 1000  # one bulk acknowledgement at most


# -- writing, as rungs fire -----------------------------------------------------------------
def record_rungs(session: Session, alerts: Sequence[dict[str, Any]]) -> None:
    """Raise (or open) the entry of each new alert row (dicts with the alert's columns and
    `id`). One entry per (incident, clock, audience): a higher rung replaces what it shows and
    makes it unread again; every rung counts. Rows go lowest rung first, so several rungs of
    one clock fired by one pass end at the highest."""
    if not alerts:
        return
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    rows = sorted(({"incident_id": a["incident_id"], "clock": a["clock"], "clock_label": a["clock_label"],
                    "audience_kind": a["audience_kind"], "audience": a["audience"], "alert_id": a["id"],
                    "step": a["step"], "label": a["label"], "rank": rank_of(a["step"]), "rungs": 1,
                    "message": a["message"], "due_at": a["due_at"], "opened_at": a["created_at"],
                    "updated_at": a["created_at"]} for a in alerts), key=lambda r: (r["rank"], r["alert_id"]))
    insert_ = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert_(InboxEntry)
    t, new = table_of(InboxEntry).c, stmt.excluded
    resolved = t.resolved_at.is_not(None)
    higher = or_(new.rank >= t.rank, resolved)  # what it shows: the highest rung of the clock
    unread = or_(new.rank > t.rank, resolved, t.clock == CLAIM)  # a lapse again is news again
    shown = {c: case((higher, new[c]), else_=t[c]) for c in ("alert_id", "step", "label", "rank", "message",
                                                              "due_at", "clock_label")}
    stmt = stmt.on_conflict_do_update(
        index_elements=["incident_id", "clock", "audience_kind", "audience"],
        set_={**shown, "rungs": case((resolved, 1), else_=t.rungs + 1), "updated_at": new.updated_at,
              "opened_at": case((resolved, new.opened_at), else_=t.opened_at),
              "acknowledged_by": case((unread, None), else_=t.acknowledged_by),
              "acknowledged_at": case((unread, None), else_=t.acknowledged_at),
              "resolved_at": None, "resolved_reason": None})
    session.execute(stmt, rows)


# -- when an entry is over ------------------------------------------------------------------
def _gone() -> list[tuple[str, ColumnElement[bool]]]:
    """(reason, condition) of an entry whose clock is over, as SQL over inbox_entry."""
    incident_closed = exists().where(col(Incident.id) == col(InboxEntry.incident_id), col(Incident.status) == "closed")
    clock_met = exists().where(col(Clock.incident_id) == col(InboxEntry.incident_id),
                               col(Clock.kind) == col(InboxEntry.clock), col(Clock.met_at).is_not(None))
    claimed = and_(col(InboxEntry.clock) == CLAIM, exists().where(
        col(Incident.id) == col(InboxEntry.incident_id), col(Incident.status) != "unclaimed"))
    return [("closed", incident_closed), ("met", clock_met), ("claimed", claimed)]


def _open() -> ColumnElement[bool]:
    return and_(col(InboxEntry.resolved_at).is_(None), *(~cond for _, cond in _gone()))


def resolve(session: Session, now: datetime) -> int:
    """Mark resolved the entries whose clock was met or incident closed (the sweep runs it;
    the reads already leave them out); returns how many."""
    done = 0
    for reason, cond in _gone():
        done += session.exec(update(InboxEntry).where(col(InboxEntry.resolved_at).is_(None), cond)
                             .values(resolved_at=now, resolved_reason=reason)).rowcount or 0
    return done


# -- reading --------------------------------------------------------------------------------
def _mine(org: OrgChart, viewer: Principal) -> ColumnElement[bool] | None:
    auds = viewer_audiences(viewer, org)
    if not auds:
        return None
    units = [n for k, n in auds if k == UNIT]
    regions = [n for k, n in auds if k == REGION]
    return or_(and_(col(InboxEntry.audience_kind) == UNIT, col(InboxEntry.audience).in_(units)),
               and_(col(InboxEntry.audience_kind) == REGION, col(InboxEntry.audience).in_(regions)))


def _entry(e: InboxEntry) -> Entry:
    return Entry(id=e.id or 0, incident_id=e.incident_id, clock=e.clock, clock_label=e.clock_label, step=e.step,
                 rank=e.rank, rungs=e.rungs, due_at=e.due_at, unread=e.acknowledged_at is None)


def inbox_for(session: Session, org: OrgChart, viewer: Principal, *, limit: int = 200,
              now: datetime | None = None) -> dict[str, Any]:
    """The viewer's open inbox: one row per incident, the most urgent first; `total` and
    `unread` count rows (incidents), `limit` bounds the rows returned."""
    now = now or utcnow()
    mine = _mine(org, viewer)
    if mine is None:
        return {"total": 0, "unread": 0, "rows": []}
    found = session.exec(select(InboxEntry).where(mine, _open())).all()
    rows = fold(_entry(e) for e in found)
    names = _incidents(session, {r.incident_id for r in rows[:limit]})
    # the line fixed when a rung fired names that rung's stage (临期 …): only the 特别重大 one,
    # which names none, is shown; the others are described as of now (stage, clocks)
    messages = {e.id: e.message for e in found if e.step == MAJOR}
    out = []
    for r in rows[:limit]:
        kind, label = stage(r.top.step, r.top.due_at, now)
        topic, severity = names.get(r.incident_id, ("", ""))
        out.append({"incident_id": r.incident_id, "topic": topic, "severity": severity, "kind": kind,
                    "label": label, "clocks": clocks_text(r.entries), "rungs": r.rungs, "unread": r.unread,
                    "due_at": r.top.due_at, "message": messages.get(r.top.id, ""), "ids": list(r.ids),
                    "entries": [_public_entry(e, now) for e in r.entries]})
    return {"total": len(rows), "unread": sum(1 for r in rows if r.unread), "rows": out}


def _public_entry(e: Entry, now: datetime) -> dict[str, Any]:
    kind, label = stage(e.step, e.due_at, now)
    return {"id": e.id, "clock": e.clock, "clock_label": e.clock_label, "step": e.step, "kind": kind,
            "label": label, "rungs": e.rungs, "due_at": e.due_at, "unread": e.unread}


def _incidents(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {r.id: (r.topic, r.severity) for r in session.execute(
        select(Incident.id, Incident.topic, Incident.severity).where(col(Incident.id).in_(ids)))}


def unread_count(session: Session, org: OrgChart, viewer: Principal) -> int:
    """Incidents with an unread open entry (the header's badge)."""
    mine = _mine(org, viewer)
    if mine is None:
        return 0
    return session.exec(select(func.count(func.distinct(InboxEntry.incident_id)))
                        .where(mine, _open(), col(InboxEntry.acknowledged_at).is_(None))).one()


REASONS = {"met": "时限已满足", "closed": "事件已办结", "claimed": "已重新认领"}


def history_for(session: Session, org: OrgChart, viewer: Principal, *, limit: int = 200,
                now: datetime | None = None) -> list[dict[str, Any]]:
    """Entries that are over or acknowledged, the latest change first."""
    now = now or utcnow()
    mine = _mine(org, viewer)
    if mine is None:
        return []
    over = or_(~_open(), col(InboxEntry.acknowledged_at).is_not(None))
    found = session.exec(select(InboxEntry).where(mine, over).order_by(col(InboxEntry.updated_at).desc(),
                                                                       col(InboxEntry.id).desc()).limit(limit)).all()
    names = _incidents(session, {e.incident_id for e in found})
    reason = _reasons_now(session, [e for e in found if e.resolved_at is None])
    people = display_names(session, (e.acknowledged_by for e in found))
    return [{**_public_entry(_entry(e), now), "incident_id": e.incident_id,
             "topic": names.get(e.incident_id, ("", ""))[0], "severity": names.get(e.incident_id, ("", ""))[1],
             "message": e.message, "opened_at": e.opened_at, "updated_at": e.updated_at,
             "acknowledged_by": e.acknowledged_by, "acknowledged_by_name": people.get(e.acknowledged_by or ""),
             "acknowledged_at": e.acknowledged_at,
             "resolved_at": e.resolved_at,
             "resolved": REASONS.get(e.resolved_reason or reason.get(e.id or 0, ""), "")} for e in found]


def _reasons_now(session: Session, entries: Sequence[InboxEntry]) -> dict[int, str]:
    """Why entries not marked yet are over (the sweep marks them on its next pass)."""
    out: dict[int, str] = {}
    ids = [e.id for e in entries]
    for reason, cond in _gone():
        for i in session.exec(select(InboxEntry.id).where(col(InboxEntry.id).in_(ids), cond)).all():
            out.setdefault(i or 0, reason)
    return out


# -- acknowledging --------------------------------------------------------------------------
def acknowledge_entries(session: Session, org: OrgChart, viewer: Principal, *, ids: Sequence[int] = (),
                        every: bool = False) -> list[InboxEntry]:
    """Acknowledge these open entries (or every unread open one of the viewer) and the rungs
    behind them, audited per entry; returns those this call acknowledged (the caller commits).
    An id that is not the viewer's refuses the whole request, before anything is written."""
    if viewer.machine:
        raise Forbidden("令牌不能确认提醒，请以本人账号登录", "a token may not acknowledge: sign in as yourself")
    if not every and not ids:
        raise Invalid("请选择要确认的提醒", "give the ids of the alerts to acknowledge, or all")
    if len(ids) > MAX_ACK:
        raise Invalid(f"一次最多确认 {MAX_ACK} 条", f"at most {MAX_ACK} at once")
    mine = _mine(org, viewer)
    if mine is None:
        if every:
            return []
        raise NotFound("没有这条提醒", "no such alert")
    query = select(InboxEntry).where(mine, _open(), col(InboxEntry.acknowledged_at).is_(None))
    if not every:
        wanted = set(ids)
        found = list(session.exec(select(InboxEntry).where(col(InboxEntry.id).in_(wanted))).all())
        if len(found) != len(wanted) or not all(is_recipient(viewer, (e.audience_kind, e.audience), org) for e in found):
            raise NotFound("没有这条提醒", "no such alert")
        query = query.where(col(InboxEntry.id).in_(wanted))
    entries = list(session.exec(query.limit(MAX_ACK)).all())
    now, audit = utcnow(), AuditBatch()
    for e in entries:
        e.acknowledged_by, e.acknowledged_at = viewer.username, now
        session.add(e)
        session.execute(update(Alert).where(col(Alert.incident_id) == e.incident_id, col(Alert.clock) == e.clock,
                                            col(Alert.audience_kind) == e.audience_kind,
                                            col(Alert.audience) == e.audience, col(Alert.acknowledged_at).is_(None))
                        .values(acknowledged_by=viewer.username, acknowledged_at=now))
        audit.add(AuditAction.ALERT_ACKNOWLEDGED, AlertAcknowledged(alert_id=e.alert_id, step=e.step, label=e.label,
                  audience=e.audience), incident_id=e.incident_id, actor=viewer.username)
    session.flush()
    audit.write(session)
    return entries


def acknowledge_rung(session: Session, alert: Alert, by: str, now: datetime) -> None:
    """A rung acknowledged on its own (POST /api/alerts/{id}/ack): its entry too, when the
    entry still shows that rung."""
    session.execute(update(InboxEntry).where(col(InboxEntry.alert_id) == alert.id,
                                             col(InboxEntry.acknowledged_at).is_(None))
                    .values(acknowledged_by=by, acknowledged_at=now))


__all__ = ["MAJOR", "acknowledge_entries", "acknowledge_rung", "history_for", "inbox_for", "record_rungs", "resolve",
           "unread_count"]
