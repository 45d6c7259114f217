"""The agency's own words on a poster: a content file (TOML) or command-line options -> a checked
`Content` (the leader's message, `pesan`, or an announcement, `pengumuman`), and, per format, what
its template sees: the texts fitted to the design's boxes and the pictures re-encoded.

Everything here is a stranger's input, so it is treated as text and files only:
- text stays text (the templates autoescape it; it is data in the context, never template source),
  control characters are dropped and runs of spaces collapse;
- pictures go through the photo decoder's guards (`photo.decode.open_photo`: size and pixel limits
  from the header, bombs and cut-off files refused), are turned upright from their EXIF orientation,
  converted to sRGB and re-encoded as a plain JPEG: no EXIF, GPS, ICC or XMP reaches the poster;
- a picture is a path on this computer (relative to the content file), never a URL, and the renderer
  fetches nothing anyway; a link must be https (it becomes a QR code people will scan).

Limits are the design's (`[limits]` in its design.toml): a text longer than its limit is refused with
the limit; a text within it that still does not fit a format's box at the box's smallest legible size
(unusually long words) is refused with how many of its characters would fit. Nothing is shrunk below
a box's `min_size`.
"""

from __future__ import annotations

import difflib
import io
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import NetralError
from ..model.designs import Box, Design
from ..model.pack import Pack
from ..render.fitting import Fit, fit_text

# The designs that carry the agency's own words, and the fields each takes (in the order the
# error messages list them).
FIELDS = {
    "pesan": ("photo", "name", "title", "quote", "focus"),
    "pengumuman": ("headline", "points", "body", "image", "link", "link_label", "focus"),
}
REQUIRED = {"pesan": ("photo", "name", "title", "quote"), "pengumuman": ("headline",)}
# What each field is called in an Indonesian message, beside its key.
LABELS = {
    "photo": "foto", "name": "nama", "title": "jabatan", "quote": "kutipan", "focus": "titik fokus",
    "headline": "judul", "points": "poin", "body": "paragraf", "image": "gambar", "link": "tautan",
    "link_label": "keterangan tautan",
}
# A picture is reduced to this many px on its long side: a portrait box on A3 is ~12 cm, 1400 px at
# 300 dpi; more only makes every PDF heavier.
MAX_SIDE = 1600
MIN_SIDE = 300  # below this a portrait prints as blocks of pixels
PORTRAIT_FOCUS = (0.5, 1 / 3)  # no face found: keep the upper third (where a portrait's face is)
IMAGE_FOCUS = (0.5, 0.5)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _label(key: str) -> str:
    return f"{LABELS.get(key, key)} ({key})"


@dataclass(frozen=True)
class Picture:
    """A checked, upright, metadata-free picture as a `data:` URI, and the point to keep in view
    (fractions of its width and height) when a box crops it."""

    uri: str
    width: int
    height: int
    focus: tuple[float, float]
    data: bytes = field(repr=False, default=b"")

    def cover(self, box_w: float, box_h: float) -> dict:
        """Where the picture goes to cover a box of `box_w` × `box_h` with its focus as near the
        box's centre as the cover allows: left, top, width, height in px (CSS `object-fit: cover`
        with a computed `object-position`, which WeasyPrint lays out the same in every format)."""
        scale = max(box_w / self.width, box_h / self.height)
        w, h = self.width * scale, self.height * scale
        fx, fy = self.focus
        left = min(0.0, max(box_w - w, box_w / 2 - fx * w))
        top = min(0.0, max(box_h - h, box_h / 2 - fy * h))
        return {"left": round(left, 2), "top": round(top, 2), "width": round(w, 2), "height": round(h, 2)}


@dataclass(frozen=True)
class Content:
    """The words and pictures of one leader's message or announcement, checked."""

    design: str
    name: str = ""
    title: str = ""
    quote: str = ""
    photo: Picture | None = None
    headline: str = ""
    points: tuple[str, ...] = ()
    body: str = ""
    image: Picture | None = None
    link: str = ""
    link_label: str = ""

    @property
    def link_text(self) -> str:
        """The link as people type it: without https:// and a trailing slash."""
        return self.link.split("://", 1)[-1].rstrip("/")


# -- text --------------------------------------------------------------------------------------------

def clean_text(value: str) -> str:
    """Text as printed: control and direction characters dropped, whitespace collapsed."""
    return " ".join(_CONTROL.sub("", value).split())


