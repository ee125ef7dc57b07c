"""Items at the edge (issue 11 "Validate at the edge", issue 12 row 12): clocks from the far
past or future, counters beyond 2^53, text the columns cannot hold — each a 422 naming the
item and the field, in both languages, with nothing stored; the same bounds in the schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from service.core.db import session_scope
from service.core.inputs import MAX_INT
from service.incidents.models import Item
from service.main import create_app
from tests.conftest import INGEST, VIEWER

TEXT = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"


def stored(settings) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


def iso(at: datetime) -> str:
    return at.isoformat()


def later(minutes: float) -> str:
    return iso(datetime.now(UTC) + timedelta(minutes=minutes))


BAD = [
    ("received_at", "9999-12-31T23:59:59+08:00"),  # was OverflowError → 500 in routing/deadlines.py
    ("received_at", "0001-01-01T00:00:00+08:00"),
    ("received_at", "2999-01-01T00:00:00+08:00"),  # was stored: its clock never escalates
    ("received_at", "1970-01-01T00:00:00+08:00"),  # was stored: every rung fired at once
    ("received_at", "1999-12-31T23:59:59+08:00"),  # just before the floor (local midnight)
    ("received_at", 0),  # a number is not read as seconds since 1970
    ("signals", {"views": 10**30}),  # was 500
    ("signals", {"reposts": MAX_INT + 1}),
    ("signals", {"likes": -1}),
    ("signals", {"comments": 1.5}),
    ("title", "题" * 501),
    ("text", "字" * 20_001),
    ("text", "含有\x00的文字"),  # PostgreSQL text cannot hold NUL
    ("external_id", "x" * 129),  # item.external_id is VARCHAR(128)
    ("source", "s" * 65),  # item.source is VARCHAR(64)
    ("regions", ["镇" * 201]),
]


@pytest.mark.parametrize(("field", "value"), BAD, ids=[f"{f}-{str(v)[:24]}" for f, v in BAD])
def test_a_bad_value_in_a_batch_is_refused_naming_item_and_field(client, settings, field, value) -> None:
    batch = [{"external_id": "ok", "text": TEXT}, {"external_id": "bad", "text": TEXT, field: value}]
    r = client.post("/api/items", json=batch, headers=INGEST)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert "第1条" in err["zh"] and field in err["zh"] and "未保存" in err["zh"]
    assert "item 1" in err["en"] and field in err["en"] and "nothing was stored" in err["en"]
    assert any(d["field"].startswith(f"body.1.{field}") for d in err["details"])
    assert stored(settings) == 0


def test_the_bounds_themselves_are_accepted(client, settings) -> None:
    batch = [{"external_id": "max", "text": "字" * 20_000, "title": "题" * 500, "source": "s" * 64,
              "signals": {"views": MAX_INT, "reposts": 0}, "received_at": "2000-01-01T00:00:00+08:00"},
             {"external_id": "x" * 128, "text": TEXT, "received_at": later(5)}]
    r = client.post("/api/items", json=batch, headers=INGEST)
    assert r.status_code == 202, r.text
    assert stored(settings) == 2
    first = client.get(f"/api/items/{r.json()['items'][0]['id']}", headers=VIEWER).json()
    assert first["signals"]["views"] == MAX_INT and first["received_at"].startswith("1999-12-31T16:00:00")


def test_a_time_without_offset_is_shanghai_time(client) -> None:
    r = client.post("/api/items", json={"external_id": "n", "text": TEXT, "received_at": "2026-11-20T09:00:00"},
                    headers=INGEST)
    item = client.get(f"/api/items/{r.json()['items'][0]['id']}", headers=VIEWER).json()
    assert item["received_at"].startswith("2026-11-20T01:00:00")


def test_the_window_follows_the_settings(settings) -> None:
    narrow = settings.model_copy(update={"received_at_floor": date(2026, 1, 1), "received_at_ahead_minutes": 60})
    with TestClient(create_app(narrow)) as client:
        old = client.post("/api/items", json={"external_id": "o", "text": TEXT,
                                              "received_at": "2025-12-31T23:00:00+08:00"}, headers=INGEST)
        assert old.status_code == 422 and "2026-01-01" in old.json()["error"]["en"]
        soon = client.post("/api/items", json={"external_id": "s", "text": TEXT, "received_at": later(30)},
                           headers=INGEST)
        assert soon.status_code == 202, soon.text
        far = client.post("/api/items", json={"external_id": "f", "text": TEXT, "received_at": later(61)},
                          headers=INGEST)
        assert far.status_code == 422 and "60 minutes" in far.json()["error"]["en"]
    assert stored(settings) == 1


def test_the_default_margin_is_ten_minutes(client, settings) -> None:
    r = client.post("/api/items", json={"external_id": "f", "text": TEXT, "received_at": later(11)}, headers=INGEST)
    assert r.status_code == 422 and "10 minutes" in r.json()["error"]["en"] and "10 分钟" in r.json()["error"]["zh"]
    assert stored(settings) == 0


def test_the_bounds_are_in_the_openapi_schema(client) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    item, signals = schemas["ItemIn"]["properties"], schemas["Signals"]["properties"]
    for name in ("reposts", "comments", "likes", "views"):
        bound = next(s for s in signals[name]["anyOf"] if s.get("type") == "integer")
        assert (bound["minimum"], bound["maximum"]) == (0, MAX_INT)
    lengths = {k: next(s for s in item[k].get("anyOf", [item[k]]) if s.get("type") == "string")["maxLength"]
               for k in ("source", "external_id", "title", "text")}
    assert lengths == {"source": 64, "external_id": 128, "title": 500, "text": 20_000}
    assert "RECEIVED_AT_FLOOR" in item["received_at"]["description"] and "2000-01-01" in item["received_at"]["description"]
    assert schemas["ItemIn"]["additionalProperties"] is False and schemas["Signals"]["additionalProperties"] is False
