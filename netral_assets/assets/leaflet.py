"""Leaflets: agency + variant (+ contact details, print choices) -> a print-ready, accessible PDF `Asset`.

`trifold` is two A4 landscape pages, six panels for a letter fold; `single` is one A4 portrait page for
sharing on phones. Every PDF is tagged PDF/UA-1 (language `id`, title and subject, headings and lists
tagged) with its fonts embedded and subset; `pdfa` makes it PDF/A-3b as well (both at once: see
`write_leaflet_pdf`). `print_marks` adds 3 mm of bleed, crop marks and fold marks, with TrimBox exactly
the paper size.

WeasyPrint does the layout and writes the PDF; a finisher then corrects what it gets wrong or leaves
out for print and for assistive technology: the page boxes, the marks, the panels' reading order, the
chart labels' tags and the dual PDF/A + PDF/UA identification. It also draws the QR codes' modules,
which WeasyPrint draws slowly (`leaflet_qr`).

Most of a leaflet is the same for every agency: a design that names its agency slots is laid out in
two layers, a body laid out once per process and the agency's few blocks spliced into it (see
"layers" below).
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
import xml.etree.ElementTree as ET
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from types import SimpleNamespace

from markupsafe import Markup, escape

from ..caching import Kept
from ..checks.layout import (
    PRINT_QR_DPI,
    TOLERANCE,
    Finding,
    _border_rect,
    _children,
    _element_attr,
    _page_text,
    _region_name,
    check_document,
    source_line,
)
from ..errors import NetralError
from ..model.agencies import CONTACT_FIELDS, Agency
from ..model.designs import Design, Format, load_design
from ..model.pack import Pack
from ..model.units import BLEED_MM, PT_PER_MM
from ..output.pdfboxes import print_boxes
from ..output.writers import write_pdf
from ..render.document import Rendered, data_uri, design_html, font_file, lay_out, render_design
from ..render.qr import qr_matrix, qr_runs
from .asset import Asset

log = logging.getLogger(__name__)

# Print geometry shared by the template (through `unit`) and the finisher that draws the marks.
# BLEED_MM (pdfboxes.py, 3 mm): what the print shop trims away; backgrounds at the sheet's edge reach it.
SLUG_MM = 10.0  # paper beyond the trim: the bleed plus room for the marks
MARK_OFFSET_MM = 3.0  # marks start outside the bleed, so none shows on a trimmed sheet
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25

# Longest value accepted for each contact field (the contact block has room for about this much).
CONTACT_LIMITS = {"address": 160, "phone": 40, "email": 80, "website": 80}
CONTACT_LABELS = {"address": "alamat", "phone": "telepon", "email": "surel", "website": "laman"}


def contact_details(agency: Agency, overrides: dict | None = None) -> dict[str, str]:
    """The agency's contact fields from the registry, with `overrides` (--contact key=value) on top.

    An empty override removes a field. Returns the fields in CONTACT_FIELDS order.
    """
    details = {k: v for k, v in agency.contact.items() if k in CONTACT_FIELDS}
    for key, value in (overrides or {}).items():
        if key not in CONTACT_FIELDS:
            raise NetralError(
                f"Kolom kontak '{key}' tidak dikenal. Pilih: {', '.join(CONTACT_FIELDS)} "
                '(contoh: --contact phone="(0341) 512345").'
            )
        details[key] = " ".join(str(value).split())
    for key, value in details.items():
        if len(value) > CONTACT_LIMITS[key]:
            raise NetralError(
                f"Kontak {CONTACT_LABELS[key]} terlalu panjang ({len(value)} karakter, paling banyak "
                f"{CONTACT_LIMITS[key]}). Persingkat isinya."
            )
        if key == "email" and value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise NetralError(f"Alamat surel '{value}' tidak valid. Contoh: humas@batukota.go.id")
        if key == "website" and " " in value:
            raise NetralError(f"Alamat laman '{value}' tidak boleh berisi spasi. Contoh: batukota.go.id")
    return {k: details[k] for k in CONTACT_FIELDS if details.get(k)}


@cache
def _qr_modules(url: str) -> tuple[int, bytes]:
    """The QR code of `url` (qr.py's matrix, quiet zone included): its size in modules, and its dark
    modules as PDF rectangles in module units, y down, one per horizontal run (`x y w 1 re`): the
    rectangles qr.py's SVG path fills."""
    matrix = qr_matrix(url)
    return len(matrix), "\n".join(f"{x} {y} {length} 1 re" for x, y, length in qr_runs(matrix)).encode()


@cache
def leaflet_qr(url: str, color: str = "#0B1A33") -> Markup:
    """The QR code of `url` as an image with its description in `alt`, which becomes the Alt text
    PDF/UA requires of the PDF Figure; it stays vector in the PDF.

    The image is the code's white square only: the finisher draws the dark modules into the same
    Figure (`_draw_qr_modules`), as the rectangles of qr.py's path. WeasyPrint parses and draws SVG
    paths in Python command by command, and the three codes of a leaflet (hundreds of runs each)
    were a tenth of its cost every time it was written.

    An <img> rather than inline SVG: inline SVG elements go through the HTML parser and the CSS
    cascade like any element, which costs more than drawing them. It carries `data-leaflet-qr`
    rather than preflight's `data-qr`: preflight would write and rasterize the whole document once
    more to decode it, so the leaflet decodes its codes from the PDF it writes anyway
    (`check_qr_codes`).
    """
    if not url or not isinstance(url, str):
        raise NetralError("Kode QR butuh alamat (URL) yang tidak kosong.")
    n, _ = _qr_modules(url)
    svg = (
        f'<svg viewBox="0 0 {n} {n}" xmlns="http://www.w3.org/2000/svg"><title>Kode QR: {escape(url)}</title>'
        f'<rect width="{n}" height="{n}" fill="#FFFFFF"/></svg>'
    )
    return Markup(
        '<img class="qr-code" src="%s" alt="Kode QR menuju %s" data-leaflet-qr="%s" data-leaflet-qr-color="%s">'
    ) % (data_uri(svg.encode(), "image/svg+xml"), url, url, color)


def _page_marks(page) -> tuple[list[tuple], list[str]]:
    """On one page: the leaflet's QR codes, (url, border rect in layout px, alternative text, colour),
    and the alternative texts of its charts' images (their Figures take the labels' tags,
    `_labels_into_figures`)."""
    codes, charts = [], []

    def walk(box):
        url = _element_attr(box, "data-leaflet-qr")
        if url is not None:
            element = box.element
            codes.append((url, _border_rect(box), element.get("alt", ""), element.get("data-leaflet-qr-color")))
        elif _element_attr(box, "data-leaflet-chart") is not None:
            charts.append(box.element.get("alt", ""))
        for child in _children(box):
            walk(child)

    walk(page._page_box)
    return codes, charts


def _qr_boxes(marks: list[tuple[list, list]]) -> list[tuple[int, str, tuple]]:
    """(page index, url, border rect in layout px) of every leaflet QR code, from `_page_marks`."""
    return [(index, url, rect) for index, (codes, _) in enumerate(marks) for url, rect, *_ in codes]


def check_qr_codes(rendered: Rendered, pdf_bytes: bytes, boxes: list | None = None) -> list[Finding]:
    """Decode every QR code back from the written PDF, at PRINT_QR_DPI, with a real decoder.

    `boxes`: the codes as `_qr_boxes` lists them (found in the document when not given)."""
    if boxes is None:
        boxes = _qr_boxes([_page_marks(page) for page in rendered.document.pages])
    if not boxes:
        return []
    try:
        import zxingcpp
    except ImportError:  # a test dependency today; without it the rule cannot run, and says so
        log.warning("zxing-cpp tidak terpasang: kode QR leaflet tidak diperiksa.")
        return []
    import pypdfium2 as pdfium

    pt_per_px = 0.75 * rendered.fmt.zoom
    scale = PRINT_QR_DPI / 72
    margin = 2 * PT_PER_MM  # a little paper around the code's own quiet zone
    findings = []
    pdf = pdfium.PdfDocument(pdf_bytes)
    pages = {}  # loading a page parses all its content: once per page, not once per code
    try:
        for index, url, (x0, y0, x1, y1) in boxes:
            if index not in pages:
                pages[index] = pdf[index]
            page = pages[index]
            left, bottom, right, top = page.get_mediabox()
            # layout px run down from the trim's top-left corner; PDF points run up from its bottom-left
            trim_top = rendered.fmt.mm[1] * PT_PER_MM
            crop = (  # points to cut off each side of the MediaBox
                max(0.0, x0 * pt_per_px - margin - left),
                max(0.0, trim_top - y1 * pt_per_px - margin - bottom),
                max(0.0, right - x1 * pt_per_px - margin),
                max(0.0, top - (trim_top - y0 * pt_per_px) - margin),
            )
            image = page.render(scale=scale, crop=crop, fill_color=(255, 255, 255, 255)).to_pil()
            texts = [r.text for r in zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)]
            if url not in texts:
                got = f'terbaca "{texts[0][:40]}"' if texts else "tidak terbaca"
                where = f"halaman {index + 1}, qr" if len(rendered.document.pages) > 1 else "qr"
                findings.append(Finding(where, "qr", f"kode QR untuk {url} {got}; perbesar kode atau beri zona tenang putih"))
    finally:
        for page in pages.values():
            page.close()
        pdf.close()
    return findings