def check_link(url: str, where: str = "tautan (link)") -> str:
    """An https URL with a host, no spaces and no user name in it (a phishing trick), else NetralError."""
    url = url.strip()
    if any(c.isspace() for c in url) or _CONTROL.search(url):
        raise NetralError(f"{where}: alamat tidak boleh berisi spasi atau karakter kendali.")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise NetralError(f"{where}: '{url[:80]}' bukan alamat web yang valid.") from None
    if parts.scheme.lower() != "https":
        raise NetralError(f"{where} harus alamat https:// (kode QR akan dipindai orang); "
                          f"'{url[:80]}' tidak diterima.")
    host = parts.hostname or ""
    if "." not in host or host.startswith(".") or host.endswith("."):
        raise NetralError(f"{where}: '{url[:80]}' tidak punya nama situs yang valid.")
    if parts.username or parts.password:
        raise NetralError(f"{where}: alamat tidak boleh berisi nama pengguna atau kata sandi.")
    del port
    return url


# -- pictures ----------------------------------------------------------------------------------------

_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
            7: "TRANSVERSE", 8: "ROTATE_90"}


def _face_focus(image) -> tuple[tuple[float, float], tuple[int, int, int, int]] | None:
    """With the `face` extra: the largest face's focus and a head-and-shoulders crop around it."""
    try:
        from ..photo.face import find_face

        face = find_face(image)
    except (NetralError, ImportError):  # the extra is optional: no OpenCV, no face finding
        return None
    if face is None:
        return None
    x, y, w, h = face
    cx, cy = x + w / 2, y + h / 2
    # head and shoulders: about 3.2 faces wide and 4.2 tall, the face in the upper part
    cw, ch = min(image.width, 3.2 * w), min(image.height, 4.2 * h)
    left = min(max(0.0, cx - cw / 2), image.width - cw)
    top = min(max(0.0, cy - 0.38 * ch), image.height - ch)
    box = (round(left), round(top), round(left + cw), round(top + ch))
    focus = ((cx - box[0]) / (box[2] - box[0]), (cy + 0.35 * h - box[1]) / (box[3] - box[1]))
    return (min(1.0, max(0.0, focus[0])), min(1.0, max(0.0, focus[1]))), box


def read_picture(source: str | Path | bytes, label: str, focus: tuple[float, float] | None = None,
                 portrait: bool = True) -> Picture:
    """A photo file or its bytes -> a `Picture`: checked by the photo decoder, upright, sRGB, reduced
    to MAX_SIDE, re-encoded as JPEG without metadata. The focus is `focus` when given, else (a
    portrait) the face when the `face` extra finds one, else the upper third; pictures: the centre."""
    from PIL import Image

    from ..output.writers import encode_image
    from ..photo.decode import BROKEN_FILE, flatten, open_photo, orientation, to_srgb, why_broken
    from ..render.fetch import data_uri

    image = open_photo(source, label)
    warn: list[str] = []
    try:
        turn = orientation(image, warn, label)
        icc = image.info.get("icc_profile")
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale, never below MAX_SIDE
        image.load()
        picture = to_srgb(flatten(image), icc, warn, label)
    except BROKEN_FILE as exc:
        raise NetralError(f"{label}: berkas gambar rusak ({why_broken(exc)}).") from None
    finally:
        image.close()
    if turn in _UPRIGHT:
        picture = picture.transpose(getattr(Image.Transpose, _UPRIGHT[turn]))
    if min(picture.size) < MIN_SIDE:
        raise NetralError(f"{label}: gambar {picture.width}×{picture.height} px terlalu kecil; pakai paling "
                          f"sedikit {MIN_SIDE} px di sisi terpendek (sebaiknya 1000 px atau lebih).")
    picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if focus is None and portrait:
        found = _face_focus(picture)
        if found is not None:
            focus, box = found
            picture = picture.crop(box)
    if focus is None:
        focus = PORTRAIT_FOCUS if portrait else IMAGE_FOCUS
    data = encode_image(picture, ".jpg", quality=88, photo=True)  # a new file: no EXIF, GPS, ICC, XMP
    return Picture(data_uri(data, "image/jpeg"), picture.width, picture.height,
                   (round(focus[0], 4), round(focus[1], 4)), data)


