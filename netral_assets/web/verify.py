"""The public check page `/cek` and `POST /api/v1/verify`: a file, a screenshot or a typed code -> who issued it."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
