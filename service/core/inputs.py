"""What the service accepts from outside, in one place.

The API's request models, `yuqing triage` and every import path share these bounds, so a
value refused by one is refused by all; the static ones are Field constraints and show in
the OpenAPI schema. Everything here is pure: settings come in as arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

# the largest integer a JSON client (JavaScript's Number) holds exactly; every integer that
# comes in is at most this, so none overflows SQLite's or PostgreSQL's 64-bit integers
MAX_INT = 2**53
# row ids are INTEGER columns (32 bits on PostgreSQL, which refuses to compare one with more)
ID_MAX = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=MAX_INT, strict=True)]
Id = Annotated[int, Field(ge=1, le=ID_MAX)]

# an item's text fields; source and external_id are the width of their columns (service.incidents.models.Item)
SOURCE_MAX, EXTERNAL_ID_MAX, TITLE_MAX, TEXT_MAX = 64, 128, 500, 20_000
TOPIC_MAX, NAMES_MAX = 32, 50

# dates in query strings and on the command line: YYYY-MM-DD only (no timestamps, no week dates)
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2100, 12, 31)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# PostgreSQL text refuses NUL; a lone surrogate (JSON "\ud800") cannot be encoded as UTF-8
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    if _UNSTORABLE.search(value):
        return "含有无法保存的字符（NUL 或孤立代理项） / contains a character that cannot be stored (NUL or a lone surrogate)"
    return None


def _storable(value: Any) -> Any:
    texts = value if isinstance(value, list) else [value]
    for text in texts:
        if isinstance(text, str) and (problem := text_problem(text)):
            raise ValueError(problem)
    return value


class StrictModel(BaseModel):
    """Base of every request body: unknown fields are refused (a typo is an error, not a
    silently dropped value) and no text holds what the database cannot store."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, v: Any) -> Any:
        return _storable(v)


def date_problem(text: str) -> tuple[str, str] | None:
    """(zh, en) when `text` is not a strict ISO date YYYY-MM-DD within DATE_MIN..DATE_MAX."""
    if not _ISO_DATE.fullmatch(text):
        return f"日期应为 YYYY-MM-DD：{text[:40]}", f"a date must be YYYY-MM-DD, got {text[:40]!r}"
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return f"没有这一天：{text}", f"no such day: {text}"
    if not DATE_MIN <= day <= DATE_MAX:
        return (f"日期须在 {DATE_MIN} 至 {DATE_MAX} 之间：{text}",
                f"a date must lie between {DATE_MIN} and {DATE_MAX}, got {text}")
    return None


def parse_date(value: Any) -> date:
    """A strict ISO date (a number such as 0 is not 1970-01-01); ValueError names the problem."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError("日期应为 YYYY-MM-DD 字符串 / a date must be a YYYY-MM-DD string")
    if problem := date_problem(value):
        raise ValueError(" / ".join(problem))
    return date.fromisoformat(value)


StrictDate = Annotated[date, BeforeValidator(parse_date), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$",
     "description": f"YYYY-MM-DD，{DATE_MIN} 至 {DATE_MAX}"})]


def parse_instant(value: Any) -> Any:
    """received_at as ISO 8601 text (or a datetime from Python callers): a bare number is
    refused rather than read as seconds since 1970."""
    if value is None or isinstance(value, str | datetime):
        return value
    raise ValueError("时间应为 ISO 8601 字符串 / a time must be an ISO 8601 string")


def representable(value: datetime) -> datetime:
    """Refuse a time whose UTC value falls outside what datetime holds (year 1 at +08:00)."""
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("时间超出可表示范围 / time out of range") from None
    return value


@dataclass(frozen=True)
class ReceivedWindow:
    """When an item may say it was received: not before `floor`, at most `ahead` after now.
    A clock far in the future never escalates; one in 1970 fires every rung at once."""

    floor: datetime
    ahead: timedelta

    @classmethod
    def of(cls, settings: Any) -> ReceivedWindow:
        """From Settings: RECEIVED_AT_FLOOR (a local date), RECEIVED_AT_AHEAD_MINUTES."""
        floor = datetime.combine(settings.received_at_floor, time(0), tzinfo=ZoneInfo(settings.timezone))
        return cls(floor, timedelta(minutes=settings.received_at_ahead_minutes))

    def problem(self, received_at: datetime, now: datetime) -> tuple[str, str] | None:
        if received_at < self.floor:
            return (f"接收时间早于 {self.floor:%Y-%m-%d}", f"received_at is before {self.floor:%Y-%m-%d}")
        if received_at > now + self.ahead:
            minutes = f"{self.ahead.total_seconds() / 60:g}"
            return (f"接收时间晚于当前时间 {minutes} 分钟以上", f"received_at is more than {minutes} minutes in the future")
        return None
