"""A worker behind the queue takes bigger batches: with its job's items it takes the oldest
other pending ones (PostgreSQL), never an item another worker holds, and the jobs of items
taken early find nothing left to do."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from service.core.db import migrate, session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.ingest import process_items
from service.incidents.models import Item
from service.incidents.runtime import load_engine
from service.orgs.store import ensure_org

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
TEXTS = ["米山镇凤凰小区楼下烧烤店油烟扰民", "三甲镇翠竹小区停水三天", "河西镇金泰路坑洼不平出行困难",
         "神农镇幸福村低保评定不公平", "马村镇阳光小学周边辅导班乱收费", "陈区镇和平市场销售过期食品"]


def _pending(settings: Settings) -> list[int]:
    with session_scope(settings.database_url) as session:
        rows = [Item(source="t", external_id=str(n), text=text, received_at=T0 + timedelta(minutes=n), created_at=T0)
                for n, text in enumerate(TEXTS)]
        session.add_all(rows)
        session.commit()
        return [r.id for r in rows]


def _statuses(settings: Settings) -> dict[int, str]:
    with session_scope(settings.database_url) as session:
        return dict(session.exec(select(Item.id, Item.status)).all())


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_job_takes_other_pending_items_but_never_one_another_worker_holds(settings: Settings) -> None:
    migrate(settings.database_url)
    ensure_org(settings)
    ids = _pending(settings)
    held = threading.Event()
    release = threading.Event()

    def other_worker() -> None:  # holds the second oldest item, as a worker in the middle of its batch does
        with session_scope(settings.database_url) as session:
            session.exec(select(Item).where(Item.id == ids[1]).with_for_update()).one()
            held.set()
            release.wait(30)
            session.rollback()

    t = threading.Thread(target=other_worker)
    t.start()
    assert held.wait(30)
    try:
        with session_scope(settings.database_url) as session:
            process_items(UnitOfWork(session, settings), load_engine(settings, session), ids[:1], up_to=4)
        got = _statuses(settings)
        # its own item and the three oldest others but the held one, which is skipped; the newest is left
        assert [got[i] for i in ids] == ["processed", "pending", "processed", "processed", "processed", "pending"]
    finally:
        release.set()
        t.join()
    with session_scope(settings.database_url) as session:  # a later job of an item taken early: nothing to do
        assert process_items(UnitOfWork(session, settings), load_engine(settings, session), ids[2:3], up_to=4) == []
        process_items(UnitOfWork(session, settings), load_engine(settings, session), ids[1:2])  # no up_to: its own only
    got = _statuses(settings)
    assert [got[i] for i in ids] == ["processed"] * 5 + ["pending"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_embedded_processing_takes_only_the_items_given(settings: Settings) -> None:
    # SQLite processes inline, one writer at a time: there is no queue to catch up with
    migrate(settings.database_url)
    ensure_org(settings)
    ids = _pending(settings)
    with session_scope(settings.database_url) as session:
        process_items(UnitOfWork(session, settings), load_engine(settings, session), ids[:2], up_to=4)
    got = _statuses(settings)
    assert [got[i] for i in ids] == ["processed"] * 2 + ["pending"] * 4
