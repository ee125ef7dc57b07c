"""What the channels send: an escalation alert or a leader's digest, both behind `Message`
(subject, plain text, DingTalk/WeCom markdown, webhook JSON). Pure, from plain values. No
user text from the internet goes in (topics, severities, clock labels and org names are the
product's own), so the channels need not escape it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from routing.local_time import BEIJING_ALIASES, BEIJING_LABEL


class Message(Protocol):
    """Anything a channel can send; `timezone` is the deployment's, for local times."""

    @property
    def subject(self) -> str: ...

    def text(self, timezone: str) -> str: ...

    def markdown(self, timezone: str) -> str: ...

    def payload(self, timezone: str) -> dict: ...

STEP_NAMES = {"提醒": "临期提醒", "催办": "超期催办", "督办": "超期督办", "特别重大": "特别重大事件"}


@dataclass(frozen=True)
class AlertMessage:
    alert_id: int
    incident_id: int
    topic: str
    severity: str
    clock: str
    clock_label: str
    step: str
    label: str  # 提醒 / 催办 / 督办
    due_at: datetime
    link: str
    recipients: tuple[str, ...] = ()

    @property
    def subject(self) -> str:
        return f"【舆情{STEP_NAMES.get(self.label, self.label)}】事件 #{self.incident_id} {self.topic}（{self.severity}）{self.clock_label}"

    def due_local(self, timezone: str) -> str:
        local = self.due_at.astimezone(ZoneInfo(timezone))
        return f"{local:%Y-%m-%d %H:%M}"

    def lines(self, timezone: str) -> list[tuple[str, str]]:
        return [("事件", f"#{self.incident_id}"), ("领域", self.topic), ("等级", self.severity),
                ("时限", self.clock_label or self.clock), ("环节", self.label),
                ("到期时间", f"{self.due_local(timezone)}（{zone_name(timezone)}）"),
                ("送达", "、".join(self.recipients) or "—"), ("查看", self.link)]

    def summary(self, timezone: str) -> str:
        """One line for the dashboard banner (which shows the label and the incident link itself)."""
        if self.step == "major":  # the principal leader leads it (service.alerts.leader)
            return (f"{self.topic}（{self.severity}）· 由{'、'.join(self.recipients) or '主要负责人'}牵头指导、协调、督促回应"
                    f" · 回应到期 {self.due_local(timezone)}（{zone_name(timezone)}）")
        return (f"{self.topic}（{self.severity}）· {self.clock_label or self.clock}时限 {STEP_NAMES.get(self.label, self.label)}"
                f" · 到期 {self.due_local(timezone)}（{zone_name(timezone)}）· 送达 {'、'.join(self.recipients) or '—'}")

    def text(self, timezone: str) -> str:
        return "\n".join([self.subject, *(f"{k}：{v}" for k, v in self.lines(timezone))])

    def markdown(self, timezone: str) -> str:
        """DingTalk / WeCom markdown: the link as a link, the rest as plain lines."""
        rows = [f"**{k}**：{v}" for k, v in self.lines(timezone) if k != "查看"]
        return "\n\n".join([f"### {self.subject}", *rows, f"[查看事件 #{self.incident_id}]({self.link})"])

    def payload(self, timezone: str) -> dict:
        """The generic webhook's JSON body (without the send time, added by the channel)."""
        return {"type": "escalation_alert", "alert_id": self.alert_id, "incident_id": self.incident_id,
                "topic": self.topic, "severity": self.severity, "clock": self.clock,
                "clock_label": self.clock_label, "step": self.step, "label": self.label,
                "due_at": self.due_at.isoformat(), "due_local": self.due_local(timezone),
                "recipients": list(self.recipients), "link": self.link, "subject": self.subject,
                "text": self.text(timezone)}


@dataclass(frozen=True)
class DigestMessage:
    """A stored digest (service.alerts.digest renders it once, when it is built): every
    delivery of it, and every retry, sends exactly what the leader's record holds."""

    digest_id: int
    subject: str
    body: dict = field(default_factory=dict)  # Digest.body: figures, lists, "text", "markdown"

    def text(self, timezone: str) -> str:
        return self.body.get("text", self.subject)

    def markdown(self, timezone: str) -> str:
        return self.body.get("markdown", self.text(timezone))

    def payload(self, timezone: str) -> dict:
        """The webhook body: the figures and lists with the plain text, not the markdown."""
        return {**{k: v for k, v in self.body.items() if k != "markdown"}, "digest_id": self.digest_id,
                "subject": self.subject}


def zone_name(timezone: str) -> str:
    return BEIJING_LABEL if timezone in BEIJING_ALIASES else timezone
