"""Checks: a laid-out document -> findings (overflow, collision, type too small, contrast, figures
without their source, QR codes that do not decode), and finished files -> a report (`netral check`).
The renderer calls the layout checks on every render, so this package sits below `render`.

`boxes` is the one adapter over WeasyPrint's layout boxes (and its version gate); `layout` checks a
page, `pages` every page of a leaflet, `qr` is the one QR decoder, `files` checks files on disk. What
they all speak is here: a `Finding` under one of `RULES`, and the source line printed under a figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model.formatting import format_date_id

__all__ = ["RULES", "Finding", "source_line"]

RULES = ("overflow", "clipped", "collision", "too-small", "contrast", "unsourced", "qr")


@dataclass(frozen=True)
class Finding:
    element: str
    rule: str  # one of RULES (layout checks); `netral check` adds format, size, bleed, fonts, changed, manifest
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


def source_line(figure: dict) -> str:
    """The line printed under a figure, rebuilt from its manifest record ('Sumber: KASN, 22 November 2023');
    records written before `published` was recorded carry only `as_of`."""
    date = figure.get("published") or figure["as_of"]
    return f"Sumber: {figure['body']}, {format_date_id(dt.date.fromisoformat(date))}"
