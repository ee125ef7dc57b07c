"""Real-browser fixtures: the app under uvicorn on a free port (demo mode, embedded, a fresh
SQLite or PostgreSQL database per test) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from redis import Redis

from routing.local_time import BEIJING_NAME
from service.core.settings import Settings
from service.main import create_app
from tests.conftest import REDIS_URL
from tests.dashboard.live_apps import serve
from tests.support.open_due import open_due_consistent  # noqa: F401 — autouse: stored next due time checked after each test

CHROMIUM = "/usr/bin/chromium"
# the machine is shared by several engineers' test runs: allow for a slow moment
expect.set_options(timeout=15_000)
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DEMO_PASSWORD = "demo12345"


class LiveServer:
    """The app under uvicorn in a thread; `restart` drops every connection and comes back on
    the same port and database, as a deploy or a crash would."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # port 0 the first time: a free one, held until uvicorn takes it
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(create_app(self.settings), log_level="warning", lifespan="on",
                                ws="websockets-sansio", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None

    def post_item(self, external_id: str, text: str, **extra: object) -> dict:
        """An item from a machine (the demo ingest token), as a crawler would send it."""
        r = httpx.post(f"{self.url}/api/items", headers={"Authorization": "Bearer demo-ingest"},
                       json={"external_id": external_id, "text": text, **extra}, timeout=30)
        assert r.status_code == 202, r.text
        return r.json()["items"][0]


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    server = LiveServer(settings)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # per module, not per session: while Playwright's sync API is active the main thread
    # counts as running an event loop, which would break asyncio tests of other modules
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield b
        b.close()


@dataclass
class Watched:
    """A page with what went wrong on it: dialogs (alert() from injected script), JS errors."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    yield from _watched(browser)


@pytest.fixture
def second(browser: Browser) -> Iterator[Watched]:
    """A second person at another desk (own cookies)."""
    yield from _watched(browser)


def _watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(locale="zh-CN", timezone_id=BEIJING_NAME, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    w = Watched(page)

    def on_dialog(dialog) -> None:
        w.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: w.errors.append(str(exc)))
    # a refused request (401 before login) is logged by the browser too: that is not a page fault
    page.on("console", lambda msg: w.errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.set_default_timeout(15000)
    yield w
    context.close()


def login(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"{base}/dashboard**")


def shot(page: Page, name: str, request: pytest.FixtureRequest) -> Path:
    """Save a screenshot per database variant; the run's artefacts are looked at by a person."""
    variant = request.node.callspec.params.get("database_url", "x") if hasattr(request.node, "callspec") else "x"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{variant}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def submitted(page: Page, heading: str) -> None:
    """Wait for a workflow form's outcome on the detail page; fail with the server's reason."""
    page.wait_for_selector("#action-ok:not([hidden]), #action-error:not([hidden])", timeout=30_000)
    error = page.locator("#action-error")
    assert error.is_hidden(), error.inner_text()
    expect(page.locator("#action-ok")).to_contain_text(heading)


@pytest.fixture
def redis_settings(database_url: str) -> Settings:
    Redis.from_url(REDIS_URL).flushdb()  # this run's own database (YUQING_TEST_REDIS)
    return Settings(database_url=database_url, redis_url=REDIS_URL, demo=True, demo_force=True, _env_file=None)


@pytest.fixture
def two_apps(redis_settings: Settings) -> Iterator[tuple[str, str]]:
    """Two API 'processes' (apps with their own hub and Redis listener) on one database."""
    with serve(redis_settings) as a, serve(redis_settings) as b:
        yield a, b
