"""Request and output shapes shared by the API and the triage command."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from classifier.spread import ITEM_SIGNALS, ItemSignals
from routing.facts import Severity
from service.pipeline import ItemInput

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


Count = Annotated[int, Field(ge=0, strict=True)]


class Signals(BaseModel):
    """Spread counters as the source reports them (classifier.spread); omit what is unknown."""

    model_config = ConfigDict(extra="forbid")

    reposts: Count | None = Field(default=None, description="转发数")
    comments: Count | None = Field(default=None, description="评论数")
    likes: Count | None = Field(default=None, description="点赞数")
    views: Count | None = Field(default=None, description="阅读/播放数")


class ItemIn(BaseModel):
    """One incoming opinion item. A time without offset is read as Asia/Shanghai."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source: str = Field(default="web", min_length=1, max_length=64, description="渠道：web/12345/media/leader …")
    external_id: str = Field(min_length=1, max_length=128, description="来源系统中的编号；与 source 一起去重")
    title: str | None = Field(default=None, max_length=500)
    text: str = Field(min_length=1, max_length=20000)
    received_at: datetime | None = None
    kind: Literal["verification_request"] | None = None
    topic: str | None = Field(default=None, max_length=32)
    severity: Severity | None = None
    regions: list[str] | None = Field(default=None, max_length=50)
    departments: list[str] | None = Field(default=None, max_length=50)
    signals: Signals | None = Field(default=None, description="传播指标：reposts/comments/likes/views，非负整数")

    @field_validator("received_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return v.replace(tzinfo=LOCAL_TZ) if v is not None and v.tzinfo is None else v

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
