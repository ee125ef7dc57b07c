"""`yuqing worker`: an RQ worker for every job of the deployment, its engine warmed first."""

from __future__ import annotations

from service.core.db import migrate, session_scope
from service.core.logs import configure_logging
from service.core.queue import queued, work
from service.core.settings import Settings
from service.escalation.major_watch import watch_majors
from service.incidents.jobs import warm_up
from service.incidents.runtime import load_engine
from service.orgs.store import ensure_org


def run_worker(settings: Settings, burst: bool = False) -> int:
    if not queued(settings):
        print("REDIS_URL 未设置：内置模式下无需 worker / REDIS_URL unset: embedded mode needs no worker")
        return 2
    configure_logging()
    migrate(settings.database_url)
    ensure_org(settings)
    if not burst:  # a burst run drains the queue and exits: nothing to gain from warming up first
        with session_scope(settings.database_url) as session:
            engine = load_engine(settings, session)
        warm_up(engine)
    watch_majors(settings)  # its batches route 特别重大 items: their leaders told at once
    work(settings, burst=burst)
    return 0
