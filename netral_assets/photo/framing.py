"""Photo framing: a person's photo + a twibbon frame + a placement -> the framed picture (Pillow only).

Input: photo bytes or a path (JPEG, PNG, WebP, HEIC/HEIF, GIF, BMP, TIFF, AVIF), a `Frame` (the
rendered twibbon, RGBA, transparent in its window) and a `Placement`. Output: `Framed`, an RGB image
at the frame's size plus warnings for the caller, and `encode_framed()` to turn it into JPEG, PNG or
WebP bytes that carry no metadata at all (no EXIF, GPS, XMP, comment or ICC profile: pixels are sRGB).

Placement (the same numbers mean the same picture here and on the web page)
-------------------------------------------------------------------------
All lengths are in output px of the frame; coordinates are continuous, y pointing down, pixel centres
at half-integers (as in Pillow's transforms and the HTML canvas).

    P = (pw, ph)        the photo's size after its EXIF orientation is applied
    W = (wx, wy, ww, wh) the bounding box of the frame's window; its centre (cx, cy)
    t                    rotation in degrees, clockwise on screen, about the photo's centre
    cover(t) = max((ww*|cos t| + wh*|sin t|) / pw, (ww*|sin t| + wh*|cos t|) / ph)
                         the smallest scale at which the photo, rotated by t and centred on the
                         window, covers the window's bounding box (at t = 0: max(ww/pw, wh/ph))
    s = zoom * cover(t)  output px per photo px; zoom 1 covers the window exactly, zoom 2 shows the
                         middle half of that
    C = (cx + ox*ww, cy + oy*wh)
                         where the photo's centre lands: the offset (ox, oy) is a fraction of the
                         window's width and height; positive moves the photo right and down

A photo point p lands at  q = C + s * R(t) * (p - P/2),  R(t) = [[cos t, -sin t], [sin t, cos t]].

On a canvas of the frame's size: fill white, clip to the window's bounding box, then
`translate(Cx, Cy); rotate(t * PI / 180); scale(s, s); drawImage(photo, -pw / 2, -ph / 2)`, and draw
the frame on top. Whatever the photo does not cover stays white.

How it is made fast: the inverse of that map (output px -> photo px) is composed with the EXIF
orientation, the JPEG's reduced-scale decoding (`draft`, 1/2 to 1/8, chosen from the resolution the
window needs), the crop of the part the window shows and an integer `reduce`; Pillow then resamples
once (bicubic) into the window's bounding box only, and the frame is laid over at output size.
"""

from __future__ import annotations

import csv
import io
import math
import re
import struct
import warnings
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError

from ..errors import NetralError
from ..kit.core import write_atomic
from ..model.agencies import slugify
from ..model.designs import Window
from ..output.writers import JPEG_QUALITY, encode_image

# -- defaults: the one place for the limits and choices of photo framing -------------------------


@dataclass(frozen=True)
class Limits:
    """What a photo may cost before it is refused."""

    max_bytes: int = 40 * 1024 * 1024
    # Checked from the header, before any pixel is decoded.
    max_pixels: int = 50_000_000
    # JPEGs decode at 1/2 to 1/8 scale, so a 108 MP phone photo costs less than a 50 MP PNG; its
    # decoded pixels are still held to max_pixels. (Pillow itself refuses anything above 179 MP.)
    max_jpeg_pixels: int = 150_000_000


LIMITS = Limits()
ZOOM_RANGE = (0.25, 8.0)
OFFSET_LIMIT = 2.0  # window widths/heights
# Above this many output px per photo px, the photo is visibly soft: say so.
UPSCALE_WARNING = 1.5
OUTPUT_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# Decoders Pillow may use on a photo. Others (EPS, PSD, ...) are never handed a stranger's file.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")  # MPO comes through JPEG
# In a folder, files with these suffixes are photos; named files are tried whatever their suffix.
PHOTO_SUFFIXES = frozenset(
    [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".hif", ".avif"]
)
FACE_EXTRA = "pip install 'netral-assets[face]'"
# --auto: the face's width as a fraction of the window's width (head and shoulders in a round window),
# and where the face's centre sits (fraction of the window height above the centre).
FACE_WIDTH = 0.42
FACE_LIFT = 0.06
AUTO_MAX_ZOOM = 3.0

