"""Short codes and their registration (issue 19): a published asset -> the code printed on it
("Cek keaslian: <address>/cek/K7Q2-9XA"), and the record (`Registration`) that lets anyone find the
registered original from the code, or from a recompressed or screenshotted picture by its perceptual hash.

Embedded credentials do not survive WhatsApp or a screenshot; the printed code and the perceptual hash do.
A hash finds the design, it cannot prove that no figure was edited: whoever shows a match shows the
registered original (its thumbnail) side by side.

    code = short_code(agency.code, "poster", "ajakan", edition)   # "K7Q2-9XA", the same for all formats
    normalize_code("k7q2 9xa") == normalize_code("https://x.go.id/cek/K7Q2-9XA") == "K7Q2-9XA"
    phash = perceptual_hash(image)                                # 16 hex digits (64-bit pHash)
    hash_distance(phash, other)                                   # Hamming distance, 0 … 64

    write_index(kit_folder, registrations)        # keaslian/index.json + keaslian/<code>-<digest>.jpg
    index = StaticIndex.load(kit_folder)          # also a batch folder (every agency's index) or keaslian/
    index.by_code("K7Q2-9XA"); index.nearest(phash)   # -> [(distance, Registration)], nearest first
    find_originals(index, picture)                # a screenshot or forwarded copy -> its originals

The static index (`keaslian/index.json`, version 1): `{"version": 1, "registrations": [...]}`, each
registration as `Registration.to_json(thumbnail=NAME)`: its fields, and the thumbnail as the name of a
JPEG beside index.json (`"thumbnail": "K7Q2-9XA-3f1c0d9a2b7e.jpg"`: the code and the thumbnail's
digest). Without a name (`to_json()`, e.g. for an
API), the thumbnail is inlined as `"thumbnail_base64"`. `from_json` reads either. The store keeps the
thumbnail as bytes (store/).

The code alphabet is Crockford's base32 (no I, L, O, U): a person who types O for 0 or I/L for 1 is
understood. 7 symbols = 35 bits: two different assets share a code with probability about n²/2³⁶
(for 100 000 registered designs, about one in seven; a shared code lists both originals, which is why
`by_code` returns a list).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..errors import NetralError
from ..files import write_atomic
from ..render.context import CHECK_PATH, check_line  # the printed line and its address: one definition

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_SYMBOLS = 7
CODE_SPLIT = 4  # shown as 4-3: "K7Q2-9XA"
INDEX_FOLDER = "keaslian"  # in a kit folder
INDEX_NAME = "index.json"
INDEX_VERSION = 1
THUMBNAIL_BOX = (480, 960)  # a registration's thumbnail: at most 480 px wide (a story: 480 × 853)
THUMBNAIL_QUALITY = 60  # ~40 KB for a poster at 480 px; it shows the design, it is not the original
# The largest Hamming distance (of 64 bits) at which a picture is taken for a registered original.
# Measured on the kit's feed and story posters (tests/test_codes.py keeps the bounds): recompressed as
# WhatsApp does (800 px wide, JPEG quality 50) they are at 0–2 of their original; a phone screenshot
# (a status bar of 66 px on top, 20 px cut at both ends) at 0–4 through `find_originals` (up to 14
# without its crops); another poster design at 8 and more (carousels' closing slides, which differ
# only in their title, at 4–10). The same design of another agency is at 0–4: only its footer differs,
# which a 64-bit hash does not see (`find_originals` orders such originals by their bottoms; the code
# tells them apart for certain).
MAX_DISTANCE = 6
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·]+")


def short_code(*parts: str) -> str:
    """A deterministic short code of `parts` (e.g. agency code, kind, design, content edition):
    7 Crockford base32 symbols of their sha256, shown 4-3 ("K7Q2-9XA")."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_SYMBOLS)
    symbols = "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(CODE_SYMBOLS)))
    return f"{symbols[:CODE_SPLIT]}-{symbols[CODE_SPLIT:]}"


