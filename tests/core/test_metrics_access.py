"""Issue 12 row 10: /metrics answers only the scraper's bearer token (off without one) and a
scrape costs a few aggregate queries — not one row per open clock — reused for a while."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import event

from service.core.db import get_engine
from service.core.settings import Settings
from service.incidents import gauges as metrics
from service.main import create_app
from tests.conftest import INGEST, METRICS, METRICS_TOKEN

FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材"


def test_metrics_need_the_token_and_are_off_without_one(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"metrics_token": None}))) as off:
        r = off.get("/metrics", headers=METRICS)
        assert r.status_code == 404 and r.json()["error"]["zh"] and "yuqing_" not in r.text
    with TestClient(create_app(settings)) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN},
                        {"Authorization": "Bearer demo-coordinator"}):
            r = c.get("/metrics", headers=headers)
            assert r.status_code == 401 and "yuqing_" not in r.text, headers
        assert c.get("/metrics", headers=METRICS).status_code == 200


def test_a_scrape_is_a_few_aggregates_then_cached(settings: Settings, monkeypatch) -> None:
    statements: list[str] = []
    with TestClient(create_app(settings)) as c:
        items = [{"external_id": str(n), "text": f"{FOOD}第{n}次", "received_at": "2020-01-01T00:00:00+08:00"}
                 for n in range(40)]
        assert c.post("/api/items", json=items, headers=INGEST).status_code == 202
        engine = get_engine(settings.database_url)
        listen = lambda _c, _cur, sql, *_a: statements.append(sql)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listen)
        try:
            first = c.get("/metrics", headers=METRICS).text
            scraped = [s for s in statements if "clock" in s.lower() or "escalation_step" in s.lower()]
            assert len(scraped) == 3 and all("count(" in s.lower() for s in scraped), scraped
            assert 'yuqing_open_incidents{clock_state="overdue"}' in first
            statements.clear()
            assert c.get("/metrics", headers=METRICS).text == first  # within CACHE_SECONDS: no query
            assert not [s for s in statements if "clock" in s.lower()]
            monkeypatch.setattr(metrics, "CACHE_SECONDS", 0.0)
            c.get("/metrics", headers=METRICS)
            assert [s for s in statements if "clock" in s.lower()]
        finally:
            event.remove(engine, "before_cursor_execute", listen)
