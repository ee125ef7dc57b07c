"""Real browser: the coordinator issues a 督办单, the liaison answers it and responds, the
reviewer (宣传部门) finds the response in his queue and reviews it on the incident page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from routing.local_time import BEIJING
from tests.dashboard.conftest import LiveServer, Watched, login, shot
from tests.dashboard.test_e2e_workflow import FOOD, detail, newest

SCJ = "高平市市场监督管理局"
REQUIREMENT = "请于明日12时前报送涉事餐馆核查处置情况<img src=x onerror=alert(1)>"


def panel_done(page, kind: str, heading: str) -> None:
    page.wait_for_selector(f"#{kind}-ok:not([hidden]), #{kind}-error:not([hidden])", timeout=30_000)
    error = page.locator(f"#{kind}-error")
    assert error.is_hidden(), error.inner_text()
    expect(page.locator(f"#{kind}-ok")).to_contain_text(heading)


def test_supervision_answer_and_review(live_server: LiveServer, watched: Watched, second: Watched,
                                       request: pytest.FixtureRequest) -> None:
    live_server.post_item("rv-1", FOOD)
    incident_id = newest(live_server)
    url = f"{live_server.url}/incidents/{incident_id}"

    # 政府办公室 issues a 督办单 due in a day
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    page.goto(url)
    due = (datetime.now(UTC) + timedelta(days=1)).astimezone(BEIJING).replace(second=0, microsecond=0)
    page.fill("#f-supervise-requirement", REQUIREMENT)
    page.fill("#f-supervise-due", due.strftime("%Y-%m-%dT%H:%M"))
    page.click("#supervise button[type=submit]")
    panel_done(page, "supervision", "下发督办单")
    notice = page.locator("#notices .notice").first
    expect(notice).to_contain_text(REQUIREMENT)  # as text: no image, no alert
    expect(notice.locator("img")).to_have_count(0)
    expect(notice.locator("[data-role=state]")).to_have_text("办理中")
    expect(notice).to_contain_text(SCJ)
    expect(notice.locator(".countdown")).to_contain_text("剩余 23小时")
    notice_id = int(notice.get_attribute("data-notice-id"))
    expect(page.locator(f".clock[data-kind='supervision:{notice_id}']")).to_contain_text(f"督办单#{notice_id}反馈")
    expect(page.locator(".tl[data-action='incident.supervised']")).to_contain_text("赵督办（市政府办）")
    stored = detail(live_server, incident_id)["clocks"][-1]["due_at"]
    assert datetime.fromisoformat(stored) == due  # the officer's wall time, in Beijing time
    expect(page.locator("#review-forms form")).to_have_count(0)  # coordinators do not review
    shot(page, "supervision-issued", request)

    # the liaison of the supervised unit answers the notice, then responds to the public
    liaison = second.page
    login(liaison, live_server.url, "liaison_scj")
    liaison.goto(url)
    liaison.click(f".doc-line[data-notice-id='{notice_id}'] [data-role=sign]")  # 签收 first: it claims
    expect(liaison.locator("#incident-status")).to_have_text("已认领")
    liaison.fill(f"#f-answer-{notice_id}-answer", "已对涉事餐馆立案调查，过期食材已封存。")
    liaison.click(f"#answer-{notice_id} button[type=submit]")
    panel_done(liaison, "supervision", f"反馈督办单 #{notice_id}")
    answered = liaison.locator(f".notice[data-notice-id='{notice_id}']")
    expect(answered.locator("[data-role=state]")).to_have_text("已反馈")
    expect(answered.locator(".notice-answer")).to_have_text("已对涉事餐馆立案调查，过期食材已封存。")
    expect(answered.locator(".countdown")).to_have_text("已按时完成")
    expect(liaison.locator("#supervise")).to_have_count(0)  # liaisons do not issue
    liaison.select_option("#f-respond-channel", "发布权威信息")
    liaison.fill("#f-respond-text", "经核查，涉事餐馆已停业整改。")
    liaison.click("#respond button[type=submit]")
    expect(liaison.locator("#incident-status")).to_have_text("已回应")
    expect(liaison.locator("#review-forms form")).to_have_count(0)
    shot(liaison, "supervision-answered", request)

    # the coordinator's page hears of it
    expect(page.locator(f".notice[data-notice-id='{notice_id}'] [data-role=state]")).to_have_text("已反馈")

    # 宣传部门 reviews the response from his queue
    page.click("#logout")
    page.wait_for_url(f"{live_server.url}/")
    login(page, live_server.url, "reviewer_gaoping")
    page.goto(f"{live_server.url}/review")
    row = page.locator(f"#queue-rows tr[data-incident-id='{incident_id}']")
    expect(row).to_contain_text(SCJ)
    expect(row).to_contain_text("食品药品监管")
    expect(row).to_contain_text("已回应")
    expect(row.locator(".timeliness")).to_have_text("100")  # answered within the first quarter
    expect(page.locator("#count-false")).to_have_text("1")
    shot(page, "review-queue", request)
    row.locator("a.button").click()
    page.wait_for_url(f"{url}#review-panel")
    expect(page.locator("#f-review-unit")).to_have_value(SCJ)
    page.fill("#f-review-accuracy", "85")
    page.fill("#f-review-authority", "90")
    page.fill("#f-review-handling", "80")
    page.fill("#f-review-comments", "回应及时，口径准确")
    page.click("#review button[type=submit]")
    panel_done(page, "review", "评估回应")
    review = page.locator(f"#reviews .review[data-unit='{SCJ}']")
    expect(review.locator("[data-role=score]")).to_have_text("综合 88.8")  # (100 + 85 + 90 + 80) / 4
    expect(review).to_contain_text("回应及时，口径准确")
    expect(page.locator("#review-forms form")).to_have_count(0)  # reviewed once
    expect(page.locator(".tl[data-action='incident.reviewed']")).to_contain_text("陈审核（市委宣传部）")
    shot(page, "review-done", request)

    page.goto(f"{live_server.url}/review")
    expect(page.locator("#queue-empty")).to_be_visible()
    page.click("#review-tabs [data-reviewed=true]")
    expect(page.locator(f"#queue-rows tr[data-incident-id='{incident_id}']")).to_contain_text("综合 88.8")
    for w in (watched, second):
        assert not w.errors and not w.dialogs, (w.errors, w.dialogs)
