"""Leaders' daily digests: build (one per leader audience and local day), store, deliver.

Audiences come from the active leader accounts: a region leader → (region, name), a unit
leader → (unit, name), deduplicated. Each audience's incidents are those its leader sees
(`access.sees`), composed by the pure `service.alerts.digest`. The Digest row is unique per
(audience, day), so a rerun — the sweep every minute after the digest hour, the CLI, the API —
adds nothing; each matching enabled channel subscription gets a DigestDelivery, sent as an
RQ job with retries like alert deliveries (inline, one attempt, without Redis).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from service.alerts import delivery
from service.alerts.audience import Audience, covers, subscription_matches, units_within
from service.alerts.digest import ClockRow, IncidentRow, compose, day_bounds, local_day, scope_viewer
from service.alerts.message import DigestMessage
from service.alerts.models import REGION, UNIT, AlertChannel, Digest, DigestDelivery
from service.alerts.service import public_channel
from service.auth.models import User
from service.auth.rules import Principal, Role, assignment_of, sees
from service.core.columns import id_of, utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Clock, Incident

log = structlog.get_logger()


# -- who gets one -----------------------------------------------------------------------------
def leader_audiences(session: Session, org: OrgChart) -> list[Audience]:
    """Every audience with an active leader account, once (in account order)."""
    out: list[Audience] = []
    users = session.exec(select(User).where(User.role == Role.LEADER.value, User.active == True)  # noqa: E712
                         .order_by(col(User.id))).all()
    for user in users:
        if user.region and user.region in org.regions:
            out.append((REGION, user.region))
        elif user.unit and user.unit in org.unit_names():
            out.append((UNIT, user.unit))
    return list(dict.fromkeys(out))


def incident_rows(session: Session, day: date, timezone: str) -> list[tuple[Incident, IncidentRow]]:
    """The incidents a digest of `day` may name: open ones, and those with a clock met since
    the start of the previous local day (a late answer given yesterday). Merged-away incidents
    live on in the one they were merged into."""
    since = day_bounds(day, timezone)[0] - timedelta(days=1)
    met_lately = select(Clock.incident_id).where(col(Clock.met_at) >= since)
    cond = and_(or_(col(Incident.status) != "closed", col(Incident.id).in_(met_lately)),
                col(Incident.merged_into).is_(None))
    incidents = session.exec(select(Incident).where(cond).order_by(col(Incident.id))).all()
    clocks: dict[int, list[ClockRow]] = {}
    for clock in session.exec(select(Clock).join(Incident, col(Incident.id) == col(Clock.incident_id)).where(cond)
                              .order_by(col(Clock.id))).all():
        clocks.setdefault(clock.incident_id, []).append(ClockRow(clock.kind, clock.label, clock.due_at, clock.met_at))
    return [(i, IncidentRow(id_of(i), i.topic, i.severity, i.status, tuple(clocks.get(id_of(i), ()))))
            for i in incidents]


# -- building -------------------------------------------------------------------------------
def build_digests(session: Session, org: OrgChart, settings: Settings, day: date, now: datetime, *,
                  within: str | None = None) -> tuple[list[Digest], list[int]]:
    """The digests of `day` not built yet (only audiences covered by region `within`, when
    given), each with a queued delivery per matching enabled subscription. The caller commits,
    then dispatches the returned delivery ids."""
    wanted = [a for a in leader_audiences(session, org) if within is None or covers(within, a, org)]
    have = {tuple(h) for h in session.exec(select(Digest.audience_kind, Digest.audience)
                                           .where(Digest.day == day.isoformat())).all()}
    missing = [a for a in wanted if a not in have]
    if not missing:
        return [], []
    rows = incident_rows(session, day, settings.timezone)
    channels = session.exec(select(AlertChannel).where(AlertChannel.enabled == True,  # noqa: E712
                                                       AlertChannel.removed_at == None)  # noqa: E711
                            .order_by(col(AlertChannel.id))).all()
    created, deliveries = [], []
    for audience in missing:
        viewer = scope_viewer(audience)
        scoped = [row for incident, row in rows if sees(viewer, assignment_of(incident), org)]
        content = compose(audience, day, settings.timezone, now, scoped, settings.public_url)
        digest = Digest(audience_kind=audience[0], audience=audience[1], day=day.isoformat(),
                        subject=content.subject, body=content.body(), created_at=now)
        try:
            with session.begin_nested():  # another sweeper or a manual run may have built it meanwhile
                session.add(digest)
                session.flush()
        except IntegrityError:
            continue
        created.append(digest)
        for channel in channels:
            if subscription_matches((channel.audience_kind, channel.audience), audience, org):
                deliveries.append(DigestDelivery(digest_id=id_of(digest), channel_id=id_of(channel),
                                                  created_at=now))
    session.add_all(deliveries)
    session.flush()
    log.info("digest.built", day=day.isoformat(), digests=len(created), deliveries=len(deliveries))
    return created, [id_of(d) for d in deliveries]


def run_digests(settings: Settings, day: date | None = None, now: datetime | None = None) -> dict:
    """Build, commit, and hand the deliveries over (CLI and sweep)."""
    from service.incidents.runtime import load_engine

    now = now or utcnow()
    day = day or local_day(now, settings.timezone)
    with session_scope(settings.database_url) as session:
        created, delivery_ids = build_digests(session, load_engine(settings, session).org, settings, day, now)
        session.commit()
        lost = recover_digest_deliveries(session, settings, now)
    dispatch_digests(settings, delivery_ids)
    return {"day": day.isoformat(), "digests": len(created), "deliveries": len(delivery_ids),
            "deliveries_recovered": len(lost), "ids": [d.id for d in created]}


def digest_due(settings: Settings, now: datetime) -> bool:
    """The local digest hour of today has passed."""
    return now.astimezone(ZoneInfo(settings.timezone)).hour >= settings.digest_hour


# -- delivering -----------------------------------------------------------------------------
def _digest_message(session: Session, _settings: Settings, delivery: DigestDelivery) -> DigestMessage:
    digest = session.get_one(Digest, delivery.digest_id)
    return DigestMessage(digest_id=id_of(digest), subject=digest.subject, body=digest.body)


DIGESTS = delivery.Kind("digest", DigestDelivery, _digest_message, "service.alerts.jobs.deliver_digest_job")


def job_id(delivery_id: int) -> str:
    return delivery.job_id(DIGESTS, delivery_id)


def dispatch_digests(settings: Settings, delivery_ids: Iterable[int]) -> None:
    """One RQ job per delivery, retried after settings.alert_retry_intervals; inline without Redis."""
    delivery.dispatch(settings, DIGESTS, delivery_ids)


def deliver_digest(settings: Settings, delivery_id: int, *, final: bool) -> str:
    return delivery.attempt(settings, DIGESTS, delivery_id, final=final)


def recover_digest_deliveries(session: Session, settings: Settings, now: datetime) -> list[int]:
    return delivery.recover(session, settings, DIGESTS, now)


# -- reading --------------------------------------------------------------------------------
def own_audience(viewer: Principal) -> Audience | None:
    if viewer.role is not Role.LEADER:
        return None
    return (REGION, viewer.region) if viewer.region else ((UNIT, viewer.unit) if viewer.unit else None)


def may_read(viewer: Principal, audience: Audience, org: OrgChart) -> bool:
    """A leader reads his own audience's digests; a coordinator those within his region; the
    admin all."""
    if viewer.role is Role.ADMIN:
        return True
    if viewer.role is Role.COORDINATOR:
        return viewer.region is not None and covers(viewer.region, audience, org)
    return own_audience(viewer) == tuple(audience)


def readable_audiences(viewer: Principal, org: OrgChart) -> list[Audience] | None:
    """The audiences to filter on in SQL; None: all (admin)."""
    if viewer.role is Role.ADMIN:
        return None
    if viewer.role is Role.COORDINATOR and viewer.region is not None and viewer.region in org.regions:
        return ([(REGION, r) for r in org.regions if org.is_ancestor(viewer.region, r)]
                + [(UNIT, u) for u in units_within(viewer.region, org)])
    own = own_audience(viewer)
    return [own] if own else []


def digests_for(session: Session, org: OrgChart, viewer: Principal, *, day: str | None = None,
                limit: int = 100) -> list[Digest]:
    """The viewer's readable digests, newest first."""
    query = select(Digest)
    auds = readable_audiences(viewer, org)
    if auds is not None:
        if not auds:
            return []
        units = [n for k, n in auds if k == UNIT]
        regions = [n for k, n in auds if k == REGION]
        query = query.where(or_(and_(col(Digest.audience_kind) == UNIT, col(Digest.audience).in_(units)),
                                and_(col(Digest.audience_kind) == REGION, col(Digest.audience).in_(regions))))
    if day:
        query = query.where(Digest.day == day)
    return list(session.exec(query.order_by(col(Digest.id).desc()).limit(limit)).all())


def public_digest(digest: Digest, *, full: bool = False) -> dict:
    out = {"id": digest.id, "audience_kind": digest.audience_kind, "audience": digest.audience, "day": digest.day,
           "subject": digest.subject, "counts": digest.body.get("counts", {}), "created_at": digest.created_at}
    return out | {"body": digest.body} if full else out


def deliveries_of(session: Session, digest_id: int) -> list[dict]:
    rows = session.exec(select(DigestDelivery, AlertChannel)
                        .join(AlertChannel, col(AlertChannel.id) == col(DigestDelivery.channel_id))
                        .where(DigestDelivery.digest_id == digest_id).order_by(col(DigestDelivery.id))).all()
    return [{"id": d.id, "digest_id": d.digest_id, "channel_id": c.id, "channel_kind": c.kind,
             "target": public_channel(c)["target"], "status": d.status, "attempts": d.attempts,
             "last_error": d.last_error, "created_at": d.created_at, "last_attempt_at": d.last_attempt_at,
             "sent_at": d.sent_at} for d, c in rows]


__all__: Sequence[str] = ["build_digests", "deliver_digest", "digests_for", "dispatch_digests",
                          "leader_audiences", "may_read", "run_digests"]
