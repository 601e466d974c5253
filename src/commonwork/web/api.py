"""The JSON HTTP API under /api/v1 (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
