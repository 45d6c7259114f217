"""The leaflet's PDF finisher: a laid-out leaflet -> its PDF bytes, tagged PDF/UA-1 (with `pdfa`, PDF/A-3b
as well), corrected and completed for print and for assistive technology.

WeasyPrint writes the PDF; the finisher, run on pydyf's objects before they are serialised, adds what
WeasyPrint gets wrong or leaves out: the page boxes (`pdfboxes`), crop and fold marks in the slug, the
QR codes' dark modules as marked content of their Figures, the panels' reading order in the tag tree,
the chart labels inside their Figures, the dual PDF/A + PDF/UA identification in the XMP, and streams
deflated at a faster zlib level.

Every pydyf and WeasyPrint PDF internal the package uses is here: `pydyf._to_bytes` and
`weasyprint.pdf.metadata` (`NS`, `generate_rdf_metadata`); the layout boxes are read through
`checks.boxes`. A failure inside the finisher is not left as a traceback, nor skipped: a leaflet
without its tag-tree order or its QR modules is not a leaflet we deliver, so it becomes a
`NetralError` that says so.
"""

from __future__ import annotations

import logging
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..checks.boxes import element_of, page_box
from ..checks.pages import page_marks
from ..errors import NetralError
from ..model.designs import Design
from ..model.units import BLEED_MM, PT_PER_MM
from ..render.document import Rendered
from ..render.qr import qr_modules
from .pdfboxes import print_boxes
from .writers import write_pdf

log = logging.getLogger(__name__)

# Print geometry shared by the template (through `unit`, assets/leaflet.py) and the marks drawn here.
# BLEED_MM (model/units.py, 3 mm): what the print shop trims away; backgrounds at the sheet's edge reach it.
SLUG_MM = 10.0  # paper beyond the trim: the bleed plus room for the marks
MARK_OFFSET_MM = 3.0  # marks start outside the bleed, so none shows on a trimmed sheet
MARK_LENGTH_MM = 5.0
MARK_WIDTH_PT = 0.25


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
        html = page_box(page).children[0]
        body = html.children[0]
        names = []
        for block in body.children:
            for child in block.children:
                element = element_of(child)
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
    """Draw each QR code's dark modules (`qr_modules`) on its white square (`leaflet_qr`), as more
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
            size, rectangles = qr_modules(url)
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


def _unfinished(design: Design, exc: Exception) -> NetralError:
    """A failure inside the finisher, said plainly: without its steps the PDF is neither print-ready
    nor accessible (no reading order, no QR modules), so none is written."""
    from importlib.metadata import version

    log.debug("PDF finisher failed", exc_info=exc)
    return NetralError(
        f"Leaflet {design.name} tidak dapat diselesaikan: langkah akhir PDF (tanda potong, kode QR, urutan "
        f"baca, tag aksesibilitas) gagal ({type(exc).__name__}: {exc}) pada WeasyPrint {version('weasyprint')} "
        f"dan pydyf {version('pydyf')}. PDF tanpa langkah itu tidak layak cetak dan tidak aksesibel, jadi tidak "
        "dibuat. Pasang versi yang sudah diuji (weasyprint>=70,<71) atau laporkan masalah ini."
    )


def write_leaflet_pdf(
    rendered: Rendered, metadata: dict, print_marks: bool = False, pdfa: bool = False, marks: list | None = None
) -> bytes:
    """The leaflet's PDF: tagged PDF/UA-1, or with `pdfa` PDF/A-3b that is also tagged and PDF/UA-1.

    WeasyPrint takes one `pdf_variant`. PDF/A-3b with tags plus the pdfuaid mark in its XMP meets both
    standards, as PDF/A-2/3 and PDF/UA-1 were designed to combine (PDF/A-1 and PDF/UA-1 do not).
    `marks`: each page's QR codes and charts, as `checks.pages.page_marks` finds them (found when not
    given).
    """
    if marks is None:
        marks = [page_marks(page) for page in rendered.document.pages]
    codes = [(index, *code) for index, (page_codes, _) in enumerate(marks) for code in page_codes]
    charts = {alt for _, page_charts in marks for alt in page_charts}
    design = rendered.design
    sheet = PrintSheet.of(design, rendered.fmt.mm)
    reading_order = design.meta.get("reading_order")

    # WeasyPrint's TrimBox and BleedBox miss the paper size when the layout is zoomed (pdfboxes.py).
    fix_boxes = print_boxes(rendered.fmt.zoom, BLEED_MM if print_marks else 0.0)

    def finish(document, pdf):
        try:
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
        except NetralError:
            raise
        except Exception as exc:  # pydyf's or WeasyPrint's objects are not what the finisher expects
            raise _unfinished(design, exc) from exc

    options = {"pdf_variant": "pdf/a-3b", "pdf_tags": True} if pdfa else {"pdf_variant": "pdf/ua-1"}
    with warnings.catch_warnings():
        # WeasyPrint 70 opens its sRGB profile for the PDF/A output intent and never closes it.
        warnings.filterwarnings("ignore", r"unclosed file .*sRGB2014\.icc", ResourceWarning)
        return write_pdf(rendered, metadata=metadata, finisher=finish, **options)


