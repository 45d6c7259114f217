"""Live layout checks (preflight): a laid-out document -> findings (text overflowing or clipped by its
box, boxes colliding, type below a legible size at the output size, text/background contrast below WCAG
AA, figures printed without their source line, QR codes that do not decode; and, from `typesetting`,
line breaks inside names, citations, dates and addresses, and single-word last lines in titles and
leads; from `glyphs`, text that would print wrong: characters the pack's fonts have no glyph for, text
of control or zero-width characters only, bidirectional controls that reverse the printed letters).

Designs mark their text regions with `data-box="name"`; the checks walk WeasyPrint's layout tree
(through `boxes`, the adapter), so they see exactly what will be printed. QR codes are found by their
`data-qr` attribute (see `render/qr.py`), rasterized at the output resolution and decoded back (`qr`).
Files already written are checked by `files` (`netral check`).
"""

from __future__ import annotations

import logging

from . import RULES, Finding, boxes, source_line
from .boxes import border_rect, children, element_attr, margin_rect, region_name
from .glyphs import check_page_text
from .qr import PRINT_QR_DPI, PdfCodes, decoder_available
from .typesetting import check_page_typesetting

__all__ = ["MIN_TEXT", "RULES", "Finding", "check_document", "contrast_ratio", "min_text", "relative_luminance",
           "source_line", "unsourced"]

log = logging.getLogger(__name__)

# Smallest type people can read where the asset is seen, by format name: the one table of these floors.
# Social formats are seen about 390 CSS px wide on a phone, so the 1080 px canvas shrinks to 36%:
# 22 px (sources and footers, the smallest text allowed on social; body text is 30 px and point titles
# 40 px by the design system) becomes 8 px. Print formats keep a point size at output size, by
# viewing distance (a leaflet in the hand, a poster on a notice board read from as close).
# ("px", n): layout px, which raster formats map 1:1 to output pixels; ("pt", n): points on paper.
MIN_TEXT = {
    "square": ("px", 22.0),
    "feed": ("px", 22.0),
    "story": ("px", 22.0),
    "carousel": ("px", 22.0),
    "sticker": ("px", 22.0),  # seen ~150 px wide in a chat: stickers use 30 px and more
    "a4": ("pt", 7.0),
    "a3": ("pt", 7.0),
    "a4-landscape": ("pt", 7.0),
}
# Formats a design defines itself (`[sizes.*]` in design.toml: the logo lockups, scaled by whoever
# places them): the general floors.
MIN_TEXT_OTHER_RASTER = ("px", 16.0)
MIN_TEXT_OTHER_PRINT = ("pt", 7.0)
TOLERANCE = 1.0  # px: anti-aliasing and rounding
# WCAG 2.x AA: 4.5:1 for body text, 3:1 for large text (24 px, or 18.66 px at weight 700 and above).
CONTRAST_AA = 4.5
CONTRAST_AA_LARGE = 3.0
LARGE_PX = 24.0
LARGE_BOLD_PX = 18.66



def min_text(fmt) -> tuple[str, float]:
    """The `too-small` floor of a format: ("px", size in layout px) or ("pt", size on paper)."""
    floor = MIN_TEXT.get(fmt.name)
    if floor is None or (floor[0] == "pt") != fmt.is_print:
        floor = MIN_TEXT_OTHER_PRINT if fmt.is_print else MIN_TEXT_OTHER_RASTER
    return floor


