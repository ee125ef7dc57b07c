"""Ingest: validation, idempotency, permissions, and the inline (embedded) processing path."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from service.core.db import session_scope
from service.incidents.models import Item
from tests.conftest import INGEST, METRICS, VIEWER

FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材，多名食客腹泻"


def count_items(settings) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


def test_item_is_routed_inline_with_reasons(client, settings) -> None:
    r = client.post("/api/items", json={"external_id": "w-1", "text": FOOD, "received_at": "2026-11-20T09:00:00+08:00"},
                    headers=INGEST)
    assert r.status_code == 202
    item = client.get(f"/api/items/{r.json()['items'][0]['id']}", headers=VIEWER).json()
    assert item["status"] == "processed"
    detail = client.get(f"/api/incidents/{item['incident_id']}", headers=VIEWER).json()
    inc = detail["incident"]
    assert inc["topic"] == "食品药品监管"
    assert inc["first_responsible"] == ["高平市市场监督管理局"]
    assert inc["co_responsible"] == ["河西镇人民政府", "马村镇人民政府"]
    response = next(c for c in detail["clocks"] if c["kind"] == "response")
    assert response["due_at"].startswith("2026-11-22T01:00:00")  # 48 h after 09:00 +08:00, in UTC
    assert [a["action"] for a in detail["audit"]] == ["incident.created"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"external_id": "x"}, "text"),
        ({"external_id": "x", "text": ""}, "text"),
        ({"text": "某事"}, "external_id"),
        ({"external_id": "x", "text": "某事", "severity": "很严重"}, "severity"),
        ({"external_id": "x", "text": "某事", "kind": "other"}, "kind"),
        ({"external_id": "x", "text": "某事", "received_at": "yesterday"}, "received_at"),
        ({"external_id": "x", "text": "某事", "surprise": 1}, "surprise"),
    ],
)
def test_invalid_items_are_refused_in_both_languages(client, settings, payload, field) -> None:
    r = client.post("/api/items", json=payload, headers=INGEST)
    assert r.status_code == 422
    err = r.json()["error"]
    assert "未保存" in err["zh"] and "nothing was stored" in err["en"]
    assert any(field in d["field"] for d in err["details"])
    assert count_items(settings) == 0


def test_a_batch_with_one_bad_item_stores_nothing(client, settings) -> None:
    batch = [{"external_id": "1", "text": FOOD}, {"external_id": "2", "text": "某事", "regions": ["火星镇"]}]
    r = client.post("/api/items", json=batch, headers=INGEST)
    assert r.status_code == 422
    assert "火星镇" in r.json()["error"]["zh"]
    assert count_items(settings) == 0


def test_unknown_topic_override_is_refused(client) -> None:
    r = client.post("/api/items", json={"external_id": "1", "text": "某事", "topic": "航天"}, headers=INGEST)
    assert r.status_code == 422 and "航天" in r.json()["error"]["en"]


def test_ingest_is_idempotent_on_source_and_external_id(client, settings) -> None:
    first = client.post("/api/items", json=[{"external_id": "1", "text": FOOD}, {"external_id": "2", "text": FOOD,
                                             "source": "12345"}], headers=INGEST).json()["items"]
    again = client.post("/api/items", json=[{"external_id": "1", "text": "改过的文字"},
                                            {"external_id": "3", "text": FOOD}], headers=INGEST).json()["items"]
    assert [i["duplicate"] for i in first] == [False, False]
    assert again[0] == {**first[0], "duplicate": True}
    assert again[1]["duplicate"] is False
    assert count_items(settings) == 3


def test_duplicate_keys_within_a_batch_are_refused(client, settings) -> None:
    r = client.post("/api/items", json=[{"external_id": "1", "text": FOOD}] * 2, headers=INGEST)
    assert r.status_code == 422 and count_items(settings) == 0


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("post", "/api/items", {}, 401),
        ("post", "/api/items", {"Authorization": "Bearer wrong"}, 401),
        ("post", "/api/items", VIEWER, 403),
        ("get", "/api/incidents", {}, 401),
        ("get", "/api/incidents", INGEST, 403),
        ("post", "/api/incidents/1/severity", VIEWER, 403),
        ("post", "/api/incidents/1/items/1/split", INGEST, 403),
    ],
)
def test_every_route_checks_permission(client, method, path, headers, status) -> None:
    r = client.request(method.upper(), path, headers=headers, json={"external_id": "1", "text": FOOD})
    assert r.status_code == status
    assert r.json()["error"]["zh"] and r.json()["error"]["en"]


def test_user_text_is_stored_verbatim_and_served_as_json(client) -> None:
    evil = "<script>alert(1)</script>米山镇凤凰小区油烟扰民"
    item_id = client.post("/api/items", json={"external_id": "x", "text": evil}, headers=INGEST).json()["items"][0]["id"]
    r = client.get(f"/api/items/{item_id}", headers=VIEWER)
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["text"] == evil


def test_health_and_metrics(client) -> None:
    client.post("/api/items", json={"external_id": "1", "text": FOOD, "received_at": "2020-01-01T00:00:00+08:00"},
                headers=INGEST)
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    text = client.get("/metrics", headers=METRICS).text
    assert 'yuqing_open_incidents{clock_state="overdue"} 1.0' in text
    assert "yuqing_items_received_total" in text
