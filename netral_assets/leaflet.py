"""Leaflets: agency + variant (+ contact details, print choices) -> a print-ready, accessible PDF `Asset`.

`trifold` is two A4 landscape pages, six panels for a letter fold; `single` is one A4 portrait page for
sharing on phones. Every PDF is tagged PDF/UA-1 (language `id`, title and subject, headings and lists
tagged) with its fonts embedded and subset; `pdfa` makes it PDF/A-3b as well (both at once: see
`write_leaflet_pdf`). `print_marks` adds 3 mm of bleed, crop marks and fold marks, with TrimBox exactly
the paper size.

WeasyPrint does the layout and writes the PDF; a finisher then corrects what it gets wrong or leaves
out for print and for assistive technology: the page boxes, the marks, the panels' reading order and
the dual PDF/A + PDF/UA identification.
"""

from __future__ import annotations

import logging
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache, partial
from types import SimpleNamespace

from markupsafe import Markup

from .agencies import CONTACT_FIELDS, Agency
from .assets import Asset
from .designs import Design, load_design
from .errors import NetralError
from .pack import Pack
from .pdfboxes import BLEED_MM, PT_PER_MM, print_boxes
from .preflight import (
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
from .qr import qr_svg_document
from .render import Rendered, data_uri, render_design
from .writers import write_pdf

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
def leaflet_qr(url: str, color: str = "#0B1A33") -> Markup:
    """The QR code of `url` (qr.py's matrix) as an SVG image with its description in `alt`, which
    becomes the Alt text PDF/UA requires of the PDF Figure; it stays vector in the PDF.

    An <img> rather than inline SVG: inline SVG elements go through the HTML parser and the CSS
    cascade like any element, which costs more than drawing them. It carries `data-leaflet-qr`
    rather than preflight's `data-qr`: preflight would write and rasterize the whole document once
    more to decode it, so the leaflet decodes its codes from the PDF it writes anyway
    (`check_qr_codes`).
    """
    svg = qr_svg_document(url, color)
    return Markup('<img class="qr-code" src="%s" alt="Kode QR menuju %s" data-leaflet-qr="%s">') % (
        data_uri(svg.encode(), "image/svg+xml"),
        url,
        url,
    )


def _qr_boxes(rendered: Rendered) -> list[tuple[int, str, tuple]]:
    """(page index, url, border rect in layout px) of every leaflet QR code."""
    found = []

    def walk(box, index):
        url = _element_attr(box, "data-leaflet-qr")
        if url is not None:
            found.append((index, url, _border_rect(box)))
        for child in _children(box):
            walk(child, index)

    for index, page in enumerate(rendered.document.pages):
        walk(page._page_box, index)
    return found


def check_qr_codes(rendered: Rendered, pdf_bytes: bytes) -> list[Finding]:
    """Decode every QR code back from the written PDF, at PRINT_QR_DPI, with a real decoder."""
    boxes = _qr_boxes(rendered)
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
    try:
        for index, url, (x0, y0, x1, y1) in boxes:
            page = pdf[index]
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
        pdf.close()
    return findings


def check_pages(rendered: Rendered) -> list[Finding]:
    """Preflight every page, and the figures' source lines across the whole document.

    render_design has checked the first page (preflight.check_document looks at no other); its
    "unsourced" findings are dropped, as it wants every figure's source line on that page while a
    leaflet prints its figures on any page. The other pages are checked one by one, and the source
    lines across all pages.
    """
    pages = rendered.document.pages
    many = len(pages) > 1
    findings = [_on_page(f, 1) if many else f for f in rendered.findings if f.rule != "unsourced"]
    for number, page in enumerate(pages[1:], 2):
        one = SimpleNamespace(document=rendered.document.copy([page]), fmt=rendered.fmt, sources=[])
        findings.extend(_on_page(f, number) for f in check_document(one))
    findings.extend(_regions_out_of_bounds(rendered))
    text = " ".join(_page_text(page) for page in pages)
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


def _regions_out_of_bounds(rendered: Rendered) -> list[Finding]:
    """Regions (data-box) that run past their page or out of the region holding them (a panel's
    margins included), and pages the design does not expect.

    A block that runs off a fixed-size sheet may be dropped by the layout with its text, and text
    running into a panel's bottom margin stays inside the panel, so the text checks never see
    either: the regions themselves have to be checked.
    """
    pages = rendered.document.pages
    findings = []
    expected = rendered.design.meta.get("pages")
    if expected and len(pages) != expected:
        findings.append(
            Finding("dokumen", "overflow", f"leaflet menjadi {len(pages)} halaman, seharusnya {expected}; kurangi isi")
        )

    def escapes(rect, bounds) -> bool:
        return (
            rect[0] < bounds[0] - TOLERANCE
            or rect[1] < bounds[1] - TOLERANCE
            or rect[2] > bounds[2] + TOLERANCE
            or rect[3] > bounds[3] + TOLERANCE
        )

    def walk(box, number, holder):
        # an absolutely positioned box sits behind a placeholder that answers for it: check it once
        name = None if getattr(box, "_box", None) is not None else _region_name(box)
        if name:
            rect = _border_rect(box)
            where = f"halaman {number}, {name}" if len(pages) > 1 else name
            page = pages[number - 1]
            if escapes(rect, (0, 0, page.width, page.height)):
                findings.append(
                    Finding(where, "overflow", f"kotak {name} keluar dari halaman; kurangi isi atau perkecil bagian lain")
                )
            elif holder and escapes(rect, holder[1]):
                findings.append(
                    Finding(where, "overflow", f"kotak {name} keluar dari {holder[0]} (melewati marginnya); kurangi isi")
                )
            x, y = box.content_box_x(), box.content_box_y()
            holder = (name, (x, y, x + box.width, y + box.height))
        for child in _children(box):
            walk(child, number, holder)

    for number, page in enumerate(pages, 1):
        walk(page._page_box, number, None)
    return findings


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


def write_leaflet_pdf(rendered: Rendered, metadata: dict, print_marks: bool = False, pdfa: bool = False) -> bytes:
    """The leaflet's PDF: tagged PDF/UA-1, or with `pdfa` PDF/A-3b that is also tagged and PDF/UA-1.

    WeasyPrint takes one `pdf_variant`. PDF/A-3b with tags plus the pdfuaid mark in its XMP meets both
    standards, as PDF/A-2/3 and PDF/UA-1 were designed to combine (PDF/A-1 and PDF/UA-1 do not).
    """
    design = rendered.design
    sheet = PrintSheet.of(design, rendered.fmt.mm)
    reading_order = design.meta.get("reading_order")

    # WeasyPrint's TrimBox and BleedBox miss the paper size when the layout is zoomed (pdfboxes.py).
    fix_boxes = print_boxes(rendered.fmt.zoom, BLEED_MM if print_marks else 0.0)

    def finish(document, pdf):
        fix_boxes(document, pdf)
        if print_marks:
            _draw_marks(pdf, sheet, compress=True)
        if reading_order:
            _reorder_panels(pdf, document, reading_order)
        if pdfa:
            _identify_pdfa_ua(pdf, document, compress=True)

    options = {"pdf_variant": "pdf/a-3b", "pdf_tags": True} if pdfa else {"pdf_variant": "pdf/ua-1"}
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and never closes it.
        warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
        return write_pdf(rendered, metadata=metadata, finisher=finish, **options)


def leaflet_alt(pack: Pack, agency: Agency, design: Design) -> str:
    template = design.meta.get("alt", "Leaflet {campaign} dari {agency}.")
    return template.format(campaign=pack.name, agency=agency.name)


def build_leaflet(
    pack: Pack,
    agency: Agency,
    variant: str = "trifold",
    print_marks: bool = False,
    pdfa: bool = False,
    contact: dict | None = None,
) -> Asset:
    """Render one leaflet variant for `agency` as a PDF Asset (findings from every page attached)."""
    from . import __version__

    design = load_design(pack, "leaflet", variant)
    fmt = design.format(design.formats[0])
    if not fmt.is_print:
        raise NetralError(f"Desain leaflet {variant} harus berukuran cetak (mm) di design.toml.")
    px_per_mm = fmt.width / fmt.mm[0]
    extra = {
        "texts": {"contact_name": agency.name},
        "contact": contact_details(agency, contact),
        "qr": partial(leaflet_qr, color=pack.colors.get("ink", "#0B1A33")),
        "font_family": pack.config.get("fonts", {}).get("family", "sans-serif"),
        "unit": {
            "mm": px_per_mm,
            "pt": px_per_mm / PT_PER_MM,
            "bleed": BLEED_MM * px_per_mm if print_marks else 0,
            "slug": SLUG_MM * px_per_mm,
        },
    }
    rendered = render_design(pack, design, fmt.name, agency, extra, print_marks=print_marks)
    rendered.findings = check_pages(rendered)
    metadata = {
        "title": f"{design.title} — {agency.name}",
        "description": design.meta.get("subject", design.meta.get("description", "")),
        "authors": [agency.name],
        "keywords": [pack.name, *pack.hashtags],
        "generator": f"netral-assets {__version__}",
        "lang": "id",
    }
    data = write_leaflet_pdf(rendered, metadata, print_marks=print_marks, pdfa=pdfa)
    rendered.findings.extend(check_qr_codes(rendered, data))
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
