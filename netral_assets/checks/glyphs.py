"""Text that would print wrong -> findings: characters the pack's fonts have no glyph for (an emoji, a
script the brand family does not cover: printed as an empty box, "tofu", or in whatever font the
printing machine falls back to), text made only of control or zero-width characters (a name that
prints as nothing), and bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) that
reverse or reorder the printed letters.

The text is read from the laid-out page (through `boxes`), so every source is covered: agency names,
users' own texts, CSV units and the pack's content, after text-transform and hyphenation. Glyphs are
looked up in the cmap (fontTools) of the fonts the document's @font-face rules registered, which are
the pack's `font_files()` (`render.fonts.fonts_css`), of the family each text asks for; text set in a
family the pack does not provide is not looked up (it is the system's, whatever it holds).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from . import Finding
from .boxes import children, font_files, is_text, region_name

__all__ = ["BIDI_CONTROLS", "check_page_text", "missing", "text_problems"]

# Explicit bidirectional formatting (UAX #9 §2): embeddings, overrides, isolates and their ends, and
# the right-to-left marks, which move neighbouring punctuation and digits. (LRM changes nothing in
# left-to-right text and is left alone.)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200f\u061c")
# Characters no font draws (HarfBuzz and Pango render them as nothing, never as tofu): format
# characters (zero-width space and joiners, word joiner, soft hyphen, BOM...) and variation selectors.
_VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
# Letters that print as blank space although they are not categorized as such.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
MAX_NAMED = 5  # characters named in one finding


def _ignorable(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or any(ord(char) in r for r in _VARIATION_SELECTORS)


def _invisible(char: str) -> bool:
    """Prints nothing at all: whitespace, controls, format characters, blank letters."""
    return (char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs", "Zl", "Zp")
            or _ignorable(char) or char in _BLANK_LETTERS)


def describe(char: str) -> str:
    """'"🚀" (U+1F680 ROCKET)'; controls and invisible characters by their code point and name only."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    if not name and unicodedata.category(char) == "Cc":
        name = "karakter kendali"
    label = f"{code} {name}".strip()
    return label if _invisible(char) or char in BIDI_CONTROLS else f"\"{char}\" ({label})"


def _listed(chars) -> str:
    chars = list(dict.fromkeys(chars))
    named = ", ".join(describe(c) for c in chars[:MAX_NAMED])
    return named + (f" dan {len(chars) - MAX_NAMED} lainnya" if len(chars) > MAX_NAMED else "")


def _snippet(text: str) -> str:
    """Up to 40 printable characters of `text` for a message (controls and bidi characters out)."""
    shown = "".join(c for c in " ".join(text.split()) if c not in BIDI_CONTROLS and unicodedata.category(c) != "Cc")
    return shown[:40]


def text_problems(text: str, cmap: frozenset[int] | None, family: str = "") -> list[tuple[str, str]]:
    """(rule, message) for one text as it will be printed: `no-glyph` for characters outside `cmap`
    (code points; None: not looked up), `invisible-text` for a text of control and zero-width
    characters only, `bidi-control` for a bidirectional control. Ordinary whitespace is never a problem."""
    return _problems(text, missing(text, cmap), family)


def missing(text: str, cmap: frozenset[int] | None) -> list[str]:
    """The characters of `text` that `cmap` has no glyph for (none when not looked up)."""
    if cmap is None:
        return []
    return [c for c in text if ord(c) not in cmap and not c.isspace() and not _ignorable(c)]


def _problems(text: str, absent: list[str], family: str) -> list[tuple[str, str]]:
    visible = [c for c in text if not c.isspace()]
    if visible and all(_invisible(c) for c in visible):
        return [("invisible-text", f"teksnya hanya berisi karakter tak terlihat ({_listed(visible)}) dan tercetak "
                                   "kosong; isi dengan teks yang terbaca")]
    problems = []
    bidi = [c for c in text if c in BIDI_CONTROLS]
    if bidi:
        problems.append(("bidi-control", f"teks \"{_snippet(text)}\" memuat karakter pengatur arah "
                                         f"({_listed(bidi)}) yang membalik atau mengacak urutan huruf saat "
                                         "dicetak; hapus karakter itu dari teks"))
    if absent:
        fonts = f"fon {family}" if family else "fon paket"
        problems.append(("no-glyph", f"karakter {_listed(absent)} di \"{_snippet(text)}\" tidak ada di {fonts} "
                                     "dan akan tercetak sebagai kotak kosong atau dengan fon lain; hapus atau "
                                     "ganti karakter itu, atau tambahkan fon yang memuatnya ke folder fonts/ paket"))
    return problems


@lru_cache(maxsize=64)
def _face(path: str, size: int, mtime: int) -> tuple[str, frozenset[int]]:
    """A font file -> (its family as @font-face names it, its code points). Keyed by size and mtime."""
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True, fontNumber=0) as font:
        name = font["name"]
        family = name.getDebugName(16) or name.getDebugName(1) or ""
        return family, frozenset(font.getBestCmap() or {})


def family_cmaps(files: list[Path]) -> dict[str, frozenset[int]]:
    """Font files -> the code points of each family (the union of its faces)."""
    found: dict[str, set[int]] = {}
    for path in files:
        try:
            stat = path.stat()
            family, cmap = _face(str(path), stat.st_size, stat.st_mtime_ns)
        except Exception:  # noqa: BLE001 - a file fontTools cannot read is no family of ours
            continue
        found.setdefault(family.casefold(), set()).update(cmap)
    return {family: frozenset(cmap) for family, cmap in found.items()}


def check_page_text(root, document) -> list[Finding]:
    """Findings for the text on one laid-out page (`root`: its page box), one per region and rule,
    every character named. `document` gives the fonts (its @font-face files)."""
    cmaps = family_cmaps(font_files(document))
    regions: dict[str, tuple[list[str], list[str], list[str]]] = {}  # label -> texts, absent chars, families

    def walk(box, region):
        region = region_name(box) or region
        if is_text(box) and box.text:
            texts, absent, families = regions.setdefault(region or "teks", ([], [], []))
            family, cmap = _cmap_for(box.style["font_family"], cmaps)
            texts.append(box.text)
            absent.extend(missing(box.text, cmap))
            if family and family not in families:
                families.append(family)
        for child in children(box):
            walk(child, region)

    walk(root, None)
    return [Finding(label, rule, message)
            for label, (texts, absent, families) in regions.items()
            for rule, message in _problems("".join(texts), absent, ", ".join(families))]


def _cmap_for(font_family, cmaps) -> tuple[str, frozenset[int] | None]:
    """The first family in a CSS font-family list that the pack provides, and its code points."""
    for family in font_family or ():
        cmap = cmaps.get(str(family).casefold())
        if cmap is not None:
            return str(family), cmap
    return "", None
