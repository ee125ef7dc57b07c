"""RQ job functions (module-level so a worker can import them by name)."""

from __future__ import annotations

from rq import get_current_job

from service.alerts.service import deliver
from service.settings import get_settings


def deliver_job(delivery_id: int, database_url: str) -> str:
    """One attempt; the last one (no retries left) marks the delivery failed for good."""
    settings = get_settings().model_copy(update={"database_url": database_url})
    job = get_current_job()
    return deliver(settings, delivery_id, final=not (job and job.retries_left))