# -- the chart's labels ------------------------------------------------------------------------------
@cache
def baseline_in_line(font: Path) -> float:
    """Where the baseline falls in a line box of `line-height: 1`, as a fraction of the font size, for
    text set in `font` (the chart macro places its labels by their baselines with it).

    The line's leading is shared half above and half below the glyphs' ascent and descent, which are
    the font's as HarfBuzz reads them for Pango: OS/2 typographic metrics when the font asks for them
    (USE_TYPO_METRICS), otherwise hhea's.
    """
    from fontTools.ttLib import TTFont

    with TTFont(font, lazy=True) as f:
        os2, hhea = f["OS/2"], f["hhea"]
        if os2.fsSelection & (1 << 7) or not (hhea.ascent or hhea.descent):
            ascent, descent = os2.sTypoAscender, -os2.sTypoDescender
        else:
            ascent, descent = hhea.ascent, -hhea.descent
        em = f["head"].unitsPerEm
    return (1 + (ascent - descent) / em) / 2


def _baselines(pack: Pack):
    """`baseline(weight)` for the chart macro, in the pack's face for that weight (looked up once per
    weight and leaflet: finding the font file lists the pack's fonts)."""
    found: dict[int, float] = {}

    def baseline(weight: int) -> float:
        if weight not in found:
            found[weight] = baseline_in_line(font_file(pack, weight))
        return found[weight]

    return baseline


