"""Signed checkpoints of the audit log's chain heads, and the checks that need more than one
chain: a chain deleted whole (chain 0 records each chain's creation), a chain cut short, and
entries rewritten and re-hashed since a checkpoint.

A checkpoint lists, per chain, its last seq and that entry's hash, signed with HMAC-SHA256
under a key that is kept out of the database (AUDIT_CHECKPOINT_KEY or _KEY_FILE). Someone
who can write the database and run this code can re-hash a chain so that it verifies again,
but he cannot make its entry at the checkpoint's seq hash to the signed value, nor sign a new
checkpoint. What such a person changes *after* the last checkpoint is caught only by the
chain-0 records and by the next checkpoint's comparison with an older one kept elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from service.audit.chain import CHAIN_STARTED, SYSTEM_CHAIN
from service.audit.models import AuditEntry

FORMAT = "yuqing-audit-checkpoint/1"


class CheckpointError(Exception):
    """No key, or a checkpoint file that is unreadable or not signed with the key."""


@dataclass(frozen=True)
class Head:
    chain: int
    seq: int
    hash: str


def load_key(key: str | None, key_file: str | None) -> bytes:
    if key_file:
        text = Path(key_file).read_text(encoding="utf-8").strip()
        if text:
            return text.encode()
    if key:
        return key.encode()
    raise CheckpointError("未设置检查点密钥（AUDIT_CHECKPOINT_KEY 或 AUDIT_CHECKPOINT_KEY_FILE）/ "
                          "no checkpoint key: set AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE")


def _signed_bytes(body: dict) -> bytes:
    return json.dumps({k: v for k, v in body.items() if k != "signature"}, sort_keys=True,
                      separators=(",", ":")).encode()


def sign(body: dict, key: bytes) -> dict:
    return {**body, "signature": hmac.new(key, _signed_bytes(body), hashlib.sha256).hexdigest()}


def heads(session: Session) -> dict[int, Head]:
    """Each chain's last entry (one indexed query: unique (chain, seq))."""
    top = select(AuditEntry.chain, func.max(AuditEntry.seq).label("seq")).group_by(col(AuditEntry.chain)).subquery()
    rows = session.exec(select(AuditEntry.chain, AuditEntry.seq, AuditEntry.hash)
                        .join(top, (top.c.chain == AuditEntry.chain) & (top.c.seq == AuditEntry.seq))).all()
    return {c: Head(c, s, h) for c, s, h in rows}


def make(session: Session, key: bytes, now: datetime | None = None) -> dict:
    found = heads(session)
    body = {"format": FORMAT, "created_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "chains": [[h.chain, h.seq, h.hash] for h in sorted(found.values(), key=lambda h: h.chain)],
            "chain_count": len(found), "entries": sum(h.seq for h in found.values())}
    return sign(body, key)


def read(path: str, key: bytes) -> list[Head]:
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
        claimed = str(body["signature"])
        chains = [Head(int(c), int(s), str(h)) for c, s, h in body["chains"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"检查点文件无法读取 / cannot read checkpoint {path}: {type(exc).__name__}") from None
    if body.get("format") != FORMAT or not hmac.compare_digest(
            claimed, hmac.new(key, _signed_bytes(body), hashlib.sha256).hexdigest()):
        raise CheckpointError(f"检查点签名无效 / checkpoint {path} is not signed with this key (forged or altered)")
    return chains


def chain_problems(session: Session) -> list[str]:
    """Chains deleted whole, or present without chain 0's record of their creation."""
    started: set[Any] = {d.get("chain") for d in session.exec(select(AuditEntry.detail).where(  # JSON
        AuditEntry.chain == SYSTEM_CHAIN, AuditEntry.action == CHAIN_STARTED)).all()}
    present = set(session.exec(select(AuditEntry.chain).where(AuditEntry.chain != SYSTEM_CHAIN).distinct()).all())
    return ([f"chain {c} (incident {c}) is gone: chain 0 records its creation" for c in sorted(started - present)]
            + [f"chain {c} has no creation record in chain 0" for c in sorted(present - started)])


def since_checkpoint(session: Session, checkpoint: list[Head]) -> list[str]:
    """What changed in the chains the checkpoint lists: deleted, truncated, rewritten."""
    now = heads(session)
    problems, compare = [], []
    for h in checkpoint:
        cur = now.get(h.chain)
        if cur is None:
            problems.append(f"chain {h.chain} deleted since the checkpoint (it had {h.seq} entries)")
        elif cur.seq < h.seq:
            problems.append(f"chain {h.chain} truncated since the checkpoint: {cur.seq} of {h.seq} entries left")
        else:
            compare.append(h)
    for i in range(0, len(compare), 500):
        part = compare[i:i + 500]
        stored = dict(((c, s), x) for c, s, x in session.exec(
            select(AuditEntry.chain, AuditEntry.seq, AuditEntry.hash)
            .where(tuple_(col(AuditEntry.chain), col(AuditEntry.seq)).in_([(h.chain, h.seq) for h in part]))).all())
        problems += [f"chain {h.chain} rewritten since the checkpoint: entry seq {h.seq} no longer has the signed hash"
                     for h in part if stored.get((h.chain, h.seq)) != h.hash]
    return problems
