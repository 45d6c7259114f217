"""Checks: a laid-out document -> findings (overflow, collision, type too small, contrast, figures
without their source, QR codes that do not decode), and finished files -> a report (`netral check`).
The renderer calls the layout checks on every render, so this package sits below `render`.

`boxes` is the one adapter over WeasyPrint's layout boxes (and its version gate); `layout` checks a
page (with `typesetting`: breaks inside names, citations and addresses, lone last words; and `glyphs`:
text that would print wrong, characters without a glyph in the pack's fonts, text of invisible
characters only, bidirectional controls), `pages`
every page of a leaflet, `qr` is the one QR decoder, `files` checks files on disk. What they all speak
is here: a `Finding` under one of `RULES` (or a warning under `WARNING_RULES`, such as a printed figure
older than the data's age limit: `stale_figures`), and the source line printed under a figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model.formatting import format_date_id
from ..model.statistics import DEFAULT_MAX_AGE_DAYS

__all__ = ["RULES", "WARNING_RULES", "Finding", "source_line", "stale_figures"]

RULES = ("overflow", "clipped", "collision", "too-small", "contrast", "unsourced", "qr",
         "broken-token", "lone-word", "no-glyph", "invisible-text", "bidi-control")
# Warnings: recorded and reported, never a reason to refuse a file (no newer figure may exist).
WARNING_RULES = ("stale",)


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


def stale_figures(figures: list[dict], today: dt.date | None = None,
                  max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> list[Finding]:
    """A warning for every printed figure (its manifest record) whose data is older than `max_age_days`
    (`as_of`, the data's cut-off, as `netral stats --check` counts it)."""
    today = today or dt.date.today()
    found = []
    for figure in figures:
        if not figure.get("as_of"):
            continue
        as_of = dt.date.fromisoformat(figure["as_of"])
        age = (today - as_of).days
        if age > max_age_days:
            found.append(Finding(figure.get("id", "angka"), "stale",
                                 f"angka dicetak dengan data per {format_date_id(as_of)}, berumur {age} hari "
                                 f"(batas {max_age_days}); cari angka yang lebih baru"))
    return found