@dataclass
class CheckedPages:
    """A laid-out document with what preflight found on each of its pages, page by page and without
    page numbers (they depend on where the pages end up in the leaflet)."""

    rendered: Rendered
    preflight: list[list[Finding]]  # per page: text, contrast, collisions… (preflight.check_document)
    regions: list[list[Finding]]  # per page: regions out of their page or holder
    texts: list[str]  # per page: its text, for the source lines
    marks: list[tuple[list, list]]  # per page: its QR codes and charts (`_page_marks`)

    @classmethod
    def of(cls, rendered: Rendered) -> CheckedPages:
        """render_design has checked the first page (preflight.check_document looks at no other); its
        "unsourced" findings are dropped, as it wants every figure's source line on that page while a
        leaflet prints its figures on any page (`check_pages` looks for them across all pages). The
        other pages are checked one by one."""
        pages = rendered.document.pages
        preflight = [[f for f in rendered.findings if f.rule != "unsourced"]]
        for page in pages[1:]:
            one = SimpleNamespace(document=rendered.document.copy([page]), fmt=rendered.fmt, sources=[])
            preflight.append(check_document(one))
        return cls(
            rendered,
            preflight,
            [_page_regions(page) for page in pages],
            [_page_text(page) for page in pages],
            [_page_marks(page) for page in pages],
        )


def check_pages(rendered: Rendered) -> list[Finding]:
    """Preflight every page, and the figures' source lines across the whole document."""
    return _findings(CheckedPages.of(rendered))


def _findings(checked: CheckedPages) -> list[Finding]:
    """A leaflet's findings: each page's preflight, pages the design does not expect, regions out of
    bounds, and figures printed without their source line."""
    rendered = checked.rendered
    many = len(checked.texts) > 1

    def numbered(pages):
        return [_on_page(f, number) if many else f for number, found in enumerate(pages, 1) for f in found]

    findings = numbered(checked.preflight)
    findings.extend(_page_count(rendered.design, len(checked.texts)))
    findings.extend(numbered(checked.regions))
    text = " ".join(checked.texts)
    for figure in rendered.sources:
        if source_line(figure) not in text:
            findings.append(
                Finding(
                    figure["id"],
                    "unsourced",
                    f'angka {figure["id"]} dicetak tanpa baris "{source_line(figure)}"; cetak stat(...).source_line di bawahnya',
                )
            )
    return findings


def _on_page(finding: Finding, number: int) -> Finding:
    return Finding(f"halaman {number}, {finding.element}", finding.rule, finding.message)


def _page_count(design: Design, count: int) -> list[Finding]:
    expected = design.meta.get("pages")
    if expected and count != expected:
        return [Finding("dokumen", "overflow", f"leaflet menjadi {count} halaman, seharusnya {expected}; kurangi isi")]
    return []


def _page_regions(page) -> list[Finding]:
    """Regions (data-box) that run past their page or out of the region holding them (a panel's
    margins included).

    A block that runs off a fixed-size sheet may be dropped by the layout with its text, and text
    running into a panel's bottom margin stays inside the panel, so the text checks never see
    either: the regions themselves have to be checked.
    """
    findings = []

    def escapes(rect, bounds) -> bool:
        return (
            rect[0] < bounds[0] - TOLERANCE
            or rect[1] < bounds[1] - TOLERANCE
            or rect[2] > bounds[2] + TOLERANCE
            or rect[3] > bounds[3] + TOLERANCE
        )

    def walk(box, holder):
        # an absolutely positioned box sits behind a placeholder that answers for it: check it once
        name = None if getattr(box, "_box", None) is not None else _region_name(box)
        if name:
            rect = _border_rect(box)
            if escapes(rect, (0, 0, page.width, page.height)):
                findings.append(
                    Finding(name, "overflow", f"kotak {name} keluar dari halaman; kurangi isi atau perkecil bagian lain")
                )
            elif holder and escapes(rect, holder[1]):
                findings.append(
                    Finding(name, "overflow", f"kotak {name} keluar dari {holder[0]} (melewati marginnya); kurangi isi")
                )
            x, y = box.content_box_x(), box.content_box_y()
            holder = (name, (x, y, x + box.width, y + box.height))
        for child in _children(box):
            walk(child, holder)

    walk(page._page_box, None)
    return findings


