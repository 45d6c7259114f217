"""Preflight: a laid-out document -> findings (text overflowing or clipped by its box, boxes colliding,
type below a legible size at the output size, text/background contrast below WCAG AA, figures printed
without their source line, QR codes that do not decode); and an output file already written ->
a `FileReport` (`check_file`, for `netral check`).

Designs mark their text regions with `data-box="name"`; the checks walk WeasyPrint's layout tree, so
they see exactly what will be printed. QR codes are found by their `data-qr` attribute (see `qr.py`),
rasterized at the output resolution and decoded back with zxing-cpp.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from ..model.formatting import format_date_id
from ..model.units import BLEED_MM, PAPER_MM, PT_PER_MM

log = logging.getLogger(__name__)

# Smallest type people can read where the asset is seen: on a phone, a 1080 px wide image is shown
# about 400 px wide, so 16 px becomes 6 px; in print, 7 pt.
MIN_RASTER_PX = 16
MIN_PRINT_PT = 7
TOLERANCE = 1.0  # px: anti-aliasing and rounding
# WCAG 2.x AA: 4.5:1 for body text, 3:1 for large text (24 px, or 18.66 px at weight 700 and above).
CONTRAST_AA = 4.5
CONTRAST_AA_LARGE = 3.0
LARGE_PX = 24.0
LARGE_BOLD_PX = 18.66
# Print QR codes are decoded as a cheap office printer or a phone photo of a poster would see them.
PRINT_QR_DPI = 150

RULES = ("overflow", "clipped", "collision", "too-small", "contrast", "unsourced", "qr")


@dataclass(frozen=True)
class Finding:
    element: str
    rule: str  # one of RULES
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


def _element_attr(box, name: str) -> str | None:
    element = getattr(box, "element", None)
    if element is None or type(box).__name__ in ("LineBox", "TextBox", "InlineBox"):
        return None
    if "::" in (getattr(box, "element_tag", "") or ""):  # ::before/::after share their parent's element
        return None
    return element.get(name)


def _region_name(box) -> str | None:
    return _element_attr(box, "data-box")


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
    from weasyprint.formatting_structure.boxes import TextBox

    fmt = rendered.fmt
    page = rendered.document.pages[0]
    width, height = page.width, page.height
    regions: dict[str, tuple] = {}
    region_parents: dict[str, tuple[str, ...]] = {}
    qr_boxes: list[tuple[str, str, tuple]] = []
    findings: list[Finding] = []
    # output size of one layout px: raster formats map 1:1; print formats shrink to paper size
    pt_per_px = 0.75 * fmt.zoom
    white = (1.0, 1.0, 1.0)

    def walk(box, region, ancestors, backdrop, clips):
        name = _region_name(box)
        if name and name not in regions:
            regions[name] = _border_rect(box)
            region_parents[name] = ancestors
            ancestors = (*ancestors, name)
            region = name
        qr = _element_attr(box, "data-qr")
        if qr is not None:
            qr_boxes.append((region or "qr", qr, _border_rect(box)))
        # What this box paints becomes the backdrop of its text (nearest ancestor with a background).
        backdrop = _paint(box, backdrop)
        if box.style["overflow"] != "visible" and type(box).__name__ != "PageBox":
            clips = (*clips, _border_rect(box))
        if isinstance(box, TextBox) and box.text.strip():
            check_text(box, region, backdrop, clips)
        for child in _children(box):
            walk(child, region, ancestors, backdrop, clips)

    def check_text(box, region, backdrop, clips):
        x0, y0, x1, y1 = _rect(box)
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
        if fmt.is_print and size * pt_per_px < MIN_PRINT_PT - 0.01:
            findings.append(Finding(label, "too-small",
                                    f"huruf {size * pt_per_px:.1f} pt di bawah batas {MIN_PRINT_PT} pt; perbesar"))
        elif not fmt.is_print and size < MIN_RASTER_PX - 0.01:
            findings.append(Finding(label, "too-small",
                                    f"huruf {size:.0f} px di bawah batas {MIN_RASTER_PX} px; perbesar"))
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

    walk(page._page_box, None, (), [white], ())
    findings.extend(_collisions(regions, region_parents))
    findings.extend(_unsourced(rendered, page))
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


def _page_text(page) -> str:
    from weasyprint.formatting_structure.boxes import TextBox

    parts = []

    def walk(box):
        if isinstance(box, TextBox):
            parts.append(box.text)
        for child in _children(box):
            walk(child)

    walk(page._page_box)
    return " ".join(" ".join(parts).split())


def source_line(figure: dict) -> str:
    """The line printed under a figure, rebuilt from its manifest record ('Sumber: KASN, 15 November 2023')."""
    return f"Sumber: {figure['body']}, {format_date_id(dt.date.fromisoformat(figure['as_of']))}"


def _unsourced(rendered, page) -> list[Finding]:
    """Every figure the template used must have a source, and its source line must be printed.

    `stat()` already refuses a figure without a source, so the first case is a guard; the second
    catches a design that prints a number and forgets the line under it."""
    figures = rendered.sources or []
    if not figures:
        return []
    text = _page_text(page)
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
    try:
        import zxingcpp
    except ImportError:  # a test dependency today; without it the rule cannot run, and says so
        log.warning("zxing-cpp tidak terpasang: kode QR tidak diperiksa.")
        return []
    import pypdfium2 as pdfium

    fmt = rendered.fmt
    page = rendered.document.pages[0]
    bleed = page.bleed
    # pixels per layout px: 1 for raster formats; PRINT_QR_DPI on paper for print formats
    px_per_px = 0.75 * fmt.zoom * PRINT_QR_DPI / 72 if fmt.is_print else 1.0
    scale = px_per_px / 0.75  # pdfium scale is pixels per PDF point; the unzoomed PDF has 0.75 pt per px
    pdf = pdfium.PdfDocument(rendered.document.write_pdf())
    found = []
    try:
        pdf_page = pdf[0]
        page_w, page_h = pdf_page.get_size()
        for region, expected, (x0, y0, x1, y1) in qr_boxes:
            margin = 8
            left = (x0 - margin + bleed["left"]) * 0.75
            top = (y0 - margin + bleed["top"]) * 0.75
            right = page_w - (x1 + margin + bleed["left"]) * 0.75
            bottom = page_h - (y1 + margin + bleed["top"]) * 0.75
            crop = tuple(max(0.0, v) for v in (left, bottom, right, top))
            image = pdf_page.render(scale=scale, crop=crop, fill_color=(255, 255, 255, 255)).to_pil()
            results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
            texts = [r.text for r in results]
            if expected not in texts:
                got = f"terbaca \"{texts[0][:40]}\"" if texts else "tidak terbaca"
                found.append(Finding(region, "qr",
                                     f"kode QR untuk {expected} {got}; perbesar kode, beri zona tenang putih, "
                                     "atau pakai warna yang lebih kontras"))
    finally:
        pdf.close()
    return found


# -- files already written --------------------------------------------------------------------------
# `netral check FILE…` cannot see the layout any more; it re-derives what the file itself shows
# (size, page boxes, embedded fonts, QR codes, printed source lines) and reads the findings recorded
# at render time from the manifest.json written beside the file.

BOX_TOLERANCE_PT = 0.05


@dataclass
class FileReport:
    path: object  # pathlib.Path
    kind: str  # "pdf", "png", "jpeg", "webp" or "?"
    facts: list  # what was found, for the person reading the report
    findings: list  # Finding

    @property
    def ok(self) -> bool:
        return not self.findings


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "?"


def _manifest_entry(path):
    import json

    manifest = path.parent / "manifest.json"
    if not manifest.is_file():
        return None, None
    try:
        data = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return None, Finding("manifest.json", "manifest", f"tidak dapat dibaca ({exc}); buat ulang kit")
    for entry in data.get("files", []):
        if entry.get("path") == path.name:
            return entry, None
    return None, None


def _decode_all(image):
    try:
        import zxingcpp
    except ImportError:
        return None
    results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True)
    return [(r.valid, r.text) for r in results]


def _bare(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def check_file(path, pack=None) -> FileReport:
    """Check an output file already on disk. With its manifest.json entry and the campaign `pack`,
    the file's design says how many QR codes it prints (`qr_codes` in design.toml); without them,
    only the codes found are checked."""
    import hashlib
    from pathlib import Path

    path = Path(path)
    data = path.read_bytes()
    kind = _sniff(data)
    report = FileReport(path, kind, [], [])
    name = path.name
    if kind == "?" and path.suffix.lower() in (".json", ".txt", ".csv", ".md"):
        report.kind = "lewati"
        report.facts.append("bukan aset gambar atau PDF; dilewati")
        return report
    if kind == "?" and b"<svg" in data[:4096]:
        report.kind = "svg"
        _check_svg(data, report)
        return report
    if kind == "?":
        report.findings.append(Finding(name, "format", "bukan PDF, PNG, JPEG, WebP atau SVG; periksa berkasnya"))
        return report
    entry, problem = _manifest_entry(path)
    if problem:
        report.findings.append(problem)
    if entry:
        report.facts.append(f"manifest: {entry.get('kind')}/{entry.get('design')} {entry.get('variant')}")
        if entry.get("sha256") and entry["sha256"] != hashlib.sha256(data).hexdigest():
            report.findings.append(Finding(name, "changed", "isi berkas berbeda dari yang tercatat di manifest.json "
                                                            "(diubah setelah dibuat); buat ulang atau periksa manual"))
        for recorded in entry.get("findings", []):
            report.findings.append(Finding(name, "manifest", f"tercatat saat dibuat: {recorded}"))
    expected_qr = _expected_qr(pack, entry)
    if kind == "pdf":
        _check_pdf(data, report, entry, expected_qr)
    else:
        _check_raster(data, report, entry, expected_qr)
    return report


def _expected_qr(pack, entry) -> int | None:
    if pack is None or not entry or not entry.get("kind") or not entry.get("design"):
        return None
    from ..errors import NetralError
    from ..model.designs import load_design

    try:
        return load_design(pack, entry["kind"], entry["design"]).meta.get("qr_codes")
    except NetralError:
        return None


def _check_qr(found, report, expected_qr, page_text=None):
    name = report.path.name
    if found is None:
        report.facts.append("kode QR tidak diperiksa (zxing-cpp tidak terpasang)")
        return
    good = [text for valid, text in found if valid]
    for text in good:
        report.facts.append(f"kode QR: {text}")
        if page_text is not None and _bare(text) not in page_text:
            report.findings.append(Finding(name, "qr", f"alamat kode QR {text} tidak tercetak sebagai teks di "
                                                       "dekatnya; cetak URL-nya agar bisa diketik"))
    if len(good) < len(found):
        report.findings.append(Finding(name, "qr", "ada kode QR yang terdeteksi tetapi tidak terbaca; "
                                                   "perbesar kode atau perbaiki kontrasnya"))
    if expected_qr and len(good) < expected_qr:
        report.findings.append(Finding(name, "qr", f"desain ini mencetak {expected_qr} kode QR, terbaca {len(good)}; "
                                                   "buat ulang berkasnya"))


def _check_svg(data, report):
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        report.findings.append(Finding(report.path.name, "format", f"SVG rusak ({exc}); buat ulang"))
        return
    report.facts.append(f"SVG {root.get('viewBox') or ''}".strip())
    if root.findall(".//{http://www.w3.org/2000/svg}text"):
        report.findings.append(Finding(report.path.name, "fonts", "SVG memuat <text> yang bergantung pada huruf "
                                                                  "terpasang; ubah teks menjadi kurva"))


def _check_raster(data, report, entry, expected_qr):
    import io

    from PIL import Image, UnidentifiedImageError

    name = report.path.name
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        report.findings.append(Finding(name, "format", f"gambar rusak ({exc}); buat ulang"))
        return
    report.facts.append(f"{image.width}×{image.height} px, {image.mode}")
    want = (entry or {}).get("size", {}).get("px")
    if want and list(image.size) != list(want):
        report.findings.append(Finding(name, "size", f"ukuran {image.width}×{image.height} px, manifest mencatat "
                                                     f"{want[0]}×{want[1]} px"))
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    _check_qr(_decode_all(flat), report, expected_qr)


def _check_pdf(data, report, entry, expected_qr):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    name = report.path.name
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        report.findings.append(Finding(name, "format", f"PDF rusak ({exc}); buat ulang"))
        return
    try:
        report.facts.append(f"{len(pdf)} halaman")
        for number in range(len(pdf)):
            page = pdf[number]
            where = f"{name} hlm. {number + 1}" if len(pdf) > 1 else name
            _check_boxes(page, where, report, entry)
            _check_fonts(page, where, report, raw)
            text = " ".join(page.get_textpage().get_text_bounded().split())
            for figure in (entry or {}).get("sources", []):
                if figure.get("as_of") and figure.get("body") and source_line(figure) not in text:
                    report.findings.append(Finding(where, "unsourced", f"angka {figure.get('id')} tanpa baris "
                                                                       f"\"{source_line(figure)}\""))
            # as a cheap office printer would see it
            image = page.render(scale=PRINT_QR_DPI / 72, fill_color=(255, 255, 255, 255)).to_pil()
            _check_qr(_decode_all(image), report, expected_qr if number == 0 else None, text)
    finally:
        pdf.close()


def _check_boxes(page, where, report, entry):
    media = page.get_mediabox()
    trim = page.get_trimbox()
    bleed = page.get_bleedbox()
    w, h = trim[2] - trim[0], trim[3] - trim[1]
    mm = (w / PT_PER_MM, h / PT_PER_MM)
    paper = next((n for n, (pw, ph) in PAPER_MM.items()
                  if abs(w - pw * PT_PER_MM) <= BOX_TOLERANCE_PT and abs(h - ph * PT_PER_MM) <= BOX_TOLERANCE_PT), None)
    report.facts.append(f"TrimBox {w:.2f}×{h:.2f} pt ({mm[0]:.1f}×{mm[1]:.1f} mm{', ' + paper if paper else ''})")
    want = (entry or {}).get("size", {}).get("mm")
    if want and (abs(w - want[0] * PT_PER_MM) > BOX_TOLERANCE_PT or abs(h - want[1] * PT_PER_MM) > BOX_TOLERANCE_PT):
        report.findings.append(Finding(where, "size", f"TrimBox {mm[0]:.1f}×{mm[1]:.1f} mm, manifest mencatat "
                                                      f"{want[0]}×{want[1]} mm"))
    is_print = any(abs(a - b) > BOX_TOLERANCE_PT for a, b in zip(media, trim, strict=True))
    if not is_print:
        return
    need = BLEED_MM * PT_PER_MM - BOX_TOLERANCE_PT
    sides = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    report.facts.append(f"BleedBox {min(sides) / PT_PER_MM:.1f} mm di luar TrimBox")
    if min(sides) < need:
        report.findings.append(Finding(where, "bleed", f"bleed hanya {min(sides) / PT_PER_MM:.1f} mm, kurang dari "
                                                       f"{BLEED_MM:g} mm; buat ulang dengan --print"))
    if paper is None and not want:
        report.findings.append(Finding(where, "size", f"TrimBox {mm[0]:.1f}×{mm[1]:.1f} mm bukan ukuran kertas "
                                                      "yang dikenal (A4, A3)"))


def _check_fonts(page, where, report, raw):
    import ctypes

    missing = set()
    count = 0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
        font = raw.FPDFTextObj_GetFont(obj.raw)
        if not font:
            continue
        count += 1
        if not raw.FPDFFont_GetIsEmbedded(font):
            size = raw.FPDFFont_GetBaseFontName(font, None, 0)
            buf = ctypes.create_string_buffer(size)
            raw.FPDFFont_GetBaseFontName(font, buf, size)
            missing.add(buf.value.decode("latin-1", "replace"))
    if count:
        report.facts.append("semua huruf tertanam" if not missing else f"{len(missing)} huruf tidak tertanam")
    for font in sorted(missing):
        report.findings.append(Finding(where, "fonts", f"huruf {font} tidak tertanam; percetakan akan menggantinya. "
                                                       "Buat ulang PDF dengan netral"))
