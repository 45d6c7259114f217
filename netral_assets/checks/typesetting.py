"""Typesetting rules read from the laid-out lines: a page -> findings for a line break inside a protected
token (`broken-token`) and a single-word last line in a title or lead (`lone-word`).

Protected tokens are proper names and citations ("SP4N-LAPOR!", "PP 94/2021", "UU 7/2017", "Pasal 15",
"ayat (2)", "huruf i"), dates ("15 November 2023", "6 Feb 2024"), e-mail addresses and URLs; in an
address a break is allowed right after "@", "." or "/" (where a template may put `<wbr>`), nowhere else.

Where the lines broke is found by laying each line's text over the text its element was written with
(case-insensitively, so text-transform does not matter): a line starting inside a token is a break in
it. A line that cannot be found there (generated content, automatic hyphenation) is skipped.

Titles and leads are marked by their `data-box` name, `title` or `lead` or ending in `-title` or `-lead`
("cover-title"), or by a `data-balance` attribute on the element or one of its ancestors (for the
titles inside a list of points); every block of text inside such an element is checked. A last line of
one word under a line of several is a finding; a headline stacked one word a line ("Netralitas / ASN")
is not, as no break would balance it.
"""

from __future__ import annotations

import re

from . import Finding
from .boxes import children, element_attr, lines, region_name, source_text, text_of

__all__ = ["BALANCED_NAME", "PROTECTED", "balanced_region", "check_page_typesetting", "protected_spans"]

_MONTHS = ("Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember"
           "|Jan|Feb|Mar|Apr|Jun|Jul|Agu|Agt|Ags|Sept|Sep|Okt|Nov|Des")
# kind -> pattern; the order matters only where two kinds overlap (an address inside a URL)
PROTECTED = {
    "nama": re.compile(r"SP4N[-\u2010\u2011]LAPOR!?"),
    "sitasi": re.compile(
        r"\b(?:PP|UU|Perpres|Keppres|Inpres|Permen\w*|Perka\w*|Perkin|Perda|SKB)\s+"
        r"(?:(?:No\.|Nomor)\s*)?\d[\w.\-]*(?:/[\w.\-]*\d[\w.\-]*)*(?:\s+Tahun\s+\d{4})?"
        r"|(?i:\b(?:Pasal|ayat|huruf)\s+(?:\(\d+[a-z]?\)|\d+[a-z]?\b|[a-z]\b))"
    ),
    "tanggal": re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})(?!\w)\.?(?:\s+\d{{4}}\b)?"),
    "surel": re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    "alamat web": re.compile(
        r"\bhttps?://[^\s<>\"]*[^\s<>\".,;:!?)]"
        r"|\b(?:www\.)?[\w\-]+(?:\.[\w\-]+)*\.(?:go\.id|ac\.id|or\.id|co\.id|id|com|org|net)\b"
        r"(?:/[^\s<>\"]*[^\s<>\".,;:!?)])?"
    ),
}
ADDRESSES = ("surel", "alamat web")
ADDRESS_BREAKS = "@./"  # an address may break right after one of these
BALANCED_NAME = re.compile(r"(?:^|-)(?:title|lead)$")
_SPACES = re.compile(r"[ \t\n\r\f]+")  # collapsible white space (not the no-break space)


def protected_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every protected token in `text`; an address's own domain is not counted
    again as a URL inside it."""
    spans: list[tuple[int, int, str]] = []
    for kind, pattern in PROTECTED.items():
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s <= start and end <= e for s, e, k in spans if k in ADDRESSES):
                continue
            spans.append((start, end, kind))
    return spans


def balanced_region(name: str | None) -> bool:
    """Whether a `data-box` name marks a title or a lead (no single-word last line)."""
    return bool(name) and bool(BALANCED_NAME.search(name))


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text)


def line_starts(source: str, texts: list[str]) -> list[int | None]:
    """Where each line's text starts in `source` (both white-space collapsed), in order; None for a
    line not found there."""
    lowered = source.lower().replace("\u00a0", " ")  # same length: positions hold
    cursor = 0
    starts: list[int | None] = []
    for text in texts:
        needle = _collapse(text).strip().lower().replace("\u00a0", " ")
        if not needle:
            starts.append(None)
            continue
        at = lowered.find(needle, cursor)
        if at < 0 and needle[-1] in "-\u2010\u00ad":  # a hyphen added by hyphenation
            needle = needle[:-1]
            at = lowered.find(needle, cursor)
        if at < 0:
            starts.append(None)
            continue
        starts.append(at)
        cursor = at + len(needle)
    return starts


def broken_tokens(source: str, texts: list[str]) -> list[tuple[str, str, str]]:
    """(kind, token, how it broke) for every line break inside a protected token of a block whose
    element was written as `source` and laid out as the lines `texts`."""
    source = _collapse(source)
    starts = line_starts(source, texts)
    spans = protected_spans(source)
    found = []
    for before, at in zip(starts, starts[1:], strict=False):
        if before is None or at is None:
            continue
        for start, end, kind in spans:
            if not start < at < end:
                continue
            if kind in ADDRESSES and source[at - 1] in ADDRESS_BREAKS:
                continue
            token = source[start:end]
            found.append((kind, token, f"{source[start:at].rstrip()} / {source[at:end]}"))
    return found


def check_page_typesetting(root) -> list[Finding]:
    """Findings of both rules for every block of text under `root` (a page's box tree)."""
    findings: list[Finding] = []

    def walk(box, region, balanced):
        name = region_name(box)
        if name:
            region = name
            balanced = balanced or balanced_region(name)
        if element_attr(box, "data-balance") is not None:
            balanced = True
        rows = lines(box)
        if rows:
            check_block(box, rows, region, balanced)
        for child in children(box):
            walk(child, region, balanced)

    def check_block(box, rows, region, balanced):
        texts = [text_of(row) for row in rows]
        label = region or "teks"
        for kind, token, split in broken_tokens(source_text(box), texts):
            allowed = " (hanya boleh setelah @ . /)" if kind in ADDRESSES else ""
            findings.append(Finding(label, "broken-token",
                                    f"{kind} \"{token}\" terpotong antarbaris: \"{split}\"{allowed}; "
                                    "satukan dengan spasi tak terputus atau <span class=\"nb\">, atau perkecil"))
        shown = [t.split() for t in texts if t.strip()]
        # one word under a line of several: a word could have come down with it (a stacked headline of
        # one word a line has no better break)
        if balanced and len(shown) >= 2 and len(shown[-1]) == 1 and len(shown[-2]) >= 2:
            findings.append(Finding(label, "lone-word",
                                    f"baris terakhir \"{' '.join(shown[-2])} / {shown[-1][0]}\" hanya satu kata; "
                                    "seimbangkan baris (m.nowidow) atau ubah teksnya"))

    walk(root, None, False)
    return findings