# -- layers: the agency's slots in a body laid out once ---------------------------------------------
# Almost all of a leaflet is the same for every agency; only its slots hold the agency's own content
# (the name, the contact block). A design lists them in design.toml (`slots`); the template marks
# each slot element with `data-slot` and wraps its content in `l.slot(name)`. Such a leaflet is laid
# out in two layers:
# - "agency": the slots alone, in just enough of the page to give them their places, widths and
#   styles;
# - "body": everything else, rendered without the agency. A slot in the flow keeps its place with a
#   spacer as tall as the agency layer laid its content out, so the body lays out exactly as the
#   whole leaflet would; an absolutely positioned slot moves nothing else and stays empty. The body
#   depends on the agency only through those heights (how many lines the fitted name takes, the
#   contact lines): a few bodies serve every agency (the trifold's slots are absolutely positioned:
#   one serves all), each laid out once per process and kept, keyed by its HTML.
# The agency layer's slots are then spliced into a copy of the body's page, as WeasyPrint boxes: an
# absolutely positioned slot whole, at the place the agency layer gave it; a slot in the flow by its
# content, translated into the spacer's place. Pages without slots are the body's own. Drawing,
# tagging and preflight see one layout, in document order, as if it had been laid out whole. Layout
# was over half of a leaflet's cost; most of it is now done once.
# A slot must establish its own formatting context (absolutely positioned, an inline-block, a table
# cell…), so that nothing around it (floats, collapsing margins) shapes its content, and be the same
# size in both layers (in the same place, when absolutely positioned). A leaflet whose layers break
# a rule is laid out whole instead.

# Bodies kept per process, ~4 MB each. A batch of every agency in the registry needs 1 trifold body
# and 16 single ones (names of 1–3 lines, contact blocks), three of which serve 97 % of agencies: four
# kept hold the usual ones, and a batch worker's memory stays small.
BODY_LIMIT = 4
_bodies = Kept(BODY_LIMIT)  # of CheckedPages
# Drawing reuses the body's boxes and their Pango text layouts, which are not safe to draw from two
# threads at once: a layered leaflet is written under this lock.
_drawing_lock = threading.Lock()
_warned: set = set()  # designs whose layers broke a rule (said once per process)


class _Unlayerable(Exception):
    """The layers cannot stand for the whole layout (see above); the message says why."""


def _body(pack: Pack, source) -> CheckedPages:
    key = (source.key, tuple(pack.roots()))
    body = _bodies.get(key)
    if body is None:
        body = CheckedPages.of(lay_out(pack, source))
        _bodies.put(key, body)
    return body


def _slots(document) -> dict[str, tuple[int, object]]:
    """Each slot's box (the slot element's outermost box) and the index of its page, by name."""
    found = {}

    def walk(box, index):
        box = getattr(box, "_box", None) or box  # an absolutely positioned box behind its placeholder
        name = _element_attr(box, "data-slot")
        if name is not None:
            if name in found:
                raise _Unlayerable(f"slot {name} is split over several boxes")
            found[name] = (index, box)
            return
        for child in getattr(box, "children", None) or ():
            walk(child, index)

    for index, page in enumerate(document.pages):
        walk(page._page_box, index)
    return found


def _fill(slot, content) -> object:
    """What takes the place of the body's `slot` (the same element's box in the agency layer is
    `content`): `content` itself when absolutely positioned, else a copy of `slot` holding the
    content's children, moved to its place."""
    name = _element_attr(slot, "data-slot")
    if not slot.establishes_formatting_context() or not content.establishes_formatting_context():
        raise _Unlayerable(f"slot {name} does not establish a formatting context")
    if content.is_absolutely_positioned():
        # the body's slot is empty: the agency layer's must be where the body would have put it,
        # anchored at the same top or bottom edge
        top, bottom = slot.position_y, slot.position_y + slot.margin_height()
        if not (
            slot.is_absolutely_positioned()
            and abs(slot.position_x - content.position_x) < 1e-6
            and abs(slot.margin_width() - content.margin_width()) < 1e-6
            and (abs(top - content.position_y) < 1e-6 or abs(bottom - content.position_y - content.margin_height()) < 1e-6)
        ):
            raise _Unlayerable(f"slot {name} is not in the same place in both layers")
        return content
    if abs(slot.width - content.width) > 1e-6 or abs(slot.height - content.height) > 1e-6:
        raise _Unlayerable(f"slot {name} differs in size between the layers")
    dx = slot.content_box_x() - content.content_box_x()
    dy = slot.content_box_y() - content.content_box_y()
    if dx or dy:
        stack = list(content.children)
        while stack:
            box = stack.pop()
            # backgrounds are laid out in page coordinates and translate() leaves them behind
            if getattr(box, "background", None) is not None:
                raise _Unlayerable(f"slot {name} has a background inside")
            stack.extend(_children(box))
        for child in content.children:
            child.translate(dx, dy)
    filled = slot.copy()
    filled.children = list(content.children)
    return filled


