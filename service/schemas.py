"""Request and output shapes shared by the API and the triage command."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from routing.facts import Severity
from service.pipeline import ItemInput

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


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

    @field_validator("received_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return v.replace(tzinfo=LOCAL_TZ) if v is not None and v.tzinfo is None else v

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
        )

    def overrides(self) -> dict:
        return self.model_dump(include={"topic", "severity", "regions", "departments"}, exclude_none=True, mode="json")
