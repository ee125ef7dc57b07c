"""Real browser (Debian's Chromium) over the demo history after a sweep, at 1440×900 and 390×844:
the alert inbox never buries the work (a small fixed band, "查看全部 N 条", the board starting in
the top half of the desktop screen), bulk 确认 from the band and from the 提醒 page, the header's
unread count, the principal leader's 特别重大 alert, 办结 with a note and a confirmation, and the
大屏 ordered by next breach with its rate shown against its base. Screenshots are saved."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from routing.local_time import BEIJING_NAME
from service.escalation.sweep import sweep_once
from tests.dashboard.conftest import SCREENSHOTS, LiveServer, login

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
BAND_MAX = 140  # px: the band's fixed ceiling (inbox.css), whatever the number of alerts
ROLES = ("leader_gaoping", "coordinator_gaoping", "liaison_mishan")
MAJOR = "高平市米山镇化工厂爆炸起火，多人受伤，周边居民紧急疏散"


def major_incident(server: LiveServer) -> int:
    """The 特别重大 item's incident, once the pipeline has made it (bounded poll)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = httpx.get(f"{server.url}/api/incidents", params={"severity": "特别重大"},
                         headers={"Authorization": "Bearer demo-coordinator"}, timeout=30).json()
        if rows:
            return rows[0]["id"]
        time.sleep(0.2)
    raise AssertionError("the 特别重大 item made no incident")


pytestmark = pytest.mark.demo_history


@pytest.fixture
def demo(live_server: LiveServer, demo_history: dict) -> LiveServer:
    assert demo_history["incidents"] > 80, demo_history
    live_server.post_item("major-1", MAJOR, severity="特别重大")
    major_incident(live_server)
    assert sweep_once(live_server.settings)["failed"] == []  # (the embedded sweeper may have run too)
    return live_server


def open_page(browser: Browser, viewport: dict) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    yield page
    context.close()
    assert errors == []


def shot(page: Page, name: str, request: pytest.FixtureRequest) -> None:
    """What the person sees on opening the page (the first screen), per database variant."""
    variant = request.node.callspec.params.get("database_url", "x")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{variant}.png"), full_page=False)


def layout(page: Page) -> dict:
    return page.evaluate("""() => {
      const box = (s) => { const n = document.querySelector(s); if (!n || n.hidden) return null;
                           const r = n.getBoundingClientRect(); return {top: r.top, height: r.height, width: r.width}; };
      return {band: box('#alerts'), tabs: box('#tabs'), table: box('#incidents'),
              scrollWidth: document.scrollingElement.scrollWidth, innerWidth: innerWidth};
    }""")


def board(page: Page, base: str, username: str) -> None:
    login(page, base, username)
    page.wait_for_selector("#rows tr, #empty:not([hidden])")
    page.wait_for_selector("#alerts .inbox-more")  # every one of these roles has alerts after the sweep
    page.wait_for_function("document.getElementById('unread-count')?.textContent !== undefined")


def band_total(page: Page) -> int:
    return int(page.locator("#alerts .inbox-more").get_attribute("data-total"))


