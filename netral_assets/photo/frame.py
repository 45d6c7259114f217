"""Framing: a photo + a `Frame` (the rendered twibbon, RGBA, transparent in its window) + a `Placement`
-> `Framed` (an RGB picture at the frame's size and warnings for the caller), and `encode_framed()`
-> JPEG, PNG or WebP bytes that carry no metadata at all (no EXIF, GPS, XMP, comment or ICC profile:
pixels are sRGB). Pillow only.

Input photos: bytes or a path (JPEG, PNG, WebP, HEIC/HEIF, GIF, BMP, TIFF, AVIF), checked and opened
by `decode.open_photo`. The placement maths, and how one affine map makes framing fast, are documented
in `placement.py`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from PIL import Image

from ..errors import NetralError
from ..model.designs import Window
from ..model.formatting import format_fixed
from ..output.writers import encode_image
from .decode import (
    BROKEN_FILE,
    LIMITS,
    Limits,
    decode_cost,
    flatten,
    jpeg_factor,
    open_photo,
    orientation,
    to_srgb,
    why_broken,
)
from .face import AUTO_MAX_ZOOM, auto_placement
from .placement import CENTRED, Placement, apply, cover_scale, matmul, orientation_map, output_to_photo

# Above this many output px per photo px, the photo is visibly soft: say so.
UPSCALE_WARNING = 1.5
OUTPUT_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
WHITE = {"L": 255, "RGB": (255, 255, 255), "CMYK": (0, 0, 0, 0)}


@dataclass
class Frame:
    """A rendered twibbon frame (RGBA at output size, alpha 0 in the window) and its window."""

    image: Image.Image
    window: Window
    design: str = ""
    format: str = "square"

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @cached_property
    def box(self) -> tuple[int, int, int, int]:
        """The window's bounding box in whole px, one px of margin for the anti-aliased edge."""
        w = self.window
        return (
            max(0, math.floor(w.x) - 1),
            max(0, math.floor(w.y) - 1),
            min(self.size[0], math.ceil(w.x + w.width) + 1),
            min(self.size[1], math.ceil(w.y + w.height) + 1),
        )

    @cached_property
    def _layers(self) -> tuple[Image.Image, Image.Image, Image.Image]:
        # Computed once per frame, so each photo costs one small composite: the frame over white
        # (what lies outside the window box), and the frame's colour and alpha inside the box.
        white = Image.new("RGBA", self.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(white, self.image).convert("RGB")
        inner = self.image.crop(self.box)
        return flat, inner.convert("RGB"), inner.getchannel("A")

    def compose(self, photo_box: Image.Image) -> Image.Image:
        """The photo, already resampled into the window box, under the frame -> RGB at output size."""
        flat, colour, alpha = self._layers
        out = flat.copy()
        out.paste(Image.composite(colour, photo_box, alpha), self.box[:2])
        return out


@dataclass
class Framed:
    """The framed picture and what the caller should know about it."""

    image: Image.Image  # RGB, the frame's size, no metadata
    placement: Placement  # as used: with --auto, the zoom and offset the face gave
    photo_size: tuple[int, int]  # after EXIF orientation
    warnings: list[str] = field(default_factory=list)


def frame_photo(
    photo: str | Path | bytes,
    frame: Frame,
    placement: Placement = CENTRED,
    *,
    name: str | None = None,
    limits: Limits = LIMITS,
    reserve: Callable[[int], contextlib.AbstractContextManager] | None = None,
) -> Framed:
    """Put `photo` under `frame` at `placement`. NetralError (one line, naming the photo) if refused.
    `reserve(cost)`, if given, is entered with the photo's `decode_cost` (bytes, from its header) before
    any pixel is decoded, and left once the decoded photo is released (the web app's memory budget)."""
    placement = placement.check()
    label = name or (str(photo) if isinstance(photo, (str, Path)) else "foto")
    warn: list[str] = []
    image = open_photo(photo, label, limits)
    try:
        held = reserve(decode_cost(image, limits)) if reserve else contextlib.nullcontext()
    except BaseException:
        image.close()
        raise
    with held:
        try:
            return _frame(image, frame, placement, label, limits, warn)
        except NetralError:
            raise
        except BROKEN_FILE as exc:
            raise NetralError(f"{label}: berkas gambar rusak ({why_broken(exc)}).") from None
        except MemoryError:
            raise NetralError(f"{label}: foto terlalu besar untuk memori yang tersedia.") from None
        finally:
            image.close()  # frees its pixels (leaving `with image` would not) before the reservation ends


def _frame(image, frame: Frame, placement: Placement, label: str, limits: Limits, warn: list) -> Framed:
    raw_size = image.size
    exif_orientation = orientation(image, warn, label)
    to_raw = orientation_map(exif_orientation, raw_size)
    photo_size = raw_size if exif_orientation < 5 else raw_size[::-1]
    icc = image.info.get("icc_profile")

    # How many photo px one output px needs; with --auto the zoom is not known yet, so plan for the most.
    planned_zoom = max(placement.zoom, AUTO_MAX_ZOOM) if placement.auto else placement.zoom
    scale = planned_zoom * cover_scale(photo_size, frame.window, placement.rotate)
    factor = 1
    if image.format in ("JPEG", "MPO"):
        # Decode at 1/2, 1/4 or 1/8 scale (done inside libjpeg's IDCT): the largest reduction that still
        # gives at least one decoded px per output px, and never more decoded px than max_pixels.
        wanted = max(next((f for f in (8, 4, 2) if f * scale <= 1), 1), jpeg_factor(image, limits))
        if wanted > 1 and min(raw_size) >= wanted:
            drafted = image.draft(image.mode, (raw_size[0] // wanted, raw_size[1] // wanted))
            factor = round(raw_size[0] / drafted[1][2]) if drafted else 1
    if raw_size[0] * raw_size[1] / factor**2 > limits.max_pixels:
        raise NetralError(f"{label}: gambar {raw_size[0]}×{raw_size[1]} terlalu besar untuk dibuka utuh.")
    # oriented photo px -> decoded px
    to_decoded = matmul((1 / factor, 0, 0, 0, 1 / factor, 0), to_raw)

    if placement.auto:
        placement = auto_placement(image, exif_orientation, factor, photo_size, frame.window, placement)
        if not placement.auto:
            warn.append(f"{label}: wajah tidak terdeteksi; foto dipasang di tengah.")
        scale = placement.zoom * cover_scale(photo_size, frame.window, placement.rotate)
    if scale > UPSCALE_WARNING:
        warn.append(
            f"{label}: foto kecil ({photo_size[0]}×{photo_size[1]} px) diperbesar {format_fixed(scale)}× "
            "sehingga bisa tampak buram; pakai foto yang lebih besar bila ada."
        )

    bx0, by0, bx1, by1 = frame.box
    # window-box px -> output px -> oriented photo px -> decoded px
    to_source = matmul(to_decoded, output_to_photo(photo_size, frame.window, placement))
    to_source = matmul(to_source, (1, 0, bx0, 0, 1, by0))

    # Decode and keep only what the window shows (plus the bicubic kernel's reach).
    corners = [apply(to_source, x, y) for x in (0, bx1 - bx0) for y in (0, by1 - by0)]
    margin = 3
    left = max(0, math.floor(min(x for x, _ in corners)) - margin)
    top = max(0, math.floor(min(y for _, y in corners)) - margin)
    right = min(image.size[0], math.ceil(max(x for x, _ in corners)) + margin)
    bottom = min(image.size[1], math.ceil(max(y for _, y in corners)) + margin)
    image.load()
    if right <= left or bottom <= top:
        # The placement moved the photo out of the window entirely; keep one px so the maths holds.
        left, top, right, bottom = 0, 0, 1, 1
    # Bicubic resampling only looks at 4×4 source px: shrink by whole factors first (box filter)
    # so it never has to skip over more than one source px per output px.
    reduce_by = math.floor(1 / (scale * factor)) if scale * factor < 0.5 else 1
    # Memory (decode.decode_cost): L, RGB and CMYK are resampled straight from the decoded photo, with
    # no copy of it; other modes are cropped to what the window shows, the photo is released, and only
    # the crop is flattened.
    crop = (left, top, right, bottom)
    if image.mode in ("L", "RGB", "CMYK"):
        part = image
        if reduce_by > 1:
            part = image.reduce(reduce_by, box=crop)
            to_source = matmul((1, 0, -left, 0, 1, -top), to_source)
    else:
        part = image.crop(crop)
        image.close()
        part = flatten(part)
        to_source = matmul((1, 0, -left, 0, 1, -top), to_source)
        if reduce_by > 1:
            part = part.reduce(reduce_by)
    if reduce_by > 1:
        to_source = matmul((1 / reduce_by, 0, 0, 0, 1 / reduce_by, 0), to_source)

    box = part.transform(
        (bx1 - bx0, by1 - by0),
        Image.Transform.AFFINE,
        to_source,
        resample=Image.Resampling.BICUBIC,
        fillcolor=WHITE[part.mode],
    )
    box = to_srgb(box, icc, warn, label)
    out = frame.compose(box)
    out.info = {}
    return Framed(out, placement, photo_size, warn)


# -- writing ---------------------------------------------------------------------------------------


def encode_framed(image: Image.Image, ext: str) -> bytes:
    """A framed picture -> JPEG (quality 90), PNG or WebP bytes, without any metadata."""
    ext = ext.lower()
    if ext not in OUTPUT_SUFFIXES:
        raise NetralError(f"Format '{ext or '(kosong)'}' tidak didukung untuk foto berbingkai; pakai .jpg, .png atau .webp.")
    # A fresh image carries nothing from the photo: no EXIF, XMP, ICC profile or comment reaches the file.
    clean = image.convert("RGB") if image.mode != "RGB" else image.copy()
    clean.info = {}
    # JPEG: baseline at the writers' quality, Huffman tables fitted to the picture (optimize); a profile
    # photo is re-encoded by the platform it is uploaded to, so nothing slower is worth it.
    return encode_image(clean, ext, optimize=ext in (".jpg", ".jpeg"), photo=True)
