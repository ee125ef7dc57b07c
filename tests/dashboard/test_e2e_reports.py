"""Real browser: the reports page and the printable monthly report over the demo data
(service.reports.demo_data), as the leader of 高平市 and as a liaison; screenshots saved."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest
from playwright.sync_api import Page, expect

from routing.local_time import BEIJING
from service.reports.demo_data import seed_demo_data
from tests.dashboard.conftest import LiveServer, Watched, login, shot

SCJ = "高平市市场监督管理局"


def images_loaded(page: Page, selector: str) -> list[int]:
    """naturalWidth of each image once loaded (0 = broken)."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.getAttribute('src'))", arg=selector)
    return page.eval_on_selector_all(selector, "imgs => imgs.map(i => i.naturalWidth)")


pytestmark = pytest.mark.demo_history


@pytest.fixture
def demo(live_server: LiveServer, demo_history: dict) -> dict:
    made = demo_history
    assert made["incidents"] > 80 and made["responded"] > 50 and made["reviews"] > 10, made
    assert seed_demo_data(live_server.settings) == {"skipped": True}  # idempotent
    return made


def test_leader_sees_reports_and_the_monthly_report(live_server: LiveServer, demo: dict, watched: Watched,
                                                    request: pytest.FixtureRequest) -> None:
    page = watched.page
    login(page, live_server.url, "leader_gaoping")
    page.goto(f"{live_server.url}/reports")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    units = page.locator("#t-unit tbody tr")
    assert units.count() > 10
    expect(page.locator("#t-unit tr.total td.key")).to_have_text("合计")
    expect(page.locator("#t-unit thead th").nth(5)).to_have_text("按时回应率")
    assert page.locator("#t-week tbody tr").count() >= 5  # the default 30 days span 5 or 6 ISO weeks
    assert page.locator("#t-topic tbody tr").count() >= 5
    expect(page.locator("#kpis .kpi")).to_have_count(8)
    expect(page.locator("#kpis .kpi").last).to_contain_text("舆情回应得分")
    assert all(w > 0 for w in images_loaded(page, "img[id^=chart-]"))
    assert page.locator("img[id^=chart-]").count() == 3
    expect(page.locator("#report-scope")).to_contain_text("统计范围：高平市")
    received = int(page.locator("#t-unit tr.total td[data-col=received]").inner_text())
    assert received == page.evaluate("fetch('/api/reports/summary?' + new URL(location).searchParams)"
                                     ".then(r => r.json()).then(d => d.overall.received)")
    href = page.locator("#export-xlsx").get_attribute("href")
    cookie = {c["name"]: c["value"] for c in page.context.cookies()}
    xlsx = httpx.get(live_server.url + href, cookies=cookie, timeout=30)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"  # a zip: the workbook
    shot(page, "reports", request)

    month = datetime.now(BEIJING).strftime("%Y-%m")
    page.goto(f"{live_server.url}/reports/monthly?month={month}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    year, m = month.split("-")
    expect(page.locator("#m-title")).to_have_text(f"高平市政务舆情回应工作月报（{year}年{int(m)}月）")
    expect(page.locator("#m-summary")).to_contain_text(f"{year}年{int(m)}月，高平市共受理政务舆情事件")
    assert page.locator("#m-units tbody tr").count() > 5
    # 五、各单位职责: a row per unit and duty, the duty named in Chinese (issue 15)
    expect(page.locator("#m-duties thead")).to_contain_text("时限内待办")
    roles = page.locator("#m-duties tbody tr td:nth-child(2)").all_text_contents()
    assert roles and set(roles) <= {"第一责任", "牵头", "属地回应", "向同级党委报告"}, roles
    assert all(w > 0 for w in images_loaded(page, "img.m-chart"))
    shot(page, "monthly", request)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#print")).to_be_hidden()
    shot(page, "monthly-print", request)
    assert not watched.errors and not watched.dialogs, (watched.errors, watched.dialogs)


def test_a_liaison_sees_his_unit_only(live_server: LiveServer, demo: dict, watched: Watched,
                                      request: pytest.FixtureRequest) -> None:
    page = watched.page
    login(page, live_server.url, "liaison_scj")
    page.goto(f"{live_server.url}/reports")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    keys = page.locator("#t-unit tbody tr:not(.total) td.key").all_inner_texts()
    assert keys == [SCJ]
    page.fill("#f-region", "不存在县")
    page.click("#report-filters button[type=submit]")
    expect(page.locator("#report-error")).to_contain_text("组织架构中没有地区“不存在县”")
    shot(page, "reports-liaison", request)
    assert not watched.errors and not watched.dialogs, (watched.errors, watched.dialogs)
