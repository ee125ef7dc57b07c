"""Attachment files on disk (ATTACHMENTS_DIR/<2 hex>/<32 hex>): written before the commit, so a
committed row always has its file, and undone with the transaction that wrote them.

Each file is written under a `.part` name and moved into place; its name is then held by the
session's innermost transaction. When that transaction is rolled back (an error after the
upload, a refused step, a session closed without commit) its files are deleted; a savepoint that
commits hands them to its parent; the outermost commit makes them the rows'. What a crash between
write and commit leaves behind (and a `.part` of a write cut short) is found by `prune`: files
older than an hour that no attachment row names (`yuqing attachments prune`, and the sweep).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from service.attachments.models import Attachment
from service.core.db import session_scope
from service.core.settings import Settings

log = structlog.get_logger()
PRUNE_AGE = timedelta(hours=1)  # younger files may belong to a transaction still running
_NAME = re.compile(r"[0-9a-f]{32}(\.part)?")
_PENDING = "attachment_files"  # session.info: {transaction: [paths written in it]}
_COMMITTED = "attachment_files_committed"  # session.info: the transaction ending now was committed


def path_of(settings: Settings, stored_name: str) -> Path:
    assert settings.attachments_dir
    return Path(settings.attachments_dir) / stored_name[:2] / stored_name


def write(session: Session, settings: Settings, data: bytes) -> str:
    """Store `data` under a new random name (never the uploader's: no path tricks, no guessing),
    to be deleted again if the session's current transaction does not commit."""
    if session.get_transaction() is None:
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None
    stored = secrets.token_hex(16)
    path = path_of(settings, stored)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    session.info.setdefault(_PENDING, {}).setdefault(transaction, []).append(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return stored


def _remove(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # left for prune
            log.warning("attachments.unlink_failed", path=str(path), error=str(exc))


@event.listens_for(OrmSession, "after_commit")
def _committed(session: OrmSession) -> None:
    if session.info.get(_PENDING):
        session.info[_COMMITTED] = True


@event.listens_for(OrmSession, "after_transaction_end")
def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    pending: dict[SessionTransaction, list[Path]] | None = session.info.get(_PENDING)
    if not pending:
        return
    committed = session.info.pop(_COMMITTED, False)
    paths = pending.pop(transaction, None)
    if not paths:
        return
    if not committed:
        _remove(paths)  # the rows naming them are gone with the transaction
    elif transaction.parent is not None:
        pending.setdefault(transaction.parent, []).extend(paths)  # a savepoint: not durable yet


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for sub in os.scandir(root):
        if not (sub.is_dir(follow_symlinks=False) and re.fullmatch(r"[0-9a-f]{2}", sub.name)):
            continue
        for entry in os.scandir(sub.path):
            if entry.is_file(follow_symlinks=False) and _NAME.fullmatch(entry.name) and entry.name[:2] == sub.name:
                yield Path(entry.path)


def prune(session: Session, settings: Settings, *, now: datetime | None = None,
          older_than: timedelta = PRUNE_AGE) -> list[str]:
    """Delete the files under ATTACHMENTS_DIR older than `older_than` that no attachment row names
    (and `.part` files as old); returns their names. Files of this store's naming only: nothing
    else in the directory is touched."""
    if not settings.attachments_dir:
        return []
    cutoff = (now or datetime.now(UTC)).timestamp() - older_than.total_seconds()
    old = [p for p in _files(Path(settings.attachments_dir)) if _mtime(p) < cutoff]
    removed: list[str] = []
    for start in range(0, len(old), 500):
        chunk = old[start:start + 500]
        names = [p.name for p in chunk if not p.name.endswith(".part")]
        kept = set(session.exec(select(Attachment.stored_name).where(col(Attachment.stored_name).in_(names))).all())
        orphans = [p for p in chunk if p.name not in kept]
        _remove(orphans)
        removed += [p.name for p in orphans]
    if removed:
        log.info("attachments.pruned", count=len(removed))
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")  # gone meanwhile: nothing to do


def prune_all(settings: Settings, **kw: Any) -> list[str]:
    """`prune` in a session of its own (the CLI and the sweep)."""
    with session_scope(settings.database_url) as session:
        return prune(session, settings, **kw)
