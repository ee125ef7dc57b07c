"""Issue 12 row 2 (SSRF) through the real API and sweep on SQLite and PostgreSQL: a receiver
on 127.0.0.1 is not hit unless the admin's allow-list names its address; refused
subscriptions write nothing; `last_error` never carries the reply body."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import func, select

from service.alerts.models import AlertChannel, AlertDelivery
from service.core.columns import utcnow
from service.core.db import session_scope
from service.core.settings import Settings
from service.escalation.sweep import sweep_once
from service.main import create_app
from tests.alerts.conftest import RECEIVED, make_incident
from tests.support.factories import login

SECRET = "0123456789abcdef-secret"


def app_with(database_url: str, allow: str) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url, demo=True, demo_force=True, redis_url=None,
                                          alert_host_allowlist=allow, _env_file=None)))


def channel_rows(database_url: str) -> int:
    with session_scope(database_url) as s:
        return s.exec(select(func.count()).select_from(AlertChannel)).one()


def test_subscriptions_to_internal_or_foreign_hosts_are_refused_and_nothing_is_written(database_url, receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    with app_with(database_url, "hooks.example.gov.cn") as client:
        coord = login(client, "coordinator_gaoping")
        base = {"audience_kind": "region", "audience": "高平市", "secret": SECRET}
        refused = [("webhook", receiver.url + "/hook"), ("webhook", f"http://localhost:{port}/hook"),
                   ("webhook", "http://169.254.169.254/latest/meta-data/"), ("webhook", "http://10.0.0.5/hook"),
                   ("webhook", "https://other.example.cn/hook"), ("dingtalk", receiver.url + "/robot/send"),
                   ("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=x"),
                   ("wecom", "https://hooks.example.gov.cn/cgi-bin/webhook/send?key=k")]
        for kind, target in refused:
            r = client.post("/api/alert-channels", json={**base, "kind": kind, "target": target}, headers=coord)
            assert r.status_code == 422, (kind, target, r.text)
            assert r.json()["error"]["zh"] and r.json()["error"]["en"]
        assert channel_rows(database_url) == 0
        for kind, target in [("webhook", "https://hooks.example.gov.cn/yuqing"),
                             ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=x")]:
            r = client.post("/api/alert-channels", json={**base, "kind": kind, "target": target}, headers=coord)
            assert r.status_code == 201, r.text
        assert channel_rows(database_url) == 2
    assert receiver.requests == []


def _plant(database_url: str, target: str) -> None:
    """A subscription row written around the API check (older rows, a shrunk allow-list)."""
    with session_scope(database_url) as s:
        s.add(AlertChannel(audience_kind="region", audience="高平市", kind="webhook", target=target, secret=SECRET,
                           enabled=True, created_by="test", created_at=utcnow()))
        s.commit()


def _deliveries(database_url: str) -> list[AlertDelivery]:
    with session_scope(database_url) as s:
        return list(s.exec(select(AlertDelivery).order_by(AlertDelivery.id)).all())


@pytest.mark.parametrize("allow", ["", "localhost"])
def test_delivery_to_a_loopback_receiver_is_refused_after_resolution(database_url, receiver, allow) -> None:
    """No allow-list: refused by the URL check at send time. "localhost" listed by name: the
    URL passes, but the name resolves to loopback, which only a listed address opens."""
    port = receiver.url.rsplit(":", 1)[1]
    with app_with(database_url, allow) as client:
        _plant(database_url, f"http://localhost:{port}/hook")
        make_incident(client)
        settings = client.app.state.settings
        sweep_once(settings, RECEIVED + timedelta(hours=49))
    (delivery,) = _deliveries(database_url)
    assert delivery.status == "failed" and "ALERT_HOST_ALLOWLIST" in delivery.last_error
    assert receiver.requests == []  # the receiver was never hit


def test_an_allow_listed_address_is_reached_pinned_and_errors_keep_no_body(database_url, receiver) -> None:
    port = receiver.url.rsplit(":", 1)[1]
    with app_with(database_url, "localhost 127.0.0.1") as client:
        coord = login(client, "coordinator_gaoping")
        r = client.post("/api/alert-channels", headers=coord, json={
            "audience_kind": "region", "audience": "高平市", "kind": "webhook",
            "target": f"http://localhost:{port}/hook", "secret": SECRET})
        assert r.status_code == 201, r.text
        receiver.status, receiver.answer = 500, b"db_password=hunter2 internal stack trace"
        make_incident(client)
        sweep_once(client.app.state.settings, RECEIVED + timedelta(hours=49))
    (req,) = receiver.requests  # connected to the checked address, the name kept in Host
    assert req.headers["host"] == f"localhost:{port}"
    (delivery,) = _deliveries(database_url)
    assert delivery.status == "failed" and "HTTP 500" in delivery.last_error
    assert "hunter2" not in delivery.last_error and "stack" not in delivery.last_error


def test_tls_through_the_pinned_address_keeps_the_host_name(tmp_path) -> None:
    """Connected to the checked IP, yet the TLS server name (SNI) and the certificate check are
    the URL's host's: a real TLS server on 127.0.0.1 with a certificate for "localhost"."""
    import ssl
    import subprocess
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx

    from service.alerts.egress import Allowlist, EgressRefused, PinnedTransport
    from tests.alerts.conftest import free_port

    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    names: list[str | None] = []
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server_ctx.sni_callback = lambda _sock, name, _ctx: names.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.socket = server_ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        allow = Allowlist.parse("localhost 127.0.0.1")
        with httpx.Client(transport=PinnedTransport(allow, verify=trust), trust_env=False) as client:
            assert client.post(f"https://localhost:{port}/hook", content=b"{}").status_code == 204
        assert names == ["localhost"]
        with httpx.Client(transport=PinnedTransport(Allowlist.parse("localhost"), verify=trust)) as client:
            with pytest.raises(EgressRefused):  # loopback without its address listed
                client.post(f"https://localhost:{port}/hook", content=b"{}")
        assert names == ["localhost"]
    finally:
        server.shutdown()
        server.server_close()


def test_an_smtp_server_on_a_private_address_needs_the_allow_list(smtp_server) -> None:
    from datetime import UTC, datetime

    from service.alerts.channels import DeliveryError, Subscription, channel_for
    from service.alerts.message import AlertMessage

    port, box = smtp_server
    msg = AlertMessage(alert_id=1, incident_id=9, topic="环境保护", severity="一般", clock="response",
                       clock_label="首次回应", step="supervise", label="督办", due_at=datetime(2026, 6, 3, tzinfo=UTC),
                       link="http://127.0.0.1:8000/incidents/9", recipients=("高平市人民政府主要负责人",))
    for host in ("127.0.0.1", "localhost"):
        refused = Settings(_env_file=None, smtp_host=host, smtp_port=port, alert_timeout_seconds=3)
        with pytest.raises(DeliveryError, match="ALERT_HOST_ALLOWLIST"):
            channel_for("email", refused).send(msg, Subscription("email", "leader@gaoping.gov.cn"))
    assert box.messages == []
    allowed = Settings(_env_file=None, smtp_host="127.0.0.1", smtp_port=port, alert_host_allowlist="127.0.0.0/8",
                       alert_timeout_seconds=3)
    channel_for("email", allowed).send(msg, Subscription("email", "leader@gaoping.gov.cn"))
    assert len(box.messages) == 1