def normalize_code(text: str) -> str | None:
    """What a person types or a QR code holds -> the code as printed ("K7Q2-9XA"), or None if it is not
    one. Accepts any case, spaces or hyphens anywhere, O for 0 and I or L for 1, and a /cek/ address
    (with or without scheme, query or trailing slash)."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if len(text) > 2048:
        return None
    lowered = text.lower()
    if CHECK_PATH in lowered:
        text = text[lowered.rindex(CHECK_PATH) + len(CHECK_PATH):]
        text = re.split(r"[/?#]", text, maxsplit=1)[0]
    elif "/" in text or ":" in text:
        # "Kode keaslian: K7Q2-9XA" or a path ending in the code
        text = re.split(r"[/:]", text.rstrip("/"))[-1]
    symbols = _SEPARATORS.sub("", text).upper().translate(_CONFUSED)
    if len(symbols) != CODE_SYMBOLS or any(c not in ALPHABET for c in symbols):
        return None
    return f"{symbols[:CODE_SPLIT]}-{symbols[CODE_SPLIT:]}"


def check_url(public_url: str | None, code: str) -> str | None:
    """The public address of a code (`<public_url>/cek/<code>`, as printed and in the QR code), or None
    without a public address."""
    line = check_line(code, public_url, False)
    return line["url"] if line else None


def perceptual_hash(image) -> str:
    """A Pillow image -> its 64-bit perceptual hash (DCT pHash of `imagehash`) as 16 hex digits.
    Transparency is flattened on white first (as a viewer shows it)."""
    import imagehash

    return str(imagehash.phash(_flat(image)))


def hash_distance(a: str, b: str) -> int:
    """The Hamming distance of two hex hashes of the same length (the number of differing bits)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# What a screenshot adds around a picture: a phone's status bar on top (about 3–8 % of a poster's height
# seen full width), a navigation bar or the chat's caption at the bottom. `find_originals` hashes the
# picture with these strips cut away as well, and keeps the best alignment for each original.
SCREEN_CROPS = tuple((top, bottom) for top in (0.0, 0.02, 0.04, 0.06, 0.08) for bottom in (0.0, 0.03))


def picture_hashes(image) -> list[tuple[str, object]]:
    """The perceptual hashes of a picture as sent, and with the strips of a screenshot cut away
    (SCREEN_CROPS): (hash, cropped picture), the picture itself first."""
    image = _flat(image)
    factor = image.width // 256  # the hash looks at 32 × 32 px: crop a copy a few hundred px wide
    image = image.reduce(factor) if factor > 1 else image
    found = []
    for top, bottom in SCREEN_CROPS:
        box = (0, round(image.height * top), image.width, image.height - round(image.height * bottom))
        variant = image if (top, bottom) == (0.0, 0.0) else image.crop(box)
        found.append((perceptual_hash(variant), variant))
    return found


def find_originals(index: CodeIndex, image, limit: int = 3, max_distance: int | None = None
                   ) -> list[tuple[int, Registration]]:
    """The registered originals a picture (a forwarded copy, a screenshot) most probably is, as
    (distance, registration), nearest first: each original at its best alignment with the picture or
    one of its screenshot crops (`picture_hashes`), within `max_distance` (MAX_DISTANCE) of the 64-bit
    hash, most probable first. Originals about equally near (within NEAR_TIE of the nearest: the same
    design of several agencies differs only in its footer, and recompression moves a hash by a bit or
    two) are ordered by `bottom_difference` (the picture's bottom against their thumbnails'). A match
    names a design to show side by side, never a proof that nothing was changed."""
    max_distance = MAX_DISTANCE if max_distance is None else max_distance
    best: dict[str, tuple[int, Registration]] = {}
    wide = max(limit * 8, 24)  # the same design of many agencies is equally near: look past them
    for phash, _variant in picture_hashes(image):
        for distance, registration in index.nearest(phash, wide, max_distance):
            key = registration.sha256
            if key not in best or distance < best[key][0]:
                best[key] = (distance, registration)
    query = _grey_rows(_flat(image))
    nearest = min((distance for distance, _ in best.values()), default=0)

    def order(item):
        distance, registration = item
        # within NEAR_TIE of the nearest, the hash cannot choose (a copy of one agency's poster may be a
        # bit nearer another's): the bottoms do
        tied = distance - nearest <= NEAR_TIE
        bottom = bottom_difference(query, registration.thumbnail)
        return (not tied, bottom if tied else distance, distance if tied else bottom, registration.code,
                registration.format, registration.file)

    ranked = sorted(best.values(), key=order)
    return ranked[:max(0, limit)]


