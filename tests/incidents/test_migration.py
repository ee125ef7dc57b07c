"""Migration 0004 on a database holding incidents from before the workflow: `open` becomes
`unclaimed` and incident_unit is filled from the incidents' JSON lists."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

import service
from service.core.db import get_engine, migrate


@pytest.mark.empty_database
def test_legacy_rows_are_migrated(database_url: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(service.__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url)
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0001")
    engine = get_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO incident (topic, severity, status, scope, vertical, emergency, verification_request,"
            " level_region, first_responsible, co_responsible, coordinators, lead, reasons, regions, departments,"
            " received_at, last_seen, created_at, signature) VALUES ('食品药品监管', '一般', :status, 'single',"
            " false, false, false, '高平市', :first, :co, '[]', :lead, '[]', :regions, '[]',"
            " :t, :t, :t, '{}')"),
            [{"status": "open", "first": '["高平市市场监督管理局"]', "co": '["河西镇人民政府"]', "lead": None,
              "regions": '["河西镇"]', "t": "2026-06-01 02:00:00"},
             {"status": "closed", "first": '["米山镇人民政府"]', "co": "[]", "lead": "高平市城市管理局",
              "regions": '["米山镇"]', "t": "2026-06-01 02:00:00"}])
    migrate(database_url)
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT id, status FROM incident ORDER BY id")).all()
        units = sorted(conn.execute(sa.text("SELECT incident_id, role, unit FROM incident_unit")).all())
    assert [s for _, s in statuses] == ["unclaimed", "closed"]
    first, second = (i for i, _ in statuses)
    assert [tuple(u) for u in units] == sorted([
        (first, "co", "河西镇人民政府"), (first, "first", "高平市市场监督管理局"),
        (first, "region", "河西镇"), (first, "region", "高平市"),
        (second, "first", "米山镇人民政府"), (second, "lead", "高平市城市管理局"),
        (second, "region", "米山镇"), (second, "region", "高平市")])


@pytest.mark.empty_database
def test_open_rows_written_after_the_workflow_become_unclaimed(database_url: str) -> None:
    # migration 0009: an 'open' row that came after 0004 (a process still on the old code)
    # is rewritten, so the code no longer needs to know 'open'
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(service.__file__).parent / "migrations"))
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0008")
    engine = get_engine(database_url)
    incident = sa.table("incident", *(sa.column(c) for c in (
        "topic", "severity", "status", "scope", "vertical", "emergency", "verification_request", "level_region",
        "first_responsible", "co_responsible", "coordinators", "reasons", "regions", "departments", "received_at",
        "last_seen", "created_at", "signature")))
    row = {"topic": "安全生产", "severity": "一般", "scope": "single", "vertical": False, "emergency": False,
           "verification_request": False, "level_region": "高平市", "first_responsible": "[]", "co_responsible": "[]",
           "coordinators": "[]", "reasons": "[]", "regions": "[]", "departments": "[]",
           "received_at": "2026-06-01 02:00:00", "last_seen": "2026-06-01 02:00:00",
           "created_at": "2026-06-01 02:00:00", "signature": "{}"}
    with engine.begin() as conn:
        conn.execute(incident.insert(), [{**row, "status": s} for s in ("open", "claimed", "open", "closed")])
    migrate(database_url)
    with engine.connect() as conn:
        statuses = [s for (s,) in conn.execute(sa.text("SELECT status FROM incident ORDER BY id"))]
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    # migrated to the head (0009 rewrote the rows; later revisions, e.g. 0010 duties, follow)
    assert statuses == ["unclaimed", "claimed", "unclaimed", "closed"]
    assert revision == ScriptDirectory.from_config(cfg).get_current_head()