# What Pillow's decoders raise on a damaged or hostile file.
BROKEN_FILE = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error, zlib.error)
WHITE = {"L": 255, "RGB": (255, 255, 255), "CMYK": (0, 0, 0, 0)}


# -- placement ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Zoom, offset (fractions of the window) and clockwise rotation in degrees; see the module doc."""

    zoom: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    rotate: float = 0.0
    auto: bool = False  # centre and scale on the detected face (zoom and offset are then computed)

    def check(self) -> Placement:
        lo, hi = ZOOM_RANGE
        values = (self.zoom, *self.offset, self.rotate)
        if not all(math.isfinite(v) for v in values):
            raise NetralError("Zoom, offset dan rotasi harus berupa angka.")
        if not lo <= self.zoom <= hi:
            raise NetralError(f"Zoom {_g(self.zoom)} di luar batas {_g(lo)}–{_g(hi)} (1 = foto pas menutupi jendela).")
        if any(abs(v) > OFFSET_LIMIT for v in self.offset):
            raise NetralError(
                f"Offset {_g(self.offset[0])} {_g(self.offset[1])} di luar batas ±{_g(OFFSET_LIMIT)} "
                "(satuannya lebar dan tinggi jendela foto)."
            )
        return replace(self, rotate=self.rotate % 360)


def _g(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def cover_scale(photo_size: tuple[float, float], window: Window, rotate: float) -> float:
    """Output px per photo px at zoom 1: the rotated photo just covers the window's bounding box."""
    pw, ph = photo_size
    c, s = abs(math.cos(math.radians(rotate))), abs(math.sin(math.radians(rotate)))
    return max((window.width * c + window.height * s) / pw, (window.width * s + window.height * c) / ph)


def _matmul(a: tuple, b: tuple) -> tuple:
    """Product of two affine maps stored as (a, b, c, d, e, f): x' = a x + b y + c, y' = d x + e y + f."""
    return (
        a[0] * b[0] + a[1] * b[3],
        a[0] * b[1] + a[1] * b[4],
        a[0] * b[2] + a[1] * b[5] + a[2],
        a[3] * b[0] + a[4] * b[3],
        a[3] * b[1] + a[4] * b[4],
        a[3] * b[2] + a[4] * b[5] + a[5],
    )


def _apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]


def output_to_photo(photo_size: tuple[float, float], window: Window, placement: Placement) -> tuple:
    """The affine map output px -> oriented photo px (the inverse of the module doc's formula)."""
    pw, ph = photo_size
    t = math.radians(placement.rotate)
    s = placement.zoom * cover_scale(photo_size, window, placement.rotate)
    cx, cy = window.center
    ox, oy = placement.offset
    centre_x, centre_y = cx + ox * window.width, cy + oy * window.height
    cos, sin = math.cos(t) / s, math.sin(t) / s
    # p = P/2 + R(-t) (q - C) / s
    return (
        cos,
        sin,
        pw / 2 - cos * centre_x - sin * centre_y,
        -sin,
        cos,
        ph / 2 + sin * centre_x - cos * centre_y,
    )


def _orientation_map(orientation: int, raw_size: tuple[int, int]) -> tuple:
    """Oriented (displayed) photo px -> stored px, for EXIF orientation 1–8."""
    w, h = raw_size
    return {
        1: (1, 0, 0, 0, 1, 0),
        2: (-1, 0, w, 0, 1, 0),  # mirrored left-right
        3: (-1, 0, w, 0, -1, h),  # upside down
        4: (1, 0, 0, 0, -1, h),  # mirrored top-bottom
        5: (0, 1, 0, 1, 0, 0),  # transposed
        6: (0, 1, 0, -1, 0, h),  # stored turned 90° anticlockwise: display turns it clockwise
        7: (0, -1, w, -1, 0, h),  # transversed
        8: (0, -1, w, 1, 0, 0),  # stored turned 90° clockwise
    }[orientation]


# -- frames ---------------------------------------------------------------------------------------


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


