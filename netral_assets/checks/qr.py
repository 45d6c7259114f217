"""The one QR decoder: an image, or regions of a PDF's pages -> the QR codes a real decoder reads there.

zxing-cpp (no system library) reads the codes; pypdfium2 rasterizes the PDF. Used by the live layout
checks (`layout`, codes marked `data-qr`), the leaflet's page checks (`pages`, codes decoded from the
PDF it writes) and `netral check` on finished files (`files`). Without zxing-cpp the callers say the rule
did not run: `decoder_available()` tells them before they rasterize anything.
"""

from __future__ import annotations

WHITE = (255, 255, 255, 255)
# Print QR codes are decoded as a cheap office printer or a phone photo of a poster would see them.
PRINT_QR_DPI = 150


def decoder_available() -> bool:
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        return False
    return True


def decode_qr(image) -> list[tuple[bool, str]] | None:
    """Every QR code found in a Pillow image, as (valid, text); None when zxing-cpp is not installed.

    Codes detected but not decodable are listed as invalid (their text is whatever was read)."""
    try:
        import zxingcpp
    except ImportError:
        return None
    results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True)
    return [(r.valid, r.text) for r in results]


def decoded_texts(image) -> list[str]:
    """The texts of the QR codes that decode in `image` (none without zxing-cpp)."""
    return [text for valid, text in decode_qr(image) or () if valid]


class PdfCodes:
    """A PDF opened for reading QR codes out of regions of its pages, each page loaded once (loading
    a page parses all its content). Use as a context manager."""

    def __init__(self, pdf_bytes: bytes, scale: float):
        import pypdfium2 as pdfium

        self.scale = scale  # pixels per PDF point
        self._pdf = pdfium.PdfDocument(pdf_bytes)
        self._pages: dict[int, object] = {}

    def page(self, index: int):
        """The pypdfium2 page `index` (for its geometry: `get_mediabox()`, `get_size()`)."""
        if index not in self._pages:
            self._pages[index] = self._pdf[index]
        return self._pages[index]

    def read(self, index: int, crop: tuple[float, float, float, float]) -> list[str]:
        """The texts of the codes that decode on page `index`, `crop` (points off the left, bottom,
        right and top of the page) cut away, rendered on white at `scale`."""
        image = self.page(index).render(scale=self.scale, crop=crop, fill_color=WHITE).to_pil()
        return decoded_texts(image)

    def close(self) -> None:
        for page in self._pages.values():
            page.close()
        self._pages.clear()
        self._pdf.close()

    def __enter__(self) -> PdfCodes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
