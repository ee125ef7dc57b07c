"""End to end in a real Chromium: a two-department incident answered by both units' liaisons,
each for its own duty — one at a desk (1440×900), the other on a phone (390×844) — and the
incident answered only once both are (routing.duties; seed 000 三(五)1)."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from routing.local_time import BEIJING_NAME
from tests.dashboard.conftest import DEMO_PASSWORD, SCREENSHOTS, LiveServer, Watched, login, shot
from tests.support.factories import account

TWO = "高平市教育局和高平市公安局对校园欺凌事件互相推诿"
JYJ, GAJ = "高平市教育局", "高平市公安局"
COORD = {"Authorization": "Bearer demo-coordinator"}
HOSTILE = "<img src=x onerror=alert(1)>公安局已立案调查"


def variant(request: pytest.FixtureRequest) -> str:
    return request.node.callspec.params.get("database_url", "x")


def newest(server: LiveServer) -> int:
    return httpx.get(f"{server.url}/api/incidents", headers=COORD, timeout=30).json()[0]["id"]


def claim(page, unit: str) -> None:
    duty = page.locator(f".duty[data-unit='{unit}']")
    duty.locator("button[data-step=claim]").click()
    expect(page.locator("#duty-ok")).to_contain_text(f"{unit}已认领")
    expect(duty).to_have_attribute("data-state", "claimed")


def answer(page, unit: str, channel: str, text: str, *, claimed: bool = False) -> None:
    duty = page.locator(f".duty[data-unit='{unit}']")
    if not claimed:
        claim(page, unit)
    duty.locator("select[name=channel]").select_option(channel)
    duty.locator("textarea[name=text]").fill(text)
    duty.locator("form[data-form=duty-respond] button[type=submit]").click()
    expect(page.locator("#duty-ok")).to_contain_text(f"{unit}已回应")
    expect(duty).to_have_attribute("data-state", "met")


def test_two_departments_each_answer_their_own_duty(live_server: LiveServer, watched: Watched, browser: Browser,
                                                    request: pytest.FixtureRequest) -> None:
    account(live_server.settings, "liaison_jyj", "liaison", unit=JYJ)
    account(live_server.settings, "liaison_gaj", "liaison", unit=GAJ)
    live_server.post_item("e2e-two-1", TWO)
    incident_id = newest(live_server)

    page = watched.page  # the 公安局 liaison at his desk
    login(page, live_server.url, "liaison_gaj")
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    panel = page.locator("#duties-panel")
    expect(panel).to_be_visible()
    expect(panel.locator(".duty")).to_have_count(2)
    expect(panel.locator(f".duty[data-unit='{JYJ}'] .badge")).to_have_text("牵头")
    expect(panel.locator(f".duty[data-unit='{GAJ}'] .badge")).to_have_text("第一责任")
    expect(panel.locator(f".duty[data-unit='{JYJ}'] button")).to_have_count(0)  # not his unit's duty
    expect(panel.locator(f".duty[data-unit='{GAJ}'] .countdown")).to_contain_text("剩余")
    claim(page, GAJ)
    draft = panel.locator(f".duty[data-unit='{GAJ}'] textarea[name=text]")
    draft.fill("公安局正在核实")
    # meanwhile the coordinator records the agreed statement: the live push repaints the panel,
    # and what the liaison was typing survives it
    agreed = httpx.post(f"{live_server.url}/api/incidents/{incident_id}/statement", headers=COORD, timeout=30,
                        json={"text": "以教育局通报为准"})
    assert agreed.status_code == 201, agreed.text
    expect(panel.locator(".statement")).to_have_count(1)
    expect(draft).to_have_value("公安局正在核实")
    answer(page, GAJ, "政务新媒体", HOSTILE, claimed=True)
    expect(page.locator("#incident-status")).to_have_text("已认领")  # the other department still owes
    expect(panel.locator(f".duty[data-unit='{GAJ}'] .item-text")).to_contain_text(HOSTILE)  # text, not markup
    expect(panel.locator(f".duty[data-unit='{GAJ}'] .countdown")).to_have_attribute("data-level", "met")
    expect(panel.locator(f".duty[data-unit='{JYJ}']")).to_have_attribute("data-state", "open")
    shot(page, "duties-desktop-first-answer", request)

    phone = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport={"width": 390, "height": 844})
    try:
        mobile = phone.new_page()
        errors: list[str] = []
        mobile.on("pageerror", lambda exc: errors.append(str(exc)))
        login(mobile, live_server.url, "liaison_jyj", DEMO_PASSWORD)
        mobile.goto(f"{live_server.url}/incidents/{incident_id}")
        expect(mobile.locator(f".duty[data-unit='{GAJ}']")).to_have_attribute("data-state", "met")
        answer(mobile, JYJ, "政府网站", "教育局已约谈涉事学校，督促落实防治欺凌措施")
        expect(mobile.locator("#incident-status")).to_have_text("已回应")
        expect(mobile.locator(f".duty[data-unit='{JYJ}'] [data-role=outcome]")).to_contain_text("liaison_jyj")
        width = mobile.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
        shot(mobile, "duties-phone-both-answered", request)
        mobile.locator("#duties-panel").screenshot(path=str(SCREENSHOTS / f"duties-phone-panel-{variant(request)}.png"))
        assert errors == []
    finally:
        phone.close()

    page.reload()  # the desk sees both answers and the incident answered
    expect(page.locator("#incident-status")).to_have_text("已回应")
    expect(page.locator(".duty[data-state=met]")).to_have_count(2)
    shot(page, "duties-desktop-both-answered", request)
    assert watched.dialogs == [] and watched.errors == []
