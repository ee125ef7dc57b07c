"""Real browser (Debian's Chromium), desktop 1440×900 and phone 390×844: 舆情报送 with a
screenshot attached, the CSV import with its preview and per-row errors, and the 督办单 as a
document — 签收 (which claims the incident), answer, the A4 print view. Screenshots are saved
to test-artifacts/screenshots; no page scrolls sideways on the phone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from routing.local_time import BEIJING_NAME
from tests.attachments import files
from tests.dashboard.conftest import LiveServer, Watched, login, shot
from tests.dashboard.test_e2e_workflow import detail, newest

COORD = {"Authorization": "Bearer demo-coordinator"}
ESTATE = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"
FOOD = "河西镇、马村镇多家餐馆被曝使用过期食材<img src=x onerror=alert(1)>"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    w = Watched(page)
    page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(15000)
    yield w
    context.close()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: {width}"


def test_report_an_item_with_a_screenshot(live_server: LiveServer, watched: Watched, phone: Watched,
                                          request: pytest.FixtureRequest) -> None:
    for w, size in ((watched, "desktop"), (phone, "phone")):
        page = w.page
        login(page, live_server.url, "liaison_scj")
        page.goto(f"{live_server.url}/report")
        expect(page.locator("#r-source option")).to_have_count(9)
        page.select_option("#r-source", "weibo")
        page.fill("#r-link", "https://weibo.com/123/abc")
        page.fill("#r-title", f"多家餐馆被曝使用过期食材（{size}）")
        page.fill("#r-text", FOOD if size == "desktop" else FOOD + "，马村镇也有")
        picker = page.locator(".file-picker").filter(has=page.locator("#r-files"))
        expect(picker.locator(".file-button")).to_have_text("选择文件")  # drawn in Chinese, not the browser's words
        expect(picker.locator(".file-names")).to_have_text("未选择文件")
        page.set_input_files("#r-files", [{"name": "微博截图.png", "mimeType": "image/png", "buffer": files.png(40, 30)}])
        expect(picker.locator(".file-names")).to_have_text("微博截图.png")
        shot(page, f"report-form-{size}", request)
        no_sideways_scroll(page)
        page.click("#r-submit")
        expect(page.locator("#r-result")).to_be_visible()
        expect(page.locator("#r-result-text")).to_contain_text("已报送")
        expect(page.locator("#r-result-files li a")).to_have_text("微博截图.png")
        shot(page, f"report-done-{size}", request)
        no_sideways_scroll(page)
        assert w.dialogs == [] and w.errors == []

    incident_id = newest(live_server)
    page = watched.page
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    # the phone's report is the same matter: merged into the same incident, both files on it
    expect(page.locator("#attachment-list li")).to_have_count(2)
    link = page.locator("#attachment-list li a").first
    expect(link).to_have_text("微博截图.png")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "微博截图.png"
    expect(page.locator(".tl img")).to_have_count(0)  # the hostile text is text
    shot(page, "report-incident-attachments", request)
    items = detail(live_server, incident_id)["items"]
    assert any(i.get("text", "").startswith("河西镇、马村镇多家餐馆") for i in items)


def csv(rows: list[list[str]]) -> bytes:
    header = ["工单编号", "诉求标题", "诉求内容", "受理时间"]
    return "\n".join(",".join(r) for r in [header, *rows]).encode("gb18030")


GOOD = [["GD-1", "油烟扰民", ESTATE, "2026/12/1 9:05"], ["GD-2", "积水", "野川镇幸福路积水严重无人管", "2026/12/1 10:00"],
        ["GD-3", "食堂", "三甲镇中心小学食堂饭菜变质，家长要求说法", "2026/12/1 11:00"]]


def test_import_a_hotline_export(live_server: LiveServer, watched: Watched, phone: Watched,
                                 request: pytest.FixtureRequest) -> None:
    page = watched.page
    login(page, live_server.url, "reviewer_gaoping")
    page.goto(f"{live_server.url}/import")
    bad = [*GOOD, ["GD-4", "", "", "2026/12/1 12:00"]]
    page.set_input_files("#i-file", [{"name": "12345.csv", "mimeType": "text/csv", "buffer": csv(bad)}])
    page.click("#i-preview")
    expect(page.locator("#i-review")).to_be_visible()
    expect(page.locator("#i-map-external_id")).to_have_value("工单编号")
    expect(page.locator("#i-map-text")).to_have_value("诉求内容")
    expect(page.locator("#i-errors li")).to_have_text(["第5行「诉求内容」不能为空"])
    expect(page.locator("#i-commit")).to_be_disabled()
    shot(page, "import-errors-desktop", request)
    page.set_input_files("#i-file", [{"name": "12345.csv", "mimeType": "text/csv", "buffer": csv(GOOD)}])
    page.click("#i-preview")
    expect(page.locator("[data-role=new]")).to_have_text("新信息 3 条")
    expect(page.locator("#i-commit")).to_be_enabled()
    page.click("#i-commit")
    expect(page.locator("#i-result-text")).to_have_text("已导入 3 条新信息，已存在 0 条未重复导入（共 3 行）。")
    expect(page.locator("[data-role=duplicates]")).to_have_text("已存在 3 条")
    shot(page, "import-done-desktop", request)
    assert watched.errors == []

    mobile = phone.page
    login(mobile, live_server.url, "coordinator_gaoping")
    mobile.goto(f"{live_server.url}/import")
    mobile.set_input_files("#i-file", [{"name": "12345.csv", "mimeType": "text/csv", "buffer": csv(GOOD)}])
    mobile.click("#i-preview")
    expect(mobile.locator("[data-role=duplicates]")).to_have_text("已存在 3 条")
    mobile.click("#i-commit")
    expect(mobile.locator("#i-result-text")).to_contain_text("已导入 0 条新信息，已存在 3 条")
    shot(mobile, "import-phone", request)
    no_sideways_scroll(mobile)


def test_supervision_notice_signed_answered_and_printed(live_server: LiveServer, watched: Watched, phone: Watched,
                                                        request: pytest.FixtureRequest) -> None:
    live_server.post_item("sv-1", ESTATE)
    incident_id = newest(live_server)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    r = httpx.post(f"{live_server.url}/api/incidents/{incident_id}/supervision", headers=COORD, timeout=30,
                   json={"requirement": "请于两日内报送油烟整治情况<script>alert(1)</script>", "due_at": due})
    assert r.status_code == 201, r.text
    notice = r.json()
    assert notice["doc_no"].startswith("高政舆督〔") and notice["doc_no"].endswith("〕1号")

    page = watched.page
    login(page, live_server.url, "liaison_mishan")
    page.goto(f"{live_server.url}/incidents/{incident_id}")
    line = page.locator(f".doc-line[data-notice-id='{notice['id']}']")
    expect(line.locator("[data-role=doc-no]")).to_have_text(notice["doc_no"])
    expect(line.locator("[data-role=signed]")).to_have_text("待签收")
    expect(page.locator(f"#answer-{notice['id']}")).to_have_count(0)  # no answer before 签收
    expect(page.locator("#incident-status")).to_have_text("待认领")
    line.locator("[data-role=sign]").click()
    expect(page.locator("#supervision-ok")).to_contain_text("已签收")
    expect(page.locator("#incident-status")).to_have_text("已认领")  # 签收 took the incident on
    expect(line.locator("[data-role=signed]")).to_contain_text("已签收 米山镇人民政府")
    # the report chosen first, then the answer sent: the answer's repaint keeps the chosen file
    line.locator("input[type=file]").set_input_files(
        [{"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": files.PDF}])
    page.fill(f"#f-answer-{notice['id']}-answer", "已责令烧烤店安装油烟净化设备并整改到位。")
    page.click(f"#answer-{notice['id']} button[type=submit]")
    expect(page.locator(f".notice[data-notice-id='{notice['id']}'] [data-role=state]")).to_have_text("已反馈")
    page.wait_for_load_state("networkidle")  # the panels' reads after the answer have painted
    assert line.locator("input[type=file]").evaluate("input => input.files.length") == 1
    line.locator("button[type=submit]").click()
    expect(page.locator("#attachment-list li[data-owner=notice] a")).to_have_text("整改报告.pdf")
    shot(page, "supervision-signed-desktop", request)
    assert watched.errors == [] and watched.dialogs == []

    page.goto(f"{live_server.url}/supervision/{notice['id']}/print")
    expect(page.locator("#d-no")).to_have_text(notice["doc_no"])
    expect(page.locator("#d-requirement")).to_have_text("请于两日内报送油烟整治情况<script>alert(1)</script>")
    expect(page.locator("#d-signed")).to_contain_text("米山镇人民政府 liaison_mishan 于")
    expect(page.locator("#d-answer")).to_contain_text("已责令烧烤店安装油烟净化设备")
    expect(page.locator("#d-files")).to_have_text("1. 整改报告.pdf")
    shot(page, "supervision-print-desktop", request)
    page.emulate_media(media="print")
    expect(page.locator(".toolbar")).to_be_hidden()
    shot(page, "supervision-print-paper", request)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + \
        pdf.count(b"/Type/Page") <= 3  # one sheet (a few objects at most), not a runaway layout

    mobile = phone.page
    login(mobile, live_server.url, "coordinator_gaoping")
    mobile.goto(f"{live_server.url}/supervision/{notice['id']}/print")
    expect(mobile.locator("#d-no")).to_have_text(notice["doc_no"])
    shot(mobile, "supervision-print-phone", request)
    no_sideways_scroll(mobile)
    mobile.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(mobile.locator(f".doc-line[data-notice-id='{notice['id']}'] [data-role=doc-no]")).to_have_text(notice["doc_no"])
    shot(mobile, "supervision-incident-phone", request)
    no_sideways_scroll(mobile)


@pytest.mark.parametrize("path, button", [("/import", "#i-preview"), ("/report", "#report-form [type=submit]")])
def test_a_form_sent_before_the_page_is_ready_stays_on_the_page(live_server: LiveServer, watched: Watched,
                                                                path: str, button: str) -> None:
    """The page's handlers wait for the signed-in user; a press before then must not fall back
    to the browser's own GET submission (leaving the page, the fields in the address)."""
    page = watched.page
    login(page, live_server.url, "reviewer_gaoping")
    held = []
    page.route("**/api/auth/me", lambda route: held.append(route))  # the user's answer held back
    page.goto(f"{live_server.url}{path}")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert held, "the page asked who is signed in"
    page.click(button)
    page.wait_for_timeout(300)  # a native submission would have navigated by now
    assert page.url == f"{live_server.url}{path}"
    held.pop().continue_()
    expect(page.locator("header nav a").first).to_be_visible()  # the page goes on to load
