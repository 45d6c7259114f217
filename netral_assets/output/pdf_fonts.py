"""Font subsets of PDFs being joined: a PDF -> its subset tags, and new tags for an overlay's subsets.

Font subsets are named "ABCDEF+Family"; WeasyPrint derives the six letters from the font, not from the
glyphs in the subset, so two PDFs drawn over each other (a poster's body and its agency layer, a page
and the draft mark) can hold different subsets under one name. The PDF spec asks for distinct tags
(RIPs and viewers may cache fonts by name), so the overlay's subsets get new, deterministic ones.
"""

from __future__ import annotations

import hashlib
import re

SUBSET = re.compile(r"^/?([A-Z]{6})\+")


def font_names(pdf):
    """(object, key, name) of every font and font descriptor name in a pikepdf PDF."""
    import pikepdf

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") in ("/Font", "/FontDescriptor"):
            for key in ("/BaseFont", "/FontName"):
                if key in obj:
                    yield obj, key, str(obj[key])


def subset_tags(pdf) -> set[str]:
    return {m.group(1) for _, _, name in font_names(pdf) if (m := SUBSET.match(name))}


def retag_subsets(pdf, taken: set[str], salt: str = "") -> None:
    """Give every subset of `pdf` a tag not in `taken` (which grows), derived from the old tag and
    `salt`, so the same inputs give the same bytes."""
    import pikepdf

    new: dict[str, str] = {}
    for obj, key, name in list(font_names(pdf)):
        found = SUBSET.match(name)
        if not found:
            continue
        old = found.group(1)
        if old not in new:
            seed = salt + old
            while True:
                seed = hashlib.sha256(seed.encode()).hexdigest()
                tag = "".join(chr(65 + int(seed[i:i + 2], 16) % 26) for i in range(0, 12, 2))
                if tag not in taken:
                    break
            new[old] = tag
            taken.add(tag)
        obj[key] = pikepdf.Name("/" + new[old] + name.lstrip("/")[6:])
