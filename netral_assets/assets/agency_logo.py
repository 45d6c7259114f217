"""Agency logos: a user's PNG, JPEG or SVG file -> a checked, scaled `data:` URI for the templates.

The file is identified by its content, not its name. Raster logos are decoded in memory, turned
upright, reduced to what the largest print needs and re-encoded as PNG, which drops every metadata
chunk. SVG logos stay vector; they are parsed first and refused when they reference anything outside
themselves: an href, CSS (`@import`, `@font-face`, `url()` other than `#id` or `data:`), an external
DTD or stylesheet (the renderer would refuse to fetch it anyway, leaving a hole in the poster).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import NetralError
from ..output.writers import encode_image
from ..render.fetch import data_uri

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE_PX = 64
# The logo box is 76 layout px; on A3 that is 21 mm, 250 px at 300 dpi. 600 px leaves room for a
# design with a bigger box without shipping a 4000 px photo inside every PDF.
MAX_SIDE_PX = 600
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding

SVG_NS = "{http://www.w3.org/2000/svg}"
_HREF = re.compile(r"^(#|data:)", re.I)


def _fail(path: Path, problem: str) -> NetralError:
    return NetralError(f"Logo {path.name} {problem}")


def _raster(path: Path, data: bytes) -> dict:
    from PIL import Image, ImageOps

    from ..photo.decode import BROKEN_FILE, Limits, open_photo, why_broken

    # The photo decoder's checks, in Indonesian: pixels and memory from the header before decoding,
    # a file cut short refused (whatever Pillow's global flag says), Pillow's warnings kept quiet.
    limits = Limits(max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, max_jpeg_pixels=MAX_PIXELS)
    try:
        image = open_photo(data, "logo", limits)
    except NetralError as exc:
        detail = str(exc).removeprefix("logo: ").rstrip(".")
        if "melebihi batas" in detail:
            raise _fail(path, f"terlalu besar ({detail}); kecilkan di bawah 6000×6000 px.") from None
        raise _fail(path, "rusak atau tidak dapat dibaca (isinya tidak utuh atau bukan gambar yang valid). "
                          "Simpan ulang sebagai PNG atau JPEG.") from None
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except BROKEN_FILE as exc:
        raise _fail(path, f"rusak atau tidak dapat dibaca ({why_broken(exc)}). Simpan ulang sebagai PNG atau JPEG.") from None
    if min(image.size) < MIN_SIDE_PX:
        raise _fail(path, f"terlalu kecil ({image.width}×{image.height} px); pakai paling sedikit "
                          f"{MIN_SIDE_PX} px di sisi terpendek, sebaiknya 500 px atau lebih.")
    image = image.convert("RGBA")
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    return {"uri": data_uri(encode_image(image, ".png", optimize=True), "image/png"), "mime": "image/png",
            "size": list(image.size)}


# CSS that reaches outside the file: an @import, a web font, or url() to anything but the file's own
# elements (#id) and data: URIs. The renderer would not fetch them, but the logo would then print
# differently from what its author saw, so it is refused, as the README says.
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*([^'\")]*)", re.I)
_CSS_AT = re.compile(r"@(import|font-face)\b", re.I)
_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE[^>\[]*\b(SYSTEM|PUBLIC)\b", re.I)


def _outside_css(text: str) -> str | None:
    """The first reference to the outside in CSS text (a <style> sheet or a style/presentation
    attribute), or None."""
    at = _CSS_AT.search(text)
    if at:
        return "@" + at.group(1).lower()
    for match in _CSS_URL.finditer(text):
        target = match.group(2).strip()
        if not _HREF.match(target):
            return f"url({target[:60]})"
    return None


def _svg(path: Path, data: bytes) -> dict:
    if b"<!ENTITY" in data:
        raise _fail(path, "memuat deklarasi ENTITY; simpan ulang SVG tanpa DOCTYPE.")
    if _EXTERNAL_DTD.search(data[:4096]):
        raise _fail(path, "merujuk DTD luar di DOCTYPE-nya; simpan ulang SVG tanpa DOCTYPE.")
    if b"<?xml-stylesheet" in data:
        raise _fail(path, "memuat lembar gaya luar (<?xml-stylesheet?>); simpan ulang SVG dengan gaya di dalamnya.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise _fail(path, f"bukan SVG yang valid ({exc}). Ekspor ulang dari aplikasi desain.") from None
    if root.tag not in (f"{SVG_NS}svg", "svg"):
        raise _fail(path, "bukan berkas SVG (elemen akarnya bukan <svg>).")
    if not root.get("viewBox") and not (root.get("width") and root.get("height")):
        raise _fail(path, "tidak punya viewBox atau width/height, sehingga ukurannya tidak diketahui. "
                          "Tambahkan viewBox.")
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag in ("script", "foreignObject"):
            raise _fail(path, f"memuat <{tag}>; logo SVG hanya boleh berisi gambar.")
        if tag == "style" and (found := _outside_css(element.text or "")):
            raise _fail(path, f"memuat CSS yang merujuk ke luar ({found}); ubah teks menjadi kurva dan "
                              "sertakan gambarnya di dalam SVG.")
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href" and not _HREF.match(value.strip()):
                raise _fail(path, f"merujuk berkas atau alamat luar ({value[:60]}); sertakan gambarnya di dalam SVG.")
            if "url(" in value.lower() or "@" in value:
                found = _outside_css(value)
                if found:
                    raise _fail(path, f"merujuk berkas atau alamat luar lewat CSS ({found}); sertakan gambarnya "
                                      "di dalam SVG.")
    return {"uri": data_uri(data, "image/svg+xml"), "mime": "image/svg+xml", "size": None}


def load_agency_logo(path: str | Path) -> dict:
    """Check and scale an agency logo; returns {"uri", "mime", "size"} for the templates (`logo`)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(path, f"terlalu besar ({size // 1024 // 1024} MB); batasnya {MAX_BYTES // 1024 // 1024} MB.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise NetralError(f"Berkas logo {path} tidak ada. Periksa nama dan foldernya.") from None
    except IsADirectoryError:
        raise NetralError(f"{path} adalah folder; beri berkas logo PNG, JPEG atau SVG.") from None
    except PermissionError:
        raise NetralError(f"Berkas logo {path} tidak dapat dibaca (izin ditolak).") from None
    return logo_from_bytes(data, path)


def logo_from_bytes(data: bytes, name: str | Path = "logo") -> dict:
    """The same checks on a logo already in memory (a web upload); `name` is only for messages.

    The content decides the format, not the name's extension."""
    path = Path(name or "logo")
    if len(data) > MAX_BYTES:
        raise _fail(path, f"terlalu besar ({len(data) // 1024 // 1024} MB); batasnya {MAX_BYTES // 1024 // 1024} MB.")
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _raster(path, data)
    if head.startswith(b"<") and b"<svg" in data[:4096]:
        return _svg(path, data)
    if not data:
        raise _fail(path, "kosong (0 bita).")
    raise _fail(path, "bukan PNG, JPEG atau SVG. Simpan logo dalam salah satu format itu.")
