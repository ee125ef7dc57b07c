"""Each channel against a real receiver on 127.0.0.1: what arrives, and that it is signed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from service.alerts.channels import DeliveryError, Subscription, channel_for, dingtalk_sign, sign
from service.alerts.message import AlertMessage
from service.core.settings import Settings
from tests.alerts.conftest import free_port

MSG = AlertMessage(alert_id=3, incident_id=9, topic="环境保护", severity="一般", clock="response",
                   clock_label="首次回应", step="supervise", label="督办",
                   due_at=datetime(2026, 6, 3, 2, 0, tzinfo=UTC), link="http://127.0.0.1:8000/incidents/9",
                   recipients=("高平市人民政府主要负责人",))
SETTINGS = Settings(_env_file=None, alert_timeout_seconds=5, alert_host_allowlist="127.0.0.1")
SECRET = "s3cret-key-of-the-receiver"


def test_webhook_body_is_signed_with_the_secret_and_timestamped(receiver) -> None:
    before = int(time.time())
    channel_for("webhook", SETTINGS).send(MSG, Subscription("webhook", receiver.url + "/hook", SECRET, delivery_id="alert-41"))
    (req,) = receiver.requests
    expected = "sha256=" + hmac.new(SECRET.encode(), req.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(req.headers["x-yuqing-signature"], expected)
    assert req.headers["x-yuqing-signature"] != sign("another secret", req.body)
    body = req.json()
    assert body["sent_at"] == int(req.headers["x-yuqing-timestamp"]) >= before  # the signed body holds the time
    assert body["delivery_id"] == "alert-41" and req.headers["x-yuqing-delivery"] == "alert-41"
    assert (body["incident_id"], body["step"], body["label"]) == (9, "supervise", "督办")
    assert body["due_local"] == "2026-06-03 10:00" and body["link"].endswith("/incidents/9")


def test_webhook_without_secret_is_refused() -> None:
    with pytest.raises(DeliveryError):
        channel_for("webhook", SETTINGS).send(MSG, Subscription("webhook", "http://127.0.0.1:9/x", None))


def test_dingtalk_url_is_signed_per_dingtalk_algorithm(receiver) -> None:
    channel_for("dingtalk", SETTINGS).send(MSG, Subscription("dingtalk", receiver.url + "/robot/send?access_token=T0K",
                                                             "SECabc"))
    (req,) = receiver.requests
    query = parse_qs(urlsplit(req.path).query)
    ts = int(query["timestamp"][0])
    assert abs(ts - time.time() * 1000) < 60_000 and query["access_token"] == ["T0K"]
    # recomputed independently: base64(HMAC-SHA256(secret, "timestamp\nsecret"))
    digest = hmac.new(b"SECabc", f"{ts}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["sign"][0] == base64.b64encode(digest).decode()
    assert unquote_plus(dingtalk_sign("SECabc", ts)) == base64.b64encode(digest).decode()
    body = req.json()
    assert body["msgtype"] == "markdown" and "督办" in body["markdown"]["title"]
    assert "(http://127.0.0.1:8000/incidents/9)" in body["markdown"]["text"]


def test_wecom_sends_markdown_and_a_refusal_is_an_error_without_the_token(receiver) -> None:
    channel_for("wecom", SETTINGS).send(MSG, Subscription("wecom", receiver.url + "/cgi-bin/webhook/send?key=K3Y"))
    assert "超期督办" in receiver.requests[0].json()["markdown"]["content"]
    receiver.answer = json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}).encode()
    with pytest.raises(DeliveryError) as refused:
        channel_for("wecom", SETTINGS).send(MSG, Subscription("wecom", receiver.url + "/cgi-bin/webhook/send?key=K3Y"))
    assert "93000" in str(refused.value) and "K3Y" not in str(refused.value)


def test_closed_port_and_http_error_are_delivery_errors(receiver) -> None:
    with pytest.raises(DeliveryError) as closed:
        channel_for("webhook", SETTINGS).send(MSG, Subscription("webhook", f"http://127.0.0.1:{free_port()}/x?t=SECRET",
                                                                SECRET))
    assert "ConnectError" in str(closed.value) and "SECRET" not in str(closed.value)
    receiver.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500"):
        channel_for("webhook", SETTINGS).send(MSG, Subscription("webhook", receiver.url, SECRET))


def test_email_arrives_with_chinese_subject(smtp_server) -> None:
    port, box = smtp_server
    settings = Settings(_env_file=None, alert_host_allowlist="127.0.0.1", smtp_host="127.0.0.1", smtp_port=port, smtp_from="alerts@gaoping.gov.cn")
    channel_for("email", settings).send(MSG, Subscription("email", "leader@gaoping.gov.cn"))
    (rcpts, mail), = box.messages
    assert rcpts == ["leader@gaoping.gov.cn"]
    assert mail["Subject"] == "【舆情超期督办】事件 #9 环境保护（一般）首次回应"
    body = mail.get_content()
    assert "到期时间：2026-06-03 10:00（北京时间）" in body and "http://127.0.0.1:8000/incidents/9" in body


def test_email_without_smtp_server_or_unreachable_fails_visibly() -> None:
    with pytest.raises(DeliveryError, match="SMTP_HOST"):
        channel_for("email", SETTINGS).send(MSG, Subscription("email", "a@b.cn"))
    unreachable = Settings(_env_file=None, alert_host_allowlist="127.0.0.1", smtp_host="127.0.0.1", smtp_port=free_port(), alert_timeout_seconds=2)
    with pytest.raises(DeliveryError, match="邮件发送失败"):
        channel_for("email", unreachable).send(MSG, Subscription("email", "a@b.cn"))