def silhouette(size: tuple[int, int] = (900, 1200)) -> bytes:
    """A neutral portrait placeholder (PNG): a grey head-and-shoulders silhouette on a soft ground.
    For examples, previews and tests: the campaign never shows photos of real people it has no
    reason to show."""
    from PIL import Image, ImageDraw

    w, h = size
    image = Image.new("RGB", size, (214, 222, 235))
    draw = ImageDraw.Draw(image)
    for i in range(h):  # a quiet vertical gradient, lighter at the top
        shade = round(232 - 26 * i / h)
        draw.line([(0, i), (w, i)], fill=(shade - 8, shade - 2, shade + 6))
    tone = (120, 134, 158)
    r = 0.19 * w
    cx, cy = w / 2, 0.37 * h
    draw.ellipse([cx - r, cy - 1.2 * r, cx + r, cy + 1.2 * r], fill=tone)
    draw.rectangle([cx - 0.38 * r, cy + r, cx + 0.38 * r, cy + 1.7 * r], fill=tone)
    draw.ellipse([cx - 0.5 * w, 0.66 * h, cx + 0.5 * w, 1.5 * h], fill=tone)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# -- content -----------------------------------------------------------------------------------------

def content_designs() -> tuple[str, ...]:
    return tuple(FIELDS)


def needs_content(design: Design | str) -> bool:
    """Whether a poster design shows the agency's own words (and so needs `Content`)."""
    name = design if isinstance(design, str) else design.name
    return name in FIELDS


