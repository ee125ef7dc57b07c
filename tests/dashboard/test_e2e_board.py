"""Real browser, desktop 1440×900 and phone 390×844, on the demo history after a sweep (issue
17 parts 2–4): each role's main task on the board and the incident page — the liaison claims
(one and in bulk) and responds from the phone's sticky bar, the coordinator searches by a
unit's alias and by part of a text, transfers in bulk with the unit picker and 配合单位,
exports the filter and transfers one by a short name, the leader reads the escalated tab
whose tags agree with its clocks, the reviewer and the administrator read theirs. No page
scrolls sideways; screenshots saved per role, viewport and database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from routing.local_time import BEIJING_NAME
from service.escalation.sweep import sweep_once
from tests.conftest import COORD
from tests.dashboard.conftest import SCREENSHOTS, LiveServer, login, submitted

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SCJ, MISHAN, ZHUJIAN = "高平市市场监督管理局", "米山镇人民政府", "高平市住房和城乡建设局"
FRESH = {  # today's work on top of the history (→ 市场监管局 twice, → 米山镇 once)
    "food": "北诗镇、寺庄镇多家超市销售过期奶粉，多名顾客投诉无人理会",
    "market": "陈区镇、建宁乡农贸市场摊贩销售注水肉，消费者举报后仍在售卖",
    "estate": "米山镇锦绣花园小区楼下烧烤店油烟扰民，多次反映无人处理",
}


pytestmark = pytest.mark.demo_history


@pytest.fixture
def history(live_server: LiveServer, demo_history: dict) -> dict[str, int]:
    assert demo_history["incidents"] > 80, demo_history
    ids = {}
    for key, text in FRESH.items():
        item = live_server.post_item(f"board-{key}", text)
        found = httpx.get(f"{live_server.url}/api/items/{item['id']}", headers=COORD, timeout=30).json()
        ids[key] = found["incident_id"]
        detail = httpx.get(f"{live_server.url}/api/incidents/{ids[key]}", headers=COORD, timeout=30).json()
        assert len(detail["items"]) == 1, f"{key} joined an incident of the history"
        assert detail["incident"]["first_responsible"] == [MISHAN if key == "estate" else SCJ], key
    sweep_once(live_server.settings)
    return ids


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def page(browser: Browser, viewport: str) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport=VIEWPORTS[viewport],
                                  accept_downloads=True)
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on("dialog", lambda d: (errors.append(d.message), d.dismiss()))
    p.set_default_timeout(15000)
    yield p
    context.close()
    assert errors == []


def snap(page: Page, name: str, request: pytest.FixtureRequest, viewport: str) -> None:
    """A screenshot, after checking that the page does not scroll sideways."""
    page.wait_for_timeout(0)
    wide = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], f"{name}: the page is {wide[0]} px wide on a {wide[1]} px screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    db = request.node.callspec.params.get("database_url", "x")
    page.screenshot(path=str(SCREENSHOTS / f"board-{name}-{viewport}-{db}.png"))


def row(page: Page, incident_id: int):
    return page.locator(f"#rows tr[data-incident-id='{incident_id}']")


def inside_screen(page: Page, selector: str) -> None:
    """`selector` is shown and lies within the screen's width (read in one go: rows are redrawn
    on every push)."""
    page.wait_for_function("""s => { const n = document.querySelector(s); if (!n) return false;
        const r = n.getBoundingClientRect();
        return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 0.5; }""", arg=selector)


def test_liaison_claims_one_and_in_bulk_then_responds(live_server: LiveServer, history: dict, page: Page,
                                                      viewport: str, request: pytest.FixtureRequest) -> None:
    login(page, live_server.url, "liaison_scj")
    expect(page.locator("#tabs [data-view=unclaimed]")).to_have_class("active")
    food, market = row(page, history["food"]), row(page, history["market"])
    expect(food.locator(".countdown[data-kind=response]")).to_contain_text("剩余")
    expect(row(page, history["estate"])).to_have_count(0)  # 米山镇's, not his
    food_css = f"#rows tr[data-incident-id='{history['food']}']"
    inside_screen(page, f"{food_css} button[data-action=claim]")
    inside_screen(page, f"{food_css} .countdown[data-kind=response]")
    snap(page, "liaison-board", request, viewport)
    food.locator("button[data-action=claim]").click()
    expect(food).to_have_count(0)  # gone from 待认领
    market.locator("input.pick").check()
    expect(page.locator("#bulk-count")).to_have_text("已选 1 件")
    page.click("#bulk-claim")
    expect(page.locator("#bulk-result")).to_contain_text("认领成功 1 件")
    expect(market).to_have_count(0)
    page.click("#tabs [data-view=mine]")
    expect(row(page, history["food"]).locator(".claimant")).to_contain_text("张联络")  # his name, never the username
    # a claim's own clock: it lapses unanswered after the policy's hours
    expect(row(page, history["food"]).locator(".countdown[data-kind=claim]")).to_contain_text("剩余")
    mine = int(page.locator("[data-count=mine]").inner_text())
    assert mine >= 2  # the two just claimed, and the history's
    expect(page.locator("#page-info")).to_contain_text(f"共 {mine} 件")
    snap(page, "liaison-mine", request, viewport)
    row(page, history["food"]).locator("[data-action=respond]").click()
    page.wait_for_url(f"**/incidents/{history['food']}*")
    if viewport == "phone":
        bar = page.locator("#action-bar")
        expect(bar).to_be_visible()
        expect(bar.locator("[data-bar=respond]")).to_be_visible()
        expect(bar.locator("[data-bar=return]")).to_be_visible()
        inside_screen(page, "#action-bar")
        bar.locator("[data-bar=respond]").click()
    else:
        expect(page.locator("#action-bar")).to_be_hidden()
    page.select_option("#f-respond-channel", "政府网站")
    page.fill("#f-respond-text", "经核查，涉事餐馆已停业整顿，监管部门将公布处理结果")
    snap(page, "liaison-respond", request, viewport)
    page.click("#respond button[type=submit]")
    submitted(page, "回应")
    expect(page.locator("#incident-status")).to_have_text("已回应")
    snap(page, "liaison-responded", request, viewport)


def test_coordinator_searches_transfers_in_bulk_and_exports(live_server: LiveServer, history: dict, page: Page,
                                                            viewport: str, request: pytest.FixtureRequest) -> None:
    login(page, live_server.url, "coordinator_gaoping")
    expect(page.locator("#tabs [data-view=all]")).to_have_class("active")
    total = httpx.get(f"{live_server.url}/api/board", params={"view": "all"}, headers=COORD, timeout=30).json()["total"]
    assert total > 50  # more than one page: the count is the server's, not the rows loaded
    expect(page.locator("#page-info")).to_contain_text(f"共 {total} 件")
    expect(page.locator("[data-count=all]")).to_have_text(str(total))
    expect(page.locator("#rows tr")).to_have_count(50)
    page.click("#next")
    expect(page.locator("#page-info")).to_contain_text("第 2 /")
    snap(page, "coordinator-board", request, viewport)
    # the alias of a unit, then part of a sentence
    page.fill("#filters input[name=q]", "市场监管局")
    page.click("#filters button[type=submit]")
    by_alias = httpx.get(f"{live_server.url}/api/board", params={"view": "all", "q": "市场监管局"}, headers=COORD,
                         timeout=30).json()
    assert by_alias["total"] >= 2
    expect(page.locator("#page-info")).to_contain_text(f"共 {by_alias['total']} 件")
    expect(row(page, history["food"])).to_have_count(1)
    expect(row(page, history["estate"])).to_have_count(0)
    page.fill("#filters input[name=q]", "注水")
    page.click("#filters button[type=submit]")
    expect(page.locator("#rows tr")).to_have_count(1)
    expect(row(page, history["market"])).to_have_count(1)
    # export what is shown
    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "编号" and [int(r[0]) for r in rows[1:]] == [history["market"]]
    snap(page, "coordinator-search", request, viewport)
    # bulk 转办 with the picker: 米山 → 米山镇人民政府, 住建 → 高平市住房和城乡建设局 as 配合单位
    page.fill("#filters input[name=q]", "")
    page.click("#filters button[type=reset]")
    page.click("#tabs [data-view=unclaimed]")
    for key in ("market", "estate"):
        row(page, history[key]).locator("input.pick").check()
    page.click("#bulk-transfer-open")
    pick(page, "#bulk-units", "米山", MISHAN)
    pick(page, "#bulk-co", "住建", ZHUJIAN)
    page.fill("#bulk-note", "统一由米山镇牵头核查")
    snap(page, "coordinator-bulk", request, viewport)
    page.click("#bulk-transfer button[type=submit]")
    expect(page.locator("#bulk-result")).to_contain_text("转办成功 2 件")
    moved = httpx.get(f"{live_server.url}/api/incidents/{history['market']}", headers=COORD, timeout=30).json()
    assert moved["incident"]["first_responsible"] == [MISHAN] and moved["incident"]["co_responsible"] == [ZHUJIAN]
    # one by a short name typed without choosing: the page resolves it to the full name
    page.goto(f"{live_server.url}/incidents/{history['estate']}")
    page.fill("#f-transfer-units", "市场监管局")
    page.fill("#f-transfer-note", "属食品安全，改由市场监管局办理")
    page.click("#transfer button[type=submit]")
    submitted(page, "转办")
    detail = httpx.get(f"{live_server.url}/api/incidents/{history['estate']}", headers=COORD, timeout=30).json()
    assert detail["incident"]["first_responsible"] == [SCJ]
    snap(page, "coordinator-incident", request, viewport)


def sign_out(page: Page, base: str) -> None:
    expect(page.locator("#logout")).to_be_enabled()
    page.click("#logout")
    page.wait_for_url(f"{base}/")
    expect(page.locator("#username")).to_be_visible()


def pick(page: Page, selector: str, typed: str, full: str) -> None:
    page.locator(selector).press_sequentially(typed)
    option = page.locator(f"{selector} + .unit-options li[data-unit='{full}']")
    expect(option).to_be_visible()
    inside_screen(page, f"{selector} + .unit-options li[data-unit='{full}']")
    option.dispatch_event("mousedown")
    expect(page.locator(selector)).to_have_value(full)


def test_leader_reviewer_and_admin_read_the_board(live_server: LiveServer, history: dict, page: Page,
                                                  viewport: str, request: pytest.FixtureRequest) -> None:
    login(page, live_server.url, "leader_gaoping")
    expect(page.locator("#tabs [data-view=escalated]")).to_have_class("active")
    expect(page.locator("#rows tr").first).to_be_visible()
    tags = page.locator("#rows .esc-tag")
    assert tags.count() > 0  # the sweep escalated the history's unanswered incidents
    for i in range(tags.count()):
        tag = tags.nth(i)
        kind = tag.get_attribute("data-kind")
        tr = tag.locator("xpath=ancestor::tr")
        # the tag's clock is open on the same row: never 已完成 beside 督办 for that clock
        expect(tr.locator(f".countdown[data-kind='{kind}']")).to_have_count(1)
        assert "已完成" not in tr.locator(f".countdown[data-kind='{kind}']").inner_text()
    expect(page.locator("#bulk-claim")).to_be_hidden()
    assert page.locator("input.pick").count() == 0  # a leader takes no bulk action
    snap(page, "leader-board", request, viewport)
    tags.first.locator("xpath=ancestor::tr").locator("a.ev-link").click()
    expect(page.locator("#summary")).to_be_visible()
    expect(page.locator("#action-bar")).to_be_hidden()  # nothing for him to claim, answer or return
    snap(page, "leader-incident", request, viewport)
    sign_out(page, live_server.url)
    login(page, live_server.url, "reviewer_gaoping")
    page.goto(f"{live_server.url}/review")
    expect(page.locator("#queue-rows tr").first).to_be_visible()
    snap(page, "reviewer-queue", request, viewport)
    sign_out(page, live_server.url)
    login(page, live_server.url, "admin")
    if viewport == "phone":  # the phone folds every filter but the search
        expect(page.locator("#filters input[name=unit]")).to_be_hidden()
        page.click("#more-filters")
    page.fill("#filters input[name=unit]", "米山镇")
    expect(page.locator("#filter-unit + .unit-options li").first).to_be_visible()  # the picker offers units
    page.press("#filters input[name=unit]", "Enter")  # no option chosen: the form is sent as typed
    expect(row(page, history["estate"])).to_have_count(1)
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"  # a workbook
    snap(page, "admin-board", request, viewport)
