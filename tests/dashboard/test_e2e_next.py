"""Issue 12 row 6 in Debian Chromium: the login page's `next` is resolved as the browser
resolves it (tabs and newlines stripped, backslashes read as slashes) and followed only to
this site; signed in or not, `/?next=/%09/evil.example/x` stays here. Every request that
would leave 127.0.0.1 is recorded and aborted: nothing goes off the machine."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, Route, sync_playwright

from tests.dashboard.conftest import CHROMIUM, DEMO_PASSWORD, LiveServer

LEAVING = ["/%09/evil.example/x", "/%0A/evil.example/x", "%2F%5Cevil.example/x", "/%5C/evil.example",
           "https://evil.example/x", "//evil.example", "javascript:alert(1)", "/%09/%09/evil.example"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # no name but 127.0.0.1 resolves in this browser, whatever a page tries
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"])
        yield b
        b.close()


def page_for(browser: Browser, escaped: list[str]):
    context = browser.new_context()

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            escaped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return context, page, dialogs


def test_next_leaving_the_site_is_refused_signed_in_or_not(live_server: LiveServer, browser: Browser) -> None:
    base = live_server.url
    escaped: list[str] = []
    context, page, dialogs = page_for(browser, escaped)
    try:
        page.goto(f"{base}/?next={LEAVING[0]}")
        page.fill("#username", "leader_gaoping")
        page.fill("#password", DEMO_PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(f"{base}/dashboard")
        for next_ in LEAVING:  # already signed in: the page forwards at once
            page.goto(f"{base}/?next={next_}")
            page.wait_for_url(f"{base}/dashboard")
            assert urlsplit(page.url).hostname == "127.0.0.1", next_
        page.goto(f"{base}/?next=%2Fwall")  # a path of ours is followed
        page.wait_for_url(f"{base}/wall")
        page.goto(f"{base}/?next={quote(base + '/reports?x=1', safe='')}")  # so is our own absolute URL
        page.wait_for_url(f"{base}/reports?x=1")
    finally:
        context.close()
    assert escaped == [] and dialogs == []
