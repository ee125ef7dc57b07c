"""The admin's edits of the 政务舆情 register (the org file's entries are in the org version)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.core.columns import js, ts


class UnitRegisterEntry(SQLModel, table=True):
    """A unit's register as the admin set it: replaces the org file's entry for that unit whole
    (routing.register.effective). `entry` is routing.register.UnitRegister.as_dict()."""

    __tablename__ = "unit_register"
    unit: str = Field(primary_key=True, max_length=200)
    entry: dict = js(dict)
    updated_by: str = Field(max_length=64)
    updated_at: datetime = ts()
