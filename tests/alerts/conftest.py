"""Real receivers for the alert channels (an HTTP server and an SMTP server on 127.0.0.1)
and helpers to make an escalated incident through the real API and sweep."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from redis import Redis

from routing.orgchart import OrgChart
from routing.orgfile import load_org_text
from service.core.settings import Settings
from tests.conftest import REDIS_URL
from tests.support.factories import incident
from tests.support.workers import COLD_START_ENV

RECEIVED = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 Beijing
ALL_RUNGS = RECEIVED + timedelta(hours=73)  # the 48 h response clock is past 督办 (supervise)
ESTATE = "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理"  # → 米山镇人民政府, level 米山镇


def demo_org() -> OrgChart:
    path = Path(__file__).parents[2] / "routing" / "data" / "demo_org.yaml"
    return load_org_text(path.read_text(encoding="utf-8"), str(path))


def make_incident(client, text: str = ESTATE, ext: str = "1") -> int:
    return incident(client, ext, text, RECEIVED)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HttpReceiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answer: bytes = b'{"errcode": 0, "errmsg": "ok"}'
    status: int = 200


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """An HTTP server in a thread that records every POST and answers like a robot API."""
    port = free_port()
    box = HttpReceiver(url=f"http://127.0.0.1:{port}")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(box.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(box.answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


class MailBox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, MailBox]]:
    box = MailBox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, box
    controller.stop()


QUEUE_REDIS = REDIS_URL  # this worker's own Redis database


@pytest.fixture
def queued_settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    """Deliveries as RQ jobs on the real Redis server (db 7 by default, YUQING_TEST_REDIS)."""
    Redis.from_url(QUEUE_REDIS).flushdb()
    request.addfinalizer(lambda: Redis.from_url(QUEUE_REDIS).flushdb())
    # no pause between retries here: the production pauses (10, 60, 300 s) are the default
    return Settings(database_url=database_url, redis_url=QUEUE_REDIS, demo=True, demo_force=True, alert_retry_intervals=[0, 0, 0],
                    alert_host_allowlist=ALLOW, _env_file=None)


# the receivers of these tests listen on 127.0.0.1: the admin's allow-list must name it
# (tests/alerts/test_ssrf.py shows that without it nothing is sent there)
ALLOW = "127.0.0.1 hooks.example.cn"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, demo=True, demo_force=True, redis_url=None, alert_host_allowlist=ALLOW, _env_file=None)


# a live receiver of these tests (a thread of the test process) may answer slowly when the
# machine is loaded: a short timeout would fail a delivery that only waited for the CPU. Dead
# targets are closed ports, refused at once whatever the timeout.
GENEROUS_TIMEOUT = 60


def run_worker(settings: Settings, smtp_port: int | None = None) -> None:
    """A real `yuqing worker --burst` process draining the queue."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
           "ALERT_TIMEOUT_SECONDS": str(GENEROUS_TIMEOUT), "ALERT_HOST_ALLOWLIST": settings.alert_host_allowlist, **COLD_START_ENV}
    if smtp_port is not None:
        env |= {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)}
    done = subprocess.run([sys.executable, "-m", "service.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
