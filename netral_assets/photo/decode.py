"""Photo decoding: photo bytes or a path -> a lazily opened Pillow image that has passed the byte,
pixel and format checks, and decoded pixels -> sRGB.

Limits are checked from the header, before any pixel is decoded. A photo cut off before its end
(an interrupted upload or copy) is refused, whatever Pillow's process-wide `LOAD_TRUNCATED_IMAGES`
says: WeasyPrint sets that flag to True when it is imported, and the web app frames photos on a
thread pool, so the flag is never read or written per photo here. Instead the photo is read from a
`_WholeFile`, which raises `Truncated` when a decoder asks for bytes past the end (JPEG, PNG, GIF,
BMP, TIFF), and HEIF/AVIF containers, which the decoders read whole when they open, are checked for
boxes cut short (`_check_boxes`). WebP's decoder refuses a cut-off file on its own.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageCms, UnidentifiedImageError

from ..caching import Kept
from ..defaults import (
    ICC_TRANSFORMS_KEPT,
    JPEG_MIN_BITS_PER_BLOCK,
    PHOTO_MAX_BYTES,
    PHOTO_MAX_DECODE_BYTES,
    PHOTO_MAX_JPEG_PIXELS,
    PHOTO_MAX_PIXELS,
)
from ..errors import NetralError
from ..model.formatting import format_megabytes, format_megapixels


def format_count(n: int) -> str:
    """12345 -> '12.345' (Indonesian thousands separator)."""
    return f"{n:,}".replace(",", ".")


@dataclass(frozen=True)
class Limits:
    """What a photo may cost before it is refused."""

    max_bytes: int = PHOTO_MAX_BYTES
    max_pixels: int = PHOTO_MAX_PIXELS  # checked from the header, before any pixel is decoded
    max_jpeg_pixels: int = PHOTO_MAX_JPEG_PIXELS  # JPEGs decode at reduced scale (defaults.py)
    max_decode_bytes: int = PHOTO_MAX_DECODE_BYTES  # the memory framing may take (decode_cost)


LIMITS = Limits()
# Decoders Pillow may use on a photo. Others (EPS, PSD, ...) are never handed a stranger's file.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF")  # MPO comes through JPEG
# In a folder, files with these suffixes are photos; named files are tried whatever their suffix.
PHOTO_SUFFIXES = frozenset(
    [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".hif", ".avif"]
)


class Truncated(Exception):
    """A decoder asked for bytes past the end of the photo: the file was cut off."""


# What Pillow's decoders raise on a damaged or hostile file (and `Truncated`, raised by `_WholeFile`).
BROKEN_FILE = (
    OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error, zlib.error, Truncated,
)


class _WholeFile(io.BytesIO):
    """The photo's bytes for Pillow. Once `armed` (after `Image.open` has read the header), a read
    at the end of the data raises `Truncated`: a whole file is decoded without asking for more bytes
    than it has, a cut-off one is not. Pillow's own check for this depends on the process-global
    `ImageFile.LOAD_TRUNCATED_IMAGES` (True once WeasyPrint is imported), which is left alone."""

    def __init__(self, data: bytes | bytearray | memoryview):
        super().__init__(data)
        self.end = len(data)
        self.armed = False

    def read(self, size: int | None = -1) -> bytes:
        if self.armed and size != 0 and self.tell() >= self.end:
            raise Truncated("image file is truncated")
        return super().read(size)


def _check_boxes(data: bytes | memoryview) -> bool:
    """True if the ISO base media file (HEIF, AVIF) ends where its last top-level box says it does
    (ISO/IEC 14496-12 §4.2: 32-bit size, or 1 and a 64-bit size, or 0 for "to the end of the file")."""
    position, end = 0, len(data)
    while position < end:
        if end - position < 8:
            return False
        size = int.from_bytes(data[position : position + 4], "big")
        if size == 1:
            if end - position < 16:
                return False
            size = int.from_bytes(data[position + 8 : position + 16], "big")
        elif size == 0:
            return True
        if size < 8 or position + size > end:
            return False
        position += size
    return True


@cache
def _decoders() -> tuple[str, ...]:
    """PHOTO_FORMATS that this installation can open (HEIF comes from pillow-heif)."""
    from pillow_heif import register_heif_opener

    register_heif_opener()
    Image.init()
    return tuple(f for f in PHOTO_FORMATS if f in Image.OPEN)


def open_photo(photo: str | Path | bytes, name: str | None = None, limits: Limits = LIMITS) -> Image.Image:
    """Open a photo lazily (header only) after the byte and pixel checks; NetralError if refused.
    Decoding it later raises `Truncated` (one of BROKEN_FILE) if the file is cut off."""
    if isinstance(photo, (bytes, bytearray, memoryview)):
        label, size, data = name or "foto", len(photo), photo
    else:
        path = Path(photo)
        label = name or str(path)
        try:
            size = path.stat().st_size
        except OSError:
            raise NetralError(f"{label}: berkas tidak ada atau tidak bisa dibaca.") from None
        if not path.is_file():
            raise NetralError(f"{label}: bukan berkas foto (folder atau perangkat).")
        data = None
    if size == 0:
        raise NetralError(f"{label}: berkas kosong.")
    if size > limits.max_bytes:
        raise NetralError(
            f"{label}: berkas {format_megabytes(size)}, melebihi batas {format_megabytes(limits.max_bytes)}."
        )
    if data is None:
        try:
            data = path.read_bytes()  # at most max_bytes; the decoders read most formats whole anyway
        except OSError:
            raise NetralError(f"{label}: berkas tidak ada atau tidak bisa dibaca.") from None
    source = _WholeFile(data)
    try:
        with warnings.catch_warnings(record=True) as caught:
            # Pillow's own warnings never reach the user: its bomb warning is replaced by the checks
            # below, and a damaged EXIF block (read while opening) by one line from `orientation`.
            warnings.simplefilter("always")
            image = Image.open(source, formats=_decoders())
    except UnidentifiedImageError:
        raise NetralError(
            f"{label}: bukan berkas foto (JPEG, PNG, WebP, HEIC, GIF, BMP atau TIFF), apa pun ekstensinya."
        ) from None
    except Image.DecompressionBombError as exc:
        declared = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{format_megapixels(int(declared.group(1)))} " if declared else ""
        raise NetralError(
            f"{label}: gambar {size}melebihi batas {format_megapixels(limits.max_pixels)} "
            "(ukuran dari header; tidak didekode)."
        ) from None
    except BROKEN_FILE as exc:
        raise NetralError(f"{label}: berkas gambar rusak ({why_broken(exc)}).") from None
    image.exif_damaged = any("exif" in str(w.message).lower() or w.filename.endswith("TiffImagePlugin.py")
                             for w in caught)
    width, height = image.size
    pixels = width * height
    limit = limits.max_jpeg_pixels if image.format in ("JPEG", "MPO") else limits.max_pixels
    if pixels > limit:
        image.close()
        raise NetralError(
            f"{label}: gambar {width}×{height} ({format_megapixels(pixels)}) melebihi batas {format_megapixels(limit)}."
        )
    if width < 1 or height < 1:
        image.close()
        raise NetralError(f"{label}: berkas gambar rusak (ukuran {width}×{height}).")
    if image.format in ("HEIF", "AVIF") and not _check_boxes(source.getbuffer()):
        image.close()
        raise NetralError(f"{label}: berkas gambar rusak ({why_broken(Truncated())}).")
    if image.format in ("JPEG", "MPO") and size * 8 < JPEG_MIN_BITS_PER_BLOCK * _blocks(width, height):
        image.close()
        raise NetralError(
            f"{label}: berkas JPEG hanya {format_count(size)} byte untuk gambar {width}×{height}; datanya berakhir jauh "
            "sebelum gambarnya (terpotong atau rusak). Salin atau unduh ulang foto aslinya."
        )
    if image.format == "PNG" and _png_too_short(source.getbuffer(), image):
        image.close()
        raise NetralError(
            f"{label}: data gambar PNG {width}×{height} ini terlalu sedikit untuk ukurannya; datanya berakhir jauh "
            "sebelum gambarnya (terpotong atau rusak). Salin atau unduh ulang foto aslinya."
        )
    cost = decode_cost(image, limits)
    if cost > limits.max_decode_bytes:
        image.close()
        what = "JPEG progresif " if _progressive(image) else ""
        fix = ("simpan ulang sebagai JPEG biasa (baseline) atau perkecil ukurannya" if what
               else "perkecil ukurannya atau simpan sebagai JPEG")
        raise NetralError(
            f"{label}: membuka {what}gambar {width}×{height} ({image.mode}) butuh memori sekitar "
            f"{format_megabytes(cost)}, melebihi batas {format_megabytes(limits.max_decode_bytes)}; {fix}."
        )
    source.armed = True
    return image


# Deflate cannot do better than 258 bytes in 2 bits (a length-258 match and its distance, each a
# 1-bit code): no PNG holds more than 1032 bytes of rows per byte of IDAT.
DEFLATE_MAX_RATIO = 1032
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _png_too_short(data: memoryview, image: Image.Image) -> bool:
    """True if the PNG's IDAT chunks together are too small to inflate to its rows (the file ends,
    or its IEND comes, long before the image does). Walks the chunk headers only."""
    if len(data) < 33 or bytes(data[12:16]) != b"IHDR":
        return False
    width, height = image.size
    depth, colour = data[24], data[25]
    row = 1 + -(-width * depth * _PNG_CHANNELS.get(colour, 1) // 8)
    position, idat = 8, 0
    while position + 8 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        if bytes(data[position + 4 : position + 8]) == b"IDAT":
            idat += min(length, len(data) - position - 8)
        position += 12 + length
    return idat * DEFLATE_MAX_RATIO < height * row


def _blocks(width: int, height: int) -> int:
    """8×8 blocks of a JPEG's full-resolution (luma) component."""
    return -(-width // 8) * -(-height // 8)


def _progressive(image: Image.Image) -> bool:
    return image.format in ("JPEG", "MPO") and bool(image.info.get("progressive") or image.info.get("progression"))


# Bytes one decoded px costs at the peak of framing, by the mode Pillow decodes to (its core keeps
# 1, L and P in one byte, I;16 in two, every other mode in four): the decoded image, the window's crop
# of it and `flatten`'s conversions (frame._frame releases the whole photo once it has its crop).
PEAK_BYTES_PER_PIXEL = {
    "L": 1, "RGB": 4, "CMYK": 4, "YCbCr": 4,  # no copy: resampled straight from the decoded image
    "1": 3, "P": 9, "PA": 12, "LA": 12, "La": 12, "RGBA": 8, "RGBa": 12,
    "I;16": 9, "I;16B": 9, "I;16L": 9, "I;16N": 9, "I": 13, "F": 9,
}


def draft_factor(pixels: int, limits: Limits) -> int:
    """The smallest JPEG reduction (1, 2, 4, 8) that keeps the decoded px within max_pixels; framing
    may reduce further (never less), so this is the most a JPEG's pixels can cost."""
    factor = 1
    while factor < 8 and pixels / factor**2 > limits.max_pixels:
        factor *= 2
    return factor


def decode_cost(image: Image.Image, limits: Limits = LIMITS, factor: int | None = None) -> int:
    """The most memory framing this (lazily opened) photo takes, in bytes, from its header alone:
    decoded px × PEAK_BYTES_PER_PIXEL of its mode; a progressive JPEG adds libjpeg's coefficient buffer
    (2 bytes per coefficient of every component at full size, whatever the draft scale); WebP, HEIF and
    AVIF decode into their library's buffer before Pillow copies it (4 bytes per px more). A JPEG is
    counted at `factor`, by default the one framing will decode it at most at (`jpeg_factor`)."""
    width, height = image.size
    pixels = width * height
    per_pixel = PEAK_BYTES_PER_PIXEL.get(image.mode, 13)
    if image.format in ("JPEG", "MPO"):
        factor = factor or jpeg_factor(image, limits)
        cost = per_pixel * pixels // factor**2
        if _progressive(image):
            layers = getattr(image, "layer", None) or [("", 1, 1, 0)]
            h_max = max(h for _, h, _, _ in layers)
            v_max = max(v for _, _, v, _ in layers)
            for _, h, v, _ in layers:
                cost += 128 * _blocks(-(-width * h // h_max), -(-height * v // v_max))
        return cost
    if image.format in ("WEBP", "HEIF", "AVIF"):
        per_pixel += 4
    return per_pixel * pixels


def jpeg_factor(image: Image.Image, limits: Limits = LIMITS) -> int:
    """The least a JPEG is reduced when it is decoded (1, 2, 4 or 8): enough to keep its px within
    max_pixels and its memory within max_decode_bytes. Framing reduces more when the window needs
    fewer px, never less."""
    factor = draft_factor(image.size[0] * image.size[1], limits)
    while factor < 8 and decode_cost(image, limits, factor) > limits.max_decode_bytes:
        factor *= 2
    return factor


def why_broken(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "truncated" in text or "broken data stream" in text or isinstance(exc, (EOFError, Truncated)):
        return "terpotong atau tidak lengkap"
    return text[:80]


def orientation(image: Image.Image, warn: list[str] | None = None, label: str = "foto") -> int:
    """The photo's EXIF orientation, 1–8 (1 when missing or unreadable). A damaged EXIF block does not
    stop the photo: Pillow's own warnings (English, naming its install path) are caught and one
    Indonesian line goes to `warn` instead."""
    broken = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = image.getexif().get(0x0112, 1)
        except BROKEN_FILE:  # a broken EXIF block must not stop the photo; its orientation is unknown
            value, broken = 1, True
    if (broken or caught or getattr(image, "exif_damaged", False)) and warn is not None:
        warn.append(f"{label}: data EXIF foto rusak dan dilewati; bila foto tampak miring, putar fotonya.")
    return value if value in range(1, 9) else 1


def flatten(image: Image.Image) -> Image.Image:
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
        # Over white by pasting through the alpha: one RGB image more, not four RGBA copies.
        rgba = image if mode == "RGBA" else image.convert("RGBA")
        out = Image.new("RGB", rgba.size, (255, 255, 255))
        out.paste(rgba, (0, 0), rgba)
        return out
    return image.convert("RGB")


@cache
def _srgb():
    return ImageCms.createProfile("sRGB")


_ICC_SPACES = {"L": "GRAY", "RGB": "RGB", "CMYK": "CMYK"}
_NO_TRANSFORM = False  # kept for a profile that does not fit the mode (Kept never keeps None)
_icc_transforms = Kept(ICC_TRANSFORMS_KEPT)


def _icc_transform(icc: bytes, mode: str):
    """A transform from the photo's embedded profile to sRGB; None if the profile does not fit `mode`.
    Kept (bounded, by the profile's digest): a phone's photos share one profile, and building a
    transform costs milliseconds."""
    key = (hashlib.sha256(icc).digest(), mode)
    transform = _icc_transforms.get(key)
    if transform is None:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if profile.profile.xcolor_space.strip() != _ICC_SPACES[mode]:
            transform = _NO_TRANSFORM
        else:
            transform = ImageCms.buildTransform(profile, _srgb(), mode, "RGB", ImageCms.Intent.PERCEPTUAL)
        _icc_transforms.put(key, transform)
    return None if transform is _NO_TRANSFORM else transform


def to_srgb(image: Image.Image, icc: bytes | None, warn: list[str], label: str) -> Image.Image:
    """Photo pixels in their own colour space (Display P3, Adobe RGB, CMYK...) -> sRGB, 8-bit RGB."""
    if icc:
        try:
            transform = _icc_transform(bytes(icc), image.mode)
            if transform is not None:
                return ImageCms.applyTransform(image, transform)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            warn.append(f"{label}: profil warna foto tidak bisa dibaca; warnanya dipakai apa adanya.")
    return image.convert("RGB")
