"""Reviews on the database: the reviewer's queue, one unit's review written with its audit
entry, the reviews of an incident. Who may review what is the pure `refusal` below; the
arithmetic is service.review.scoring. Nothing here commits: the route commits, then publishes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.audit.actions import AuditAction, Reviewed
from service.audit.log import record
from service.auth.rules import Action, Assignment, Principal, assignment_of, may, sees
from service.core.columns import utcnow
from service.core.errors import Conflict, Invalid, refused
from service.incidents.models import Clock, Incident, Response
from service.incidents.pipeline import Engine
from service.incidents.rules import STATUS_LABEL, Refusal, Status
from service.incidents.units import scoped
from service.review.models import Review
from service.review.scoring import Window, accountability_problems, judged_problems, overall, timeliness

REVIEWABLE = frozenset({Status.RESPONDED, Status.CLOSED})
TIMED_KINDS = ("response", "feedback")  # the deadlines a response meets (feedback: 要求核实处置)


# --- the rule (pure) -------------------------------------------------------------------------
def refusal(viewer: Principal, a: Assignment, org: OrgChart, status: Status, unit: str,
            responders: Iterable[str]) -> Refusal | None:
    """None when `viewer` may review `unit`'s response on the incident now. A reviewer never
    judges his own unit: neither when it is the unit reviewed nor when it answered the incident
    too (宣传部门 sometimes publishes with the department)."""
    responders = frozenset(responders)
    if not sees(viewer, a, org):
        return Refusal(404, "没有这个事件", "no such incident")
    if not may(viewer, Action.REVIEW, a, org):
        return Refusal(403, "您无权评估该事件的回应", "you may not review responses to this incident")
    if viewer.unit is not None and (viewer.unit == unit or viewer.unit in responders):
        return Refusal(403, "不能评估本单位的回应", "you may not review a response of your own unit")
    if status not in REVIEWABLE:
        return Refusal(409, f"事件当前为“{STATUS_LABEL[status]}”，回应或办结后才能评估",
                       f"only a responded or closed incident is reviewed; this one is {status.value}")
    if unit not in responders:
        return Refusal(409, f"{unit}未在该事件中回应，无可评估的回应",
                       f"{unit} gave no response on this incident")
    return None


# --- reading the records ---------------------------------------------------------------------
def first_responses(session: Session, incident_ids: Iterable[int]) -> dict[int, dict[str, datetime]]:
    """{incident: {unit: time of its first response}} (follow-ups do not count)."""
    out: dict[int, dict[str, datetime]] = {}
    ids = list(incident_ids)
    if not ids:
        return out
    rows = session.exec(select(Response.incident_id, Response.unit, func.min(Response.at))
                        .where(col(Response.incident_id).in_(ids), Response.kind == "response",
                               col(Response.unit).is_not(None))
                        .group_by(col(Response.incident_id), col(Response.unit))).all()
    for incident_id, unit, at in rows:
        if unit is not None:  # the query keeps units only
            out.setdefault(incident_id, {})[unit] = _aware(at)
    return out


def windows(session: Session, incident_ids: Iterable[int]) -> dict[int, list[Window]]:
    """The deadlines each incident's response had to meet, as they stand (a re-grade re-times them)."""
    out: dict[int, list[Window]] = {}
    ids = list(incident_ids)
    if ids:
        for c in session.exec(select(Clock).where(col(Clock.incident_id).in_(ids), col(Clock.kind).in_(TIMED_KINDS))):
            out.setdefault(c.incident_id, []).append(Window(c.started_at, c.due_at))
    return out


def _aware(at: datetime) -> datetime:
    # an aggregate bypasses the column type on SQLite: the naive UTC value comes back as is
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


# --- the queue -------------------------------------------------------------------------------
def queue(session: Session, engine: Engine, viewer: Principal, *, reviewed: bool, limit: int, offset: int) -> dict:
    """(incident, responding unit) pairs of responded and closed incidents in the viewer's
    scope, newest response first, with the timeliness already computed."""
    visible = scoped(select(Incident.id), viewer, engine.org).where(
        col(Incident.status).in_([s.value for s in REVIEWABLE]))
    done = exists().where(col(Review.incident_id) == col(Response.incident_id), col(Review.unit) == col(Response.unit))
    first = func.min(Response.at).label("first_at")
    pairs = (select(Response.incident_id, Response.unit, first)
             .where(col(Response.incident_id).in_(visible), Response.kind == "response",
                    col(Response.unit).is_not(None), done if reviewed else ~done)
             .group_by(col(Response.incident_id), col(Response.unit)))
    total = session.exec(select(func.count()).select_from(pairs.subquery())).one()
    page = session.exec(pairs.order_by(first.desc(), col(Response.incident_id).desc(), col(Response.unit))
                        .offset(offset).limit(limit)).all()
    ids = sorted({p[0] for p in page})
    incidents = {i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(ids)))} if ids else {}
    spans, answered = windows(session, ids), first_responses(session, ids)
    reviews = {(r.incident_id, r.unit): r for r in session.exec(
        select(Review).where(col(Review.incident_id).in_(ids)))} if ids else {}
    entries = []
    for incident_id, unit, at in page:
        if unit is None:  # the query keeps units only
            continue
        inc, at = incidents[incident_id], _aware(at)
        status = Status(inc.status)
        rule = refusal(viewer, assignment_of(inc), engine.org, status, unit, answered.get(incident_id, {}))
        review = reviews.get((incident_id, unit))
        entries.append({
            "incident_id": incident_id, "topic": inc.topic, "severity": inc.severity, "status": inc.status,
            "status_label": STATUS_LABEL[status], "level_region": inc.level_region, "unit": unit,
            "received_at": inc.received_at, "responded_at": at,
            "timeliness": timeliness(spans.get(incident_id, []), at),
            "reviewed": review is not None, "may_review": review is None and rule is None,
            "review": _brief(review) if review else None,
        })
    return {"total": total, "limit": limit, "offset": offset, "entries": entries}