NEAR_TIE = 4  # bits: WhatsApp moves a poster's hash by up to 2, and the same design of another agency is at 0–4
BOTTOM_WIDTH = 240  # px: both pictures compared at this width
BOTTOM_SHARE = 0.3  # of the height: the footer (the agency's name) with what is around it
BOTTOM_SLIDE = 0.04  # of the height, both ways: a screenshot's cut or bar at the bottom


def _grey_rows(image):
    import numpy as np
    from PIL import Image

    grey = image.convert("L")
    grey = grey.resize((BOTTOM_WIDTH, max(1, round(BOTTOM_WIDTH * grey.height / grey.width))), Image.Resampling.BILINEAR)
    return np.asarray(grey, dtype=np.float32)


def bottom_difference(query, thumbnail: bytes) -> float:
    """How different the bottom of a picture (`query`: `_grey_rows` of it) is from a registered
    thumbnail's: the mean absolute grey difference of their bottom BOTTOM_SHARE, at the best of small
    vertical shifts. Where the same design of two agencies differs (their names in the footer), a copy is
    nearer its own original: measured 1.6–1.8 against 2.1–2.4 for a WhatsApp copy, 4.8–7.0 against
    5.1–7.4 for a screenshot (tests/test_codes.py). 255 for a missing or unreadable thumbnail."""
    import numpy as np

    try:
        rows = _grey_rows(_open(thumbnail))
    except (OSError, ValueError, SyntaxError):
        return 255.0
    band = round(rows.shape[0] * BOTTOM_SHARE)
    slide = round(rows.shape[0] * BOTTOM_SLIDE)
    best = 255.0
    for shift in range(-slide, slide + 1):
        theirs_end = rows.shape[0] - max(shift, 0)
        ours_end = query.shape[0] - max(-shift, 0)
        if band < 1 or theirs_end < band or ours_end < band:
            continue
        best = min(best, float(np.abs(query[ours_end - band:ours_end] - rows[theirs_end - band:theirs_end]).mean()))
    return best


