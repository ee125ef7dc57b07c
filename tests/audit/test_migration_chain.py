"""Upgrading a database that already has audit rows chains them, so verify covers history."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from service.audit.chain import verify
from service.audit.models import AuditEntry
from service.core.db import get_engine, migrate, session_scope


@pytest.mark.empty_database
def test_existing_rows_are_chained_on_upgrade(database_url: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parents[2] / "service" / "migrations"))
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0001")
    with get_engine(database_url).begin() as conn:
        conn.execute(text("INSERT INTO incident (topic, severity, status, scope, vertical, emergency, "
                          "verification_request, level_region, first_responsible, co_responsible, coordinators, "
                          "reasons, regions, departments, received_at, last_seen, created_at, signature) VALUES "
                          "('安全生产', '一般', 'open', 'single', false, false, false, '高平市', '[]', '[]', '[]', "
                          "'[]', '[]', '[]', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-01-01 00:00:00', '{}')"))
        for i, (incident, action) in enumerate([(1, "incident.created"), (None, "org.imported"),
                                                (1, "incident.item_merged"), (1, "incident.severity_changed")]):
            conn.execute(text("INSERT INTO audit_entry (incident_id, item_id, actor, action, detail, at) VALUES "
                              "(:inc, :item, 'system', :action, :detail, :at)"),
                         {"inc": incident, "item": i, "action": action, "detail": f'{{"n": {i}, "名": "旧"}}',
                          "at": f"2026-01-01 00:00:0{i}"})
    migrate(database_url)
    with session_scope(database_url) as s:
        count, broken = verify(s)
        seqs = [(e.chain, e.seq) for e in s.exec(text("SELECT chain, seq FROM audit_entry ORDER BY id")).all()]
        assert s.get(AuditEntry, 4).prev_hash == s.get(AuditEntry, 3).hash
    assert broken is None and count >= 4
    assert seqs[:4] == [(1, 1), (0, 1), (1, 2), (1, 3)]
