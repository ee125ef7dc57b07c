"""Real browser in an en-US Chromium (desktop 1440×900 and phone 390×844): every date, date-time
and month field shows Chinese (年-月-日 / 年-月-日 时:分 / 年-月), not the browser's mm/dd/yyyy;
what is typed reaches the server as that day and time; a wrong entry is refused in Chinese
before anything is sent. Screenshots in test-artifacts/screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from routing.local_time import BEIJING, BEIJING_NAME
from tests.dashboard.conftest import LiveServer, Watched, login, shot
from tests.dashboard.test_e2e_review import panel_done
from tests.dashboard.test_e2e_workflow import FOOD, detail, newest

SIZES = {"desktop": {"viewport": {"width": 1440, "height": 900}},
         "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 2}}
COORD = {"Authorization": "Bearer demo-coordinator"}


@pytest.fixture(params=list(SIZES))
def english(browser: Browser, request: pytest.FixtureRequest) -> Iterator[tuple[Watched, str]]:
    """A browser whose own language is American English (its date inputs would say mm/dd/yyyy)."""
    context = browser.new_context(locale="en-US", timezone_id=BEIJING_NAME, **SIZES[request.param])
    page = context.new_page()
    w = Watched(page)
    page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(15000)
    yield w, request.param
    context.close()


def field(page: Page, selector: str) -> dict:
    return page.eval_on_selector(selector, """i => ({type: i.type, placeholder: i.placeholder, value: i.value,
        valid: i.checkValidity(), message: i.validationMessage, width: i.getBoundingClientRect().width})""")


def retype(page: Page, selector: str, text: str) -> None:
    page.fill(selector, "")
    page.type(selector, text)
    page.locator(selector).blur()  # change: written back as 年-月-日


def no_sideways_scroll(page: Page) -> None:
    """Nothing wider than the screen (a phone's browser would zoom out: innerWidth grows with it)."""
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth, screen.width]")
    assert width[0] <= min(width[1], width[2]), f"the page scrolls sideways: {width}"


def test_date_fields_are_chinese_in_an_english_browser(live_server: LiveServer, english: tuple[Watched, str],
                                                       request: pytest.FixtureRequest) -> None:
    w, size = english
    page = w.page
    assert page.evaluate("navigator.language") == "en-US"
    login(page, live_server.url, "leader_gaoping")

    # 统计报表: the period's two dates
    page.goto(f"{live_server.url}/reports")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    for sel in ("#f-from", "#f-to"):
        f = field(page, sel)
        assert (f["type"], f["placeholder"], f["valid"]) == ("text", "年-月-日", True), f
        assert len(f["value"]) == 10 and f["value"][4] == "-" and f["value"][7] == "-", f  # 2026-12-02
    page.fill("#f-from", "")
    assert field(page, "#f-from")["message"] == "请填写日期"
    shot(page, f"datefield-reports-empty-{size}", request)
    retype(page, "#f-from", "2026/2/30")
    f = field(page, "#f-from")
    assert not f["valid"] and f["message"] == "没有这一天：2026年2月30日"
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/reports/summary" in r.url else None)
    page.click("#report-filters button[type=submit]")  # the browser's own check stops it, in Chinese
    page.wait_for_timeout(300)
    assert asked == []
    retype(page, "#f-from", "2026/11/3")
    retype(page, "#f-to", "2026年11月30日")
    assert (field(page, "#f-from")["value"], field(page, "#f-to")["value"]) == ("2026-11-03", "2026-11-30")
    with page.expect_response(lambda r: "/api/reports/summary" in r.url) as answer:
        page.click("#report-filters button[type=submit]")
    assert "from=2026-11-03&to=2026-12-01" in answer.value.url  # the API's `to` is exclusive
    expect(page.locator("#report-scope")).to_contain_text("受理日期 2026-11-03 至 2026-11-30")
    shot(page, f"datefield-reports-{size}", request)
    no_sideways_scroll(page)

    # 月报: a month
    page.goto(f"{live_server.url}/reports/monthly?month=2026-10")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    f = field(page, "#f-month")
    assert (f["type"], f["placeholder"], f["value"], f["valid"]) == ("text", "年-月", "2026-10", True)
    retype(page, "#f-month", "2026.9")
    with page.expect_response(lambda r: "/api/reports/monthly?" in r.url) as answer:
        page.click("#monthly-filters button[type=submit]")
    assert "month=2026-09" in answer.value.url
    assert w.errors == [] and w.dialogs == []


def test_times_typed_reach_the_server_in_beijing_time(live_server: LiveServer, english: tuple[Watched, str],
                                                      request: pytest.FixtureRequest) -> None:
    w, size = english
    page = w.page
    # 舆情报送: the time found, 北京时间
    login(page, live_server.url, "liaison_scj")
    page.goto(f"{live_server.url}/report")
    expect(page.locator("#r-source option")).to_have_count(9)
    f = field(page, "#r-found")
    assert (f["type"], f["placeholder"], f["value"], f["valid"]) == ("text", "年-月-日 时:分", "", True)
    page.fill("#r-text", FOOD)
    retype(page, "#r-found", "2026-12-01 25:00")
    page.click("#r-submit")
    expect(page.locator("#r-error")).to_have_text("发现时间：时间须在 00:00 至 23:59 之间")
    found = (datetime.now(BEIJING) - timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0)
    retype(page, "#r-found", found.strftime("%Y%m%d%H%M"))  # a phone's number pad: digits only
    assert field(page, "#r-found")["value"] == found.strftime("%Y-%m-%d 09:30")
    shot(page, f"datefield-report-{size}", request)
    no_sideways_scroll(page)
    page.click("#r-submit")
    expect(page.locator("#r-result-text")).to_contain_text("已报送")
    item_id = int(page.locator("#r-result-text").inner_text().split("#")[1].split()[0])  # 信息 #N 已报送
    item = httpx.get(f"{live_server.url}/api/items/{item_id}", headers=COORD, timeout=30).json()
    assert datetime.fromisoformat(item["received_at"]) == found.astimezone(UTC)

    # 督办单: the time limit, the officer's wall time
    live_server.post_item("df-1", "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理")
    incident_id = newest(live_server)
    page.context.clear_cookies()  # signed out: the coordinator signs in
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(page.locator("#f-supervise-due")).to_be_attached()
    f = field(page, "#f-supervise-due")
    assert (f["type"], f["placeholder"], f["valid"], f["message"]) == ("text", "年-月-日 时:分", False, "请填写日期和时间")
    page.fill("#f-supervise-requirement", "请于限期内报送核查处置情况")
    retype(page, "#f-supervise-due", "2026-13-01 09:00")
    assert field(page, "#f-supervise-due")["message"] == "没有 13 月"
    page.click("#supervise button[type=submit]")
    expect(page.locator("#notices .notice")).to_have_count(0)  # refused in the browser: nothing sent
    due = (datetime.now(BEIJING) + timedelta(days=3)).replace(hour=17, minute=30, second=0, microsecond=0)
    retype(page, "#f-supervise-due", f"{due.year}-{due.month}-{due.day} 17:30")
    page.locator("#f-supervise-due").scroll_into_view_if_needed()
    shot(page, f"datefield-supervision-{size}", request)
    page.click("#supervise button[type=submit]")
    panel_done(page, "supervision", "下发督办单")
    stored = detail(live_server, incident_id)["clocks"][-1]["due_at"]
    assert datetime.fromisoformat(stored) == due
    assert w.errors == [] and w.dialogs == []