def _open(data: bytes):
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _flat(image):
    """A picture as RGB, transparency flattened on white (as a viewer shows it)."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image if image.mode == "RGB" else image.convert("RGB")


def registration_thumbnail(data: bytes | None, ext: str, image=None) -> bytes:
    """A registration's thumbnail: a JPEG at most 480 px wide of the file (or of `image`, the picture
    it was encoded from), through the one thumbnailer."""
    from ..output.thumbnails import thumbnail

    made = thumbnail(data, ext, THUMBNAIL_BOX, image=image, background=(255, 255, 255), quality=THUMBNAIL_QUALITY)
    if made is None:
        raise NetralError(f"Berkas {ext} tidak punya gambar untuk didaftarkan.")
    return made[0]


def picture_record(image) -> tuple[str, bytes]:
    """A published picture -> (perceptual hash, thumbnail JPEG), from one copy shrunk by a whole factor
    to about the thumbnail's width (the hash of that copy is the full picture's within a bit or two, and
    costs a tenth)."""
    factor = int(image.width / THUMBNAIL_BOX[0])
    small = image.reduce(factor) if factor > 1 else image
    return perceptual_hash(small), registration_thumbnail(None, ".png", image=small)


def picture_of(data: bytes, ext: str):
    """The picture a published file shows (a PDF's first page), for its perceptual hash."""
    import io

    from PIL import Image

    from ..output.thumbnails import first_page

    if ext.lower() == ".pdf":
        return first_page(data, (1080, 1920))
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@dataclass(frozen=True)
class Registration:
    """One published file carrying a code: what it is, whose, its hashes and a thumbnail."""

    code: str  # "K7Q2-9XA"
    agency: str  # the name as printed
    agency_code: str
    kind: str  # poster, carousel, leaflet, card, …
    design: str
    format: str  # feed, story, a4, …
    file: str  # the file's name inside the kit folder
    sha256: str
    phash: str  # perceptual_hash of its picture
    issued: str  # ISO 8601 UTC, "2026-12-06T05:12:02Z"
    issuer: str  # the signing identity's organisation, or the pack's issuer
    signed: bool
    sources: tuple[str, ...] = ()  # the source lines of the figures shown
    thumbnail: bytes = b""  # JPEG, at most 480 px wide

    @property
    def thumbnail_name(self) -> str:
        """The thumbnail's file name in a static index: the code and the thumbnail's own digest, so the
        files of one design that look the same (a screen PDF and its print file) share one."""
        return f"{self.code}-{hashlib.sha256(self.thumbnail).hexdigest()[:12]}.jpg"

    def to_json(self, thumbnail: str | None = None) -> dict:
        """A JSON-ready dict: the fields, and the thumbnail as `thumbnail` (the given file name) or, without
        one, inlined as `thumbnail_base64`."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "thumbnail"}
        data["sources"] = list(self.sources)
        if thumbnail is None:
            data["thumbnail_base64"] = base64.b64encode(self.thumbnail).decode("ascii")
        else:
            data["thumbnail"] = thumbnail
        return data

    @classmethod
    def from_json(cls, data: dict, folder: Path | None = None) -> Registration:
        """The inverse of `to_json`; a `thumbnail` file name is read from `folder` (missing -> b"").
        Raises NetralError for a record that is not a registration."""
        try:
            values = {f.name: data[f.name] for f in fields(cls) if f.name not in ("thumbnail", "sources", "signed")}
            if not all(isinstance(v, str) for v in values.values()):
                raise TypeError
            values["signed"] = bool(data.get("signed", False))
            values["sources"] = tuple(str(s) for s in data.get("sources", ()))
            if "thumbnail_base64" in data:
                values["thumbnail"] = base64.b64decode(data["thumbnail_base64"], validate=True)
            elif data.get("thumbnail") and folder is not None:
                name = Path(str(data["thumbnail"])).name  # never outside the index folder
                try:
                    values["thumbnail"] = (Path(folder) / name).read_bytes()
                except OSError:
                    values["thumbnail"] = b""
            else:
                values["thumbnail"] = b""
        except (KeyError, TypeError, ValueError, binascii.Error, AttributeError) as exc:
            raise NetralError(f"Catatan pendaftaran kode keaslian tidak lengkap atau rusak ({exc}).") from None
        return cls(**values)


@runtime_checkable
class CodeIndex(Protocol):
    """Where registered originals are found: a static index (a kit's folder) or the store (store/)."""

    def by_code(self, code: str) -> list[Registration]:
        """The registrations of a code (normalised first; an unreadable code finds nothing)."""
        ...

    def nearest(self, phash: str, limit: int = 3, max_distance: int = MAX_DISTANCE) -> list[tuple[int, Registration]]:
        """The registrations nearest to a perceptual hash, as (distance, registration), nearest first,
        at most `limit`, none farther than `max_distance`."""
        ...


def rank_nearest(registrations, phash: str, limit: int, max_distance: int) -> list[tuple[int, Registration]]:
    """The one ranking of `nearest` (static index and store): by distance, then code, format, file."""
    ranked = []
    for registration in registrations:
        try:
            distance = hash_distance(phash, registration.phash)
        except ValueError:
            continue
        if distance <= max_distance:
            ranked.append((distance, registration))
    ranked.sort(key=lambda item: (item[0], item[1].code, item[1].format, item[1].file))
    return ranked[:max(0, limit)]


class StaticIndex(CodeIndex):
    """The registrations a kit wrote (`keaslian/index.json`), in memory; implements `CodeIndex`."""

    def __init__(self, registrations=()):
        self.registrations: list[Registration] = list(registrations)
        self._by_code: dict[str, list[Registration]] = {}
        for registration in self.registrations:
            self._by_code.setdefault(registration.code, []).append(registration)

    @classmethod
    def load(cls, folder, check_manifest: bool = False) -> StaticIndex:
        """The index of a kit folder (its `keaslian/index.json`), of the `keaslian` folder itself, of an
        `index.json` file, or of every kit under a batch folder. NetralError if there is none, or one is
        damaged. `check_manifest`: each index and thumbnail must be the one its kit's manifest.json lists
        (`netral register`: what goes into the public store is what the kit made, and signed)."""
        folder = Path(folder)
        if folder.is_file():
            files = [folder]
        elif (folder / INDEX_FOLDER / INDEX_NAME).is_file():
            files = [folder / INDEX_FOLDER / INDEX_NAME]
        elif (folder / INDEX_NAME).is_file():
            files = [folder / INDEX_NAME]
        elif folder.is_dir():
            files = sorted(folder.glob(f"**/{INDEX_FOLDER}/{INDEX_NAME}"))
        else:
            raise NetralError(f"Folder {folder} tidak ditemukan.")
        if not files:
            raise NetralError(f"Tidak ada indeks kode keaslian ({INDEX_FOLDER}/{INDEX_NAME}) di {folder}. "
                              "Buat kit atau batch dengan versi ini, lalu coba lagi.")
        registrations = []
        for path in files:
            if check_manifest:
                check_against_manifest(path)
            registrations.extend(read_index(path))
        return cls(registrations)

    def by_code(self, code: str) -> list[Registration]:
        normal = normalize_code(code)
        return list(self._by_code.get(normal, ())) if normal else []

    def nearest(self, phash: str, limit: int = 3, max_distance: int = MAX_DISTANCE) -> list[tuple[int, Registration]]:
        return rank_nearest(self.registrations, phash, limit, max_distance)

    @staticmethod
    def write(folder, registrations) -> list[str]:
        """`write_index`."""
        return write_index(folder, registrations)


def read_index(path: Path) -> list[Registration]:
    """The registrations of one index.json (its thumbnails read from beside it)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise NetralError(f"Indeks kode keaslian {path} tidak bisa dibaca ({exc}).") from None
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION or not isinstance(data.get("registrations"), list):
        raise NetralError(f"Indeks kode keaslian {path} bukan versi {INDEX_VERSION} yang dikenal program ini.")
    return [Registration.from_json(item, path.parent) for item in data["registrations"]]


def check_against_manifest(index: Path) -> None:
    """NetralError unless `index` (a kit's keaslian/index.json) and its files are those the kit's
    manifest.json lists under "keaslian" with their sha256."""
    import hashlib

    index = Path(index)
    kit = index.parent.parent
    try:
        listed = json.loads((kit / "manifest.json").read_text(encoding="utf-8")).get("keaslian")
    except (OSError, ValueError, AttributeError):
        listed = None
    if not isinstance(listed, list) or not listed:
        raise NetralError(f"Indeks {index} tidak tercatat di {kit / 'manifest.json'}. Daftarkan hanya folder kit "
                          "yang dibuat netral kit atau netral batch.")
    for record in listed:
        try:
            path = kit / record["path"]
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except (OSError, KeyError, TypeError):
            raise NetralError(f"Berkas keaslian {record!r} dari manifest {kit / 'manifest.json'} tidak ada. "
                              "Buat ulang kit-nya.") from None
        if digest != record.get("sha256"):
            raise NetralError(f"{path} berubah sejak kit dibuat (sha256-nya tidak sama dengan manifest.json). "
                              "Buat ulang kit-nya, lalu daftarkan lagi.")


def index_bytes(registrations) -> bytes:
    """index.json of `registrations`: sorted by file, thumbnails named, deterministic."""
    ordered = sorted(registrations, key=lambda r: (r.file, r.code))
    body = {"version": INDEX_VERSION, "registrations": [r.to_json(thumbnail=r.thumbnail_name) for r in ordered]}
    return (json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_index(folder, registrations) -> list[str]:
    """Write the static index of a kit folder: `keaslian/<code>-<format>.jpg` thumbnails, then
    `keaslian/index.json`, each atomically; thumbnails no longer listed are removed afterwards. Returns
    the written files' names relative to `folder` (index.json last), for the kit's manifest."""
    target = Path(folder) / INDEX_FOLDER
    registrations = list(registrations)
    written = []
    for registration in registrations:
        path = target / registration.thumbnail_name
        if _read(path) != registration.thumbnail:
            write_atomic(path, registration.thumbnail)
        written.append(f"{INDEX_FOLDER}/{registration.thumbnail_name}")
    data = index_bytes(registrations)
    if _read(target / INDEX_NAME) != data:
        write_atomic(target / INDEX_NAME, data)
    keep = {r.thumbnail_name for r in registrations}
    for stale in target.glob("*.jpg"):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    return sorted(set(written)) + [f"{INDEX_FOLDER}/{INDEX_NAME}"]


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


__all__ = [
    "CHECK_PATH",
    "INDEX_FOLDER",
    "MAX_DISTANCE",
    "CodeIndex",
    "Registration",
    "StaticIndex",
    "check_url",
    "hash_distance",
    "normalize_code",
    "perceptual_hash",
    "bottom_difference",
    "find_originals",
    "picture_hashes",
    "picture_of",
    "picture_record",
    "rank_nearest",
    "read_index",
    "registration_thumbnail",
    "short_code",
    "write_index",
]
