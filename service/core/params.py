"""Path and query parameters shared by the routes, bounded once (service.core.inputs): an id past
the id column (2^31 - 1) or an offset past 2^53 is a 422, never an overflow in the database
driver, and dates are strict YYYY-MM-DD (`to=0` is not 1970-01-01)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from service.core.inputs import ID_MAX, MAX_INT, StrictDate

IdPath = Annotated[int, Path(ge=1, le=ID_MAX, description=f"编号，1 至 {ID_MAX} / id, 1 to {ID_MAX}")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="跳过的条数 / rows to skip")]
DateQuery = StrictDate
