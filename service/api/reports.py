"""Routes under /api/reports (to be filled)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/reports", tags=["reports"])
