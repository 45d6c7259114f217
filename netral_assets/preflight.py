"""Preflight: a laid-out document -> findings (text overflowing or clipped by its box, boxes colliding,
type below a legible size at the output size).

Designs mark their text regions with `data-box="name"`; the checks walk WeasyPrint's layout tree,
so they see exactly what will be printed.
"""

from __future__ import annotations

from dataclasses import dataclass

# Smallest type people can read where the asset is seen: on a phone, a 1080 px wide image is shown
# about 400 px wide, so 16 px becomes 6 px; in print, 7 pt.
MIN_RASTER_PX = 16
MIN_PRINT_PT = 7
TOLERANCE = 1.0  # px: anti-aliasing and rounding


@dataclass(frozen=True)
class Finding:
    element: str
    rule: str  # "overflow", "clipped", "collision", "too-small"
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


def _rect(box) -> tuple[float, float, float, float]:
    return (box.position_x, box.position_y, box.position_x + box.margin_width(),
            box.position_y + box.margin_height())


def _border_rect(box) -> tuple[float, float, float, float]:
    x = box.position_x + box.margin_left
    y = box.position_y + box.margin_top
    return (x, y, x + box.border_width(), y + box.border_height())


def _children(box):
    inner = getattr(box, "_box", None)  # absolutely positioned boxes sit behind a placeholder
    if inner is not None:
        return [inner]
    return getattr(box, "children", []) or []


def _region_name(box) -> str | None:
    element = getattr(box, "element", None)
    if element is None or type(box).__name__ in ("LineBox", "TextBox", "InlineBox"):
        return None
    return element.get("data-box")


def _intersects(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE


def check_document(rendered) -> list[Finding]:
    """Findings for the first page of a rendered design."""
    from weasyprint.formatting_structure.boxes import TextBox

    fmt = rendered.fmt
    page = rendered.document.pages[0]
    width, height = page.width, page.height
    regions: dict[str, tuple] = {}
    findings: list[Finding] = []
    # output size of one layout px: raster formats map 1:1; print formats shrink to paper size
    pt_per_px = 0.75 * fmt.zoom

    def walk(box, region):
        name = _region_name(box)
        if name and name not in regions:
            regions[name] = _border_rect(box)
            region = name
        if isinstance(box, TextBox) and box.text.strip():
            x0, y0, x1, y1 = _rect(box)
            size = box.style["font_size"]
            label = region or "teks"
            if region:
                r = regions[region]
                if x1 > r[2] + TOLERANCE or x0 < r[0] - TOLERANCE or y1 > r[3] + size * 0.35:
                    findings.append(Finding(label, "overflow",
                                            f"teks \"{box.text[:40]}\" keluar dari kotaknya; perpendek teks atau perbesar kotak"))
            if x1 > width + TOLERANCE or x0 < -TOLERANCE or y1 > height + TOLERANCE or y0 < -TOLERANCE:
                findings.append(Finding(label, "clipped",
                                        f"teks \"{box.text[:40]}\" terpotong tepi halaman; geser ke dalam"))
            if fmt.is_print and size * pt_per_px < MIN_PRINT_PT - 0.01:
                findings.append(Finding(label, "too-small",
                                        f"huruf {size * pt_per_px:.1f} pt di bawah batas {MIN_PRINT_PT} pt; perbesar"))
            elif not fmt.is_print and size < MIN_RASTER_PX - 0.01:
                findings.append(Finding(label, "too-small",
                                        f"huruf {size:.0f} px di bawah batas {MIN_RASTER_PX} px; perbesar"))
        for child in _children(box):
            walk(child, region)

    walk(page._page_box, None)
    names = list(regions)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ra, rb = regions[a], regions[b]
            nested = (ra[0] <= rb[0] and ra[1] <= rb[1] and ra[2] >= rb[2] and ra[3] >= rb[3]) or (
                rb[0] <= ra[0] and rb[1] <= ra[1] and rb[2] >= ra[2] and rb[3] >= ra[3])
            if not nested and _intersects(ra, rb):
                findings.append(Finding(f"{a}/{b}", "collision", f"kotak {a} bertabrakan dengan {b}; kurangi isi atau atur ulang"))
    # de-duplicate (one finding per element and rule is enough to act on)
    unique = {(f.element, f.rule): f for f in findings}
    return list(unique.values())
