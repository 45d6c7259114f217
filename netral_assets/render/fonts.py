"""Fonts: the pack's font files -> WeasyPrint's one FontConfiguration per process, @font-face rules, and
the file closest to a weight (for text fitting and outlined logo text)."""

from __future__ import annotations

import atexit
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

from ..checks.boxes import remove_font_folder
from ..errors import NetralError
from ..model.pack import Pack


@cache
def font_config():
    # One per process: building it costs tens of ms and it caches shaped fonts across documents.
    from multiprocessing import util

    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    # WeasyPrint copies @font-face files into a temporary folder that only its __del__ removes, and a
    # cached object outlives that; remove it at exit (atexit in a normal process, multiprocessing's
    # finalizers in a worker, which skips atexit).
    atexit.register(remove_font_folder, config)
    util.Finalize(None, remove_font_folder, args=(config,), exitpriority=1)
    return config


@cache
def _font_info(path: Path) -> tuple[str, int, str]:
    with TTFont(path, lazy=True) as font:
        name = font["name"]
        family = name.getDebugName(16) or name.getDebugName(1)
        style = "italic" if font["OS/2"].fsSelection & 1 else "normal"
        return family, font["OS/2"].usWeightClass, style


def font_faces(pack: Pack) -> list[tuple[str, int, str, Path]]:
    return [(*_font_info(p), p) for p in pack.font_files()]


def font_file(pack: Pack, weight: int, family: str | None = None) -> Path:
    """The pack's font file closest to `weight` (upright) in `family` (default: the brand family)."""
    family = family or pack.config.get("fonts", {}).get("family")
    faces = [f for f in font_faces(pack) if f[2] == "normal" and (family is None or f[0] == family)]
    if not faces:
        raise NetralError(
            f"Font '{family}' tidak ada di paket (folder fonts/). Tambahkan berkas .ttf-nya "
            "atau ubah [fonts] family di brand.toml."
        )
    return min(faces, key=lambda f: abs(f[1] - weight))[3]


def fonts_css(pack: Pack) -> str:
    """@font-face rules for every font file of the pack (read through the fetcher by file URL)."""
    rules = []
    for family, weight, style, path in font_faces(pack):
        rules.append(
            f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: {style}; "
            f"src: url('{path.as_uri()}'); }}"
        )
    return "\n".join(rules)


@cache
def baseline_in_line(font: Path) -> float:
    """Where the baseline falls in a line box of `line-height: 1`, as a fraction of the font size, for
    text set in `font` (the chart macro places its labels by their baselines with it).

    The line's leading is shared half above and half below the glyphs' ascent and descent, which are
    the font's as HarfBuzz reads them for Pango: OS/2 typographic metrics when the font asks for them
    (USE_TYPO_METRICS), otherwise hhea's.
    """
    with TTFont(font, lazy=True) as f:
        os2, hhea = f["OS/2"], f["hhea"]
        if os2.fsSelection & (1 << 7) or not (hhea.ascent or hhea.descent):
            ascent, descent = os2.sTypoAscender, -os2.sTypoDescender
        else:
            ascent, descent = hhea.ascent, -hhea.descent
        em = f["head"].unitsPerEm
    return (1 + (ascent - descent) / em) / 2
