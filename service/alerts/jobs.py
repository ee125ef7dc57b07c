"""RQ job functions (module-level so a worker can import them by name)."""

from __future__ import annotations


def deliver_job(delivery_id: int, database_url: str) -> str:
    """One attempt at an alert's delivery; the last one (no retries left) marks it failed."""
    from service.alerts.delivery import run_job
    from service.alerts.service import ALERTS

    return run_job(ALERTS, delivery_id, database_url)
