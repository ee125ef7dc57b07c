"""The board's API on SQLite and PostgreSQL (issue 17 parts 3 and 4): full-text search over
items and incidents (partial text, a unit's short name or alias, a place), pages in the order
of the next breach with true totals, the export of the current filter, bulk 认领 and 转办 with
per-id outcomes, and the unit picker."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.conftest import COORD
from tests.incidents.helpers import ESTATE, FLOOD, FOOD, MISHAN, SCHOOL, SCJ, detail
from tests.support.factories import incident, login

CITY = "阳城县和泽州县多家餐馆被曝使用过期食材"  # above 高平市: its viewers never find it
INJECTED = "=HYPERLINK(\"http://x\")米山镇建宁乡垃圾堆放无人清运"


@pytest.fixture
def ids(client) -> dict[str, int]:
    texts = {"estate": ESTATE, "food": FOOD, "school": SCHOOL, "flood": FLOOD, "city": CITY}
    return {k: incident(client, str(n), t) for n, (k, t) in enumerate(texts.items())}


def board(client, headers=COORD, **params) -> dict:
    r = client.get("/api/board", params={"view": "all", **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def found(client, headers=COORD, **params) -> set[int]:
    return {i["id"] for i in board(client, headers, **params)["incidents"]}


def test_search_by_partial_text_short_name_alias_and_place(client, ids) -> None:
    assert found(client, q="油烟") == {ids["estate"]}  # a word inside a sentence
    assert found(client, q="烟扰") == {ids["estate"]}  # straddling two words: jieba would not cut it so
    assert found(client, q="饭菜变质") == {ids["school"]}
    assert found(client, q="凤凰小区") == {ids["estate"]}
    assert found(client, q="积水 幸福路") == {ids["flood"]}  # every term, in any order
    assert found(client, q="积水 油烟") == set()
    # units: full name, the org's alias, the short name, part of a name, a topic word of its function
    for typed in (SCJ, "市场监管局", "市场监督管理局", "监督管理", "食品"):
        assert ids["food"] in found(client, q=typed), typed
    assert found(client, q="市场监管局") == {ids["food"]}
    assert found(client, q="米山镇人民政府") == {ids["estate"]}
    assert found(client, q="不存在的说法") == set()
    # the city-level incident matches the words but is outside the coordinator's scope
    assert ids["city"] not in found(client, q="过期食材")
    assert ids["city"] in found(client, login(client, "admin"), q="过期食材")
    # a liaison finds only his unit's incidents, whatever he types
    mishan = login(client, "liaison_mishan")
    assert found(client, mishan, view="unclaimed", q="食材") == set()
    assert found(client, mishan, view="unclaimed", q="烧烤") == {ids["estate"]}


def test_unit_filter_takes_a_short_name_or_alias(client, ids) -> None:
    for typed in ("市场监管局", "市场监督管理局", SCJ):
        assert found(client, unit=typed) == {ids["food"]}, typed
    assert found(client, unit="米山镇人民政府") == {ids["estate"]}
    assert found(client, unit="没有这个单位") == set()
    # the plain list takes the same names
    listed = client.get("/api/incidents", params={"unit": "市场监管局"}, headers=COORD).json()
    assert [i["id"] for i in listed] == [ids["food"]]


def test_pages_have_true_totals_and_follow_the_next_breach(client, ids) -> None:
    first = board(client, limit=2)
    assert first["total"] == 4 and len(first["incidents"]) == 2  # 4 in scope, the fifth is the city's
    assert first["counts"] == {"unclaimed": 4, "mine": 0, "escalated": 0, "all": 4}
    rest = board(client, limit=2, offset=2)["incidents"] + board(client, limit=2, offset=4)["incidents"]
    order = [i["id"] for i in first["incidents"] + rest]
    assert sorted(order) == sorted(v for k, v in ids.items() if k != "city")
    due = [min(c["due_at"] for c in i["clocks"].values()) for i in first["incidents"] + rest]
    assert due == sorted(due)
    # the totals follow the filter and the search, not the page
    assert board(client, limit=1, q="镇")["total"] == 4
    assert board(client, limit=1, q="油烟")["total"] == 1
    liaison = board(client, login(client, "liaison_scj"), view="unclaimed", limit=1)
    assert liaison["total"] == 1 and "all" not in liaison["counts"]
    assert client.get("/api/board", params={"limit": 0}, headers=COORD).status_code == 422


def _claimed(settings, incident_id: int, hours_ago: float, by: str, unit: str) -> None:
    """A claim taken `hours_ago` (as if then): only the claim's lapse differs between these."""
    from service.core.db import session_scope
    from service.incidents.models import Incident

    with session_scope(settings.database_url) as session:
        row = session.get(Incident, incident_id)
        row.status, row.claimed_by, row.claimed_unit = "claimed", by, unit
        row.claimed_at = datetime.now(UTC) - timedelta(hours=hours_ago)
        session.add(row)
        session.commit()


