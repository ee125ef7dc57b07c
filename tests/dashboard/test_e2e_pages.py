"""The page shells: security headers, login and its refusals, the countdown rules (run in
the browser, where they run for real)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import LiveServer, Watched, login, shot


def test_pages_carry_a_strict_csp_and_no_inline_script(live_server: LiveServer) -> None:
    for path in ("/", "/dashboard", "/incidents/1", "/wall"):
        r = httpx.get(live_server.url + path)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", r.text, flags=re.S)
        assert scripts and all(body.strip() == "" for body in scripts), "inline script in " + path
        assert "<html lang=\"zh-CN\">" in r.text
    js = httpx.get(live_server.url + "/static/countdown.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert httpx.get(live_server.url + "/static/../service/core/settings.py").status_code == 404


def test_login_refuses_a_wrong_password_then_admits_and_logs_out(live_server: LiveServer, watched: Watched,
                                                                 request: pytest.FixtureRequest) -> None:
    page = watched.page
    page.goto(live_server.url + "/")
    shot(page, "login", request)
    page.fill("#username", "liaison_scj")
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "错误" in page.inner_text("#login-error")
    assert page.url.rstrip("/") == live_server.url

    login(page, live_server.url, "liaison_scj")
    page.wait_for_selector("#who:has-text('联络人')")
    page.click("#logout")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + "/dashboard")  # signed out: sent back to log in
    page.wait_for_url(re.compile(r".*/\?next=%2Fdashboard"))
    assert not watched.errors, watched.errors


def test_countdown_colours_follow_the_share_of_time_left(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server.url + "/")  # any page of ours: the module is imported from the same origin
    start = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    due = start + timedelta(hours=10)

    def state(now: datetime, met: datetime | None = None) -> dict:
        return page.evaluate(
            """async ([start, due, now, met]) => {
                 const m = await import('/static/countdown.js');
                 return m.deadlineState({started_at: start, due_at: due, met_at: met}, Date.parse(now));
               }""", [start.isoformat(), due.isoformat(), now.isoformat(), met.isoformat() if met else None])

    assert state(start + timedelta(hours=4)) == {"level": "ok", "text": "剩余 6小时0分"}  # 60 % left
    assert state(start + timedelta(hours=6))["level"] == "warn"  # 40 %
    assert state(start + timedelta(hours=8, minutes=30))["level"] == "danger"  # 15 %
    assert state(start + timedelta(hours=9, minutes=59, seconds=55)) == {"level": "danger", "text": "剩余 0分05秒"}
    assert state(due + timedelta(hours=3, minutes=12, seconds=40)) == {"level": "overdue", "text": "已超时 3小时12分"}
    assert state(due + timedelta(days=2, hours=1)) == {"level": "overdue", "text": "已超时 2天1小时"}
    assert state(due + timedelta(hours=5), met=start + timedelta(hours=2))["level"] == "met"
    assert state(due + timedelta(hours=5), met=due + timedelta(hours=1))["level"] == "met-late"


def test_login_returns_to_the_page_asked_for_but_never_off_site(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    page.goto(live_server.url + "/wall")
    page.wait_for_url(re.compile(r".*/\?next=%2Fwall$"))
    page.fill("#username", "leader_gaoping")
    page.fill("#password", "demo12345")
    page.click("#login-submit")
    page.wait_for_url(live_server.url + "/wall")
    page.click("#logout")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/?next=//evil.example/phish")
    page.fill("#username", "leader_gaoping")
    page.fill("#password", "demo12345")
    page.click("#login-submit")
    page.wait_for_url(live_server.url + "/dashboard")


def test_a_session_ended_elsewhere_sends_the_page_back_to_login(live_server: LiveServer, watched: Watched) -> None:
    page = watched.page
    with page.expect_response(lambda r: "/api/dashboard/snapshot" in r.url):
        login(page, live_server.url, "liaison_scj")
    page.wait_for_load_state("networkidle")  # the reads that follow the snapshot are done too
    expect(page.locator("#empty")).to_be_visible()
    api = page.context.request  # shares the page's cookies: like a second tab
    token = api.get(live_server.url + "/api/auth/me").json()["csrf_token"]
    assert api.post(live_server.url + "/api/auth/logout").status == 403  # no CSRF header: refused
    assert api.post(live_server.url + "/api/auth/logout", headers={"X-CSRF-Token": token}).ok
    # the sign-out closes this page's live socket at once (code 4401): back to login unasked
    page.wait_for_url(re.compile(r".*/\?next=%2Fdashboard"))


NAV_OF = {  # what each role's header offers, on every page alike (common.js NAV over GRANTS)
    "liaison_scj": ["工作台", "回应评估", "舆情报送", "统计报表", "联络登记与问责", "大屏", "提醒"],
    "leader_gaoping": ["工作台", "回应评估", "统计报表", "联络登记与问责", "大屏", "提醒"],
    "coordinator_gaoping": ["工作台", "回应评估", "舆情报送", "导入", "统计报表", "联络登记与问责", "大屏", "提醒"],
}


@pytest.mark.parametrize("user", sorted(NAV_OF))
def test_every_page_has_the_same_navigation_for_a_role(live_server: LiveServer, watched: Watched, user: str) -> None:
    page = watched.page
    login(page, live_server.url, user)
    for path in ("/dashboard", "/alerts", "/review", "/reports", "/register", "/report"):
        if path == "/report" and "舆情报送" not in NAV_OF[user]:
            continue
        page.goto(live_server.url + path)
        links = page.locator(".topbar nav a")
        expect(links.first).to_have_text("工作台")
        expect(page.locator("#nav-alerts")).to_be_visible()  # the unread link is added last, once
        labels = [re.sub(r"\d+$", "", t.strip()) for t in links.all_inner_texts()]
        assert labels == NAV_OF[user], (path, labels)
        expect(page.locator(".topbar nav a.active")).to_have_count(1)