# -- reading a photo --------------------------------------------------------------------------------


@cache
def _decoders() -> tuple[str, ...]:
    """PHOTO_FORMATS that this installation can open (HEIF comes from pillow-heif)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    Image.init()
    return tuple(f for f in PHOTO_FORMATS if f in Image.OPEN)


def _id_number(value: float) -> str:
    """1234.5 -> '1.234,5' (Indonesian separators)."""
    return f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _mb(n: int) -> str:
    return _id_number(n / 1024 / 1024)


def _mp(n: int) -> str:
    return _id_number(n / 1e6)


def open_photo(photo: str | Path | bytes, name: str | None = None, limits: Limits = LIMITS) -> Image.Image:
    """Open a photo lazily (header only) after the byte and pixel checks; NetralError if refused."""
    if isinstance(photo, (bytes, bytearray, memoryview)):
        label, size, source = name or "foto", len(photo), io.BytesIO(photo)
    else:
        path = Path(photo)
        label = name or str(path)
        try:
            size = path.stat().st_size
        except OSError:
            raise NetralError(f"{label}: berkas tidak ada atau tidak bisa dibaca.") from None
        if not path.is_file():
            raise NetralError(f"{label}: bukan berkas foto (folder atau perangkat).")
        source = path
    if size == 0:
        raise NetralError(f"{label}: berkas kosong.")
    if size > limits.max_bytes:
        raise NetralError(f"{label}: berkas {_mb(size)} MB, melebihi batas {_mb(limits.max_bytes)} MB.")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning is replaced by the checks below, which give the user a message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source, formats=_decoders())
    except UnidentifiedImageError:
        raise NetralError(
            f"{label}: bukan berkas foto (JPEG, PNG, WebP, HEIC, GIF, BMP atau TIFF), apa pun ekstensinya."
        ) from None
    except Image.DecompressionBombError as exc:
        declared = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{_mp(int(declared.group(1)))} MP " if declared else ""
        raise NetralError(
            f"{label}: gambar {size}melebihi batas {_mp(limits.max_pixels)} MP (ukuran dari header; tidak didekode)."
        ) from None
    except BROKEN_FILE as exc:
        raise NetralError(f"{label}: berkas gambar rusak ({_reason(exc)}).") from None
    width, height = image.size
    pixels = width * height
    limit = limits.max_jpeg_pixels if image.format in ("JPEG", "MPO") else limits.max_pixels
    if pixels > limit:
        image.close()
        raise NetralError(f"{label}: gambar {width}×{height} ({_mp(pixels)} MP) melebihi batas {_mp(limit)} MP.")
    if width < 1 or height < 1:
        image.close()
        raise NetralError(f"{label}: berkas gambar rusak (ukuran {width}×{height}).")
    return image


@contextmanager
def _refuse_truncated():
    """Decode with Pillow's check for truncated files on. WeasyPrint switches it off for the whole
    process when imported (ImageFile.LOAD_TRUNCATED_IMAGES = True), and a cut-off phone photo would
    then come out half grey instead of being refused."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "truncated" in text or "broken data stream" in text or isinstance(exc, EOFError):
        return "terpotong atau tidak lengkap"
    return text[:80]


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except BROKEN_FILE:  # a broken EXIF block must not stop the photo; its orientation is unknown
        return 1
    return value if value in range(1, 9) else 1


