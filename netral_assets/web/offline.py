"""Web app manifest, service worker and app icons (issue 17). Filled in shortly."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
