"""Routes under /api/supervision (to be filled)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/supervision", tags=["supervision"])