def _splice(box, filled: dict[int, object]):
    """`box`, or a copy of it and of its ancestors of the slots in `filled` (id of the body's slot box
    -> its filled copy), sharing every other box with the body."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    inner = getattr(box, "_box", None)
    target = inner if inner is not None else box
    if id(target) in filled:
        new = filled[id(target)]
    else:
        children = getattr(target, "children", None)
        if not children:
            return box
        new_children = [_splice(child, filled) for child in children]
        if all(a is b for a, b in zip(new_children, children, strict=True)):
            return box
        new = target.copy()  # a shallow copy: the body's own box is never changed
        new.children = new_children
    if inner is None:
        return new
    placeholder = AbsolutePlaceholder(new)
    placeholder.set_laid_out_box(new)
    return placeholder


def _lay_out_layers(
    pack: Pack, design: Design, fmt: Format, agency: Agency, common: dict, own: dict, print_marks: bool
) -> CheckedPages:
    """The leaflet laid out as a cached body with the agency's slots spliced in (see above)."""
    from weasyprint.document import Page

    names = set(design.meta["slots"])
    source = design_html(pack, design, fmt.name, agency, {**common, **own}, print_marks, layer="agency")
    agency_layer = lay_out(pack, source)
    contents = {name: box for name, (_, box) in _slots(agency_layer.document).items()}
    if set(contents) != names:
        raise _Unlayerable(f"agency layer has slots {sorted(contents)}, design.toml {sorted(names)}")
    heights = {name: box.height for name, box in contents.items() if not box.is_absolutely_positioned()}
    extra = {**common, "slot_heights": heights}
    body = _body(pack, design_html(pack, design, fmt.name, None, extra, print_marks, layer="body"))
    slots = _slots(body.rendered.document)
    if set(slots) != names:
        raise _Unlayerable(f"body has slots {sorted(slots)}, design.toml {sorted(names)}")
    filled = {id(box): _fill(box, contents[name]) for name, (_, box) in slots.items()}
    spliced = {index for index, _ in slots.values()}

    document = agency_layer.document  # its metadata is this leaflet's own (write_pdf sets it)
    pages, preflight, regions, texts, marks = [], [], [], [], []
    for index, page in enumerate(body.rendered.document.pages):
        if index in spliced:
            page = Page(_splice(page._page_box, filled))
            one = SimpleNamespace(document=document.copy([page]), fmt=fmt, sources=[])
            preflight.append([f for f in check_document(one) if f.rule != "unsourced"])
            regions.append(_page_regions(page))
            texts.append(_page_text(page))
            marks.append(_page_marks(page))
        else:
            preflight.append(body.preflight[index])
            regions.append(body.regions[index])
            texts.append(body.texts[index])
            marks.append(body.marks[index])
        pages.append(page)
    sources = [dict(figure) for figure in body.rendered.sources]  # the Asset's own, not the cache's
    rendered = Rendered(document.copy(pages), design, fmt, sources, print_marks)
    return CheckedPages(rendered, preflight, regions, texts, marks)


def _lay_out(
    pack: Pack, design: Design, fmt: Format, agency: Agency, common: dict, own: dict, print_marks: bool
) -> tuple[CheckedPages, bool]:
    """The leaflet's layout with its pages checked, and whether it shares boxes with a cached body.

    `common` is the template context of every layer; `own` what depends on the agency (the body is
    rendered without it, and without `agency`)."""
    if design.meta.get("slots"):
        try:
            return _lay_out_layers(pack, design, fmt, agency, common, own, print_marks), True
        except _Unlayerable as exc:
            if design.path not in _warned:
                _warned.add(design.path)
                log.warning("Leaflet %s: lapisan tidak dapat dipakai (%s); ditata utuh.", design.name, exc)
    return CheckedPages.of(render_design(pack, design, fmt.name, agency, {**common, **own}, print_marks)), False


@dataclass(frozen=True)
class PrintSheet:
    """Where the finisher puts the boxes and marks, in PDF points from the trim's lower-left corner."""

    width: float
    height: float
    folds: tuple[tuple[float, ...], ...] = ()  # per page: x of each fold line

    @classmethod
    def of(cls, design: Design, mm: tuple[float, float]) -> PrintSheet:
        folds = []
        for side in ("outside", "inside"):
            widths = design.meta.get("panels", {}).get(side)
            if widths:
                edges, x = [], 0.0
                for w in widths[:-1]:
                    x += w
                    edges.append(x * PT_PER_MM)
                folds.append(tuple(edges))
        return cls(mm[0] * PT_PER_MM, mm[1] * PT_PER_MM, tuple(folds))


def _ref(pdf, reference):
    return pdf.objects[int(reference.split()[0])]


