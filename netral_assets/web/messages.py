"""Leader's message and announcement forms on /humas: live preview (work in progress)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
