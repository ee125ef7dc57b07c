"""Attachment files on disk (SQLite and PostgreSQL): a transaction that fails after writing its
files leaves none behind (a flush refused by the database, a session closed without commit, a
savepoint rolled back); a committed one keeps them; `prune` (the CLI `yuqing attachments prune`
and the sweep) removes old files no row names and keeps referenced, fresh and foreign ones."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import func, select

from service.attachments import service as att
from service.attachments.files import path_of, prune
from service.attachments.models import Attachment
from service.auth.rules import Principal, Role
from service.cli.main import main as cli
from service.core.db import session_scope
from service.core.errors import Invalid
from service.core.settings import Settings, get_settings
from service.escalation.sweep import sweep_once
from service.main import create_app
from tests.attachments import files
from tests.support.factories import item

SCJ = Principal(user_id=0, username="liaison_scj", role=Role.LIAISON, unit="高平市市场监督管理局")


@pytest.fixture
def on_disk(settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, Path, int]]:
    store = tmp_path / "attachments"
    s = settings.model_copy(update={"attachments_dir": str(store)})
    with TestClient(create_app(s)) as client:
        item_id = item(client, "f-1", "米山镇凤凰小区楼下烧烤店油烟扰民")["id"]
    yield s, store, item_id


def _stored(store: Path) -> set[str]:
    return {p.name for p in store.rglob("*") if p.is_file()}


def _save(session, settings: Settings, item_id: int, *, incident_id: int | None = None, n: int = 2) -> list[Attachment]:
    uploads = [att.Upload(f"截图{i}.png", files.png(i + 2, 2)) for i in range(n)]
    return att.save(session=session, settings=settings, viewer=SCJ, owner="item", owner_id=item_id,
                    incident_id=incident_id, uploads=uploads)


def _rows(settings: Settings) -> int:
    with session_scope(settings.database_url) as session:
        return session.exec(select(func.count()).select_from(Attachment)).one()


def test_a_failed_upload_transaction_leaves_no_file(on_disk) -> None:
    settings, store, item_id = on_disk
    # the database refuses the rows (no incident 999999): the files written for them go with them
    with session_scope(settings.database_url) as session:
        with pytest.raises(IntegrityError):
            _save(session, settings, item_id, incident_id=999999)
        session.rollback()
    assert _stored(store) == set() and _rows(settings) == 0
    # a step after the upload refuses (a domain error): the session ends without a commit
    with pytest.raises(Invalid), session_scope(settings.database_url) as session:
        written = [a.stored_name for a in _save(session, settings, item_id)]
        assert _stored(store) == set(written)  # on disk while the transaction runs
        raise Invalid("后续步骤失败", "a later step failed")
    assert _stored(store) == set() and _rows(settings) == 0
    # a savepoint rolled back takes its files; one committed keeps them until the outer commit
    with session_scope(settings.database_url) as session:
        with session.begin_nested() as savepoint:
            _save(session, settings, item_id, n=1)
            savepoint.rollback()
        assert _stored(store) == set()
        with session.begin_nested():
            kept = [a.stored_name for a in _save(session, settings, item_id, n=1)]
        session.commit()
    assert _stored(store) == set(kept) and _rows(settings) == 1
    # committed: the file is the row's, read back whole
    with session_scope(settings.database_url) as session:
        rows = _save(session, settings, item_id)
        session.commit()
        for a in rows:
            assert att.content(settings, a) == path_of(settings, a.stored_name).read_bytes()
    assert _stored(store) == set(kept) | {a.stored_name for a in rows} and _rows(settings) == 3
    assert not list(store.rglob("*.part"))


def _orphan(store: Path, name: str, age: timedelta, data: bytes = b"x") -> Path:
    path = store / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


def _aged(settings: Settings, name: str, age: timedelta) -> None:
    then = time.time() - age.total_seconds()
    os.utime(path_of(settings, name), (then, then))


def test_prune_removes_old_unreferenced_files_only(on_disk, monkeypatch, capsys, request) -> None:
    settings, store, item_id = on_disk
    with session_scope(settings.database_url) as session:
        referenced = [a.stored_name for a in _save(session, settings, item_id)]
        session.commit()
    for name in referenced:
        _aged(settings, name, timedelta(days=3))  # old but named by a row: kept
    old = _orphan(store, "ab" + "1" * 30, timedelta(hours=2))
    part = _orphan(store, "cd" + "2" * 30 + ".part", timedelta(hours=2))  # a write cut short
    fresh = _orphan(store, "ef" + "3" * 30, timedelta(minutes=20))  # its transaction may still run
    foreign = _orphan(store, "README", timedelta(days=30))  # not this store's naming: never touched
    misplaced = _orphan(store, "0123456789abcdef0123456789abcdef", timedelta(days=1))
    os.replace(misplaced, store / "ab" / misplaced.name)  # not under its own prefix: not ours either
    with session_scope(settings.database_url) as session:
        removed = prune(session, settings)
    assert sorted(removed) == sorted([old.name, part.name])
    assert not old.exists() and not part.exists()
    assert fresh.exists() and foreign.exists() and (store / "ab" / misplaced.name).exists()
    assert all(path_of(settings, n).exists() for n in referenced)
    # the CLI: the same, with its own age limit
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ATTACHMENTS_DIR", str(store))
    get_settings.cache_clear()
    request.addfinalizer(get_settings.cache_clear)
    assert cli(["attachments", "prune", "--older-than-minutes", "15"]) == 0
    assert "已删除 1 个" in capsys.readouterr().out and not fresh.exists()
    assert cli(["attachments", "prune", "--older-than-minutes", "5"]) == 2  # too young to be sure
    # the sweep: a phase of its own, at most once an hour per directory
    late = _orphan(store, "aa" + "4" * 30, timedelta(hours=3))
    now = datetime.now(UTC) + timedelta(days=400)  # past the hour of any earlier sweep of this directory
    assert sweep_once(settings, now)["attachments_pruned"] == 1 and not late.exists()
    again = _orphan(store, "bb" + "5" * 30, timedelta(hours=3))
    assert sweep_once(settings, now + timedelta(minutes=1))["attachments_pruned"] == 0 and again.exists()
    assert sweep_once(settings, now + timedelta(hours=1, minutes=1))["attachments_pruned"] == 1
    assert not again.exists() and all(path_of(settings, n).exists() for n in referenced)
    assert _rows(settings) == 2
