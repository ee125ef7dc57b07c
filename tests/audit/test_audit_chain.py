"""The hash-chained audit log: chains per incident, `yuqing audit verify`, tampering shows,
the trigger refuses edits on PostgreSQL, and concurrent writers keep one unbroken chain."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import col, select

from service.audit.actions import AuditAction, Claimed, ItemFailed
from service.audit.chain import GENESIS, entry_hash, first_break, verify
from service.audit.log import record
from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Incident
from tests.conftest import INGEST

ITEMS = [{"external_id": "ch-1", "text": "河西镇、马村镇多家餐馆被曝使用过期食材"},
         {"external_id": "ch-2", "text": "米山镇某村道路坑洼多年无人修，村民出行困难"}]


def entries(url: str) -> list[AuditEntry]:
    with session_scope(url) as s:
        return list(s.exec(select(AuditEntry).order_by(col(AuditEntry.chain), col(AuditEntry.seq))).all())


def yuqing(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def test_entries_chained_one_chain_per_incident(client: TestClient, settings: Settings) -> None:
    assert client.post("/api/items", json=ITEMS, headers=INGEST).status_code == 202
    rows = entries(settings.database_url)
    chains = {e.chain for e in rows}
    with session_scope(settings.database_url) as s:
        incidents = set(s.exec(select(Incident.id)).all())
    assert len(incidents) == 2 and incidents | {0} == chains  # chain 0: account creation etc.
    prev: dict[int, AuditEntry] = {}
    for e in rows:
        before = prev.get(e.chain)
        assert e.chain == (e.incident_id or 0)
        assert e.seq == (before.seq + 1 if before else 1)
        assert e.prev_hash == (before.hash if before else GENESIS)
        assert e.hash == entry_hash(e, e.prev_hash) and len(e.hash) == 64
        prev[e.chain] = e


def test_verify_ok_then_tampering_detected(client: TestClient, settings: Settings) -> None:
    client.post("/api/items", json=ITEMS, headers=INGEST)
    ok = yuqing(settings.database_url, "audit", "verify")
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stderr
    victim = next(e for e in entries(settings.database_url) if e.action == "incident.created")
    tamper = "UPDATE audit_entry SET actor = 'someone-else' WHERE id = :id"
    if settings.database_url.startswith("sqlite"):
        engine = create_engine(settings.database_url)
        with engine.begin() as conn:
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(tamper), {"id": victim.id})
        with engine.begin() as conn:  # someone with the file: drops the guard, edits the row
            conn.execute(text("DROP TRIGGER audit_entry_no_update"))
            conn.execute(text(tamper), {"id": victim.id})
        engine.dispose()
    else:
        with psycopg.connect(psycopg_url(settings.database_url), autocommit=True) as conn:
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("UPDATE audit_entry SET actor = 'someone-else' WHERE id = %s", (victim.id,))
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("DELETE FROM audit_entry WHERE id = %s", (victim.id,))
            # a superuser can switch the trigger off; the hashes still give him away
            conn.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
            conn.execute("UPDATE audit_entry SET actor = 'someone-else' WHERE id = %s", (victim.id,))
    bad = yuqing(settings.database_url, "audit", "verify")
    assert bad.returncode == 1
    assert f"id={victim.id}" in bad.stderr and "edited" in bad.stderr


def _e(seq: int, prev: str, **kw: object) -> AuditEntry:
    from service.core.columns import utcnow

    e = AuditEntry(id=seq, incident_id=7, chain=7, seq=seq, actor="a", action="x", detail=kw, at=utcnow())
    e.prev_hash, e.hash = prev, entry_hash(e, prev)
    return e


def test_removed_or_moved_entries_break_the_chain() -> None:
    a = _e(1, GENESIS, n=1)
    b = _e(2, a.hash, n=2)
    c = _e(3, b.hash, n=3)
    assert first_break([a, b, c]) is None
    gap = first_break([a, c])
    assert gap is not None and gap.entry_id == 3 and "removed" in gap.reason
    c2 = AuditEntry(**{**c.model_dump(), "seq": 2})
    assert first_break([a, c2]).entry_id == 3  # renumbered to hide the gap: prev_hash/hash give it away
    moved = AuditEntry(**{**b.model_dump(), "incident_id": 8})
    assert "chain" in first_break([a, moved, c]).reason


def test_concurrent_writers_keep_one_chain(client: TestClient, settings: Settings) -> None:
    client.post("/api/items", json=ITEMS[:1], headers=INGEST)
    with session_scope(settings.database_url) as s:
        incident_id = s.exec(select(Incident.id)).first()
        before = len(s.exec(select(AuditEntry.id)).all())
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with session_scope(settings.database_url) as s:
                    record(s, AuditAction.INCIDENT_CLAIMED, Claimed(unit=f"u{i}"), incident_id=incident_id,
                           actor=f"w{n}")
                    record(s, AuditAction.ITEM_FAILED, ItemFailed(error=f"e{i}"), actor=f"w{n}")
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(settings.database_url) as s:
        count, broken = verify(s)
    assert broken is None and count == before + 4 * 15 * 2


@pytest.mark.empty_database  # builds its own rows from a bare schema
def test_detail_hashes_the_same_after_the_json_column(settings: Settings) -> None:
    # any JSON shape (an old row's, a value no schema types): added as a bare entry, which
    # the session's hook chains like a recorded one
    from service.core.columns import utcnow
    from service.core.db import migrate

    migrate(settings.database_url)
    with session_scope(settings.database_url) as s:
        s.add(AuditEntry(actor="system", action="test.shapes", at=utcnow(),
                         detail={"pair": (1, 2), "keys": {1: "一", "2": "二"}, "score": 0.1 + 0.2, "text": "<script>"}))
        s.commit()
    with session_scope(settings.database_url) as s:
        count, broken = verify(s)
    assert count == 1 and broken is None


@pytest.mark.empty_database  # builds its own rows from a bare schema
def test_batched_rows_chain_in_call_order_with_recorded_entries(settings: Settings) -> None:
    # ingest writes its entries as plain rows (COPY on PostgreSQL); entries recorded before
    # and after on the same chain keep the order of the calls, and every shape hashes the same
    from service.audit.log import AuditBatch
    from service.core.db import migrate

    migrate(settings.database_url)
    with session_scope(settings.database_url) as s:
        record(s, AuditAction.ITEM_FAILED, ItemFailed(error="1"))
        batch = AuditBatch()
        # values are not checked, keys are: odd shapes inside a real detail
        batch.add(AuditAction.ITEM_FAILED, {"error": {"pair": (1, 2), "keys": {1: "一", "2": "二"}, "score": 0.1 + 0.2,
                                                      "text": "<script>\t换行\n\\N"}}, item_id=7)
        batch.add(AuditAction.ITEM_RETRIED, {"previous_error": None}, actor="w1")
        batch.write(s)
        record(s, AuditAction.USER_ENABLED, {"username": "x"})
        s.commit()
    with session_scope(settings.database_url) as s:
        count, broken = verify(s)
        rows = s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
    assert count == 4 and broken is None
    assert [(e.seq, e.action, e.actor, e.item_id) for e in rows] == [
        (1, "item.failed", "system", None), (2, "item.failed", "system", 7), (3, "item.retried", "w1", None),
        (4, "user.enabled", "system", None)]
    shapes = rows[1].detail["error"]
    assert shapes["text"] == "<script>\t换行\n\\N" and shapes["keys"] == {"1": "一", "2": "二"}