def _flatten(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> L, RGB or CMYK; transparency over white, 16-bit scaled to 8."""
    mode = image.mode
    if mode in ("L", "RGB", "CMYK"):
        return image
    if mode.startswith("I;16") or mode == "I":
        # convert("L") would clip 16-bit values at 255 instead of scaling them
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if mode == "F":
        return image.convert("L")
    if mode == "1":
        return image.convert("L")
    if mode in ("P", "PA", "LA", "La", "RGBA", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


@cache
def _srgb():
    return ImageCms.createProfile("sRGB")


_ICC_SPACES = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}


@cache
def _icc_transform(icc: bytes, mode: str):
    """A transform from the photo's embedded profile to sRGB; None if the profile does not fit `mode`.
    Cached: a phone's photos share one profile, and building a transform costs milliseconds."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    if profile.profile.xcolor_space.strip() != _ICC_SPACES[mode]:
        return None
    return ImageCms.buildTransform(profile, _srgb(), mode, "RGB", ImageCms.Intent.PERCEPTUAL)


def _to_srgb(image: Image.Image, icc: bytes | None, warn: list[str], label: str) -> Image.Image:
    """Photo pixels in their own colour space (Display P3, Adobe RGB, CMYK...) -> sRGB, 8-bit RGB."""
    if icc:
        try:
            transform = _icc_transform(bytes(icc), image.mode)
            if transform is not None:
                return ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            warn.append(f"{label}: profil warna foto tidak bisa dibaca; warnanya dipakai apa adanya.")
    return image.convert("RGB")


# -- framing --------------------------------------------------------------------------------------


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
    placement: Placement = Placement(),
    *,
    name: str | None = None,
    limits: Limits = LIMITS,
) -> Framed:
    """Put `photo` under `frame` at `placement`. NetralError (one line, naming the photo) if refused."""
    placement = placement.check()
    label = name or (str(photo) if isinstance(photo, (str, Path)) else "foto")
    warn: list[str] = []
    with open_photo(photo, label, limits) as image, _refuse_truncated():
        try:
            return _frame(image, frame, placement, label, limits, warn)
        except NetralError:
            raise
        except BROKEN_FILE as exc:
            raise NetralError(f"{label}: berkas gambar rusak ({_reason(exc)}).") from None
        except MemoryError:
            raise NetralError(f"{label}: foto terlalu besar untuk memori yang tersedia.") from None


