"""Routes under /api/reviews (to be filled)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/reviews", tags=["review"])
