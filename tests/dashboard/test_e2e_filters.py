"""Real browser: the coordinator's 全部 tab and its filters (kept in the address, so a reload
or a shared link shows the same list)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import LiveServer, Watched, login, shot
from tests.dashboard.test_e2e_workflow import COORD, FOOD


def test_coordinator_filters_all_incidents_by_severity_and_topic(live_server: LiveServer, watched: Watched,
                                                                 request: pytest.FixtureRequest) -> None:
    live_server.post_item("f-1", FOOD)
    # graded by hand: the filters are under test, not the severity signal (borderline here: p≈0.3)
    live_server.post_item("f-2", "米山镇凤凰小区供暖管道爆裂，数百户居民家中停暖，物业推诿", severity="一般")
    live_server.post_item("f-3", "神农镇中学发生食物中毒事件，三十余名学生送医，家长聚集", severity="重大")
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    rows = page.locator("#rows tr")
    expect(page.locator("#tab-all")).to_be_visible()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("重大")  # the 24 h clock is the most urgent: first
    shot(page, "dashboard-coordinator", request)

    page.select_option("#filters select[name=severity]", "重大")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("神农镇")
    assert "severity=%E9%87%8D%E5%A4%A7" in page.url  # 重大

    page.reload()
    expect(page.locator("#filters select[name=severity]")).to_have_value("重大")
    expect(rows).to_have_count(1)

    page.click("#filters button[type=reset]")
    expect(rows).to_have_count(3)
    page.fill("#filters input[name=topic]", "市政服务")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("米山镇")
    page.fill("#filters input[name=topic]", "")
    page.fill("#filters input[name=unit]", "高平市市场监督管理局")
    page.click("#filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("过期食材")
    assert not watched.errors, watched.errors


def test_rows_are_coloured_by_the_time_left_and_overdue_ones_say_by_how_much(
        live_server: LiveServer, watched: Watched, request: pytest.FixtureRequest) -> None:
    now = datetime.now(UTC)
    received = {  # 一般: 48 h to respond, counted from receipt
        "ok": ("米山镇凤凰小区供暖管道爆裂，数百户居民家中停暖", now - timedelta(hours=2)),
        "warn": ("三甲镇集贸市场占道经营严重，城管执法不作为", now - timedelta(hours=30)),
        "danger": ("河西镇多家餐馆被曝使用过期食材", now - timedelta(hours=44)),
        "overdue": ("野川镇农村危房改造补贴迟迟未发放，村民多次反映", now - timedelta(hours=51, minutes=12)),
    }
    ids = {}
    for level, (text, at) in received.items():
        live_server.post_item(f"c-{level}", text, received_at=at.isoformat(), severity="一般")
        ids[level] = httpx.get(f"{live_server.url}/api/incidents", headers=COORD, timeout=30).json()[0]["id"]
    assert len(set(ids.values())) == 4
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    for level, incident_id in ids.items():
        countdown = page.locator(f"#rows tr[data-incident-id='{incident_id}'] .countdown[data-kind=response]")
        expect(countdown).to_have_attribute("data-level", level)
    overdue = page.locator(f"#rows tr[data-incident-id='{ids['overdue']}'] .countdown[data-kind=response]")
    expect(overdue).to_contain_text("已超时 3小时1")  # 3 h 12 min, or 13 once a minute passes
    expect(page.locator("#rows tr").first).to_have_attribute("data-incident-id", str(ids["overdue"]))
    for incident_id in ids.values():  # no 要求核实处置 among them: no feedback clock
        expect(page.locator(f"#rows tr[data-incident-id='{incident_id}'] .countdown").nth(1)).to_have_text("—")

    # a verification request from above (要求核实处置): feedback due in 24 h, shown live
    live_server.post_item("c-verify", "市长信箱转办：北诗镇垃圾填埋场渗滤液外溢，请核实处置并反馈", kind="verification_request",
                          severity="一般")
    verify = httpx.get(f"{live_server.url}/api/incidents", headers=COORD, timeout=30).json()[0]["id"]
    feedback = page.locator(f"#rows tr[data-incident-id='{verify}'] .countdown[data-kind=feedback]")
    expect(feedback).to_contain_text("剩余 23小时")
    expect(feedback).to_have_attribute("data-level", "ok")
    shot(page, "dashboard-countdowns", request)
