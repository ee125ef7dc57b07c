"""Real browser: the 联络登记与问责 page as the admin (calendar flag, completeness, 问责, 考核) on a
desktop and a phone; user text shown as text; screenshots saved."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from routing.local_time import BEIJING_NAME
from tests.conftest import COORD
from tests.dashboard.conftest import LiveServer, Watched, login, shot

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("viewport", [{"width": 1440, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_the_admin_sees_gaps_accountability_and_results(live_server: LiveServer, browser: Browser, viewport: dict,
                                                         request: pytest.FixtureRequest) -> None:
    base = live_server.url
    r = httpx.post(f"{base}/api/assessments", headers=COORD, timeout=30,
                   json={"unit": "高平市财政局", "year": 2026, "score": 55, "note": HOSTILE})
    assert r.status_code == 201, r.text
    context = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport=viewport)
    page = context.new_page()
    w = Watched(page)
    page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    page.on("dialog", lambda d: (w.dialogs.append(d.message), d.dismiss()))
    try:
        login(page, base, "admin")
        page.goto(f"{base}/register")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        expect(page.locator("#register-summary")).to_contain_text("考核单位 62 个")
        assert page.locator("#register-gaps tbody tr").count() == 60
        expect(page.locator('#register-gaps tr[data-unit="高平市教育局"] td').nth(1)).to_have_text("承办人")
        expect(page.locator("#accountability tbody tr")).to_have_count(1)
        expect(page.locator("#accountability tbody tr td").nth(1)).to_have_text("考核不合格")
        expect(page.locator("#assessments tbody tr td").nth(3)).to_have_text("不合格")
        expect(page.locator("#assessments tbody tr td").nth(4)).to_have_text("通报批评")
        expect(page.locator("#weight-note")).to_contain_text("全部政务公开工作")
        expect(page.locator("#assessments tbody tr td").nth(6)).to_have_text(HOSTILE)  # as text
        # today is in December: the next year's 节假日安排 is due; without it the admin is told
        flag = page.locator("#calendar-flag")
        status = httpx.get(f"{base}/api/calendar/status", timeout=30,
                           cookies={c["name"]: c["value"] for c in context.cookies()}).json()
        if status["missing"]:
            expect(flag).to_contain_text(f"工作日历缺少{status['missing'][0]}年")
        else:
            expect(flag).to_be_hidden()
        assert page.locator("img").count() == 0 and w.dialogs == [] and w.errors == []
        shot(page, f"register-{request.node.callspec.id.split('-')[-1]}", request)
    finally:
        context.close()
