"""Where the bundled campaign pack lives: a directory name -> its path.

In a source checkout `brand/`, `templates/` and `fonts/` sit beside the package; in an installed wheel
they are carried inside it under `_pack/`. Everything else asks this module, never `__file__`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
PACK_PARTS = ("brand", "templates", "fonts")


@cache
def bundled_dir(part: str) -> Path:
    """Return the bundled directory for `part` (one of PACK_PARTS)."""
    if part not in PACK_PARTS:
        raise ValueError(f"unknown pack part {part!r}")
    for candidate in (PACKAGE_DIR / "_pack" / part, PACKAGE_DIR.parent / part):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {part}/ not found next to {PACKAGE_DIR}")
