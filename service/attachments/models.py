"""The attachment table: one row per file, linked to an item, a response or a notice's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from service.core.columns import ts

OWNERS = ("item", "response", "notice")


class Attachment(SQLModel, table=True):
    """`owner` is item / response / notice and `owner_id` its row. Whose it is decides who
    reads it: the incident of the item (as it is now: items move on a merge), of the response,
    of the notice (`incident_id`, set for responses and notices). The bytes are a file named
    `stored_name` under ATTACHMENTS_DIR, or `content` when no directory is configured."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner", "owner_id"),)
    id: int | None = Field(default=None, primary_key=True)
    owner: str = Field(max_length=16)
    owner_id: int
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    filename: str = Field(max_length=200)
    mime: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    stored_name: str | None = Field(default=None, max_length=64)  # random; None: in `content`
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    uploaded_by: str = Field(max_length=64)
    uploaded_unit: str | None = Field(default=None, max_length=200)
    at: datetime = ts()
