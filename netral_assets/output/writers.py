"""Writers: a rendered document -> bytes of one format, chosen by file extension.

PDF comes from WeasyPrint; PNG, JPEG and WebP from pypdfium2 rasterizing that PDF and Pillow encoding
it. Writers never import each other; `WRITERS` is the one table that maps an extension to a writer.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from ..defaults import JPEG_QUALITY, WEBP_QUALITY
from ..errors import NetralError


def write_pdf(rendered, **options) -> bytes:
    """Vector PDF at the format's real size (paper formats are scaled from the layout canvas)."""
    meta = rendered.document.metadata
    for key, value in options.pop("metadata", {}).items():
        setattr(meta, key, value)
    return rendered.document.write_pdf(zoom=rendered.fmt.zoom, **options)


def rasterize(rendered, width_px: int | None = None, transparent: bool = False):
    """First page -> Pillow image, `width_px` wide (default: the layout canvas width)."""
    return rasterize_pdf(raster_pdf(rendered), rendered.fmt, width_px, transparent)


def raster_pdf(rendered) -> bytes:
    """The PDF `rasterize_pdf` reads: layout px map 1:1 to 0.75 pt (no zoom), uncompressed (it is read
    once, or kept in memory by layers.py, never written)."""
    return rendered.document.write_pdf(uncompressed_pdf=True)


def rasterize_pdf(pdf_bytes: bytes, fmt, width_px: int | None = None, transparent: bool = False):
    """A raster PDF's first page -> Pillow image (RGBA when `transparent`, else RGB on white)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        width_pt = page.get_width()
        target = width_px or round(fmt.width)
        scale = target / width_pt
        # Ask pdfium for the final pixel layout (RGBA or RGB, byte order reversed from its native BGR)
        # so Pillow wraps the buffer without a conversion pass: a third of the raster time.
        import pypdfium2.raw as pdfium_c

        bitmap = page.render(
            scale=scale,
            fill_color=(0, 0, 0, 0) if transparent else (255, 255, 255, 255),
            may_draw_forms=False,
            force_bitmap_format=pdfium_c.FPDFBitmap_BGRA if transparent else pdfium_c.FPDFBitmap_BGR,
            rev_byteorder=True,
        )
        image = bitmap.to_pil()
        expected = (target, round(fmt.height * target / fmt.width))
        if image.size != expected:
            # pdfium rounds the page size up on some scales; crop the stray row or column
            image = image.crop((0, 0, *expected))
        mode = "RGBA" if transparent else "RGB"
        # a copy either way: the bitmap's buffer is freed with the bitmap
        return image.convert(mode) if image.mode != mode else image.copy()
    finally:
        pdf.close()


def encode_image(image, ext: str, *, quality: int | None = None, optimize: bool = False,
                 photo: bool = False) -> bytes:
    """A picture -> PNG, JPEG or WebP bytes: the one place the package encodes images. Defaults are
    for the kit's own pictures; `quality` (JPEG/WebP) and `optimize` (PNG: smallest deflate; JPEG:
    Huffman tables fitted to the picture, ~9% fewer bytes for a fraction of a ms) are for callers with
    another purpose (thumbnails, framed photos, uploaded logos). JPEGs of text graphics keep full
    colour resolution (4:4:4: red text on navy stays sharp); `photo` pictures and thumbnails use 4:2:0,
    which a photo does not show and which keeps them small for messaging apps."""
    out = io.BytesIO()
    if ext == ".png":
        if optimize:
            image.save(out, "PNG", optimize=True)
        else:
            # Deflate with run-length matches only (Z_RLE): measured on a twibbon frame a third faster
            # than the default strategy for 12% more bytes (logos 4% fewer); on a framed photo 6×
            # faster and no larger (PNG's row filters already turn a photo into short runs).
            image.save(out, "PNG", optimize=False, compress_level=6, compress_type=zlib.Z_RLE)
    elif ext in (".jpg", ".jpeg"):
        # baseline; without `optimize`, a quarter of the encoding time for ~5% more bytes
        rgb = image if image.mode == "RGB" else image.convert("RGB")  # convert() copies even an RGB image
        rgb.save(out, "JPEG", quality=quality or JPEG_QUALITY, optimize=optimize, subsampling=2 if photo else 0)
    elif ext == ".webp":
        image.save(out, "WEBP", quality=quality or WEBP_QUALITY, method=4)
    else:
        raise NetralError(f"Format gambar '{ext}' tidak didukung.")
    return out.getvalue()


def _raster_writer(ext: str, alpha: bool):
    def write(rendered, image=None, **_options) -> bytes:
        if image is None:
            image = rasterize(rendered, transparent=alpha)
        return encode_image(image, ext)

    write.__name__ = f"write_{ext.lstrip('.')}"
    return write


write_png = _raster_writer(".png", alpha=True)
write_jpeg = _raster_writer(".jpg", alpha=False)
write_webp = _raster_writer(".webp", alpha=True)

WRITERS = {
    ".pdf": write_pdf,
    ".png": write_png,
    ".jpg": write_jpeg,
    ".jpeg": write_jpeg,
    ".webp": write_webp,
}


def writer_for(path: str | Path):
    ext = Path(path).suffix.lower()
    try:
        return ext, WRITERS[ext]
    except KeyError:
        raise NetralError(
            f"Ekstensi '{ext or '(kosong)'}' tidak dikenal untuk {path}. "
            f"Pakai salah satu: {', '.join(sorted(WRITERS))} (atau .svg untuk logo)."
        ) from None