def _draw_marks(pdf, sheet: PrintSheet, compress: bool) -> None:
    """Crop marks at the corners and fold marks at the folds, in the slug, as artifacts."""
    import pydyf

    w, h = sheet.width, sheet.height
    off, length = MARK_OFFSET_MM * PT_PER_MM, MARK_LENGTH_MM * PT_PER_MM
    for index, number in enumerate(pdf.pages["Kids"][::3]):
        page = pdf.objects[number]
        lines = []
        for x, y, sx, sy in ((0, 0, -1, -1), (w, 0, 1, -1), (0, h, -1, 1), (w, h, 1, 1)):
            lines.append((x + sx * off, y, x + sx * (off + length), y))  # along the horizontal trim edge
            lines.append((x, y + sy * off, x, y + sy * (off + length)))  # along the vertical trim edge
        folds = sheet.folds[index] if index < len(sheet.folds) else ()
        ops = [f"{MARK_WIDTH_PT} w 0 0 0 RG []0 d"]
        for x0, y0, x1, y1 in lines:
            ops.append(f"{x0:.3f} {y0:.3f} m {x1:.3f} {y1:.3f} l S")
        if folds:
            ops.append("[2 1.5]0 d")  # fold marks are dashed, unlike the solid crop marks
            for x in folds:
                for y0, y1 in ((-off, -off - length), (h + off, h + off + length)):
                    ops.append(f"{x:.3f} {y0:.3f} m {x:.3f} {y1:.3f} l S")
        # The page's own content changes the graphics state without restoring it: wrap it in q/Q so
        # the marks are drawn in the page's default coordinates.
        before = pydyf.Stream([b"q"], compress=compress)
        marks = pydyf.Stream([b"Q /Artifact BMC q", "\n".join(ops).encode(), b"Q EMC"], compress=compress)
        pdf.add_object(before)
        pdf.add_object(marks)
        page["Contents"] = pydyf.Array([before.reference, page["Contents"], marks.reference])


def _panel_names(document) -> list[list[str | None]]:
    """For each page, each top-level block's children's `data-panel` names, in document order."""
    pages = []
    for page in document.pages:
        html = page._page_box.children[0]
        body = html.children[0]
        names = []
        for block in body.children:
            for child in block.children:
                element = getattr(getattr(child, "_box", child), "element", None)
                names.append(element.get("data-panel") if element is not None else None)
        pages.append(names)
    return pages


def _reorder_panels(pdf, document, reading_order: list[str]) -> None:
    """Make the tag tree follow the panels' reading order rather than their places on the sheets.

    WeasyPrint tags page by page, so the back panel (printed on page 1) would be read before the
    inside. The panels become the Document's children in `reading_order`; the sheets that held them,
    and empty decorative blocks, drop out of the tree.
    """
    root = _ref(pdf, pdf.catalog["StructTreeRoot"])
    doc = _ref(pdf, root["K"][0])
    names = [n for page in _panel_names(document) for n in page]
    children = [ref for sheet in doc["K"] for ref in _ref(pdf, sheet)["K"]]
    if len(children) != len(names):
        raise NetralError("Urutan baca panel tidak dapat diterapkan: struktur templat tidak terduga.")
    panels = {name: ref for name, ref in zip(names, children, strict=True) if name}
    missing = [n for n in reading_order if n not in panels] + [n for n in panels if n not in reading_order]
    if missing:
        raise NetralError(f"reading_order di design.toml dan panel di templat tidak cocok: {', '.join(missing)}.")
    import pydyf

    ordered = [panels[n] for n in reading_order]
    ordered += [ref for name, ref in zip(names, children, strict=True) if not name and _ref(pdf, ref)["K"]]
    for ref in ordered:
        _ref(pdf, ref)["P"] = doc.reference
    doc["K"] = pydyf.Array(ordered)


