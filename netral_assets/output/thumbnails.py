"""Thumbnails: an asset's bytes (or the picture it was encoded from) -> a small picture of it, encoded by
`writers.encode_image`. The one thumbnailer of the batch's proof sheet, the web app's kit page and its
design previews.

A PDF shows its first page; a JPEG is decoded at a reduced size (its DCT scaling); transparency shows
on a checkerboard, as in design tools, on a plain colour, or is kept (then the thumbnail is a PNG).
"""

from __future__ import annotations

import functools
import io

from .writers import encode_image

CHECKERBOARD = "checkerboard"
CHECKER_PX = 8  # a checkerboard square in the thumbnail
RASTER_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")


def first_page(pdf: bytes, box: tuple[int, int]):
    """A PDF's first page as a Pillow image, as large as fits in `box` (width, height)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = min(box[0] / page.get_width(), box[1] / page.get_height())
        return page.render(scale=scale, may_draw_forms=False).to_pil()
    finally:
        document.close()


def thumbnail(data: bytes | None, ext: str, box: tuple[int, int], *, image=None, background=CHECKERBOARD,
              quality: int | None = None, optimize: bool = False) -> tuple[bytes, str] | None:
    """A picture of a file no larger than `box` (width, height) -> (bytes, media type); None for a
    format with no picture here (SVG).

    `image` is the picture the file was encoded from, when at hand (nothing is decoded then; it is
    never changed). `background`: CHECKERBOARD, an RGB colour, or None to keep transparency (a PNG
    then); an opaque thumbnail is a JPEG. `quality` and `optimize` go to `writers.encode_image`."""
    from PIL import Image

    ext = ext.lower()
    owned = image is None  # the caller's picture is never changed: shrink a copy (or a reduction)
    if owned and ext == ".pdf":
        image = first_page(data, box)
    elif owned and ext in RASTER_EXTENSIONS:
        image = Image.open(io.BytesIO(data))
        if image.format == "JPEG":
            scale = min(box[0] / image.width, box[1] / image.height)
            image.draft("RGB", (round(image.width * scale), round(image.height * scale)))  # decode at 1/2, 1/4 …
    elif owned:
        return None
    alpha = image.mode in ("RGBA", "LA", "P", "PA")
    if alpha and background is not None:
        # Flattened at full size, because shrinking RGBA costs Pillow a premultiplied copy of the
        # whole picture, three times what this paste costs.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        if background == CHECKERBOARD:
            image = _checkerboard(image.size, max(1, round(CHECKER_PX * image.height / box[1])))
        else:
            image = Image.new("RGB", image.size, tuple(background))
        image.paste(rgba, mask=rgba.getchannel("A"))
        owned, alpha = True, False
    if not owned:
        # shrink by a whole factor into a new picture (what thumbnail() does first anyway)
        factor = int(max(image.width / box[0], image.height / box[1]) / 2)
        image = image.reduce(factor) if factor > 1 else image.copy()
    # reducing_gap: shrink by whole factors first (fast), then resample the last step properly.
    image.thumbnail(box, Image.Resampling.LANCZOS, reducing_gap=2.0)
    if alpha:
        return encode_image(image.convert("RGBA"), ".png", optimize=optimize), "image/png"
    return encode_image(image.convert("RGB"), ".jpg", quality=quality, optimize=optimize, photo=True), "image/jpeg"


def _checkerboard(size: tuple[int, int], tile: int):
    """A light grey RGB checkerboard of `tile` px squares (its cells are cached, not the board: a
    worker's memory stays small)."""
    from PIL import Image

    cells = _checker_cells(-(-size[0] // tile), -(-size[1] // tile))
    board = cells.resize((cells.width * tile, cells.height * tile), Image.Resampling.NEAREST)
    return board.crop((0, 0, *size)).convert("RGB")


@functools.lru_cache(maxsize=8)
def _checker_cells(columns: int, rows: int):
    from PIL import Image

    cells = Image.new("L", (columns, rows))
    cells.putdata([255 if (x + y) % 2 else 214 for y in range(rows) for x in range(columns)])
    return cells
