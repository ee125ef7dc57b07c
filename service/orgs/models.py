"""Imported organisation versions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.columns import ts


class OrgVersion(SQLModel, table=True):
    __tablename__ = "org_version"
    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(max_length=64, index=True)
    source: str
    text: str
    imported_at: datetime = ts()