def _brief(r: Review) -> dict:
    return {"id": r.id, "score": r.score, "reviewer": r.reviewer, "at": r.at, "accountability": r.accountability}


# --- one incident ----------------------------------------------------------------------------
def _visible(session: Session, engine: Engine, viewer: Principal, incident_id: int, lock: bool = False) -> Incident:
    from service.incidents.visible import visible_incident

    return visible_incident(session, engine.org, viewer, incident_id, lock=lock)


def of_incident(session: Session, engine: Engine, viewer: Principal, incident_id: int) -> dict:
    """The incident's reviews, and each responding unit with its timeliness and whether this
    viewer may review it now (the page shows the form only then)."""
    incident = _visible(session, engine, viewer, incident_id)
    reviews = list(session.exec(select(Review).where(Review.incident_id == incident_id).order_by(col(Review.id))))
    answered = first_responses(session, [incident_id]).get(incident_id, {})
    spans = windows(session, [incident_id]).get(incident_id, [])
    done = {r.unit for r in reviews}
    status, a = Status(incident.status), assignment_of(incident)
    responders = [{"unit": u, "responded_at": at, "timeliness": timeliness(spans, at), "reviewed": u in done,
                   "may_review": u not in done and refusal(viewer, a, engine.org, status, u, answered) is None}
                  for u, at in sorted(answered.items(), key=lambda kv: kv[1])]
    return {"incident_id": incident_id, "reviews": reviews, "responders": responders}


@dataclass(frozen=True)
class Judgement:
    """What the reviewer gives: three scores, comments, and the accountability flag."""

    unit: str
    accuracy: int
    authority: int
    handling: int
    comments: str = ""
    accountability: bool = False
    accountability_ground: str | None = None
    accountability_note: str | None = None


def review(*, session: Session, engine: Engine, viewer: Principal, incident_id: int, judgement: Judgement,
           now: datetime | None = None) -> tuple[Review, Incident]:
    """Write the review of one unit's response and its audit entry (not committed)."""
    j = judgement
    incident = _visible(session, engine, viewer, incident_id, lock=True)
    answered = first_responses(session, [incident_id]).get(incident_id, {})
    found = refusal(viewer, assignment_of(incident), engine.org, Status(incident.status), j.unit, answered)
    if found is not None:
        raise refused(found.status, found.zh, found.en)
    problems = [*judged_problems(j.accuracy, j.authority, j.handling),
                *accountability_problems(j.accountability, j.accountability_ground, j.accountability_note)]
    if problems:
        raise Invalid("；".join(p.zh for p in problems), "; ".join(p.en for p in problems),
                       details=[{"field": p.field, "problem": p.zh} for p in problems])
    if session.exec(select(Review.id).where(Review.incident_id == incident_id, Review.unit == j.unit)).first():
        raise Conflict(f"{j.unit}的回应已评估", f"the response of {j.unit} was reviewed already")
    score_t = timeliness(windows(session, [incident_id]).get(incident_id, []), answered[j.unit])
    row = Review(incident_id=incident_id, unit=j.unit, reviewer=viewer.username, reviewer_unit=viewer.unit,
                 timeliness=score_t, accuracy=j.accuracy, authority=j.authority, handling=j.handling,
                 score=overall(score_t, j.accuracy, j.authority, j.handling), comments=j.comments.strip(),
                 accountability=j.accountability,
                 accountability_ground=j.accountability_ground if j.accountability else None,
                 accountability_note=(j.accountability_note or "").strip() or None, at=now or utcnow())
    try:
        with session.begin_nested():  # two reviewers at once: the unique constraint decides
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{j.unit}的回应已评估", f"the response of {j.unit} was reviewed already") from None
    record(session, AuditAction.INCIDENT_REVIEWED, Reviewed(
        review_id=row.id, unit=j.unit, timeliness=row.timeliness, accuracy=row.accuracy, authority=row.authority,
        handling=row.handling, score=row.score, comments=row.comments, accountability=row.accountability,
        accountability_ground=row.accountability_ground, accountability_note=row.accountability_note),
        incident_id=incident_id, actor=viewer.username)
    return row, incident