def test_the_inbox_on_the_demo_history(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    """One demo history per database (it takes a while to make), every check on it in turn."""
    desktop_boards(demo, browser, request)
    phone_pages(demo, browser, request)
    the_wall(demo, browser, request)
    closing_needs_a_note_and_a_tick(demo, browser, request)
    the_leaders_inbox(demo, browser, request)


def desktop_boards(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    for username in ROLES:
        for page in open_page(browser, DESKTOP):
            board(page, demo.url, username)
            box = layout(page)
            assert box["band"]["height"] <= BAND_MAX, box
            assert box["tabs"]["top"] < DESKTOP["height"] / 2 and box["table"]["top"] < DESKTOP["height"] / 2, box
            assert page.locator("#alerts .inbox-row").count() <= 3
            total = band_total(page)
            expect(page.locator("#alerts .inbox-more")).to_have_text(f"查看全部 {total} 条")
            # one row per incident: never two rows of one incident in the band
            ids = page.locator("#alerts .inbox-row").evaluate_all("rs => rs.map(r => r.dataset.incidentId)")
            assert len(ids) == len(set(ids)) > 0
            shot(page, f"inbox-board-{username}-desktop", request)


def phone_pages(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    for username in ROLES:
        for page in open_page(browser, PHONE):
            board(page, demo.url, username)
            box = layout(page)
            assert box["band"]["height"] <= BAND_MAX and box["band"]["width"] <= PHONE["width"], box
            assert box["tabs"]["top"] < PHONE["height"] / 2, box
            shot(page, f"inbox-board-{username}-phone", request)
            for path in ("/alerts", "/wall"):
                page.goto(demo.url + path)
                page.wait_for_selector("#inbox-status:not(:empty), #urgent li")
                page.wait_for_load_state("networkidle")
                width = page.evaluate("""() => [document.scrollingElement.scrollWidth, innerWidth,
                  [...document.querySelectorAll('body *')].filter(n => n.getBoundingClientRect().right > innerWidth + 1)
                    .slice(0, 5).map(n => n.tagName + '.' + n.className + ' ' + (n.textContent || '').slice(0, 30))]""")
                assert width[0] <= width[1], (path, width)
                shot(page, f"inbox-{path.strip('/')}-{username}-phone", request)


def the_leaders_inbox(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    """Bulk 确认 from the band and the 提醒 page; the 特别重大 incident tops his inbox."""
    for page in open_page(browser, DESKTOP):
        board(page, demo.url, "leader_gaoping")
        unread = int(page.locator("#unread-count").inner_text())
        assert unread == band_total(page) > 3  # the demo history after a sweep: far more than the band shows
        first = page.locator("#alerts .inbox-row").first  # the 特别重大 one tops the inbox (the highest rung)
        expect(first.locator(".inbox-tag")).to_have_text("特别重大 · 主要负责人牵头")
        major = first.get_attribute("data-incident-id")
        first.locator("button.inbox-ack").click()
        expect(page.locator("#unread-count")).to_have_text(str(unread - 1))
        page.click("#alerts .inbox-more")
        page.wait_for_url("**/alerts")
        page.wait_for_selector("#inbox-list li")
        assert page.locator("#inbox-list li").count() == unread
        # acknowledged by his name (not his username), and still in the inbox: its clock runs
        expect(page.locator(f'#history-rows tr[data-incident-id="{major}"]').first).to_contain_text("王领导")
        expect(page.locator(f'#inbox-list li[data-incident-id="{major}"]')).to_contain_text("已确认")
        page.locator("#inbox-list li input.pick:not(:disabled)").nth(0).check()
        page.locator("#inbox-list li input.pick:not(:disabled)").nth(1).check()
        page.click("#ack-selected")
        expect(page.locator("#inbox-ok")).to_contain_text("已确认")
        expect(page.locator("#unread-count")).to_have_text(str(unread - 3))
        shot(page, "inbox-alerts-page-leader", request)
        page.click("#ack-all")
        expect(page.locator("#unread-count")).to_have_text("")
        page.goto(demo.url + "/dashboard")
        page.wait_for_selector("#alerts .inbox-more")
        expect(page.locator("#alerts .inbox-unread")).to_have_text("未读 0")
        assert page.locator("#alerts button.inbox-ackall").count() == 0


def the_wall(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    for page in open_page(browser, DESKTOP):
        login(page, demo.url, "coordinator_gaoping")
        page.goto(demo.url + "/wall")
        page.wait_for_selector("#urgent li[data-due]")
        page.wait_for_selector("#ontime-base")
        dues = page.locator("#urgent li[data-due]").evaluate_all("ls => ls.map(l => Date.parse(l.dataset.due))")
        now = page.evaluate("Date.now()")
        ahead = [d for d in dues if d > now]
        assert ahead == sorted(ahead) and dues[: len(ahead)] == ahead  # next to breach first
        rate, base = page.locator("#ontime-rate").inner_text(), page.locator("#ontime-base").inner_text()
        assert ("%" in rate and "按时" in base and "应回应" in base) or (rate in ("样本不足", "—") and "满 5 件" in base)
        expect(page.locator("#ladder-base")).to_contain_text("未办结")
        shot(page, "inbox-wall-desktop", request)


def closing_needs_a_note_and_a_tick(demo: LiveServer, browser: Browser, request: pytest.FixtureRequest) -> None:
    for page in open_page(browser, DESKTOP):
        board(page, demo.url, "liaison_mishan")
        incident = page.evaluate("fetch('/api/incidents?view=mine&status=responded').then(r => r.json())"
                                 ".then(rows => rows[0].id)")
        page.goto(f"{demo.url}/incidents/{incident}")
        page.wait_for_selector("#close")
        expect(page.locator("#claimant")).to_contain_text("李联络")  # the 姓名, not liaison_mishan
        page.fill("#f-close-note", "已回应并跟进，群众满意")
        page.click("#close button[type=submit]")  # not ticked: the browser refuses the form
        expect(page.locator("#incident-status")).to_have_text("已回应")
        page.check("#f-close-confirm")
        page.click("#close button[type=submit]")
        expect(page.locator("#incident-status")).to_have_text("已办结")
        expect(page.locator("#timeline .act-incident-closed").first).to_contain_text("已回应并跟进")
        shot(page, "inbox-closed-with-note", request)
