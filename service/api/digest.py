"""Routes under /api/digests (to be filled)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/digests", tags=["digest"])
