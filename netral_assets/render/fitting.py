"""Text fitting: text + font file + box -> font size and balanced line breaks.

Widths come from HarfBuzz shaping (the same shaper Pango uses inside WeasyPrint), measured once per
word in font units and scaled linearly, so fitting 600 names into a design costs milliseconds. The
words measured are kept per font, bounded (`WORDS_KEPT`): names typed on the web page land there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import uharfbuzz as hb

from ..caching import Kept
from ..defaults import WORDS_KEPT
from ..errors import NetralError
from ..model.designs import Box

# Pango and HarfBuzz agree on advances, but hinting and rounding differ by a hair: keep a margin.
WIDTH_SAFETY = 0.97


@dataclass(frozen=True)
class Fit:
    size: float  # CSS px
    lines: tuple[str, ...]
    line_height: float  # unitless multiplier

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class _Measurer:
    """Shapes words with one font file; widths in font units."""

    def __init__(self, path: Path):
        blob = hb.Blob.from_file_path(str(path))
        self.font = hb.Font(hb.Face(blob))
        self.upem = self.font.face.upem
        self.widths = Kept(WORDS_KEPT)
        self.space = self.word(" ")

    def word(self, text: str) -> int:
        width = self.widths.get(text)
        if width is None:
            buf = hb.Buffer()
            buf.add_str(text)
            buf.guess_segment_properties()
            hb.shape(self.font, buf, {"kern": True, "liga": True})
            width = sum(p.x_advance for p in buf.glyph_positions)
            self.widths.put(text, width)
        return width


@cache
def _measurer(path: Path) -> _Measurer:
    return _Measurer(path)


def _balanced_breaks(widths: list[float], gaps: list[float], lines: int) -> tuple[float, list[int]]:
    """Split words into exactly `lines` lines minimising the widest one; `gaps[i]` is the space before
    word i (0 after a slash). Returns (width, cut indexes)."""
    n = len(widths)
    prefix, gap = [0.0], [0.0, 0.0]
    for w in widths:
        prefix.append(prefix[-1] + w)
    for g in gaps[1:]:
        gap.append(gap[-1] + g)

    def span(i: int, j: int) -> float:  # words i..j-1 on one line, with the gaps between them
        return prefix[j] - prefix[i] + gap[j] - gap[i + 1]

    # best[k][j]: minimal widest line placing the first j words on k lines
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(lines + 1)]
    cut = [[0] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        for j in range(k, n + 1):
            for i in range(k - 1, j):
                value = max(best[k - 1][i], span(i, j))
                # prefer the later cut on ties so the lower lines are the longer ones
                if value <= best[k][j]:
                    best[k][j], cut[k][j] = value, i
    cuts, j = [], n
    for k in range(lines, 0, -1):
        cuts.append(j)
        j = cut[k][j]
    return best[lines][n], sorted(cuts)


def _tokens(words: list[str], keep: tuple[str, ...]) -> list[str]:
    """Words, with each phrase of `keep` that occurs ("Aparatur Negara", "Hak Asasi Manusia") joined
    into one token, so a line never breaks inside it. Matching ignores case and trailing commas."""
    phrases = sorted((p.split() for p in keep if p.strip()), key=len, reverse=True)
    tokens, i = [], 0
    while i < len(words):
        for phrase in phrases:
            n = len(phrase)
            if n > 1 and [w.rstrip(",").casefold() for w in words[i:i + n]] == [p.casefold() for p in phrase] \
                    and not any(w.endswith(",") for w in words[i:i + n - 1]):
                tokens.append(" ".join(words[i:i + n]))
                i += n
                break
        else:
            tokens.append(words[i])
            i += 1
    return tokens


def fit_text(text: str, font: Path, box: Box, keep: tuple[str, ...] = ()) -> Fit:
    """The largest size (≥ box.min_size) at which `text` fits the box, with balanced lines that do not
    break inside a phrase of `keep` (the pack's `[typesetting] keep_together`); when no size fits that
    way, any break between words is allowed."""
    text = " ".join(text.split())
    if box.transform == "uppercase":
        text = text.upper()
    words = text.split(" ")
    if keep:
        tokens = _tokens(words, tuple(keep))
        if len(tokens) < len(words):
            try:
                return _fit(text, tokens, font, box)
            except NetralError:
                pass
    return _fit(text, words, font, box)


def _at_slashes(words: list[str]) -> tuple[list[str], list[bool]]:
    """Words split after each slash inside them ("Keluarga/Badan" -> "Keluarga/", "Badan"), so a line
    may break there; the second part is glued (no space before it) when both stay on one line."""
    parts, glued = [], []
    for word in words:
        pieces = word.split("/")
        if len(pieces) > 1 and all(pieces) and "://" not in word:
            for k, piece in enumerate(pieces):
                parts.append(piece + ("/" if k < len(pieces) - 1 else ""))
                glued.append(k > 0)
        else:
            parts.append(word)
            glued.append(False)
    return parts, glued


def _fit(text: str, words: list[str], font: Path, box: Box) -> Fit:
    words, glued = _at_slashes(words)
    m = _measurer(Path(font))
    units = [m.word(w) for w in words]
    spacing = box.letter_spacing * m.upem
    units = [u + spacing * len(w) for u, w in zip(units, words, strict=True)]
    space = m.space + spacing
    gaps = [0.0 if g else space for g in glued]
    best: Fit | None = None
    for count in range(1, min(box.max_lines, len(words)) + 1):
        widest, cuts = _balanced_breaks(units, gaps, count)
        # size limited by width and by height
        by_width = box.width * WIDTH_SAFETY * m.upem / widest if widest else box.max_size
        by_height = box.height / (count * box.line_height)
        size = min(box.max_size, by_width, by_height)
        size = int(size * 2) / 2  # half-pixel steps keep CSS tidy
        if size < box.min_size:
            continue
        if best is None or size > best.size + 0.01:
            start, lines = 0, []
            for end in cuts:
                lines.append("".join(("" if glued[k] or k == start else " ") + words[k] for k in range(start, end)))
                start = end
            best = Fit(size, tuple(lines), box.line_height)
    if best is None:
        raise NetralError(
            f"Teks '{text[:60]}' terlalu panjang untuk kotaknya (lebar {box.width:g}px, "
            f"{box.max_lines} baris, huruf minimal {box.min_size:g}px). Pakai nama pendek (short_name)."
        )
    return best
