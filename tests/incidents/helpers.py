"""Texts routed to known units, reading incidents back, and racing workflow steps; signing in and
making incidents are in tests/support/factories.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from tests.conftest import COORD

ESTATE = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"  # → 米山镇人民政府
FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材"  # → 高平市市场监督管理局, co: 河西镇/马村镇人民政府
SCHOOL = "三甲镇中心小学食堂饭菜变质，家长要求说法"  # → 三甲镇人民政府
FLOOD = "野川镇幸福路积水严重无人管"  # → 野川镇人民政府
MISHAN, SCJ = "米山镇人民政府", "高平市市场监督管理局"


def detail(client, incident_id: int, headers: dict = COORD) -> dict:
    r = client.get(f"/api/incidents/{incident_id}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def clocks(client, incident_id: int) -> dict[str, dict]:
    return {c["kind"]: c for c in detail(client, incident_id)["clocks"]}


def race(settings, viewers: Sequence, step: Callable) -> dict[str, object]:
    """Run `step(session, engine, viewer)` for every viewer at the same instant, each in its own
    session; {username: "done" or the refusal's HTTP status}."""
    from service.core.db import session_scope
    from service.core.errors import DomainError
    from service.incidents.runtime import load_engine

    start = threading.Barrier(len(viewers))
    outcomes: dict[str, object] = {}

    def run(viewer) -> None:
        with session_scope(settings.database_url) as session:
            engine = load_engine(settings, session)
            start.wait()
            try:
                step(session, engine, viewer)
                session.commit()
                outcomes[viewer.username] = "done"
            except DomainError as exc:
                session.rollback()
                outcomes[viewer.username] = exc.status

    threads = [threading.Thread(target=run, args=(v,)) for v in viewers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes
