"""Request and output shapes shared by the API and the triage command."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BeforeValidator, ConfigDict, Field, field_validator

from classifier.spread import ITEM_SIGNALS, ItemSignals
from routing.facts import Severity
from routing.local_time import BEIJING
from service.core.inputs import (
    EXTERNAL_ID_MAX,
    MAX_INT,
    NAMES_MAX,
    SOURCE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    TOPIC_MAX,
    Count,
    ReceivedWindow,
    StrictModel,
    parse_instant,
    representable,
)
from service.incidents.pipeline import ItemInput

Name = Annotated[str, Field(min_length=1, max_length=200)]
RECEIVED_AT = ("接收时间，ISO 8601；不带时区按 Asia/Shanghai；不早于 RECEIVED_AT_FLOOR（默认 2000-01-01），"
               "不晚于当前时间加 RECEIVED_AT_AHEAD_MINUTES（默认 10 分钟）；缺省为接收时刻 / ISO 8601, no offset = "
               "Asia/Shanghai; not before RECEIVED_AT_FLOOR (default 2000-01-01), at most RECEIVED_AT_AHEAD_MINUTES "
               "(default 10) ahead of now; default: the time of receipt")


class Signals(StrictModel):
    """Spread counters as the source reports them (classifier.spread); omit what is unknown."""

    reposts: Count | None = Field(default=None, description="转发数")
    comments: Count | None = Field(default=None, description="评论数")
    likes: Count | None = Field(default=None, description="点赞数")
    views: Count | None = Field(default=None, description="阅读/播放数")


class ItemIn(StrictModel):
    """One incoming opinion item. A time without offset is read as Asia/Shanghai. Bounds:
    service.core.inputs (the same for the API, `yuqing triage` and the demo history)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(default="web", min_length=1, max_length=SOURCE_MAX, description="渠道：web/12345/media/leader …")
    external_id: str = Field(min_length=1, max_length=EXTERNAL_ID_MAX, description="来源系统中的编号；与 source 一起去重")
    title: str | None = Field(default=None, max_length=TITLE_MAX)
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    received_at: Annotated[datetime | None, BeforeValidator(parse_instant)] = Field(default=None, description=RECEIVED_AT)
    kind: Literal["verification_request"] | None = None
    topic: str | None = Field(default=None, max_length=TOPIC_MAX)
    severity: Severity | None = None
    regions: list[Name] | None = Field(default=None, max_length=NAMES_MAX)
    departments: list[Name] | None = Field(default=None, max_length=NAMES_MAX)
    signals: Signals | None = Field(default=None, description=f"传播指标：reposts/comments/likes/views，0 至 {MAX_INT} 的整数")

    @field_validator("received_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is None:
            return None
        return representable(v.replace(tzinfo=BEIJING) if v.tzinfo is None else v)

    def received_problem(self, window: ReceivedWindow, now: datetime) -> tuple[str, str] | None:
        """(zh, en) when received_at lies outside `window` (None: received now, always fine)."""
        return window.problem(self.received_at, now) if self.received_at is not None else None

    @field_validator("signals", mode="before")
    @classmethod
    def _known_signals(cls, v: object) -> object:
        if isinstance(v, dict) and (unknown := sorted(set(v) - set(ITEM_SIGNALS))):
            raise ValueError(f"未知的传播指标 {', '.join(map(str, unknown))}，可用：{'、'.join(ITEM_SIGNALS)} / "
                             f"unknown signal(s) {', '.join(map(str, unknown))}; known: {', '.join(ITEM_SIGNALS)}")
        return v

    def signal_counts(self) -> dict[str, int]:
        return self.signals.model_dump(exclude_none=True) if self.signals else {}

    def to_input(self, key: str, received_at: datetime) -> ItemInput:
        return ItemInput(
            key=key,
            text=self.text,
            title=self.title,
            received_at=self.received_at or received_at,
            kind=self.kind,
            topic=self.topic,
            severity=self.severity,
            regions=tuple(self.regions) if self.regions is not None else None,
            departments=tuple(self.departments) if self.departments is not None else None,
            signals=ItemSignals.from_dict(self.signal_counts()),
        )

    def overrides(self) -> dict:
        return self.model_dump(include={"topic", "severity", "regions", "departments"}, exclude_none=True, mode="json")