def _draw_qr_modules(pdf, document, codes: list[tuple], zoom: float, compress: bool) -> None:
    """Draw each QR code's dark modules (`_qr_modules`) on its white square (`leaflet_qr`), as more
    content of the code's Figure: a marked-content sequence of its own (a new MCID on the page,
    listed in the Figure and in the page's entry of the structure parent tree), at the end of the
    page, in the page's default coordinates like the print marks.

    `codes`: (page index, url, border rect in layout px, alternative text, colour) of every code."""
    import pydyf
    from tinycss2.color5 import parse_color

    pt_per_px = 0.75 * zoom
    parents = _ref(pdf, _ref(pdf, pdf.catalog["StructTreeRoot"])["ParentTree"])["Nums"]
    figures: dict[tuple, list] = {}  # (page, alternative text) -> Figures, in document order like `codes`
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/Figure" and isinstance(obj.get("Alt"), pydyf.String):
            figures.setdefault((obj.get("Pg"), obj["Alt"].string), []).append(obj)
    pages: dict[int, list] = {}
    for index, *code in codes:
        pages.setdefault(index, []).append(code)
    for index, page_codes in pages.items():
        page_ref = pdf.page_references[index]
        if parents[2 * index] != index:
            raise NetralError("Kode QR tidak dapat digambar: struktur tag PDF tidak terduga.")
        mcids = parents[2 * index + 1]  # the page's marked content by MCID: its structure elements
        top = document.pages[index].height * pt_per_px  # layout px run down from the page's top
        ops = [b"Q"]  # the page's own content leaves its graphics state changed: start from the default
        for url, (x0, y0, x1, _), alt, color in page_codes:
            same = figures.get((page_ref, alt))
            if not same:
                raise NetralError(f"Kode QR untuk {url} tidak dapat digambar: gambarnya tidak bertag Figure.")
            figure = same.pop(0)
            size, rectangles = _qr_modules(url)
            mcid = len(mcids)
            mcids.append(figure.reference)
            figure["K"].append(mcid)
            module = (x1 - x0) * pt_per_px / size
            r, g, b = parse_color(color).to("srgb").coordinates
            ops += [
                f"/Figure <</MCID {mcid}>> BDC q {module:.6f} 0 0 {-module:.6f} {x0 * pt_per_px:.6f} "
                f"{top - y0 * pt_per_px:.6f} cm {r:.6f} {g:.6f} {b:.6f} rg".encode(),
                rectangles,
                b"f Q EMC",
            ]
        page = _ref(pdf, page_ref)
        before = pydyf.Stream([b"q"], compress=compress)
        after = pydyf.Stream(ops, compress=compress)
        pdf.add_object(before)
        pdf.add_object(after)
        contents = page["Contents"]
        contents = list(contents) if isinstance(contents, list) else [contents]
        page["Contents"] = pydyf.Array([before.reference, *contents, after.reference])


def _labels_into_figures(pdf, alts: set[str]) -> None:
    """Make each chart's labels part of its image's Figure in the tag tree.

    The chart macro lays its labels (HTML text) over the image of its bars, whose alternative text
    describes the whole chart. Tagged where WeasyPrint puts them, beside the Figure, they would be
    read after that description, every figure twice; inside the Figure they are its content, which
    the alternative text stands for. The labels' Div comes just before the image in the <figure>:
    before the Figure or before the anonymous block holding the image's line.
    """
    import pydyf

    figures = [
        obj
        for obj in pdf.objects
        if isinstance(obj, pydyf.Dictionary)
        and obj.get("S") == "/Figure"
        and isinstance(obj.get("Alt"), pydyf.String)
        and obj["Alt"].string in alts
    ]
    for figure in figures:
        child, labels = figure, None
        for _ in range(2):
            parent = _ref(pdf, child["P"])
            kids = parent["K"]
            i = kids.index(child.reference)
            if i > 0 and not isinstance(kids[i - 1], int) and _ref(pdf, kids[i - 1]).get("S") == "/Div":
                labels = kids.pop(i - 1)
                break
            child = parent
        if labels is None:
            raise NetralError("Label grafik tidak dapat ditandai: struktur templat tidak terduga.")
        figure["K"].append(labels)
        _ref(pdf, labels)["P"] = figure.reference


def _identify_pdfa_ua(pdf, document, compress: bool) -> None:
    # WeasyPrint writes one variant's identification; a file that is both PDF/A-3b and PDF/UA-1 says
    # so in one XMP description (PDF Association, "Conforming to both PDF/A and PDF/UA").
    import pydyf
    from weasyprint.pdf.metadata import NS

    rdf = ET.fromstring(document.metadata.generate_rdf_metadata("a", 3, "B"))
    description = rdf.find(f"{{{NS['rdf']}}}Description")
    description.set(f"{{{NS['pdfuaid']}}}part", "1")
    packet = (
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        + ET.tostring(rdf, encoding="utf-8")
        + b'</x:xmpmeta>\n<?xpacket end="r"?>'
    )
    stream = pydyf.Stream([packet], {"Type": "/Metadata", "Subtype": "/XML"}, compress)
    pdf.add_object(stream)
    pdf.catalog["Metadata"] = stream.reference


# zlib level for the PDF's streams. pydyf deflates at level 9: 6–8 ms a leaflet, for files 1 % smaller
# than level 6 (zlib's default) makes them in a third of the time.
DEFLATE_LEVEL = 6


def _deflate_streams(pdf) -> None:
    """Deflate the streams to be compressed at DEFLATE_LEVEL now, so that pydyf writes them as they are.

    Uses pydyf's own serialisation of a stream's items (`_to_bytes`, what `Stream.data` does); pydyf
    still deflates the object and cross-reference streams it makes while writing, at level 9."""
    import zlib

    import pydyf

    to_bytes = getattr(pydyf, "_to_bytes", None)
    if to_bytes is None:  # another pydyf: leave its streams to it
        return
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            data = b"\n".join(to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(data, DEFLATE_LEVEL)]
            obj.extra["Filter"] = "/FlateDecode"
            obj.compress = False


