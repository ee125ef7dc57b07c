"""Migration 0012 fills the inbox from the alerts already there: one entry per (incident, clock,
audience) at its highest rung, unread unless every rung of it was acknowledged."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import service
from service.core.db import get_engine, migrate

INCIDENT = {"topic": "安全生产", "severity": "一般", "status": "claimed", "scope": "single", "vertical": False,
            "emergency": False, "verification_request": False, "level_region": "高平市", "first_responsible": "[]",
            "co_responsible": "[]", "coordinators": "[]", "reasons": "[]", "regions": "[]", "departments": "[]",
            "received_at": "2026-06-01 02:00:00", "last_seen": "2026-06-01 02:00:00",
            "created_at": "2026-06-01 02:00:00", "signature": "{}"}


def alert(key: str, step: str, audience: str, clock: str = "response", acked: bool = False) -> dict:
    return {"key": key, "incident_id": 1, "clock": clock, "clock_label": "回应", "step": step, "label": "提醒",
            "audience_kind": "unit", "audience": audience, "recipients": "[]", "subject": "", "message": step,
            "due_at": "2026-06-03 02:00:00", "created_at": "2026-06-02 02:00:00",
            "acknowledged_by": "u" if acked else None, "acknowledged_at": "2026-06-02 03:00:00" if acked else None}


@pytest.mark.empty_database
def test_the_inbox_is_filled_from_the_alerts_already_there(database_url: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(service.__file__).parent / "migrations"))
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0009")
    engine = get_engine(database_url)
    table = lambda name, row: sa.table(name, *(sa.column(c) for c in row))  # noqa: E731
    rows = [alert("a", "warn_50", "甲", acked=True), alert("b", "warn_80", "甲"), alert("c", "urge", "乙", acked=True),
            alert("d", "warn_50", "甲", clock="feedback", acked=True)]
    with engine.begin() as conn:
        conn.execute(table("incident", INCIDENT).insert(), [INCIDENT])
        conn.execute(table("alert", rows[0]).insert(), rows)
    migrate(database_url)
    with engine.connect() as conn:
        got = conn.execute(sa.text("SELECT clock, audience, step, rank, rungs, acknowledged_at IS NULL FROM inbox_entry"
                                   " ORDER BY clock, audience")).all()
    assert [tuple(r) for r in got] == [("feedback", "甲", "warn_50", 50, 1, False),
                                       ("response", "乙", "urge", 100, 1, False),
                                       ("response", "甲", "warn_80", 80, 2, True)]  # 80 % not acknowledged yet