def _frame(image, frame: Frame, placement: Placement, label: str, limits: Limits, warn: list) -> Framed:
    raw_size = image.size
    orientation = _orientation(image)
    to_raw = _orientation_map(orientation, raw_size)
    photo_size = raw_size if orientation < 5 else raw_size[::-1]
    icc = image.info.get("icc_profile")

    # How many photo px one output px needs; with --auto the zoom is not known yet, so plan for the most.
    planned_zoom = max(placement.zoom, AUTO_MAX_ZOOM) if placement.auto else placement.zoom
    scale = planned_zoom * cover_scale(photo_size, frame.window, placement.rotate)
    factor = 1
    if image.format in ("JPEG", "MPO"):
        # Decode at 1/2, 1/4 or 1/8 scale (done inside libjpeg's IDCT): the largest reduction that still
        # gives at least one decoded px per output px, and never more decoded px than max_pixels.
        wanted = next((f for f in (8, 4, 2) if f * scale <= 1), 1)
        while wanted < 8 and raw_size[0] * raw_size[1] / wanted**2 > limits.max_pixels:
            wanted *= 2
        if wanted > 1 and min(raw_size) >= wanted:
            drafted = image.draft(image.mode, (raw_size[0] // wanted, raw_size[1] // wanted))
            factor = round(raw_size[0] / drafted[1][2]) if drafted else 1
    if raw_size[0] * raw_size[1] / factor**2 > limits.max_pixels:
        raise NetralError(f"{label}: gambar {raw_size[0]}×{raw_size[1]} terlalu besar untuk dibuka utuh.")
    # oriented photo px -> decoded px
    to_decoded = _matmul((1 / factor, 0, 0, 0, 1 / factor, 0), to_raw)

    if placement.auto:
        placement = _auto_placement(image, orientation, factor, photo_size, frame.window, placement)
        if not placement.auto:
            warn.append(f"{label}: wajah tidak terdeteksi; foto dipasang di tengah.")
        scale = placement.zoom * cover_scale(photo_size, frame.window, placement.rotate)
    if scale > UPSCALE_WARNING:
        warn.append(
            f"{label}: foto kecil ({photo_size[0]}×{photo_size[1]} px) diperbesar {scale:.1f}× "
            "sehingga bisa tampak buram; pakai foto yang lebih besar bila ada."
        )

    bx0, by0, bx1, by1 = frame.box
    # window-box px -> output px -> oriented photo px -> decoded px
    to_source = _matmul(to_decoded, output_to_photo(photo_size, frame.window, placement))
    to_source = _matmul(to_source, (1, 0, bx0, 0, 1, by0))

    # Decode and keep only what the window shows (plus the bicubic kernel's reach).
    corners = [_apply(to_source, x, y) for x in (0, bx1 - bx0) for y in (0, by1 - by0)]
    margin = 3
    left = max(0, math.floor(min(x for x, _ in corners)) - margin)
    top = max(0, math.floor(min(y for _, y in corners)) - margin)
    right = min(image.size[0], math.ceil(max(x for x, _ in corners)) + margin)
    bottom = min(image.size[1], math.ceil(max(y for _, y in corners)) + margin)
    image.load()
    if right <= left or bottom <= top:
        # The placement moved the photo out of the window entirely; keep one px so the maths holds.
        left, top, right, bottom = 0, 0, 1, 1
    part = _flatten(image.crop((left, top, right, bottom)))
    to_source = _matmul((1, 0, -left, 0, 1, -top), to_source)

    # Bicubic resampling only looks at 4×4 source px: shrink by whole factors first (box filter)
    # so it never has to skip over more than one source px per output px.
    reduce_by = math.floor(1 / (scale * factor)) if scale * factor < 0.5 else 1
    if reduce_by > 1:
        part = part.reduce(reduce_by)
        to_source = _matmul((1 / reduce_by, 0, 0, 0, 1 / reduce_by, 0), to_source)

    box = part.transform(
        (bx1 - bx0, by1 - by0),
        Image.Transform.AFFINE,
        to_source,
        resample=Image.Resampling.BICUBIC,
        fillcolor=WHITE[part.mode],
    )
    box = _to_srgb(box, icc, warn, label)
    out = frame.compose(box)
    out.info = {}
    return Framed(out, placement, photo_size, warn)


# -- --auto: face centring (optional extra) -----------------------------------------------------


@cache
def _face_detector():
    try:
        import cv2
    except ImportError:
        raise NetralError(f"--auto butuh pendeteksi wajah yang belum terpasang. Pasang dengan: {FACE_EXTRA}") from None
    cascade = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(str(cascade))
    if detector.empty():
        raise NetralError(f"Model wajah OpenCV tidak ditemukan di {cascade}. Pasang ulang: {FACE_EXTRA}")
    return cv2, detector


def find_face(image: Image.Image) -> tuple[float, float, float, float] | None:
    """The largest frontal face in an upright `image` as (x, y, width, height) in its px, or None."""
    import numpy as np

    cv2, detector = _face_detector()
    grey = image.convert("L")
    # Detection runs on about 640 px: faster, and the cascade's window sizes suit it.
    shrink = max(1, math.ceil(max(grey.size) / 640))
    if shrink > 1:
        grey = grey.reduce(shrink)
    faces = detector.detectMultiScale(
        cv2.equalizeHist(np.asarray(grey)),
        scaleFactor=1.1,
        minNeighbors=5,
        minSize=(max(24, min(grey.size) // 12),) * 2,
    )
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return (float(x * shrink), float(y * shrink), float(w * shrink), float(h * shrink))


# The transposition that shows a stored image upright, per EXIF orientation (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _auto_placement(image, orientation: int, factor: int, photo_size, window: Window, placement: Placement) -> Placement:
    """Zoom and offset that put the largest face near the window's centre, photo still covering it."""
    _face_detector()  # the message about the missing extra comes before any decoding
    image.load()
    upright = _flatten(image)
    shrink = max(1, max(upright.size) // 1280)
    if shrink > 1:
        upright = upright.reduce(shrink)
    if orientation in _UPRIGHT:
        upright = upright.transpose(_UPRIGHT[orientation])
    face = find_face(upright)
    if face is None:
        return replace(placement, auto=False)
    # upright decoded px -> oriented photo px
    k = factor * shrink
    x, y, w, _ = (v * k for v in face)
    fx, fy = x + w / 2, y + face[3] * k / 2
    cover = cover_scale(photo_size, window, placement.rotate)
    zoom = min(AUTO_MAX_ZOOM, max(1.0, FACE_WIDTH * window.width / (w * cover)))
    s = zoom * cover
    t = math.radians(placement.rotate)
    cos, sin = math.cos(t), math.sin(t)
    # The face's centre a little above the window's centre, then moved the least to keep the window covered.
    target = (window.center[0], window.center[1] - FACE_LIFT * window.height)
    dx, dy = fx - photo_size[0] / 2, fy - photo_size[1] / 2
    centre = (target[0] - s * (cos * dx - sin * dy), target[1] - s * (sin * dx + cos * dy))
    centre = _clamp_cover(centre, photo_size, window, s, t)
    offset = ((centre[0] - window.center[0]) / window.width, (centre[1] - window.center[1]) / window.height)
    return Placement(zoom=round(zoom, 4), offset=(round(offset[0], 4), round(offset[1], 4)), rotate=placement.rotate, auto=True)


def _clamp_cover(centre, photo_size, window: Window, s: float, t: float) -> tuple[float, float]:
    """Move the photo's centre the least so that the window box stays inside the rotated photo."""
    cos, sin = math.cos(t), math.sin(t)
    pw, ph = photo_size
    # The window box's corners in photo px relative to the photo's centre: R(-t) (q - C) / s.
    xs, ys = [], []
    for qx in (window.x, window.x + window.width):
        for qy in (window.y, window.y + window.height):
            rx, ry = qx - centre[0], qy - centre[1]
            xs.append((cos * rx + sin * ry) / s)
            ys.append((-sin * rx + cos * ry) / s)
    shift_x = max(0.0, -pw / 2 - min(xs)) - max(0.0, max(xs) - pw / 2)
    shift_y = max(0.0, -ph / 2 - min(ys)) - max(0.0, max(ys) - ph / 2)
    # Moving the window by (shift) in photo px is moving the photo by -s R(t) (shift) on the output.
    return (centre[0] - s * (cos * shift_x - sin * shift_y), centre[1] - s * (sin * shift_x + cos * shift_y))


# -- writing ---------------------------------------------------------------------------------------


def encode_framed(image: Image.Image, ext: str) -> bytes:
    """A framed picture -> JPEG (quality 90), PNG or WebP bytes, without any metadata."""
    ext = ext.lower()
    if ext not in OUTPUT_SUFFIXES:
        raise NetralError(f"Format '{ext or '(kosong)'}' tidak didukung untuk foto berbingkai; pakai .jpg, .png atau .webp.")
    # A fresh image carries nothing from the photo: no EXIF, XMP, ICC profile or comment reaches the file.
    clean = image.convert("RGB") if image.mode != "RGB" else image.copy()
    clean.info = {}
    if ext in (".jpg", ".jpeg"):
        # Baseline, not progressive like the poster writer: a profile photo is re-encoded by the platform
        # it is uploaded to, and progressive encoding takes three times as long (17 ms vs 6 ms here).
        out = io.BytesIO()
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        return out.getvalue()
    return encode_image(clean, ext)


# -- many photos -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One photo to frame: where it comes from, where it goes, whose name goes on the frame."""

    photo: Path
    output: Path
    name: str = ""
    unit: str = ""


@dataclass
class JobResult:
    job: Job
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    placement: Placement | None = None  # as used (with --auto: what the face gave)

    @property
    def ok(self) -> bool:
        return not self.error


def collect_photos(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files named and the photos inside folders named -> (photos, files skipped in folders)."""
    photos: list[Path] = []
    skipped: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.name.startswith(".") or not child.is_file():
                    continue
                (photos if child.suffix.lower() in PHOTO_SUFFIXES else skipped).append(child)
        else:
            photos.append(p)
    return photos, skipped


@dataclass
class Plan:
    """What a `netral frame` run will do: the jobs, the folder files it skips, one file or a folder."""

    jobs: list[Job]
    skipped: list[Path] = field(default_factory=list)
    single: bool = False


def plan_jobs(
    photos: Iterable[str | Path] = (), out: str | Path = "", ext: str | None = None, people: str | Path | None = None
) -> Plan:
    """Photos (files or folders) or a people CSV, and OUT -> jobs. One photo goes to the file OUT
    (its suffix picks the format); several photos, a folder or a CSV go into the folder OUT."""
    out = Path(out)
    photos = list(photos)
    if people and photos:
        raise NetralError("Pakai daftar foto atau --people, tidak keduanya.")
    if not people and not photos:
        raise NetralError("Sebutkan foto atau folder foto yang akan dibingkai (atau --people FILE.csv).")
    suffix = "." + (ext or "jpg").lower().lstrip(".")
    if people:
        named = read_people(people)
        jobs = [replace(j, output=out / f"{j.output}{suffix}") for j in named]
        return _no_overwrite(Plan(jobs))
    files, skipped = collect_photos(photos)
    single = len(photos) == 1 and not Path(photos[0]).is_dir() and not out.is_dir() and out.suffix != ""
    if single:
        if ext and out.suffix.lower() != suffix:
            raise NetralError(f"--ext {ext} tidak cocok dengan nama keluaran {out}.")
        encode_check = out.suffix.lower()
        if encode_check not in OUTPUT_SUFFIXES:
            raise NetralError(f"{out}: akhiran {encode_check} tidak didukung; pakai .jpg, .png atau .webp.")
        return _no_overwrite(Plan([Job(files[0], out)], single=True))
    if not files:
        raise NetralError(f"Tidak ada foto di {', '.join(map(str, photos))}.")
    used: set[str] = set()
    jobs = [Job(f, out / f"{unique_stem(f.stem, used)}{suffix}") for f in files]
    return _no_overwrite(Plan(jobs, skipped))


def _no_overwrite(plan: Plan) -> Plan:
    # A photo is its owner's: never write a framed picture over an original.
    originals = {j.photo.resolve() for j in plan.jobs}
    for job in plan.jobs:
        if job.output.resolve() in originals:
            raise NetralError(f"{job.output}: keluaran akan menimpa foto asli; pilih folder atau nama keluaran lain.")
    return plan


def read_people(csv_path: str | Path) -> list[Job]:
    """A humas CSV (columns photo, name, optional unit; photo paths relative to the CSV) -> jobs
    whose output is only a file name (slug of the person's name, made unique)."""
    csv_path = Path(csv_path)
    try:
        with csv_path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise NetralError(f"Berkas CSV {csv_path} tidak ada.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise NetralError(f"{csv_path} bukan CSV UTF-8 yang valid ({exc}). Simpan ulang sebagai CSV UTF-8.") from None
    if not rows or not {"photo", "name"} <= set(rows[0]):
        raise NetralError(f"{csv_path} harus punya kolom photo dan name (unit boleh ada) dan minimal satu baris.")
    jobs = []
    used: set[str] = set()
    for line, row in enumerate(rows, 2):
        photo, name = (row.get("photo") or "").strip(), " ".join((row.get("name") or "").split())
        if not photo or not name:
            raise NetralError(f"{csv_path}, baris {line}: kolom photo dan name wajib diisi.")
        stem = unique_stem(slugify(name) or f"orang-{line - 1}", used)
        jobs.append(Job(csv_path.parent / photo, Path(stem), name, " ".join((row.get("unit") or "").split())))
    return jobs


def unique_stem(stem: str, used: set[str]) -> str:
    """`stem`, or `stem-2`, `stem-3`… if already used (compared without case); records it in `used`."""
    candidate, n = stem, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate


def run_jobs(
    jobs: Iterable[Job],
    frame_for: Callable[[Job], Frame],
    placement: Placement = Placement(),
    limits: Limits = LIMITS,
) -> Iterator[JobResult]:
    """Frame and write each job; one refused photo is reported in its result and never stops the rest."""
    for job in jobs:
        try:
            framed = frame_photo(job.photo, frame_for(job), placement, limits=limits)
            write_atomic(job.output, encode_framed(framed.image, job.output.suffix))
        except NetralError as exc:
            yield JobResult(job, error=str(exc))
            continue
        except OSError as exc:
            yield JobResult(job, error=f"{job.output}: tidak bisa ditulis ({exc.strerror or exc}).")
            continue
        yield JobResult(job, framed.warnings, placement=framed.placement)
