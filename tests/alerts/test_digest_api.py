"""/api/digests: who reads which digest, delivery status for coordinators, and the manual run
(coordinators for their region, the admin for all; CSRF like every cookie write)."""

from __future__ import annotations

from service.alerts.digest_service import run_digests
from tests.alerts.digest_fixtures import DAY, NOW, seed
from tests.conftest import VIEWER
from tests.support.factories import login


def audiences(rows: list[dict]) -> list[tuple[str, str]]:
    return sorted((r["audience_kind"], r["audience"]) for r in rows)


def ids(client, headers: dict) -> dict[str, int]:
    return {r["audience"]: r["id"] for r in client.get("/api/digests", headers=headers).json()}


def test_each_reader_sees_his_digests_and_others_are_hidden(client, settings) -> None:
    seed(settings)
    run_digests(settings, DAY, NOW)
    admin, coord = login(client, "admin"), login(client, "coordinator_gaoping")
    by_name = ids(client, admin)
    assert sorted(by_name) == ["泽州县", "米山镇", "高平市", "高平市市场监督管理局"]
    assert audiences(client.get("/api/digests", headers=login(client, "leader_gaoping")).json()) == [("region", "高平市")]
    mishan = login(client, "leader_mishan")
    assert audiences(client.get("/api/digests", headers=mishan).json()) == [("region", "米山镇")]
    assert audiences(client.get("/api/digests", headers=login(client, "leader_scj")).json()) == [
        ("unit", "高平市市场监督管理局")]
    assert audiences(client.get("/api/digests", headers=coord).json()) == [
        ("region", "米山镇"), ("region", "高平市"), ("unit", "高平市市场监督管理局")]  # not 泽州县
    assert audiences(client.get("/api/digests", headers=VIEWER).json()) == [("region", "高平市")]  # a leader token
    one = client.get(f"/api/digests/{by_name['米山镇']}", headers=mishan)
    assert one.status_code == 200 and one.json()["body"]["counts"]["due_today"] == 1
    assert one.json()["subject"] == "【舆情日报】米山镇 2026-11-25：重大事件1件，超时0项，今日到期1项"
    # a township leader does not see the county's digest; a county coordinator not another county's
    r = client.get(f"/api/digests/{by_name['高平市']}", headers=mishan)
    assert r.status_code == 404 and r.json()["error"] == {"zh": "没有这份摘要", "en": "no such digest"}
    assert client.get(f"/api/digests/{by_name['泽州县']}", headers=coord).status_code == 404
    assert client.get(f"/api/digests/{by_name['泽州县']}/deliveries", headers=coord).status_code == 404
    assert client.get(f"/api/digests/{by_name['泽州县']}/deliveries", headers=admin).json() == []
    assert client.get("/api/digests/999999", headers=admin).status_code == 404
    # delivery status is for coordinators and the admin
    assert client.get(f"/api/digests/{by_name['米山镇']}/deliveries", headers=mishan).status_code == 403
    for username in ("liaison_scj", "reviewer_gaoping"):
        r = client.get("/api/digests", headers=login(client, username))
        assert r.status_code == 403
        assert r.json()["error"]["en"] == "only leaders, coordinators and the admin may read digests"
    assert [r["day"] for r in client.get("/api/digests?day=2026-11-25", headers=admin).json()] == ["2026-11-25"] * 4
    assert client.get("/api/digests?day=2026-11-24", headers=admin).json() == []
    bad = client.get("/api/digests?day=25.11.2026", headers=admin)
    assert bad.status_code == 422 and "日期应为 YYYY-MM-DD" in bad.json()["error"]["zh"]
    assert "query.day" in bad.json()["error"]["en"] and "must be YYYY-MM-DD" in bad.json()["error"]["en"]


def test_run_builds_todays_digests_within_the_callers_region_once(client, settings) -> None:
    seed(settings)
    leader = login(client, "leader_gaoping")
    assert client.post("/api/digests/run", headers=leader).status_code == 403
    coord = login(client, "coordinator_gaoping")
    no_csrf = {"Cookie": coord["Cookie"]}
    r = client.post("/api/digests/run", headers=no_csrf)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["en"]
    assert client.get("/api/digests", headers=login(client, "admin")).json() == []  # nothing written
    r = client.post("/api/digests/run", headers=coord)
    assert r.status_code == 200, r.text
    assert audiences(r.json()["created"]) == [("region", "米山镇"), ("region", "高平市"), ("unit", "高平市市场监督管理局")]
    assert r.json()["deliveries"] == 0
    assert client.post("/api/digests/run", headers=coord).json()["created"] == []  # once a day
    admin = login(client, "admin")
    r = client.post("/api/digests/run", headers=admin)
    assert audiences(r.json()["created"]) == [("region", "泽州县")]  # the rest, outside 高平市
    assert client.post("/api/digests/run", headers=admin).json()["created"] == []
    days = {row["day"] for row in client.get("/api/digests", headers=admin).json()}
    assert days == {r.json()["day"]}


def test_routes_are_documented() -> None:
    from service.core.settings import Settings
    from service.main import create_app

    paths = create_app(Settings(_env_file=None)).openapi()["paths"]
    assert paths["/api/digests"]["get"]["summary"].startswith("领导每日摘要")
    assert paths["/api/digests/run"]["post"]["summary"].startswith("立即生成今日摘要")
    assert set(paths) >= {"/api/digests/{digest_id}", "/api/digests/{digest_id}/deliveries"}