def write_leaflet_pdf(
    rendered: Rendered, metadata: dict, print_marks: bool = False, pdfa: bool = False, marks: list | None = None
) -> bytes:
    """The leaflet's PDF: tagged PDF/UA-1, or with `pdfa` PDF/A-3b that is also tagged and PDF/UA-1.

    WeasyPrint takes one `pdf_variant`. PDF/A-3b with tags plus the pdfuaid mark in its XMP meets both
    standards, as PDF/A-2/3 and PDF/UA-1 were designed to combine (PDF/A-1 and PDF/UA-1 do not).
    `marks`: each page's QR codes and charts, as `_page_marks` finds them (found when not given).
    """
    if marks is None:
        marks = [_page_marks(page) for page in rendered.document.pages]
    codes = [(index, *code) for index, (page_codes, _) in enumerate(marks) for code in page_codes]
    charts = {alt for _, page_charts in marks for alt in page_charts}
    design = rendered.design
    sheet = PrintSheet.of(design, rendered.fmt.mm)
    reading_order = design.meta.get("reading_order")

    # WeasyPrint's TrimBox and BleedBox miss the paper size when the layout is zoomed (pdfboxes.py).
    fix_boxes = print_boxes(rendered.fmt.zoom, BLEED_MM if print_marks else 0.0)

    def finish(document, pdf):
        fix_boxes(document, pdf)
        if print_marks:
            _draw_marks(pdf, sheet, compress=True)
        if codes:
            _draw_qr_modules(pdf, document, codes, rendered.fmt.zoom, compress=True)
        if reading_order:
            _reorder_panels(pdf, document, reading_order)
        if charts:
            _labels_into_figures(pdf, charts)
        if pdfa:
            _identify_pdfa_ua(pdf, document, compress=True)
        _deflate_streams(pdf)

    options = {"pdf_variant": "pdf/a-3b", "pdf_tags": True} if pdfa else {"pdf_variant": "pdf/ua-1"}
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and never closes it.
        warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
        return write_pdf(rendered, metadata=metadata, finisher=finish, **options)


def leaflet_alt(pack: Pack, agency: Agency, design: Design) -> str:
    template = design.meta.get("alt", "Leaflet {campaign} dari {agency}.")
    return template.format(campaign=pack.name, agency=agency.name)


def leaflet_context(pack: Pack, agency: Agency, design: Design, print_marks: bool = False,
                    contact: dict | None = None) -> tuple[dict, dict]:
    """The leaflet template's context beyond `build_context`: what every layer sees, and what is the
    agency's own (a benchmark renders the same HTML with another engine from these)."""
    fmt = design.format(design.formats[0])
    if not fmt.is_print:
        raise NetralError(f"Desain leaflet {design.name} harus berukuran cetak (mm) di design.toml.")
    px_per_mm = fmt.width / fmt.mm[0]
    common = {
        "qr": partial(leaflet_qr, color=pack.colors.get("ink", "#0B1A33")),
        "font_family": pack.config.get("fonts", {}).get("family", "sans-serif"),
        "baseline": _baselines(pack),
        "unit": {
            "mm": px_per_mm,
            "pt": px_per_mm / PT_PER_MM,
            "bleed": BLEED_MM * px_per_mm if print_marks else 0,
            "slug": SLUG_MM * px_per_mm,
        },
    }
    return common, {"texts": {"contact_name": agency.name}, "contact": contact_details(agency, contact)}


def build_leaflet(
    pack: Pack,
    agency: Agency,
    variant: str = "trifold",
    print_marks: bool = False,
    pdfa: bool = False,
    contact: dict | None = None,
) -> Asset:
    """Render one leaflet variant for `agency` as a PDF Asset (findings from every page attached)."""
    from .._version import __version__

    design = load_design(pack, "leaflet", variant)
    fmt = design.format(design.formats[0])
    common, own = leaflet_context(pack, agency, design, print_marks, contact)
    checked, shared = _lay_out(pack, design, fmt, agency, common, own, print_marks)
    rendered = checked.rendered
    rendered.findings = _findings(checked)
    metadata = {
        "title": f"{design.title} — {agency.name}",
        "description": design.meta.get("subject", design.meta.get("description", "")),
        "authors": [agency.name],
        "keywords": [pack.name, *pack.hashtags],
        "generator": f"netral-assets {__version__}",
        "lang": "id",
    }
    with _drawing_lock if shared else nullcontext():
        data = write_leaflet_pdf(rendered, metadata, print_marks=print_marks, pdfa=pdfa, marks=checked.marks)
    rendered.findings.extend(check_qr_codes(rendered, data, _qr_boxes(checked.marks)))
    suffix = "-print" if print_marks else ""
    return Asset(
        name=f"leaflet-{design.name}{suffix}.pdf",
        kind="leaflet",
        design=design.name,
        format=fmt.name,
        data=data,
        size={"mm": list(fmt.mm)},
        alt=leaflet_alt(pack, agency, design),
        sources=rendered.sources,
        findings=rendered.findings,
    )
