"""Per-page checks of a multi-page document (the leaflet): a laid-out document -> each page's findings,
its regions checked against their page and holder, its text, its QR codes and charts; and, once its
PDF is written, the QR codes decoded back from that PDF.

`layout.check_document` looks at one page; `CheckedPages` runs it on every page, page by page and
without page numbers (they depend on where the pages end up), so that the leaflet's layered layout
can reuse a cached body's pages and check only the pages it changed. `findings()` then numbers them
and adds what only the whole document can say (page count, source lines printed on any page).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from ..model.designs import Design
from ..model.units import PT_PER_MM
from . import Finding
from .boxes import border_rect, children, element_attr, is_placeholder, page_box, page_text, region_name
from .layout import TOLERANCE, check_document, unsourced
from .qr import PRINT_QR_DPI, PdfCodes, decoder_available

log = logging.getLogger(__name__)


@dataclass
class CheckedPages:
    """A laid-out document with what preflight found on each of its pages, page by page and without
    page numbers (they depend on where the pages end up in the leaflet)."""

    rendered: object  # render.document.Rendered
    preflight: list[list[Finding]]  # per page: text, contrast, collisions… (layout.check_document)
    regions: list[list[Finding]]  # per page: regions out of their page or holder
    texts: list[str]  # per page: its text, for the source lines
    marks: list[tuple[list, list]]  # per page: its QR codes and charts (`page_marks`)

    @classmethod
    def of(cls, rendered) -> CheckedPages:
        """render_design has checked the first page (check_document looks at no other); its
        "unsourced" findings are dropped, as it wants every figure's source line on that page while a
        leaflet prints its figures on any page (`findings` looks for them across all pages). The
        other pages are checked one by one."""
        pages = rendered.document.pages
        preflight = [[f for f in rendered.findings if f.rule != "unsourced"]]
        for page in pages[1:]:
            preflight.append(check_page(rendered.document, page, rendered.fmt))
        return cls(
            rendered,
            preflight,
            [page_regions(page) for page in pages],
            [page_text(page) for page in pages],
            [page_marks(page) for page in pages],
        )

    def findings(self) -> list[Finding]:
        """The document's findings: each page's preflight, pages the design does not expect, regions
        out of bounds, and figures printed without their source line."""
        rendered = self.rendered
        many = len(self.texts) > 1

        def numbered(pages):
            return [_on_page(f, number) if many else f for number, found in enumerate(pages, 1) for f in found]

        findings = numbered(self.preflight)
        findings.extend(_page_count(rendered.design, len(self.texts)))
        findings.extend(numbered(self.regions))
        findings.extend(unsourced(rendered.sources or [], " ".join(self.texts)))
        return findings

    def qr_boxes(self) -> list[tuple[int, str, tuple]]:
        """(page index, url, border rect in layout px) of every leaflet QR code."""
        return qr_boxes(self.marks)


def check_page(document, page, fmt) -> list[Finding]:
    """`check_document` on one page of `document` (a page of it, or one spliced in its place)."""
    return check_document(SimpleNamespace(document=document.copy([page]), fmt=fmt, sources=[]))


def check_pages(rendered) -> list[Finding]:
    """Preflight every page, and the figures' source lines across the whole document."""
    return CheckedPages.of(rendered).findings()


def _on_page(finding: Finding, number: int) -> Finding:
    return Finding(f"halaman {number}, {finding.element}", finding.rule, finding.message)


def _page_count(design: Design, count: int) -> list[Finding]:
    expected = design.meta.get("pages")
    if expected and count != expected:
        return [Finding("dokumen", "overflow", f"leaflet menjadi {count} halaman, seharusnya {expected}; kurangi isi")]
    return []


def page_regions(page) -> list[Finding]:
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
        name = None if is_placeholder(box) else region_name(box)
        if name:
            rect = border_rect(box)
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
        for child in children(box):
            walk(child, holder)

    walk(page_box(page), None)
    return findings


def page_marks(page) -> tuple[list[tuple], list[str]]:
    """On one page: the leaflet's QR codes, (url, border rect in layout px, alternative text, colour),
    and the alternative texts of its charts' images (the PDF finisher puts the labels in their
    Figures)."""
    codes, charts = [], []

    def walk(box):
        url = element_attr(box, "data-leaflet-qr")
        if url is not None:
            element = box.element
            codes.append((url, border_rect(box), element.get("alt", ""), element.get("data-leaflet-qr-color")))
        elif element_attr(box, "data-leaflet-chart") is not None:
            charts.append(box.element.get("alt", ""))
        for child in children(box):
            walk(child)

    walk(page_box(page))
    return codes, charts


def qr_boxes(marks: list[tuple[list, list]]) -> list[tuple[int, str, tuple]]:
    """(page index, url, border rect in layout px) of every leaflet QR code, from each page's
    `page_marks`."""
    return [(index, url, rect) for index, (codes, _) in enumerate(marks) for url, rect, *_ in codes]


def check_qr_codes(rendered, pdf_bytes: bytes, boxes: list | None = None) -> list[Finding]:
    """Decode every leaflet QR code back from the written PDF, at PRINT_QR_DPI, with a real decoder.

    `boxes`: the codes as `qr_boxes` lists them (found in the document when not given)."""
    if boxes is None:
        boxes = qr_boxes([page_marks(page) for page in rendered.document.pages])
    if not boxes:
        return []
    if not decoder_available():  # a test dependency today; without it the rule cannot run, and says so
        log.warning("zxing-cpp tidak terpasang: kode QR leaflet tidak diperiksa.")
        return []
    pt_per_px = 0.75 * rendered.fmt.zoom
    margin = 2 * PT_PER_MM  # a little paper around the code's own quiet zone
    findings = []
    with PdfCodes(pdf_bytes, PRINT_QR_DPI / 72) as pdf:
        for index, url, (x0, y0, x1, y1) in boxes:
            left, bottom, right, top = pdf.page(index).get_mediabox()
            # layout px run down from the trim's top-left corner; PDF points run up from its bottom-left
            trim_top = rendered.fmt.mm[1] * PT_PER_MM
            crop = (  # points to cut off each side of the MediaBox
                max(0.0, x0 * pt_per_px - margin - left),
                max(0.0, trim_top - y1 * pt_per_px - margin - bottom),
                max(0.0, right - x1 * pt_per_px - margin),
                max(0.0, top - (trim_top - y0 * pt_per_px) - margin),
            )
            texts = pdf.read(index, crop)
            if url not in texts:
                got = f'terbaca "{texts[0][:40]}"' if texts else "tidak terbaca"
                where = f"halaman {index + 1}, qr" if len(rendered.document.pages) > 1 else "qr"
                findings.append(Finding(where, "qr", f"kode QR untuk {url} {got}; perbesar kode atau beri zona tenang putih"))
    return findings
