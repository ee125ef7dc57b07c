"""Pluggable delivery channels. Each takes a message (an alert or a digest: anything with
the `service.alerts.message.Message` shape) and the subscription and either
returns (delivered) or raises DeliveryError with a text safe to show: it never carries the
target URL, whose query may hold a robot's access token.

- webhook: JSON body; `X-Yuqing-Signature: sha256=<hex HMAC-SHA256 of the body>` with the
  subscription secret, `X-Yuqing-Timestamp` (epoch seconds). The body carries the same
  `sent_at`, so the signature covers it: a receiver refuses old or replayed deliveries by
  checking it is recent and the `delivery_id` is new.
- email: SMTP (settings smtp_*), plain text, Chinese subject.
- dingtalk: custom robot; with a secret (加签) the URL gets `timestamp` (ms) and `sign` =
  urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\n{secret}"))).
- wecom: group robot, markdown message.

Where they may send is service.alerts.egress: HTTP connections go to the address checked
there (PinnedTransport), e-mail to SMTP_HOST's checked address (PinnedSMTP).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol
from urllib.parse import quote_plus, urlsplit

import httpx

from service.alerts.egress import Allowlist, EgressRefused, PinnedSMTP, PinnedTransport, resolve
from service.alerts.message import Message
from service.core.settings import Settings

SIGNATURE_HEADER = "X-Yuqing-Signature"
TIMESTAMP_HEADER = "X-Yuqing-Timestamp"
DELIVERY_HEADER = "X-Yuqing-Delivery"


class DeliveryError(Exception):
    """A failed delivery; the text is stored on the delivery row and shown to coordinators."""


@dataclass(frozen=True)
class Subscription:
    kind: str
    target: str
    secret: str | None = None
    delivery_id: str = ""  # "alert-<id>" / "digest-<id>": unique across kinds (a receiver drops repeats)


class Channel(Protocol):
    def send(self, message: Message, subscription: Subscription) -> None: ...


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def where(url: str) -> str:
    """The host of a URL, for error texts (never the query: it may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class _Http:
    def __init__(self, settings: Settings) -> None:
        self.timeout = settings.alert_timeout_seconds
        self.timezone = settings.timezone
        self.allow = Allowlist.parse(settings.alert_host_allowlist)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """POST, connected to the checked address of the URL's host (service.alerts.egress;
        the URL itself is checked by the caller, service.alerts.delivery). The error text names the
        status or the error class only: a reply body or a socket error's wording would let
        a subscriber read what the server sees (or scan ports) through `last_error`."""
        # trust_env off: a proxy from the environment would connect by name, around the pin
        with httpx.Client(transport=PinnedTransport(self.allow), timeout=self.timeout, trust_env=False,
                          follow_redirects=False) as client:
            try:
                response = client.post(url, content=body, headers={
                    "Content-Type": "application/json; charset=utf-8", "User-Agent": "yuqing-alerts/1", **headers})
            except EgressRefused as exc:
                raise DeliveryError(f"{where(url)} 被拒绝：{exc.zh} / {exc.en}") from None
            except httpx.HTTPError as exc:
                raise DeliveryError(f"{where(url)} 无法送达：{type(exc).__name__}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"{where(url)} 返回 HTTP {response.status_code}")
        return response


class WebhookChannel(_Http):
    def send(self, message: Message, subscription: Subscription) -> None:
        if not subscription.secret:
            raise DeliveryError("通用 Webhook 未设置签名密钥 / webhook has no secret")
        sent_at = int(time.time())
        body = json.dumps({**message.payload(self.timezone), "delivery_id": subscription.delivery_id,
                           "sent_at": sent_at}, ensure_ascii=False, separators=(",", ":")).encode()
        self.post(subscription.target, body, {SIGNATURE_HEADER: sign(subscription.secret, body),
                                              TIMESTAMP_HEADER: str(sent_at),
                                              DELIVERY_HEADER: subscription.delivery_id})


class _Robot(_Http):
    """DingTalk and WeCom answer HTTP 200 with {"errcode": 0} on success, non-zero otherwise."""

    def check(self, response: httpx.Response, url: str) -> None:
        try:
            answer = response.json()
        except ValueError:
            raise DeliveryError(f"{where(url)} 应答不是 JSON / the reply is not JSON") from None
        code = answer.get("errcode", 0) if isinstance(answer, dict) else None
        if code != 0:  # the code only: errmsg is reply text
            raise DeliveryError(f"{where(url)} 拒绝 / refused: errcode={code if isinstance(code, int) else '?'}")


class DingTalkChannel(_Robot):
    def send(self, message: Message, subscription: Subscription) -> None:
        url = subscription.target
        if subscription.secret:
            ts = int(time.time() * 1000)
            url += ("&" if "?" in url else "?") + f"timestamp={ts}&sign={dingtalk_sign(subscription.secret, ts)}"
        body = json.dumps({"msgtype": "markdown", "markdown": {"title": message.subject,
                                                               "text": message.markdown(self.timezone)}},
                          ensure_ascii=False).encode()
        self.check(self.post(url, body, {}), url)


class WeComChannel(_Robot):
    def send(self, message: Message, subscription: Subscription) -> None:
        body = json.dumps({"msgtype": "markdown", "markdown": {"content": message.markdown(self.timezone)}},
                          ensure_ascii=False).encode()
        self.check(self.post(subscription.target, body, {}), subscription.target)


class EmailChannel:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message, subscription: Subscription) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError("未配置邮件服务器（SMTP_HOST）/ SMTP_HOST is not set")
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = formataddr(("政务舆情回应跟踪", s.smtp_from))
        mail["To"] = subscription.target
        mail.set_content(message.text(s.timezone))
        try:
            address = resolve(s.smtp_host, s.smtp_port, Allowlist.parse(s.alert_host_allowlist))
            with PinnedSMTP(address, s.smtp_host, s.smtp_port, timeout=s.alert_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password or "")
                smtp.send_message(mail)
        except EgressRefused as exc:
            raise DeliveryError(f"邮件服务器被拒绝 {s.smtp_host}：{exc.zh} / {exc.en}") from None
        except (OSError, smtplib.SMTPException) as exc:  # the class only (see _Http.post)
            raise DeliveryError(f"邮件发送失败 {s.smtp_host}:{s.smtp_port}：{type(exc).__name__}") from None


CHANNELS: dict[str, type] = {"webhook": WebhookChannel, "email": EmailChannel, "dingtalk": DingTalkChannel,
                             "wecom": WeComChannel}


def channel_for(kind: str, settings: Settings) -> Channel:
    return CHANNELS[kind](settings)
