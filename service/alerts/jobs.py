"""RQ job functions, module-level so a worker imports them by name (the delivery kinds name
them as strings: service.alerts.service and digest_service do not import this module)."""

from __future__ import annotations

from service.alerts.delivery import run_job
from service.alerts.digest_service import DIGESTS
from service.alerts.service import ALERTS


def deliver_job(delivery_id: int, database_url: str) -> str:
    """One attempt at an alert's delivery; the last one (no retries left) marks it failed."""
    return run_job(ALERTS, delivery_id, database_url)


def deliver_digest_job(delivery_id: int, database_url: str) -> str:
    """One attempt at a digest's delivery; the last one marks it failed."""
    return run_job(DIGESTS, delivery_id, database_url)
