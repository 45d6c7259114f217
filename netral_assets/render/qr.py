"""QR codes: a URL -> an inline SVG (one path of dark modules on a light square, quiet zone included),
or for leaflets an <img> of the code's white square plus its dark modules as PDF rectangles.

Templates call `qr(url)` (a context function). The SVG carries `data-qr="<url>"` so preflight can find
the code in the layout, rasterize that region of the output and decode it back with a real decoder.
Inline SVG stays vector in the PDF, so print needs no resolution decision. Leaflets call `leaflet_qr`
instead: the PDF finisher (`output/pdf_finish.py`) draws the modules (`qr_modules`), and the leaflet
decodes its codes from the PDF it writes (`checks/pages.py`).
"""

from __future__ import annotations

from functools import cache, lru_cache

from markupsafe import Markup, escape

from ..errors import NetralError
from .fetch import data_uri

# Level M (15% recovery) keeps short URLs at version 2–3: big modules, robust on a phone camera,
# and the URL is printed beside the code anyway.
ERROR_CORRECTION = "M"
QUIET_ZONE = 4  # modules; the QR standard's minimum


def qr_matrix(data: str) -> list[list[bool]]:
    """The module matrix of `data`, quiet zone included (True = dark)."""
    import qrcode
    import qrcode.constants
    from qrcode.exceptions import DataOverflowError

    level = getattr(qrcode.constants, f"ERROR_CORRECT_{ERROR_CORRECTION}")
    code = qrcode.QRCode(error_correction=level, border=QUIET_ZONE)
    try:
        code.add_data(data)
        code.make(fit=True)
    except (ValueError, DataOverflowError) as exc:
        raise NetralError(f"Alamat '{data[:60]}' tidak dapat dijadikan kode QR: {exc}. Pakai URL yang lebih pendek.") from exc
    return code.get_matrix()


def qr_runs(matrix: list[list[bool]]):
    """The dark modules as horizontal runs, (x, y, length), row by row."""
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield start, y, x - start
            else:
                x += 1


def _path(matrix: list[list[bool]]) -> str:
    # One horizontal run of dark modules per subpath: a few hundred bytes instead of a rect per module.
    return "".join(f"M{x} {y}h{length}v1h{-length}z" for x, y, length in qr_runs(matrix))


def qr_svg_document(url: str, color: str = "#0B1A33", background: str = "#FFFFFF", attrs: str = "") -> str:
    """A standalone SVG of the QR code for `url` (for an <img> or a file); `attrs` go on the <svg>."""
    if not url or not isinstance(url, str):
        raise NetralError("Kode QR butuh alamat (URL) yang tidak kosong.")
    matrix = qr_matrix(url)
    n = len(matrix)
    return (
        f'<svg {attrs}viewBox="0 0 {n} {n}" xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">'
        f"<title>Kode QR: {escape(url)}</title>"  # alternative text for tagged PDF (PDF/UA)
        f'<rect width="{n}" height="{n}" fill="{escape(background)}"/>'
        f'<path fill="{escape(color)}" d="{_path(matrix)}"/></svg>'
    )


@lru_cache(maxsize=64)
def qr_svg(url: str, color: str = "#0B1A33", background: str = "#FFFFFF") -> Markup:
    """Inline SVG of the QR code for `url`; size it with CSS (it scales to its box)."""
    url_attr = escape(url or "")
    attrs = f'class="qr" data-qr="{url_attr}" role="img" aria-label="Kode QR: {url_attr}" '
    return Markup(qr_svg_document(url, color, background, attrs))


# -- leaflets ----------------------------------------------------------------------------------------
@cache
def qr_modules(url: str) -> tuple[int, bytes]:
    """The QR code of `url` (`qr_matrix`, quiet zone included): its size in modules, and its dark
    modules as PDF rectangles in module units, y down, one per horizontal run (`x y w 1 re`): the
    rectangles `qr_svg`'s path fills."""
    matrix = qr_matrix(url)
    return len(matrix), "\n".join(f"{x} {y} {length} 1 re" for x, y, length in qr_runs(matrix)).encode()


@cache
def leaflet_qr(url: str, color: str = "#0B1A33") -> Markup:
    """The QR code of `url` as an image with its description in `alt`, which becomes the Alt text
    PDF/UA requires of the PDF Figure; it stays vector in the PDF.

    The image is the code's white square only: the leaflet's PDF finisher draws the dark modules
    (`qr_modules`) into the same Figure. WeasyPrint parses and draws SVG paths in Python command by
    command, and the three codes of a leaflet (hundreds of runs each) were a tenth of its cost every
    time it was written.

    An <img> rather than inline SVG: inline SVG elements go through the HTML parser and the CSS
    cascade like any element, which costs more than drawing them. It carries `data-leaflet-qr`
    rather than preflight's `data-qr`: preflight would write and rasterize the whole document once
    more to decode it, so the leaflet decodes its codes from the PDF it writes anyway
    (`checks.pages.check_qr_codes`).
    """
    if not url or not isinstance(url, str):
        raise NetralError("Kode QR butuh alamat (URL) yang tidak kosong.")
    n, _ = qr_modules(url)
    svg = (
        f'<svg viewBox="0 0 {n} {n}" xmlns="http://www.w3.org/2000/svg"><title>Kode QR: {escape(url)}</title>'
        f'<rect width="{n}" height="{n}" fill="#FFFFFF"/></svg>'
    )
    return Markup(
        '<img class="qr-code" src="%s" alt="Kode QR menuju %s" data-leaflet-qr="%s" data-leaflet-qr-color="%s">'
    ) % (data_uri(svg.encode(), "image/svg+xml"), url, url, color)