def _response_due_in(settings, incident_id: int, hours: float) -> None:
    from sqlmodel import select

    from service.core.db import session_scope
    from service.incidents.models import Clock

    with session_scope(settings.database_url) as session:
        clock = session.exec(select(Clock).where(Clock.incident_id == incident_id, Clock.kind == "response")).one()
        clock.due_at = datetime.now(UTC) + timedelta(hours=hours)
        session.add(clock)
        session.commit()


def test_the_claims_lapse_orders_the_pages_not_only_within_a_page(client, ids, settings) -> None:
    # claim_timeout_hours 4: claims taken 3.5 h, 2.5 h and 1 h ago lapse in 0.5 h, 1.5 h and 3 h,
    # before any response clock (24 h / 48 h) but around the unclaimed school's, due in 2 h
    _claimed(settings, ids["food"], 1, "liaison_scj", SCJ)
    _claimed(settings, ids["estate"], 3.5, "liaison_mishan", MISHAN)
    _claimed(settings, ids["flood"], 2.5, "liaison_yechuan", "野川镇人民政府")
    _response_due_in(settings, ids["school"], 2)
    pages = [board(client, limit=2, offset=o)["incidents"] for o in (0, 2)]
    assert [[i["id"] for i in p] for p in pages] == [[ids["estate"], ids["flood"]], [ids["school"], ids["food"]]]
    rows = pages[0] + pages[1]
    assert ["claim" in i["clocks"] for i in rows] == [True, True, False, True]  # the board's 认领 column
    due = [min(datetime.fromisoformat(c["due_at"]) for c in i["clocks"].values()) for i in rows]
    assert due == sorted(due)
    # the export follows the same order; 最新在前 does not
    r = client.get("/api/board/export", params={"format": "csv", "view": "all"}, headers=COORD)
    exported = [int(row[0]) for row in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]]
    assert exported == [ids["estate"], ids["flood"], ids["school"], ids["food"]]
    newest = [i["id"] for i in board(client, limit=4, order="newest")["incidents"]]
    assert newest == sorted(newest, reverse=True)
    # once answered, the claim no longer counts: the food incident falls back to its own clocks
    scj = login(client, "liaison_scj")
    assert client.post(f"/api/incidents/{ids['food']}/respond", headers=scj,
                       json={"channel": "政府网站", "text": "已查处"}).status_code == 200
    assert [i["id"] for i in board(client, limit=4, status="claimed")["incidents"]] == [ids["estate"], ids["flood"]]