def read_content_file(path: str | Path) -> tuple[dict, Path]:
    """A content file -> its fields and the folder its paths are relative to."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError:
        raise NetralError(f"Berkas isi {path} tidak ada atau tidak bisa dibaca.") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NetralError(f"Berkas isi {path.name} harus berupa teks UTF-8 (TOML).") from None
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"Berkas isi {path.name} bukan TOML yang valid: {exc}.") from None
    return data, path.resolve().parent


def _text(source: str, key: str, value, limit: int | None) -> str:
    if not isinstance(value, str):
        raise NetralError(f"{source}: kolom {_label(key)} harus berupa teks (dalam tanda kutip).")
    text = clean_text(value)
    if not text:
        raise NetralError(f"{source}: kolom {_label(key)} kosong.")
    if limit is not None and len(text) > limit:
        raise NetralError(f"{source}: kolom {_label(key)} {len(text)} karakter, melebihi batas {limit} "
                          f"karakter agar tetap terbaca di setiap format; perpendek {len(text) - limit} karakter.")
    return text


def _focus(source: str, value) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not all(0 <= v <= 1 for v in value)):
        raise NetralError(f"{source}: kolom {_label('focus')} harus dua angka 0–1 (mendatar, tegak), "
                          "misalnya [0.5, 0.3].")
    return (float(value[0]), float(value[1]))


def _picture_path(source: str, key: str, value, base: Path) -> Path:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise NetralError(f"{source}: kolom {_label(key)} harus nama berkas gambar.")
    text = str(value).strip()
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        raise NetralError(f"{source}: kolom {_label(key)} harus berkas di komputer ini, bukan alamat web "
                          f"('{text[:60]}'); unduh gambarnya dulu.")
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


def make_content(design: Design, fields: dict, base: Path | None = None, source: str = "isi",
                 pictures: dict | None = None) -> Content:
    """Fields (from a content file, options, or a form) -> checked `Content` for `design`. Paths are
    relative to `base`; `pictures` may hold ready `Picture`s by field (the example's placeholder).
    Every error names the field."""
    name = design.name
    if name not in FIELDS:
        raise NetralError(f"Desain poster {name} tidak memakai isi sendiri; isi hanya untuk desain "
                          f"{' dan '.join(FIELDS)}.")
    allowed = FIELDS[name]
    limits = design.meta.get("limits", {})
    fields = {k: v for k, v in fields.items() if k != "design" and v is not None}
    for key in fields:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed + tuple(k for k in LABELS if k not in allowed), n=1)
            hint = f" Maksud Anda '{near[0]}'?" if near and near[0] in allowed else ""
            other = next((d for d, keys in FIELDS.items() if key in keys and d != name), None)
            if other:
                hint += f" Kolom '{key}' milik desain {other}."
            raise NetralError(f"{source}: kolom '{key}' tidak dikenal untuk desain {name}.{hint} "
                              f"Kolom yang boleh: {', '.join(allowed)}.")
    missing = [k for k in REQUIRED[name] if k not in fields and k not in (pictures or {})]
    if missing:
        raise NetralError(f"{source}: kolom {', '.join(_label(k) for k in missing)} wajib diisi untuk desain {name}.")
    base = base or Path.cwd()
    focus = _focus(source, fields["focus"]) if "focus" in fields else None
    out: dict = {}
    for key in ("name", "title", "quote", "headline", "body", "link_label"):
        if key in fields:
            out[key] = _text(source, key, fields[key], limits.get(key))
    if name == "pengumuman":
        if "points" in fields and "body" in fields:
            raise NetralError(f"{source}: isi salah satu saja, {_label('points')} atau {_label('body')}, bukan keduanya.")
        if "points" in fields:
            points = fields["points"]
            if isinstance(points, str) or not isinstance(points, (list, tuple)):
                raise NetralError(f"{source}: kolom {_label('points')} harus daftar teks, misalnya "
                                  'points = ["Poin pertama", "Poin kedua"].')
            most = limits.get("points", 5)
            if not 1 <= len(points) <= most:
                raise NetralError(f"{source}: kolom {_label('points')} berisi {len(points)} poin; boleh 1 sampai {most}.")
            out["points"] = tuple(_text(source, f"points[{i + 1}]", p, limits.get("point"))
                                  for i, p in enumerate(points))
        if "link" in fields:
            if not isinstance(fields["link"], str):
                raise NetralError(f"{source}: kolom {_label('link')} harus berupa teks (alamat https://…).")
            link = check_link(fields["link"], f"{source}: kolom {_label('link')}")
            if limits.get("link") and len(link) > limits["link"]:
                raise NetralError(f"{source}: kolom {_label('link')} {len(link)} karakter, melebihi batas "
                                  f"{limits['link']}; pakai alamat yang lebih pendek (misalnya s.id atau bit.ly resmi).")
            out["link"] = link
        elif "link_label" in out:
            raise NetralError(f"{source}: kolom {_label('link_label')} diisi tanpa {_label('link')}.")
    for key, portrait in (("photo", True), ("image", False)):
        ready = (pictures or {}).get(key)
        if ready is not None:
            out[key] = replace(ready, focus=focus) if focus else ready
        elif key in fields:
            path = _picture_path(source, key, fields[key], base)
            out[key] = read_picture(path, f"{source}: kolom {_label(key)} ({path.name})", focus, portrait)
    return Content(design=name, **out)


def load_content(design: Design, path: str | Path | None = None, options: dict | None = None) -> Content:
    """A content file and/or command-line options (options win, field by field) -> `Content`. Paths
    in the file are relative to the file; paths in options to the working folder."""
    fields: dict = {}
    base = Path.cwd()
    source = "opsi"
    given = {k: v for k, v in (options or {}).items() if v not in (None, (), [])}
    if path is not None:
        data, folder = read_content_file(path)
        source = Path(path).name
        wanted = data.get("design")
        if wanted is not None and wanted != design.name:
            raise NetralError(f"{source}: kolom design = '{wanted}', tetapi poster yang dibuat desain {design.name}.")
        for key in ("photo", "image"):  # the file's paths are the file's; an option's is the caller's
            if key in data and key not in given:
                data[key] = _picture_path(source, key, data[key], folder)
        fields.update(data)
    fields.update(given)
    return make_content(design, fields, base, source)


def content_design(path: str | Path) -> str | None:
    """The `design` a content file names, if any (so `--content` alone picks the design)."""
    data, _ = read_content_file(path)
    value = data.get("design")
    if value is not None and value not in FIELDS:
        raise NetralError(f"{Path(path).name}: kolom design = '{value}' tidak dikenal; pilih {' atau '.join(FIELDS)}.")
    return value


def example_content(design: Design) -> Content:
    """The design's example (`[example]` in design.toml) with a drawn silhouette for the portrait:
    what previews show before an agency has written its own words."""
    example = dict(design.meta.get("example", {}))
    pictures = {}
    if design.name == "pesan":
        pictures["photo"] = _silhouette_picture()
        example.pop("photo", None)
    return make_content(design, example, source=f"{design.name}/design.toml [example]", pictures=pictures)


_placeholder: Picture | None = None


def _silhouette_picture() -> Picture:
    global _placeholder
    if _placeholder is None:
        _placeholder = read_picture(silhouette(), "siluet", PORTRAIT_FOCUS)
    return _placeholder


# -- fitting -----------------------------------------------------------------------------------------

def _keep(pack: Pack, text: str) -> tuple[str, ...]:
    """Phrases a line must not break inside: the pack's, and the names, citations, dates and addresses
    in `text` (the typesetting check would refuse a break inside them)."""
    from ..checks.typesetting import protected_spans
    from ..render.context import keep_together

    return keep_together(pack) + tuple(text[a:b] for a, b, _ in protected_spans(text))


def _fit(pack: Pack, text: str, box: Box, what: str, fmt: str, balanced: bool = False) -> Fit:
    from ..render.fonts import font_file

    font = font_file(pack, box.weight)
    keep = _keep(pack, text)
    try:
        fit = fit_text(text, font, box, keep)
    except NetralError:
        fits = fitting_chars(text, font, box, keep)
        raise NetralError(
            f"{what} tidak muat di format {fmt} dengan huruf paling kecil {box.min_size:g} px "
            f"({box.max_lines} baris): yang muat sekitar {fits} dari {len(text)} karakter. "
            "Perpendek teksnya atau pecah kata yang sangat panjang."
        ) from None
    return _no_lone_word(fit, text, font, box, keep) if balanced else fit


def fitting_chars(text: str, font: Path, box: Box, keep: tuple[str, ...] = ()) -> int:
    """How many characters of `text` (whole words, from its start) fit `box` at or above its smallest
    size: the number a refusal tells the writer."""
    words = text.split()
    lo, hi = 0, len(words)
    while lo < hi:  # the largest word count that fits; fitting is monotonic in the words kept
        mid = (lo + hi + 1) // 2
        try:
            fit_text(" ".join(words[:mid]), font, box, keep)
            lo = mid
        except NetralError:
            hi = mid - 1
    return len(" ".join(words[:lo]))


def _no_lone_word(fit: Fit, text: str, font: Path, box: Box, keep: tuple[str, ...]) -> Fit:
    """A title's last line of one word under a line of several moves a word down, when the two lines
    still fit at the same size (the typesetting check refuses a lone last word in a title)."""
    lines = list(fit.lines)
    if len(lines) < 2 or " " in lines[-1] or " " not in lines[-2]:
        return fit
    pair = f"{lines[-2]} {lines[-1]}"
    two = Box(box.width, fit.size * 2 * box.line_height, fit.size, fit.size, 2, box.line_height, box.weight,
              box.transform, box.letter_spacing)
    try:
        again = fit_text(pair, font, two, keep)
    except NetralError:
        return fit
    if len(again.lines) == 2 and " " in again.lines[-1]:
        return Fit(fit.size, (*lines[:-2], *again.lines), fit.line_height)
    return fit


def fit_address(pack: Pack, text: str, box: Box, what: str, fmt: str) -> Fit:
    """A web address set in `box`: the largest size (whole px, max to min) at which it fits in
    `box.max_lines` lines broken only after "/" or "." (where the typesetting check allows a break
    in an address), lines filled greedily."""
    from ..render.fonts import font_file

    font = font_file(pack, box.weight)
    chunks = [c for c in re.split(r"(?<=[/.])", text) if c]

    def one_line(line: str, size: float) -> bool:
        try:
            fit_text(line, font, replace(box, max_size=size, min_size=size, max_lines=1, height=size * 2))
            return True
        except NetralError:
            return False

    size = math.floor(box.max_size)
    while size >= box.min_size:
        lines: list[str] = []
        for chunk in chunks:
            if lines and one_line(lines[-1] + chunk, size):
                lines[-1] += chunk
            elif one_line(chunk, size):
                lines.append(chunk)
            else:
                lines = []
                break
        if lines and len(lines) <= box.max_lines and len(lines) * size * box.line_height <= box.height + 0.01:
            return Fit(float(size), tuple(lines), box.line_height)
        size -= 1
    fits, line = 0, ""
    for chunk in chunks:  # what would fit at the smallest size, for the message
        if one_line(line + chunk, box.min_size):
            line += chunk
            fits = len(line)
        else:
            break
    raise NetralError(f"{what} tidak muat di format {fmt} dengan huruf paling kecil {box.min_size:g} px "
                      f"({box.max_lines} baris): yang muat sekitar {fits} dari {len(text)} karakter. "
                      "Pakai alamat yang lebih pendek.")


GROWTH = 1.3  # a short announcement's words may be set this much larger than the design's size
UNDER_HEADLINE = 0.72  # ... but stay this much smaller than the headline as set (the hierarchy holds)


def _words_area(design: Design, fmt: str, wide: bool) -> float | None:
    """The height an announcement's points or paragraph may fill: from where they start (under the
    picture when they run across the page) down to 48 px above the footer, as the template places
    them (templates/poster/pengumuman/template.html.j2 computes the same)."""
    s = design.settings(fmt)
    if "list_top" not in s:
        return None
    top = max(s["list_top"], s["hero_top"] + s["hero_h"] + 40) if wide else s["list_top"]
    foot_top = design.format(fmt).height - s.get("safe_bottom", 0) - 150
    return foot_top - 48 - top


def _grown(box: Box, area: float | None, count: int, gap: float, headline: float) -> Box:
    """`box` allowed to grow (up to GROWTH times its size) into its share of `area` when `count` texts
    share it: a two-point list is set larger than a five-point one, a short paragraph larger than a
    long one, never larger than UNDER_HEADLINE times the `headline` as set. The floor and the number
    of lines stay the design's, so every text within the limits still fits, and the texts together
    never pass `area`."""
    if not area:
        return box
    share = math.floor((area - (count - 1) * gap) / count)
    size = math.floor(min(box.max_size * GROWTH, headline * UNDER_HEADLINE))
    if share <= box.height or size <= box.max_size:
        return box
    return replace(box, max_size=size, height=share)


def message_context(pack: Pack, design: Design, fmt: str, content: Content) -> dict:
    """What the design's template sees as `message`: the content and its texts fitted to the format's
    boxes (`[fit.*]` in design.toml). Points share one size (the smallest that fits them all)."""
    boxes = design.boxes(fmt)
    fits: dict = {}
    if content.design == "pesan":
        # a short quote is set larger, as a pull quote (its area and floor stay the design's)
        quote = replace(boxes["quote"], max_size=math.floor(boxes["quote"].max_size * GROWTH))
        fits["quote"] = _fit(pack, content.quote, quote, _label("quote"), fmt, balanced=True)
        fits["name"] = _fit(pack, content.name, boxes["name"], _label("name"), fmt)
        fits["title"] = _fit(pack, content.title, boxes["role"], _label("title"), fmt)
    else:
        fits["headline"] = _fit(pack, content.headline, boxes["headline"], _label("headline"), fmt, balanced=True)
        # Without a link the side column holds only the picture: the words run across the page under
        # it, in the design's wide boxes (`[fit.point_wide]`, `[fit.body_wide]`) when it has them.
        wide = (not content.link and "point_wide" in boxes and "body_wide" in boxes
                and design.settings(fmt).get("wide", True))
        fits["wide"] = wide
        area = _words_area(design, fmt, wide)
        if content.points:
            box = _grown(boxes["point_wide" if wide else "point"], area, len(content.points),
                         design.settings(fmt).get("list_gap", 18), fits["headline"].size)
            sizes = [_fit(pack, p, box, _label(f"points[{i + 1}]"), fmt).size for i, p in enumerate(content.points)]
            common = replace(box, max_size=min(sizes))
            fits["points"] = [_fit(pack, p, common, _label(f"points[{i + 1}]"), fmt)
                              for i, p in enumerate(content.points)]
        if content.body:
            body = _grown(boxes["body_wide" if wide else "body"], area, 1, 0, fits["headline"].size)
            fits["body"] = _fit(pack, content.body, body, _label("body"), fmt)
        if content.link:
            if content.link_label:
                fits["link_label"] = _fit(pack, content.link_label, boxes["link_label"], _label("link_label"), fmt)
            fits["link"] = fit_address(pack, content.link_text, boxes["link"], _label("link"), fmt)
    return {"content": content, "fit": fits, "design": content.design}


__all__ = ["Content", "Picture", "check_link", "clean_text", "content_design", "example_content", "fitting_chars",
           "load_content", "make_content", "message_context", "needs_content", "read_content_file", "read_picture",
           "silhouette"]
