"""Item reads in the permission matrix (issue 12 row 1): an item is readable only by those who
see its incident (as GET /api/incidents/{id}); an item of no incident yet (pending, failed)
only by ingest, coordinators and the admin. A refusal is 404 and tells nothing: not the text,
not whether the id exists. SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.models import Item
from service.incidents.poison import set_aside
from service.items.schemas import ItemIn
from service.items.views import store
from tests.auth.test_permission_matrix import (
    ADMIN,
    ANON,
    COORDINATOR,
    ITEMS,
    LEADER,
    MISHAN,
    PEOPLE,
    REVIEWER,
    SCJ,
    TOKEN_COORD,
    TOKEN_VIEWER,
)
from tests.conftest import COORD, INGEST, VIEWER
from tests.support.factories import login

TOKEN_INGEST = "token:ingest"
PENDING, FAILED = "米山镇凤凰小区待处理的一条信息", "米山镇凤凰小区处理失败的一条信息"
# who reads which item: A (市场监管局), B (米山镇), C (another county), P pending, F failed
SEES = {SCJ: "A", MISHAN: "B", LEADER: "AB", COORDINATOR: "ABPF", REVIEWER: "AB", ADMIN: "ABCPF",
        TOKEN_VIEWER: "AB", TOKEN_COORD: "ABPF", TOKEN_INGEST: "PF", ANON: ""}
LISTS = {SCJ: 403, MISHAN: 403, LEADER: 403, REVIEWER: 403, TOKEN_VIEWER: 403, ANON: 401,
         COORDINATOR: 200, ADMIN: 200, TOKEN_COORD: 200, TOKEN_INGEST: 200}


def _items(client: TestClient, settings: Settings) -> dict[str, Item]:
    assert client.post("/api/items", json=ITEMS, headers=INGEST).status_code == 202
    with session_scope(settings.database_url) as s:
        ids = [r["id"] for r in store(s, [ItemIn(external_id="p", text=PENDING), ItemIn(external_id="f", text=FAILED)],
                                      utcnow())]
        set_aside(UnitOfWork(s, settings), ids[1], ValueError("broken on purpose"))
        rows = {i.external_id: i for i in s.exec(select(Item))}
    return {"A": rows["pm-a"], "B": rows["pm-b"], "C": rows["pm-c"], "P": rows["p"], "F": rows["f"]}


def _as(client: TestClient, who: str, cookies: dict[str, str]) -> dict[str, str]:
    client.cookies.clear()
    if who in PEOPLE:
        client.cookies.set("yuqing_session", cookies[who])
    return {TOKEN_VIEWER: VIEWER, TOKEN_COORD: COORD, TOKEN_INGEST: INGEST}.get(who, {})


def test_item_reads_follow_the_incident_and_leak_nothing(client: TestClient, settings: Settings) -> None:
    items = _items(client, settings)
    assert items["B"].incident_id and items["P"].status == "pending" and items["F"].status == "failed"
    cookies = {}
    for who in PEOPLE:
        login(client, who, keep_cookie=True)
        cookies[who] = client.cookies.get("yuqing_session")
    wrong = []
    for who, seen in SEES.items():
        headers = _as(client, who, cookies)
        for key, item in items.items():
            r = client.get(f"/api/items/{item.id}", headers=headers)
            expected = 200 if key in seen else 401 if who == ANON else 404
            if r.status_code != expected:
                wrong.append(f"{who} item {key}: expected {expected}, got {r.status_code}")
            elif expected == 404:  # the same answer as an id that does not exist
                missing = client.get("/api/items/999999", headers=headers)
                if r.json() != missing.json() or item.text in r.text:
                    wrong.append(f"{who} item {key}: the refusal tells something")
        r = client.get("/api/items", params={"status": "failed"}, headers=headers)
        if r.status_code != LISTS[who]:
            wrong.append(f"{who} list failed: expected {LISTS[who]}, got {r.status_code}")
    assert wrong == []


def test_processed_list_is_scoped_to_the_incidents_the_viewer_sees(client: TestClient, settings: Settings) -> None:
    items = _items(client, settings)
    cookies = {}
    for who in (COORDINATOR, ADMIN):
        login(client, who, keep_cookie=True)
        cookies[who] = client.cookies.get("yuqing_session")
    listed = lambda who: {i["id"] for i in client.get(  # noqa: E731
        "/api/items", params={"status": "processed"}, headers=_as(client, who, cookies)).json()["items"]}
    assert listed(COORDINATOR) == {items["A"].id, items["B"].id}  # not C: another county
    assert listed(ADMIN) == {items[k].id for k in "ABC"}
    assert listed(TOKEN_COORD) == {items["A"].id, items["B"].id}
    client.cookies.clear()
    assert client.get("/api/items", params={"status": "processed"}, headers=INGEST).status_code == 403
    pending = client.get("/api/items", params={"status": "pending"}, headers=INGEST).json()
    assert [i["id"] for i in pending["items"]] == [items["P"].id]