def test_export_is_the_current_filter_scoped_and_defused(client, ids) -> None:
    injected = incident(client, "x", INJECTED)
    r = client.get("/api/board/export", params={"format": "csv", "q": "镇"}, headers=COORD)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "等级", "主题", "状态"]
    exported = {int(row[0]): row for row in rows[1:]}
    assert set(exported) == {v for k, v in ids.items() if k != "city"} | {injected}
    assert exported[injected][4].startswith("'=HYPERLINK")  # a spreadsheet shows it as text
    assert exported[ids["food"]][6] == SCJ
    r = client.get("/api/board/export", params={"format": "xlsx", "unit": "市场监管局"}, headers=COORD)
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "编号" and [v[0] for v in values[1:]] == [ids["food"]]
    mishan = client.get("/api/board/export", params={"view": "unclaimed"}, headers=login(client, "liaison_mishan"))
    body = mishan.content.decode("utf-8-sig")
    assert {int(row[0]) for row in list(csv.reader(io.StringIO(body)))[1:]} == {ids["estate"], injected}


def test_bulk_claim_takes_each_incident_on_its_own(client, ids, settings) -> None:
    liaison = login(client, "liaison_mishan")
    r = client.post("/api/bulk/claim", json={"ids": [ids["estate"], ids["food"], 999999]}, headers=liaison)
    assert r.status_code == 200, r.text
    results = {o["id"]: o for o in r.json()["results"]}
    assert results[ids["estate"]]["ok"] and results[ids["estate"]]["state"] == "claimed"
    assert results[ids["food"]]["status"] == 404 and results[999999]["status"] == 404  # not his: not visible
    assert r.json()["done"] == 1 and r.json()["failed"] == 2
    assert detail(client, ids["estate"])["claim"]["by"] == "liaison_mishan"
    audit = [e["action"] for e in detail(client, ids["estate"])["audit"]]
    assert audit.count("incident.claimed") == 1
    again = client.post("/api/bulk/claim", json={"ids": [ids["estate"]]}, headers=liaison).json()
    assert again["results"][0]["status"] == 409  # already claimed
    assert client.post("/api/bulk/claim", json={"ids": [ids["estate"]]}, headers=COORD).status_code == 403
    assert client.post("/api/bulk/claim", json={"ids": []}, headers=liaison).status_code == 422


def test_bulk_transfer_with_co_units(client, ids) -> None:
    body = {"ids": [ids["flood"], ids["school"], ids["city"]], "units": [MISHAN],
            "co_units": ["高平市住房和城乡建设局"], "note": "统一由米山镇办理"}
    r = client.post("/api/bulk/transfer", json=body, headers=COORD)
    assert r.status_code == 200, r.text
    results = {o["id"]: o for o in r.json()["results"]}
    assert results[ids["flood"]]["ok"] and results[ids["school"]]["ok"]
    assert results[ids["city"]]["status"] == 404  # outside 高平市
    moved = detail(client, ids["flood"])["incident"]
    assert moved["first_responsible"] == [MISHAN] and moved["co_responsible"] == ["高平市住房和城乡建设局"]
    assert any(e["action"] == "incident.transferred" for e in detail(client, ids["school"])["audit"])
    bad = client.post("/api/bulk/transfer", json={**body, "units": ["市场监管局"]}, headers=COORD).json()
    assert bad["done"] == 0 and {o["status"] for o in bad["results"]} == {422, 404}  # a short name is not a unit


def test_unit_picker_finds_names_short_names_and_aliases(client) -> None:
    def names(q: str, headers=COORD) -> list[str]:
        r = client.get("/api/units", params={"q": q}, headers=headers)
        assert r.status_code == 200, r.text
        return [u["name"] for u in r.json()["units"]]

    assert names("市场监管局")[0] == SCJ  # the alias, the viewer's own region first
    assert names("市场监督管理局")[0] == SCJ
    assert SCJ in names("食品")
    assert names("米山")[0] == MISHAN
    assert all(n.startswith(("高平市", "中共高平市")) or "镇" in n or "办事处" in n or "乡" in n for n in names("局"))
    assert "山西省市场监督管理局" not in names("市场监管局")  # above the coordinator's region
    assert "山西省市场监督管理局" in names("市场监管局", login(client, "admin"))
    assert client.get("/api/units", params={"q": ""}, headers=COORD).status_code == 422
    assert client.get("/api/units", params={"q": "局"}).status_code == 401