def _intersects(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE


# -- colour -----------------------------------------------------------------------------------------
def _rgba(color) -> tuple[float, float, float, float]:
    """A tinycss2 colour (or an (r, g, b, a) tuple) -> sRGB floats 0..1 and alpha."""
    if isinstance(color, tuple):
        return tuple(color) if len(color) == 4 else (*color, 1.0)
    r, g, b = color.to("srgb").coordinates
    return (r, g, b, color.alpha)


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = min(max(c, 0.0), 1.0)
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2.x contrast ratio of two opaque sRGB colours (1.0 … 21.0)."""
    a, b = relative_luminance(fg), relative_luminance(bg)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _over(top, bottom):
    """Composite `top` (r, g, b, a) over the opaque `bottom` (r, g, b)."""
    a = top[3]
    return tuple(top[i] * a + bottom[i] * (1 - a) for i in range(3))


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(min(max(c, 0), 1) * 255):02X}" for c in rgb[:3])


def _paint(box, backdrop: list[tuple]) -> list[tuple]:
    """The colours behind a box's content: its background colour over what is behind the box, then
    each colour stop of a gradient background over that (text over a gradient must contrast with
    every stop)."""
    style = box.style
    color = _rgba(style["background_color"])
    if color[3] > 0:
        backdrop = [_over(color, b) for b in backdrop]
    stops = [_rgba(c) for kind, image in (style["background_image"] or ()) if kind != "none"
             for c in (getattr(image, "colors", None) or ())]
    if stops:
        backdrop = [_over(stop, b) for stop in stops for b in backdrop]
    return backdrop


# -- the walk ---------------------------------------------------------------------------------------
def check_document(rendered) -> list[Finding]:
    """Findings for the first page of a rendered design."""
    fmt = rendered.fmt
    page = rendered.document.pages[0]
    width, height = page.width, page.height
    regions: dict[str, tuple] = {}
    region_parents: dict[str, tuple[str, ...]] = {}
    qr_boxes: list[tuple[str, str, tuple]] = []
    findings: list[Finding] = []
    # output size of one layout px: raster formats map 1:1; print formats shrink to paper size
    pt_per_px = 0.75 * fmt.zoom
    unit, floor = min_text(fmt)
    white = (1.0, 1.0, 1.0)

    def walk(box, region, ancestors, backdrop, clips):
        name = region_name(box)
        if name and name not in regions:
            regions[name] = border_rect(box)
            region_parents[name] = ancestors
            ancestors = (*ancestors, name)
            region = name
        qr = element_attr(box, "data-qr")
        if qr is not None:
            qr_boxes.append((region or "qr", qr, border_rect(box)))
        # What this box paints becomes the backdrop of its text (nearest ancestor with a background).
        backdrop = _paint(box, backdrop)
        if box.style["overflow"] != "visible" and not boxes.is_page(box):
            clips = (*clips, border_rect(box))
        if boxes.is_text(box) and box.text.strip():
            check_text(box, region, backdrop, clips)
        for child in children(box):
            walk(child, region, ancestors, backdrop, clips)

    def check_text(box, region, backdrop, clips):
        x0, y0, x1, y1 = margin_rect(box)
        size = box.style["font_size"]
        label = region or "teks"
        snippet = box.text.strip()[:40]
        if region:
            r = regions[region]
            if x1 > r[2] + TOLERANCE or x0 < r[0] - TOLERANCE or y1 > r[3] + size * 0.35:
                findings.append(Finding(label, "overflow",
                                        f"teks \"{snippet}\" keluar dari kotaknya; perpendek teks atau perbesar kotak"))
        if x1 > width + TOLERANCE or x0 < -TOLERANCE or y1 > height + TOLERANCE or y0 < -TOLERANCE:
            findings.append(Finding(label, "clipped",
                                    f"teks \"{snippet}\" terpotong tepi halaman; geser ke dalam"))
        for c in clips:
            if x1 > c[2] + TOLERANCE or x0 < c[0] - TOLERANCE or y1 > c[3] + size * 0.35 or y0 < c[1] - size * 0.35:
                findings.append(Finding(label, "clipped",
                                        f"teks \"{snippet}\" terpotong oleh kotak induknya (overflow); beri ruang lebih"))
                break
        if unit == "pt" and size * pt_per_px < floor - 0.01:
            findings.append(Finding(label, "too-small",
                                    f"huruf \"{snippet}\" {size * pt_per_px:.1f} pt di bawah batas {floor:g} pt "
                                    f"untuk format {fmt.name}; perbesar"))
        elif unit == "px" and size < floor - 0.01:
            findings.append(Finding(label, "too-small",
                                    f"huruf \"{snippet}\" {size:.1f} px di bawah batas {floor:g} px "
                                    f"untuk format {fmt.name}; perbesar"))
        fg = _rgba(box.style["color"])
        weight = box.style["font_weight"]
        large = size >= LARGE_PX or (size >= LARGE_BOLD_PX and isinstance(weight, int) and weight >= 700)
        need = CONTRAST_AA_LARGE if large else CONTRAST_AA
        for bg in backdrop:
            ratio = contrast_ratio(_over(fg, bg), bg)
            if ratio < need - 0.005:
                findings.append(Finding(label, "contrast",
                                        f"kontras teks \"{snippet}\" {_hex(_over(fg, bg))} di atas {_hex(bg)} "
                                        f"hanya {ratio:.2f}:1, di bawah WCAG AA {need:g}:1; pakai pasangan warna "
                                        "dari [contrast] di brand.toml"))
                break

    walk(boxes.page_box(page), None, (), [white], ())
    findings.extend(_collisions(regions, region_parents))
    findings.extend(check_page_typesetting(boxes.page_box(page)))
    findings.extend(check_page_text(boxes.page_box(page), rendered.document))
    if rendered.sources:
        findings.extend(unsourced(rendered.sources, boxes.page_text(page)))
    if qr_boxes:
        findings.extend(_undecodable_qr(rendered, qr_boxes))
    # de-duplicate (one finding per element and rule is enough to act on)
    unique = {(f.element, f.rule): f for f in findings}
    return list(unique.values())


def _collisions(regions, region_parents) -> list[Finding]:
    # Regions nested in the document (a name inside the footer) may overlap; siblings may not.
    names = list(regions)
    found = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if a in region_parents[b] or b in region_parents[a]:
                continue
            if _intersects(regions[a], regions[b]):
                found.append(Finding(f"{a}/{b}", "collision",
                                     f"kotak {a} bertabrakan dengan {b}; kurangi isi atau atur ulang"))
    return found


def unsourced(figures: list[dict], text: str) -> list[Finding]:
    """Every figure a template used must have a source, and its source line must be in `text` (what
    was printed).

    `stat()` already refuses a figure without a source, so the first case is a guard; the second
    catches a design that prints a number and forgets the line under it."""
    found = []
    for figure in figures:
        if not figure.get("source_title"):
            found.append(Finding(figure["id"], "unsourced",
                                 "angka tanpa sumber tidak boleh dicetak; isi `source` di statistics.toml"))
        elif source_line(figure) not in text:
            found.append(Finding(figure["id"], "unsourced",
                                 f"angka {figure['id']} dicetak tanpa baris \"{source_line(figure)}\"; "
                                 "cetak stat(...).source_line di bawahnya"))
    return found


def _undecodable_qr(rendered, qr_boxes) -> list[Finding]:
    """Rasterize each QR code's region at the output resolution and decode it back."""
    if not decoder_available():  # a test dependency today; without it the rule cannot run, and says so
        log.warning("zxing-cpp tidak terpasang: kode QR tidak diperiksa.")
        return []
    fmt = rendered.fmt
    bleed = rendered.document.pages[0].bleed
    # pixels per layout px: 1 for raster formats; PRINT_QR_DPI on paper for print formats
    px_per_px = 0.75 * fmt.zoom * PRINT_QR_DPI / 72 if fmt.is_print else 1.0
    scale = px_per_px / 0.75  # pdfium scale is pixels per PDF point; the unzoomed PDF has 0.75 pt per px
    found = []
    with PdfCodes(rendered.document.write_pdf(), scale) as pdf:
        page_w, page_h = pdf.page(0).get_size()
        for region, expected, (x0, y0, x1, y1) in qr_boxes:
            margin = 8
            left = (x0 - margin + bleed["left"]) * 0.75
            top = (y0 - margin + bleed["top"]) * 0.75
            right = page_w - (x1 + margin + bleed["left"]) * 0.75
            bottom = page_h - (y1 + margin + bleed["top"]) * 0.75
            texts = pdf.read(0, tuple(max(0.0, v) for v in (left, bottom, right, top)))
            if expected not in texts:
                got = f"terbaca \"{texts[0][:40]}\"" if texts else "tidak terbaca"
                found.append(Finding(region, "qr",
                                     f"kode QR untuk {expected} {got}; perbesar kode, beri zona tenang putih, "
                                     "atau pakai warna yang lebih kontras"))
    return found
