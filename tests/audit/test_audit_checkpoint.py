"""Issue 12 row 8, on SQLite and PostgreSQL: an attacker with database access drops the
append-only triggers, then deletes an incident's whole chain, cuts a chain short, or
rewrites entries and re-hashes them with the shipped function. Chain 0's creation records
catch a deleted chain; a signed checkpoint (`yuqing audit checkpoint`, key outside the
database) catches all of them (`yuqing audit verify --checkpoint`, exit 1 naming the chain)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from service.audit.actions import AuditAction, Closed
from service.audit.chain import CHAIN_STARTED, GENESIS, entry_hash
from service.audit.log import record
from service.audit.models import AuditEntry
from service.core.db import session_scope
from service.core.settings import Settings
from service.incidents.models import Incident
from tests.conftest import INGEST

ITEMS = [{"external_id": "cp-1", "text": "河西镇、马村镇多家餐馆被曝使用过期食材"},
         {"external_id": "cp-2", "text": "米山镇某村道路坑洼多年无人修，村民出行困难"}]
KEY = "checkpoint-key-kept-off-the-database"


def yuqing(url: str, *args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUDIT_CHECKPOINT")}
    env |= {"DATABASE_URL": url, **({"AUDIT_CHECKPOINT_KEY": key} if key else {})}
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def drop_triggers(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_entry_append_only ON audit_entry"))
        conn.execute(text("DROP TRIGGER audit_entry_no_truncate ON audit_entry"))
    else:
        conn.execute(text("DROP TRIGGER audit_entry_no_update"))
        conn.execute(text("DROP TRIGGER audit_entry_no_delete"))


def rehash(conn, chain: int) -> None:
    """Renumber and re-hash a chain with the shipped function: it verifies again on its own."""
    t = AuditEntry.__table__
    rows = conn.execute(select(t).where(t.c.chain == chain).order_by(t.c.seq)).mappings().all()  # typed columns
    prev = GENESIS
    for seq, r in enumerate(rows, 1):
        e = AuditEntry(incident_id=r["incident_id"], item_id=r["item_id"], actor=r["actor"], action=r["action"],
                       detail=r["detail"], at=r["at"], chain=chain, seq=seq)
        h = entry_hash(e, prev)
        conn.execute(text("UPDATE audit_entry SET seq = :s, prev_hash = :p, hash = :h WHERE id = :id"),
                     {"s": seq, "p": prev, "h": h, "id": r["id"]})
        prev = h


def attack(url: str, how: str, victim: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        drop_triggers(conn)
        if how in ("delete_chain", "delete_chain_and_its_record"):
            conn.execute(text("DELETE FROM audit_entry WHERE chain = :c"), {"c": victim})
        if how == "delete_chain_and_its_record":
            ids = [i for i, d in conn.execute(text("SELECT id, detail FROM audit_entry WHERE chain = 0 AND action = :a"),
                                              {"a": CHAIN_STARTED}).all()
                   if (d if isinstance(d, dict) else json.loads(d)).get("chain") == victim]
            conn.execute(text("DELETE FROM audit_entry WHERE id = :i"), {"i": ids[0]})
            rehash(conn, 0)
        if how == "rewrite_and_rehash":
            conn.execute(text("UPDATE audit_entry SET actor = 'someone-else' WHERE chain = :c AND seq = 1"),
                         {"c": victim})
            rehash(conn, victim)
        if how == "truncate":
            conn.execute(text("DELETE FROM audit_entry WHERE chain = :c AND seq = "
                              "(SELECT max(seq) FROM audit_entry WHERE chain = :c)"), {"c": victim})
    engine.dispose()


@pytest.mark.parametrize(("how", "found_without_checkpoint", "named"), [
    ("delete_chain", True, "deleted since the checkpoint"),
    ("delete_chain_and_its_record", False, "deleted since the checkpoint"),
    ("rewrite_and_rehash", False, "rewritten since the checkpoint"),
    ("truncate", False, "truncated since the checkpoint"),
])
def test_checkpoint_finds_what_the_chains_alone_cannot(client: TestClient, settings: Settings, tmp_path, how: str,
                                                       found_without_checkpoint: bool, named: str) -> None:
    url = settings.database_url
    assert client.post("/api/items", json=ITEMS, headers=INGEST).status_code == 202
    with session_scope(url) as s:  # a second entry on each incident's chain
        for (incident_id,) in s.exec(select(Incident.id)).all():
            record(s, AuditAction.INCIDENT_CLOSED, Closed(note="第二条"), incident_id=incident_id,
                   actor="coordinator_gaoping")
        s.commit()
    checkpoint = tmp_path / "checkpoint.json"
    made = yuqing(url, "audit", "checkpoint", "--out", str(checkpoint))
    assert made.returncode == 0, made.stderr
    body = json.loads(checkpoint.read_text())
    chains = [c for c, _seq, _h in body["chains"]]
    assert 0 in chains and len(chains) == 3 and body["signature"]
    ok = yuqing(url, "audit", "verify", "--checkpoint", str(checkpoint))
    assert ok.returncode == 0 and "OK" in ok.stdout, ok.stderr
    victim = max(chains)
    attack(url, how, victim)
    alone = yuqing(url, "audit", "verify")
    assert (alone.returncode == 1) is found_without_checkpoint, alone.stdout + alone.stderr
    if found_without_checkpoint:
        assert f"chain {victim} (incident {victim}) is gone" in alone.stderr
    found = yuqing(url, "audit", "verify", "--checkpoint", str(checkpoint))
    assert found.returncode == 1 and f"chain {victim} {named}" in found.stderr, found.stderr
    if how == "delete_chain_and_its_record":
        # chain 0 lost the record (one entry shorter) and was re-hashed
        assert "chain 0 truncated since the checkpoint" in found.stderr or "chain 0 rewritten" in found.stderr


def test_a_checkpoint_needs_the_key_and_an_altered_one_is_refused(client: TestClient, settings: Settings,
                                                                  tmp_path) -> None:
    url = settings.database_url
    assert client.post("/api/items", json=ITEMS[:1], headers=INGEST).status_code == 202
    out = tmp_path / "cp.json"
    nokey = yuqing(url, "audit", "checkpoint", "--out", str(out), key=None)
    assert nokey.returncode == 2 and "AUDIT_CHECKPOINT_KEY" in nokey.stderr and not out.exists()
    assert yuqing(url, "audit", "checkpoint", "--out", str(out)).returncode == 0
    assert yuqing(url, "audit", "verify", "--checkpoint", str(out), key="another key").returncode == 2
    body = json.loads(out.read_text())
    body["chains"] = [c for c in body["chains"] if c[0] == 0]  # an attacker drops a chain from the file
    out.write_text(json.dumps(body))
    forged = yuqing(url, "audit", "verify", "--checkpoint", str(out))
    assert forged.returncode == 2 and "not signed" in forged.stderr
