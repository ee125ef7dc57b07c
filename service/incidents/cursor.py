"""Keyset pagination of the incident list (issue 18 b): a page after a cursor is found by the
order key of the last row shown, not by counting rows to skip, so page 500 costs what page 1
costs and a row arriving or leaving between two requests neither repeats a row nor skips one
(that kept its place in the order).

A cursor is opaque to clients: URL-safe base64 of [order, key, id], where key is the breach
key of the last row (epoch seconds, null when nothing runs) for the board's order and absent
for newest-first. Pure encoding here; the condition over the query is `listing.after`."""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from service.core.errors import Invalid
from service.core.inputs import ID_MAX

ORDERS = ("breach", "newest")
MAX_CHARS = 200


@dataclass(frozen=True)
class Cursor:
    order: str  # listing.Order
    key: float | None  # the breach key of the last row (None: nothing running); None for newest
    id: int


def encode(cursor: Cursor) -> str:
    raw = json.dumps([cursor.order, cursor.key, cursor.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refused() -> Invalid:
    return Invalid("翻页游标无效或已不适用于当前排序，请从第一页重新开始",
                   "invalid cursor, or one of another order: start again from the first page")


def decode(token: str, order: str) -> Cursor:
    """The cursor `token` stands for; a 422 when it is not one this API wrote for `order`."""
    if not token or len(token) > MAX_CHARS:
        raise _refused()
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _refused() from None
    if not (isinstance(value, list) and len(value) == 3 and value[0] == order and value[0] in ORDERS):
        raise _refused()
    _, key, incident_id = value
    if isinstance(incident_id, bool) or not isinstance(incident_id, int) or not 1 <= incident_id <= ID_MAX:
        raise _refused()
    if key is not None and (isinstance(key, bool) or not isinstance(key, int | float) or not math.isfinite(key)):
        raise _refused()
    if order == "newest" and key is not None:
        raise _refused()
    return Cursor(order, float(key) if key is not None else None, incident_id)
