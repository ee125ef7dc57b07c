"""Spread signals through the API: stored, raising items and incidents, re-timing the clocks."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import func, select

from routing.local_time import BEIJING
from routing.orgfile import load_demo_org
from routing.policy import load_policy
from routing.taxonomy import load_taxonomy
from service.cli.triage import TriageInputError, parse_lines, triage_records
from service.core.db import MIGRATIONS, session_scope
from service.core.settings import Settings
from service.incidents.models import Incident, Item
from service.incidents.pipeline import Engine
from service.main import create_app
from tests.conftest import COORD, INGEST

ESTATE = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"
ESTATE_LATER = "米山镇凤凰小区烧烤店油烟还是很大，晚上根本没法开窗"
ESTATE_AGAIN = "米山镇凤凰小区楼下烧烤店油烟扰民，晚上油烟很大没法开窗"
NEIGHBOUR = "米山镇翠竹小区楼下烧烤店油烟扰民，多次反映无人处理"
# 7,000 engagement per item: below every per-item figure, 21,000 (> 20,000) for three items
WARM = {"reposts": 3000, "comments": 1000, "likes": 3000}


def item(ext: str, text: str, at: str, **extra) -> dict:
    return {"external_id": ext, "text": text, "received_at": at, **extra}


def post(client: TestClient, *items: dict) -> list[int]:
    r = client.post("/api/items", json=list(items), headers=INGEST)
    assert r.status_code == 202, r.text
    return [client.get(f"/api/items/{i['id']}", headers=COORD).json()["incident_id"] for i in r.json()["items"]]


def detail(client: TestClient, incident: int) -> dict:
    return client.get(f"/api/incidents/{incident}", headers=COORD).json()


def response_due(d: dict) -> str:
    return next(c for c in d["clocks"] if c["kind"] == "response")["due_at"]


def test_an_item_reposted_past_the_major_figure_is_major_with_a_24h_clock(client) -> None:
    hot, cold = post(client, item("1", ESTATE, "2026-06-01T10:00:00+08:00", signals={"reposts": 12000, "views": 5}),
                     item("2", NEIGHBOUR, "2026-06-01T10:00:00+08:00"))
    assert hot != cold
    d = detail(client, hot)
    assert d["incident"]["severity"] == "重大"
    assert response_due(d).startswith("2026-06-02T02:00")  # 24 h after 10:00 +08:00
    assert "传播态势：转发 12,000 次，超过重大阈值 5,000" in d["incident"]["reasons"]
    assert d["items"][0]["signals"] == {"reposts": 12000, "views": 5}
    assert "spread" in d["items"][0]["analysis"]["triggers"]
    c = detail(client, cold)  # the same words without the signals: 一般, 48 h
    assert c["incident"]["severity"] == "一般"
    assert response_due(c).startswith("2026-06-03T02:00")


@pytest.mark.parametrize("arrival", ["one by one", "one batch"])
def test_merged_items_raise_the_incident_and_retime_from_the_first_receipt(client, arrival) -> None:
    items = [item("1", ESTATE, "2026-06-01T10:00:00+08:00", signals=WARM),
             item("2", ESTATE_LATER, "2026-06-01T14:00:00+08:00", signals=WARM),
             item("3", ESTATE_AGAIN, "2026-06-01T20:00:00+08:00", signals=WARM)]
    if arrival == "one by one":
        first, second = post(client, items[0])[0], post(client, items[1])[0]
        d = detail(client, first)
        assert second == first and d["incident"]["severity"] == "一般"  # 14,000: not yet
        assert response_due(d).startswith("2026-06-03T02:00")
        incidents = [first, second, post(client, items[2])[0]]
    else:
        incidents = post(client, *items)
    assert len(set(incidents)) == 1
    d = detail(client, incidents[0])
    assert d["incident"]["severity"] == "重大"
    assert response_due(d).startswith("2026-06-02T02:00")  # 24 h from the FIRST receipt, not the third
    change = [a for a in d["audit"] if a["action"] == "incident.severity_changed"]
    assert len(change) == 1
    assert change[0]["detail"]["before"] == "一般" and change[0]["detail"]["after"] == "重大"
    assert "事件累计互动（转发、评论、点赞） 21,000 次，超过重大阈值 20,000" in change[0]["detail"]["why"]
    assert [i["analysis"]["severity"] for i in d["items"]] == ["一般"] * 3  # no item alone was major


def test_merged_items_climb_the_whole_ladder(tmp_path: Path, database_url) -> None:
    """Under a stricter policy: 2 items → 重大, 4 → 特别重大, each rise audited and re-timed."""
    policy = yaml.safe_load(resources.files("routing.data").joinpath("policy.yaml").read_text(encoding="utf-8"))
    policy["spread"] = {"thresholds": {"items": {"重大": 2, "特别重大": 4}}}
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")
    settings = Settings(database_url=database_url, demo=True, demo_force=True, redis_url=None, policy_file=str(path), _env_file=None)
    with TestClient(create_app(settings)) as client:
        texts = [ESTATE, ESTATE_LATER, ESTATE_AGAIN, ESTATE]
        incidents = [post(client, item(str(n), t, f"2026-06-0{n + 1}T10:00:00+08:00"))[0] for n, t in enumerate(texts)]
        assert len(set(incidents)) == 1
        d = detail(client, incidents[0])
    assert d["incident"]["severity"] == "特别重大"
    # especially major engages the principal leader of 本级 — for a township, the city (seed 001 四)
    assert d["incident"]["leader"] == "高平市人民政府主要负责人"
    assert response_due(d).startswith("2026-06-02T02:00")
    changes = [(a["detail"]["before"], a["detail"]["after"], a["detail"]["why"]) for a in d["audit"]
               if a["action"] == "incident.severity_changed"]
    assert changes == [("一般", "重大", "传播态势：合并信息 2 条，达到重大阈值 2"),
                       ("重大", "特别重大", "传播态势：合并信息 4 条，达到特别重大阈值 4")]


def count_items(settings) -> int:
    with session_scope(settings.database_url) as s:
        return s.exec(select(func.count()).select_from(Item)).one()


@pytest.mark.parametrize(
    "signals",
    [{"shares": 10}, {"reposts": -1}, {"reposts": "12"}, {"reposts": 1.5}, {"likes": True}, "lots", [1, 2]],
)
def test_invalid_signals_are_refused_and_nothing_is_stored(client, settings, signals) -> None:
    batch = [item("1", ESTATE, "2026-06-01T10:00:00+08:00"), item("2", ESTATE, "2026-06-01T10:00:00+08:00",
                                                                 signals=signals)]
    r = client.post("/api/items", json=batch, headers=INGEST)
    assert r.status_code == 422
    err = r.json()["error"]
    assert "未保存" in err["zh"] and "nothing was stored" in err["en"]
    assert any("signals" in d["field"] for d in err["details"])
    assert count_items(settings) == 0


def test_an_unknown_signal_is_named_in_both_languages(client) -> None:
    r = client.post("/api/items", json=item("1", ESTATE, "2026-06-01T10:00:00+08:00", signals={"shares": 10}),
                    headers=INGEST)
    problem = next(d["problem"] for d in r.json()["error"]["details"] if "signals" in d["field"])
    assert "未知的传播指标 shares" in problem and "unknown signal(s) shares" in problem


def test_tally_is_kept_on_the_incident_and_rebuilt_after_a_split(client, settings) -> None:
    first = post(client, item("1", ESTATE, "2026-06-01T10:00:00+08:00", signals={"reposts": 100}))[0]
    post(client, item("2", ESTATE_LATER, "2026-06-01T11:00:00+08:00", signals={"reposts": 300, "comments": 7}))
    with session_scope(settings.database_url) as s:
        tally = s.get(Incident, first).signature["spread"]
    assert (tally["items"], tally["peak"], tally["engagement"]) == (2, {"reposts": 300, "comments": 7}, 407)
    second = detail(client, first)["items"][1]["id"]
    assert client.post(f"/api/incidents/{first}/items/{second}/split", headers=COORD).status_code == 200
    with session_scope(settings.database_url) as s:
        tally = s.get(Incident, first).signature["spread"]
    assert (tally["items"], tally["peak"], tally["engagement"]) == (1, {"reposts": 100}, 100)


def test_triage_accepts_signals() -> None:
    engine = Engine.build(load_demo_org(), load_taxonomy(), load_policy())
    now = datetime(2026, 6, 1, 10, tzinfo=BEIJING)
    lines = [json.dumps({"id": "hot", "text": ESTATE, "signals": {"comments": 2500}}, ensure_ascii=False),
             json.dumps({"id": "cold", "text": NEIGHBOUR}, ensure_ascii=False)]
    out = {r["id"]: r for r in triage_records(engine, parse_lines(lines, now))}
    assert out["hot"]["severity"] == "重大" and out["cold"]["severity"] == "一般"
    assert "传播态势：评论 2,500 条，超过重大阈值 2,000" in out["hot"]["reasons"]
    with pytest.raises(TriageInputError, match="(?s)第1行.*未知的传播指标 shares"):
        parse_lines(['{"id": "x", "text": "某事", "signals": {"shares": 1}}'], now)


@pytest.mark.empty_database
def test_items_stored_before_the_signals_column_read_as_no_signals(database_url) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from service.core.db import get_engine, migrate

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection_url"] = database_url
    command.upgrade(cfg, "0001")
    with get_engine(database_url).begin() as conn:
        conn.execute(text(
            "INSERT INTO item (source, external_id, text, overrides, received_at, created_at, status, analysis) "
            "VALUES ('web', 'old-1', '旧信息', '{}', '2026-06-01 02:00:00', '2026-06-01 02:00:00', 'pending', '{}')"))
    migrate(database_url)
    with session_scope(database_url) as s:
        old = s.exec(select(Item).where(Item.external_id == "old-1")).one()
    assert old.signals == {}


def test_regions_count_places_not_their_parents(client) -> None:
    three, four = post(client, item("1", "高平市米山镇、河西镇、马村镇多家餐馆被曝使用过期食材", "2026-06-01T10:00:00+08:00"),
                       item("2", "米山镇、河西镇、马村镇、三甲镇多家超市被曝销售过期奶粉", "2026-06-01T10:00:00+08:00"))
    assert detail(client, three)["incident"]["severity"] == "一般"  # 高平市 contains the three towns
    d = detail(client, four)
    assert d["incident"]["severity"] == "重大"
    assert any("传播态势：涉及地区 4 个，达到重大阈值 4" in r for r in d["incident"]["reasons"])


def test_an_incident_stored_before_tallies_counts_from_its_signature_when_an_item_joins(client, settings) -> None:
    """A row written before spread tallies has no signature["spread"] (read by JSON path): the
    tally starts from the signature's size and regions."""
    first = post(client, item("1", ESTATE, "2026-06-01T10:00:00+08:00"))[0]
    with session_scope(settings.database_url) as s:
        row = s.get(Incident, first)
        regions = row.signature["regions"]
        row.signature = {k: v for k, v in row.signature.items() if k != "spread"} | {"size": 3}
        s.add(row)
        s.commit()
    assert post(client, item("2", ESTATE_LATER, "2026-06-01T11:00:00+08:00", signals={"reposts": 300}))[0] == first
    with session_scope(settings.database_url) as s:
        tally = s.get(Incident, first).signature["spread"]
    assert tally["items"] == 4 and set(regions) <= set(tally["regions"]) and tally["peak"] == {"reposts": 300}
