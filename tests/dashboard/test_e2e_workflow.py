"""End to end in a real Chromium: a liaison sees a new incident arrive live, claims and answers
it; a leader sees an escalation arrive; text from the internet stays text; the wallboard."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from dashboard.wallstats import day_start
from routing.local_time import BEIJING_NAME
from service.core.columns import utcnow
from service.escalation.sweep import sweep_once
from tests.dashboard.conftest import LiveServer, Watched, login, shot

FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材，群众担心食品安全"
COORD = {"Authorization": "Bearer demo-coordinator"}


def detail(server: LiveServer, incident_id: int) -> dict:
    r = httpx.get(f"{server.url}/api/incidents/{incident_id}", headers=COORD, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def newest(server: LiveServer) -> int:
    return httpx.get(f"{server.url}/api/incidents", headers=COORD, timeout=30).json()[0]["id"]


def wait_live(page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_liaison_sees_a_new_incident_live_claims_and_answers_it(live_server: LiveServer, watched: Watched,
                                                                request: pytest.FixtureRequest) -> None:
    page = watched.page
    login(page, live_server.url, "liaison_scj")
    expect(page.locator("#tabs [data-view=unclaimed]")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#tab-all")).to_be_hidden()  # 全部 is for coordinators and leaders
    wait_live(page)
    expect(page.locator("#empty")).to_be_visible()
    page.evaluate("window.__notReloaded = true")

    live_server.post_item("e2e-food-1", FOOD)
    incident_id = newest(live_server)
    row = page.locator(f"#rows tr[data-incident-id='{incident_id}']")
    expect(row).to_be_visible()  # pushed over the WebSocket: no reload
    assert page.evaluate("window.__notReloaded") is True
    expect(row).to_contain_text("食品药品监管")
    expect(row).to_contain_text("高平市市场监督管理局")
    expect(row).to_contain_text("待认领")
    expect(row.locator(".countdown[data-kind=response]")).to_have_attribute("data-level", "ok")
    expect(row.locator(".countdown[data-kind=response]")).to_contain_text("剩余 1天23小时")
    shot(page, "dashboard-liaison", request)

    row.locator("button[data-action=claim]").click()
    expect(row).to_have_count(0)  # no longer unclaimed
    page.click("#tabs [data-view=mine]")
    mine = page.locator(f"#rows tr[data-incident-id='{incident_id}']")
    expect(mine).to_contain_text("已认领")
    expect(mine.locator(".claimant")).to_have_text("张联络（市场监管局）")  # the 姓名, not the username
    mine.locator("[data-action=respond]").click()

    page.wait_for_url(f"{live_server.url}/incidents/{incident_id}#respond")
    expect(page.locator("#incident-status")).to_have_text("已认领")
    page.select_option("#f-respond-channel", "发布权威信息")
    page.fill("#f-respond-text", "经核查，涉事餐馆已停业整改，过期食材已全部封存销毁。")
    page.fill("#f-respond-link", "https://www.gaoping.gov.cn/zwgk/2026/1125.html")
    page.click("#respond button[type=submit]")
    expect(page.locator("#incident-status")).to_have_text("已回应")
    expect(page.locator("#action-ok")).to_contain_text("回应")
    responded = page.locator(".tl[data-action='incident.responded']")
    expect(responded).to_contain_text("发布权威信息")
    expect(responded).to_contain_text("张联络（市场监管局）")
    expect(responded.locator("a")).to_have_attribute("href", "https://www.gaoping.gov.cn/zwgk/2026/1125.html")
    expect(page.locator(".clock[data-kind=response] .countdown")).to_have_attribute("data-level", "met")
    expect(page.locator("form#follow-up")).to_be_visible()  # next step offered: 跟进发布
    expect(page.locator("#summary")).not_to_contain_text("null")
    expect(page.locator("#summary")).not_to_contain_text("undefined")
    shot(page, "incident-detail", request)

    # the server agrees: state, and both steps in the audit log under the liaison's name
    data = detail(live_server, incident_id)
    assert data["incident"]["status"] == "responded"
    steps = [(a["action"], a["actor"]) for a in data["audit"]]
    assert ("incident.claimed", "liaison_scj") in steps and ("incident.responded", "liaison_scj") in steps

    # then the follow-up with the investigation result, and close
    page.select_option("#f-follow-up-kind", "result")
    page.fill("#f-follow-up-text", "调查结果：两家餐馆被立案查处，罚款并吊销许可证。")
    page.click("#follow-up button[type=submit]")
    expect(page.locator(".tl[data-action='incident.followed_up']")).to_contain_text("发布调查结果")
    expect(page.locator(".clock[data-kind=followup_result] .countdown")).to_have_attribute("data-level", "met")
    page.fill("#f-close-note", "已回应并发布调查结果")
    page.check("#f-close-confirm")  # 办结 asks for a note and a deliberate tick
    page.click("#close button[type=submit]")
    expect(page.locator("#incident-status")).to_have_text("已办结")
    expect(page.locator("#actions form")).to_have_count(0)
    assert not watched.dialogs and not watched.errors, (watched.dialogs, watched.errors)


def test_another_units_liaison_neither_sees_nor_may_claim(live_server: LiveServer, watched: Watched) -> None:
    live_server.post_item("e2e-food-2", FOOD)
    incident_id = newest(live_server)
    page = watched.page
    login(page, live_server.url, "liaison_mishan")  # 米山镇: not assigned this incident
    wait_live(page)
    expect(page.locator("#empty")).to_be_visible()
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(page.locator("#detail-error")).to_contain_text("没有这个事件")
    expect(page.locator("#actions form")).to_have_count(0)


def test_leader_sees_an_escalation_arrive_and_acknowledges_it(live_server: LiveServer, watched: Watched,
                                                             request: pytest.FixtureRequest) -> None:
    live_server.post_item("e2e-food-3", FOOD)
    incident_id = newest(live_server)
    page = watched.page
    login(page, live_server.url, "leader_gaoping")
    expect(page.locator("#tabs [data-view=escalated]")).to_have_class(re.compile(r"\bactive\b"))
    wait_live(page)
    expect(page.locator("#empty")).to_be_visible()

    # 49 h later: the 48 h response clock is breached → 提醒 twice, then 催办
    fired = sweep_once(live_server.settings, now=utcnow() + timedelta(hours=49))
    assert fired["escalations"] >= 3
    row = page.locator(f"#rows tr[data-incident-id='{incident_id}']")
    expect(row).to_be_visible()  # pushed: the leader did not reload
    # the rung and the open clock it fired for (the incident's 回应, or a locality's own duty: issue 15)
    expect(row.locator(".esc-tag")).to_have_text(re.compile(r"^催办·(回应|属地回应（.+）)$"))
    expect(row).to_have_class(re.compile(r"\bescalated\b"))

    # the inbox band: one row for the incident, at its highest rung (催办, the clock past due)
    banner = page.locator(f"#alerts .inbox-row[data-incident-id='{incident_id}']")
    expect(banner).to_have_count(1)
    expect(banner.locator(".inbox-tag")).to_have_text("超时催办")
    expect(banner.locator(f"a[href='/incidents/{incident_id}']")).to_be_visible()
    shot(page, "dashboard-leader-alert", request)
    expect(banner.locator("button.inbox-ack")).to_have_text("确认")
    banner.locator("button.inbox-ack").click()
    expect(banner.locator(".inbox-read")).to_have_text("已确认")  # still there: the clock still runs
    mine = page.context.request.get(f"{live_server.url}/api/alerts").json()
    urge = [a for a in mine if a["incident_id"] == incident_id and a["step"] == "urge"]
    assert urge and all(a["acknowledged_by"] == "leader_gaoping" for a in urge)  # recorded, not only hidden
    shot(page, "dashboard-leader", request)

    row.locator("a.ev-link").click()  # the detail: the ladder on the clock and in the timeline
    expect(page.locator(".clock[data-kind=response] .esc-tag")).to_have_text(["提醒", "提醒", "催办"])
    urges = page.locator(".tl[data-action='escalation.urge']")  # the incident's 回应 and each locality's own duty
    expect(urges.filter(has_text="属地回应（马村镇人民政府）")).to_contain_text("高平市人民政府办公室")
    assert not [t for t in urges.all_inner_texts() if "duty:" in t]  # clocks by their names, no codes
    expect(page.locator("#no-actions")).to_be_visible()  # a leader reads and acknowledges, does not handle
    shot(page, "incident-escalated", request)
    assert not watched.dialogs and not watched.errors, (watched.dialogs, watched.errors)


def test_text_from_the_internet_is_shown_as_text(live_server: LiveServer, watched: Watched,
                                                 request: pytest.FixtureRequest) -> None:
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    live_server.post_item("e2e-xss", f"河西镇餐馆使用过期食材{payload}", title=f"标题{payload}")
    incident_id = newest(live_server)
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    row = page.locator(f"#rows tr[data-incident-id='{incident_id}']")
    expect(row.locator(".ev-summary")).to_contain_text(payload)  # the row's summary, as text
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(page.locator(".item-text").first).to_contain_text(payload)
    expect(page.locator(".item-title").first).to_have_text(f"标题{payload}")
    assert page.locator("img").count() == 0 and page.locator("#timeline script").count() == 0
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert watched.dialogs == []
    shot(page, "incident-xss", request)


def test_wallboard_counts_open_incidents_and_the_ladder(live_server: LiveServer, watched: Watched,
                                                        request: pytest.FixtureRequest) -> None:
    live_server.post_item("e2e-w1", FOOD)
    # graded by hand: the wall's counts are under test, not the severity signal (borderline here: p≈0.3)
    live_server.post_item("e2e-w2", "米山镇凤凰小区供暖管道爆裂，数百户居民家中停暖，物业推诿", severity="一般")
    live_server.post_item("e2e-w3", "神农镇中学发生食物中毒事件，三十余名学生送医，家长聚集", severity="重大")
    received = utcnow() - timedelta(hours=50)  # 一般, 48 h: overdue by 2 h in real time
    live_server.post_item("e2e-w0", "野川镇农村危房改造补贴迟迟未发放，村民多次反映", severity="一般",
                          received_at=received.isoformat())
    # 30 h on: 重大 (24 h) breached → 催办; the overdue one 24 h past breach → 督办
    sweep_once(live_server.settings, now=utcnow() + timedelta(hours=30))
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(f"{live_server.url}/wall")
    wait_live(page)
    counts = page.locator("#severity-counts")
    expect(counts.locator("[data-key=合计] .n")).to_have_text("4")
    expect(counts.locator("[data-key=重大] .n")).to_have_text("1")
    expect(counts.locator("[data-key=一般] .n")).to_have_text("3")
    expect(page.locator("#ladder [data-key=提醒] .n")).to_have_text("2")  # the fresh 一般 ones, past half of 48 h
    expect(page.locator("#ladder [data-key=催办] .n")).to_have_text("1")
    expect(page.locator("#ladder [data-key=督办] .n")).to_have_text("1")
    urgent = page.locator("#urgent li")
    expect(urgent).to_have_count(4)
    expect(urgent.nth(0)).to_contain_text("重大")  # next to breach first: the 24 h clock
    expect(urgent.nth(3).locator(".countdown")).to_have_attribute("data-level", "overdue")  # the breached one last
    expect(urgent.nth(3).locator(".countdown")).to_contain_text("已超时 2小时")
    expect(page.locator("#urgent-counts")).to_have_text("未超时 3 件 · 已超时 1 件")
    page.wait_for_timeout(1500)  # the countdowns' ticks repaint their own nodes, not the rows around them
    expect(urgent.nth(0)).to_contain_text("神农镇")
    expect(urgent.nth(0).locator(".badge")).to_have_text("重大")
    # today's on-time rate: the overdue clock fell due 2 h ago, unanswered — if that was today;
    # one clock is too few for a rate: its base is shown instead
    today = received + timedelta(hours=48) >= day_start(utcnow(), BEIJING_NAME)
    expect(page.locator("#ontime-rate")).to_have_text("样本不足" if today else "—")
    if today:
        expect(page.locator("#ontime-base")).to_contain_text("今日应回应 1 件")
    live_server.post_item("e2e-w4", "陈区镇养老院护工虐待老人视频流传")
    expect(counts.locator("[data-key=合计] .n")).to_have_text("5")  # live, no reload
    shot(page, "wall", request)
    assert not watched.dialogs and not watched.errors, (watched.dialogs, watched.errors)
