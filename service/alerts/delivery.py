"""Sending deliveries (an alert's or a digest's) to channel subscriptions: one RQ job per
delivery with retries (one inline attempt without Redis), each attempt's outcome recorded on
the row, and the re-dispatch of waiting deliveries whose job was lost. Alerts and digests
differ only in their delivery table and their message (`Kind`); the rest is here once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Generic, TypeVar

import structlog
from sqlmodel import Session, col, select

from service.alerts.channels import DeliveryError, Subscription, channel_for, where
from service.alerts.egress import Allowlist, url_problem
from service.alerts.message import Message
from service.alerts.models import FAILED, QUEUED, RETRYING, SENT, AlertChannel, AlertDelivery, DigestDelivery
from service.core.columns import pk, utcnow
from service.core.db import session_scope
from service.core.queue import Call, missing_jobs, queued
from service.core.queue import dispatch as dispatch_calls
from service.core.settings import Settings

log = structlog.get_logger()
STRANDED_AFTER = timedelta(minutes=5)  # a waiting delivery older than this, without its job, lost it
# a delivery table: both have id, channel_id, status, attempts, last_error, created_at, …
Row = TypeVar("Row", AlertDelivery, DigestDelivery)


@dataclass(frozen=True)
class Kind(Generic[Row]):
    name: str  # alert / digest: job ids and log events
    model: type[Row]  # its delivery table
    message: Callable[[Session, Settings, Row], Message]  # the message a delivery row carries
    job: str  # the RQ job by dotted name (service.alerts.jobs): a worker imports it


def public_id(kind: Kind[Row], delivery_id: int) -> str:
    """The id a receiver sees (X-Yuqing-Delivery, `delivery_id`): alerts and digests number
    their rows separately, so the kind is part of it."""
    return f"{kind.name}-{delivery_id}"


def job_id(kind: Kind[Row], delivery_id: int) -> str:
    return f"yuqing-{kind.name}-delivery-{delivery_id}"


def dispatch(settings: Settings, kind: Kind[Row], delivery_ids: Iterable[int]) -> None:
    """One RQ job per delivery, retried with pauses; inline (one attempt) without Redis."""
    # committed: `recover` re-dispatches what Redis loses
    dispatch_calls(settings, "alert_enqueue", calls(settings, kind, delivery_ids), deliveries=kind.name)


def calls(settings: Settings, kind: Kind[Row], delivery_ids: Iterable[int]) -> list[Call]:
    """The jobs of these deliveries; inline, a job run outside a worker is its own last try."""
    return [Call(kind.job, (delivery_id, settings.database_url), job_id=job_id(kind, delivery_id), timeout=120,
                 result_ttl=3600, failure_ttl=7 * 86400, retry_intervals=tuple(settings.alert_retry_intervals),
                 inline=partial(attempt, settings, kind, delivery_id, final=True))
            for delivery_id in delivery_ids]


def run_job(kind: Kind[Row], delivery_id: int, database_url: str) -> str:
    """The body of a kind's RQ job: the last try (no retries left) marks the delivery failed."""
    from rq import get_current_job

    from service.core.settings import get_settings

    settings = get_settings().model_copy(update={"database_url": database_url})
    job = get_current_job()
    return attempt(settings, kind, delivery_id, final=not (job and job.retries_left))


def attempt(settings: Settings, kind: Kind[Row], delivery_id: int, *, final: bool) -> str:
    """One attempt at one delivery; records the outcome and re-raises a failure (so RQ retries)."""
    with session_scope(settings.database_url) as session:
        delivery = session.get(kind.model, delivery_id)
        if delivery is None or delivery.status == SENT:
            return "gone" if delivery is None else SENT
        channel = session.get_one(AlertChannel, delivery.channel_id)  # kept when removed (removed_at)
        delivery.last_attempt_at = utcnow()
        if not channel.enabled or channel.removed_at is not None:  # nothing to retry
            delivery.status, delivery.last_error = FAILED, "订阅已停用或删除 / subscription disabled or removed"
            session.add(delivery)
            session.commit()
            return FAILED
        delivery.attempts += 1
        try:
            refuse_destination(settings, channel)
            channel_for(channel.kind, settings).send(
                kind.message(session, settings, delivery),
                Subscription(kind=channel.kind, target=channel.target, secret=channel.secret,
                             delivery_id=public_id(kind, delivery_id)))
        except Exception as exc:
            # the class only for the unexpected: its text may quote what the receiver sent
            text = str(exc)[:500] if isinstance(exc, DeliveryError) else type(exc).__name__
            text = text.replace(channel.target, where(channel.target))  # a robot URL's token stays secret
            delivery.status, delivery.last_error = (FAILED if final else RETRYING), text
            session.add(delivery)
            session.commit()
            log.warning(f"{kind.name}.delivery_failed", delivery_id=delivery_id, kind=channel.kind, error=text,
                        attempts=delivery.attempts, final=final)
            raise
        delivery.status, delivery.sent_at, delivery.last_error = SENT, utcnow(), None  # an earlier try's error is history
        session.add(delivery)
        session.commit()
        log.info(f"{kind.name}.delivered", delivery_id=delivery_id, kind=channel.kind, attempts=delivery.attempts)
        return SENT


def refuse_destination(settings: Settings, channel: AlertChannel) -> None:
    """The subscription's URL checked again at every attempt: ALERT_HOST_ALLOWLIST may have
    shrunk since, and rows written before the check existed are not trusted."""
    if channel.kind != "email" and (problem := url_problem(channel.kind, channel.target,
                                                           Allowlist.parse(settings.alert_host_allowlist))):
        raise DeliveryError(f"{where(channel.target)} 被拒绝：{problem[0]} / {problem[1]}")


def recover(session: Session, settings: Settings, kind: Kind[Row], now: datetime) -> list[int]:
    """Re-dispatch deliveries still waiting whose RQ job is gone (Redis lost it, or the process
    died between the commit and the enqueue): the database, not the queue, is the record."""
    if not queued(settings):
        return []
    model = kind.model
    waiting = session.exec(select(pk(model.id)).where(col(model.status).in_([QUEUED, RETRYING]),
                                                  col(model.created_at) < now - STRANDED_AFTER)).all()
    missing = set(missing_jobs(settings, [job_id(kind, i) for i in waiting]))
    lost = [i for i in waiting if job_id(kind, i) in missing]
    dispatch(settings, kind, lost)
    return lost
