"""Real browser: the coordinator's forms — re-grade (re-times the clocks), merge, split back."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import LiveServer, Watched, login, shot, submitted
from tests.dashboard.test_e2e_workflow import COORD, FOOD, detail

HEATING = "米山镇凤凰小区供暖管道爆裂，数百户居民家中停暖，物业推诿"


def test_coordinator_regrades_merges_and_splits(live_server: LiveServer, watched: Watched,
                                                request: pytest.FixtureRequest) -> None:
    live_server.post_item("co-1", FOOD)
    live_server.post_item("co-2", HEATING)
    food, heating = sorted(i["id"] for i in httpx.get(f"{live_server.url}/api/incidents", headers=COORD).json())
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(f"{live_server.url}/incidents/{food}")
    response_clock = page.locator(".clock[data-kind=response] .countdown")
    expect(response_clock).to_contain_text("剩余 1天23小时")  # 一般: 48 h

    page.select_option("#f-severity-severity", "重大")
    page.fill("#f-severity-reason", "涉及学生群体，影响较大")
    page.click("#severity button[type=submit]")
    submitted(page, "调整等级")
    expect(page.locator("#summary .badge")).to_have_text("重大")
    expect(response_clock).to_contain_text("剩余 23小时")  # re-timed to 24 h from receipt

    page.fill("#f-merge-other", str(heating))
    page.click("#merge button[type=submit]")
    submitted(page, "合并事件")
    expect(page.locator("#timeline .tl.item")).to_have_count(2)
    expect(page.locator(".tl[data-action='incident.merged']")).to_contain_text("赵督办（市政府办）")
    assert detail(live_server, heating)["incident"]["status"] == "closed"
    page.goto(f"{live_server.url}/incidents/{heating}")
    expect(page.locator("#merged-note a")).to_have_attribute("href", f"/incidents/{food}")
    page.goto(f"{live_server.url}/incidents/{food}")
    shot(page, "incident-merged", request)

    heating_item = [i for i in detail(live_server, food)["items"] if "供暖" in i["text"]][0]["id"]
    page.click(f".tl.item[data-item-id='{heating_item}'] button.split")
    expect(page.locator("#action-ok")).to_contain_text("已拆分为事件 #")
    expect(page.locator("#timeline .tl.item")).to_have_count(1)
    assert not watched.errors and not watched.dialogs, (watched.errors, watched.dialogs)


def test_a_refused_step_shows_the_servers_reason(live_server: LiveServer, watched: Watched) -> None:
    live_server.post_item("co-3", FOOD)
    incident_id = httpx.get(f"{live_server.url}/api/incidents", headers=COORD).json()[0]["id"]
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    page.fill("#f-lead-unit", "不存在的单位")
    page.click("#lead button[type=submit]")
    expect(page.locator("#action-error")).to_contain_text("指定牵头失败")
    expect(page.locator("#action-error")).to_contain_text("不存在的单位")
    assert detail(live_server, incident_id)["incident"]["lead"] is None  # nothing half-written


def test_a_live_update_keeps_what_the_officer_is_typing(live_server: LiveServer, watched: Watched) -> None:
    live_server.post_item("co-4", FOOD)
    incident_id = httpx.get(f"{live_server.url}/api/incidents", headers=COORD).json()[0]["id"]
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    page.select_option("#f-severity-severity", "特别重大")
    page.fill("#f-transfer-note", "拟转办市教育局，待核实")

    with httpx.Client(base_url=live_server.url, timeout=30) as liaison:  # meanwhile, at another desk
        token = liaison.post("/api/auth/login", json={"username": "liaison_scj", "password": "demo12345"}).json()
        r = liaison.post(f"/api/incidents/{incident_id}/claim", headers={"X-CSRF-Token": token["csrf_token"]})
        assert r.status_code == 200, r.text

    expect(page.locator("#incident-status")).to_have_text("已认领")  # pushed
    expect(page.locator("#claimant")).to_have_text("张联络（市场监管局）")
    expect(page.locator("#f-transfer-note")).to_have_value("拟转办市教育局，待核实")
    expect(page.locator("#f-severity-severity")).to_have_value("特别重大")
