"""The pages and their files: `/` and `/t/<slug>` (framing), `/humas` (kits), `/docs` (API), static
CSS/JS, the brand font as small WOFF2 subsets, and the campaign mark.

Pages are Jinja2 templates (autoescaped) with no inline script or style, so the CSP can forbid both.
Static files are read once into memory and served with a content hash in their URL.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import mimetypes
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from ..kit import plan as kit
from ..model.designs import list_designs
from ..model.formatting import format_number
from ..model.pack import Pack
from ..render.fonts import font_file
from .frames import preview_format
from .kits import DESIGN_KINDS, PART_TITLES, format_choices, format_label
from .links import open_graph, page_caption, page_url, share_links

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
# Weights the pages use; each is a Latin subset of the brand font, about 12 KB as WOFF2.
FONT_WEIGHTS = (400, 700, 800)
# Basic Latin, Latin-1 and Latin Extended-A (names), general punctuation, arrows, the multiplication sign.
FONT_UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x2010, 0x2028), 0x2030, 0x20AC,
                 *range(0x2190, 0x2194), 0x2212, 0x00D7]
LONG_CACHE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class StaticFile:
    data: bytes = field(repr=False)
    media_type: str
    gzipped: bytes | None = field(default=None, repr=False)

    @property
    def version(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:12]


def load_static(folder: Path = STATIC_DIR) -> dict[str, StaticFile]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".js":
            media_type = "text/javascript"
        if media_type.startswith("text/") or media_type.endswith(("json", "svg+xml")):
            media_type += "; charset=utf-8" if media_type.startswith("text/") else ""
            packed = gzip.compress(data, 9, mtime=0)
            files[path.relative_to(folder).as_posix()] = StaticFile(data, media_type, packed)
        else:
            files[path.relative_to(folder).as_posix()] = StaticFile(data, media_type)
    return files


_FONT_LOCK = threading.Lock()


def font_woff2(path: Path) -> tuple[bytes, str]:
    """A Latin subset of the font at `path` as WOFF2 (or the whole TTF if WOFF2 cannot be written).
    Made once per font; a request that arrives while the warm-up makes it waits for that one."""
    with _FONT_LOCK:
        return _font_woff2(path)


@cache
def _font_woff2(path: Path) -> tuple[bytes, str]:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    try:
        options = subset.Options()
        options.flavor = "woff2"
        options.layout_features = ["kern", "liga", "calt", "tnum", "lnum", "case"]
        options.name_IDs = ["*"]  # the licence and the family name stay with the font
        # No new timestamp in the head table: the same font gives the same bytes (and ETag) in every process.
        font = TTFont(io.BytesIO(path.read_bytes()), recalcTimestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=FONT_UNICODES)
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = "woff2"
        font.save(out)
        return out.getvalue(), "font/woff2"
    except ImportError:  # brotli missing: the full font still works, only heavier
        return path.read_bytes(), "font/ttf"


def warm_fonts(pack: Pack) -> None:
    """Subset the page fonts in the background (about a second), before the first visitor asks."""
    def work():
        for weight in FONT_WEIGHTS:
            font_woff2(font_file(pack, weight))

    threading.Thread(target=work, name="netral-fonts", daemon=True).start()


def make_environment(static: dict[str, StaticFile]) -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)

    @pass_context
    def static_url(context, name: str) -> str:
        # `root` is "/" on the server and a relative path ("../../") in the static site (site.py).
        return f"{context.get('root') or '/'}static/{name}?v={static[name].version}"

    env.globals["static"] = static_url
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return env


def _state(request: Request):
    return request.app.state.netral


def render_page(env: Environment, pack: Pack, template: str, path: str, **context) -> str:
    """A page's HTML: the server's pages and the static site's (site.py) both come from here.
    `root` is where the site's files start ("/" on the server, "../../" in the static site's agency
    pages); `mode` is "server" or "static" (the page's script reads it)."""
    return env.get_template(template).render(
        campaign=pack.name, slogan=pack.slogan, tagline=pack.config["campaign"].get("tagline", ""),
        hashtags=pack.hashtags, issuer=pack.issuer, path=path,
        **{"og": None, "root": "/", "mode": "server", "manifest": None, "csp": None, **context},
    )


def _page(request: Request, template: str, status_code: int = 200, **context) -> Response:
    html = render_page(request.app.state.pages, _state(request).pack, template, request.url.path, **context)
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        # A page is ~20 KB of HTML and ~5 KB gzipped: a quarter of a phone's first visit (bench_card.py).
        headers["Content-Encoding"] = "gzip"
        return HTMLResponse(gzip.compress(html.encode(), 6, mtime=0), status_code=status_code, headers=headers)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def _description(design, personal: bool) -> str:
    text = design.meta.get("description", "")
    if personal or "name" not in design.boxes("square"):
        return text
    return f"{text.rstrip('.')}. Di halaman statis nama tidak dicetak; slogan tampil di tempatnya."


def _twibbon_choices(pack: Pack, personal: bool = True) -> list[dict]:
    """The twibbon designs the framing page offers; `personal=False` (the static site, which has no
    server to draw a name) offers the name designs without their name fields."""
    choices = []
    for design in list_designs(pack, "twibbon"):
        windows = {f: design.window(f).as_dict() for f in design.formats if design.window(f)}
        sizes = {f: [round(design.format(f).width), round(design.format(f).height)] for f in windows}
        if windows:
            choices.append({"name": design.name, "title": design.title,
                            "personal": personal and "name" in design.boxes("square"),
                            "unit": personal and "unit" in design.boxes("square"),
                            "description": _description(design, personal),
                            "shape": windows.get("square", next(iter(windows.values())))["shape"],
                            "windows": windows, "sizes": sizes})
    return choices


def frame_context(pack: Pack, agency, base: str, url: str | None = None, made: int = 0, og: dict | None = None,
                  server: bool = True) -> dict:
    """What frame.html needs for `agency` (None: the home page), given the address `base` the world
    reaches the site at; `url` overrides the page's address, `made` is the participation count, `og`
    overrides the link preview tags; `server=False` is the static site (no names drawn in frames)."""
    url = url or page_url(base, agency)
    caption = page_caption(pack, agency, url) if agency else ""
    og = og or open_graph(pack, agency, base)
    # Before an agency is chosen the links exist without an address; the page fills them in.
    share = share_links(url, og["title"]) if agency else [{**s, "href": "#"} for s in share_links("", "")]
    return {"agency": agency, "caption": caption, "og": og, "share_targets": share, "made": made,
            "made_text": format_number(made), "page_url": url, "designs": _twibbon_choices(pack, personal=server),
            "title": f"Bingkai foto {agency.short_name}" if agency else "Bingkai foto"}


def frame_page(request: Request, agency=None, status_code: int = 200) -> HTMLResponse:
    state = _state(request)
    made = state.store.agency_frames(agency.slug) if agency else 0
    manifest = f"/manifest.webmanifest?agency={agency.slug}" if agency else "/manifest.webmanifest"
    return _page(request, "frame.html", status_code, manifest=manifest,
                 **frame_context(state.pack, agency, state.base_url(request), made=made))


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    return frame_page(request)


@router.get("/t/{slug}", response_class=HTMLResponse)
def agency_page(request: Request, slug: str):
    agency = _state(request).agency(slug)
    if agency is None:
        return _page(request, "error.html", 404, title="Instansi tidak ditemukan",
                     message=f"Tidak ada instansi dengan alamat “{slug[:60]}”. Cari instansi Anda di halaman utama.")
    return frame_page(request, agency)


@router.get("/k/{code}")
def short_link(request: Request, code: str):
    """The short address printed on the invitation poster (`/k/<Kemendagri code>`) -> the agency page."""
    agency = _state(request).by_code.get(code)
    if agency is None:
        return _page(request, "error.html", 404, title="Instansi tidak ditemukan",
                     message=f"Tidak ada instansi dengan kode “{code[:20]}”. Cari instansi Anda di halaman utama.")
    return RedirectResponse(f"/t/{agency.slug}", status_code=308, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/humas", response_class=HTMLResponse)
def humas_page(request: Request):
    from ..assets.message import MIN_SIDE, needs_content
    from ..model.designs import load_design

    pack = _state(request).pack
    kinds = []
    for kind in DESIGN_KINDS:
        designs = []
        for d in list_designs(pack, kind):
            # the leader's message and the announcement have forms of their own (step 4)
            if (d.path / "template.html.j2").is_file() and d.formats and not needs_content(d):
                fmt = d.format(preview_format(d))
                designs.append({"name": d.name, "title": d.title, "height": round(180 * fmt.height / fmt.width)})
        if kind in kit.KIT_PARTS and designs:
            kinds.append({"kind": kind, "title": PART_TITLES[kind], "designs": designs})
    defaults = {"twibbon": kit.KIT_TWIBBON_FORMATS, "poster": kit.KIT_POSTER_FORMATS}
    formats = [
        {"kind": kind, "title": f"Format {kind}",
         "choices": [{"value": f"{fmt}{ext}", "label": format_label(fmt, ext), "checked": (fmt, ext) in defaults[kind]}
                     for fmt, ext in format_choices(pack, kind)]}
        for kind in ("twibbon", "poster") if kind in kit.KIT_PARTS
    ]
    parts = [{"value": p, "title": PART_TITLES.get(p, p)} for p in kit.KIT_PARTS]
    # The message forms: each field with its limit from the design's design.toml [limits].
    messages = []
    for name, blurb in (("pesan", "Potret, nama, jabatan dan kutipan ajakan pimpinan."),
                        ("pengumuman", "Judul, poin atau paragraf, gambar dan tautan (kode QR).")):
        if name not in {d.name for d in list_designs(pack, "poster")}:
            continue
        d = load_design(pack, "poster", name)
        limit = d.meta.get("limits", {})
        if name == "pesan":
            fields = [
                {"key": "name", "id": "name", "label": "Nama pimpinan", "limit": limit.get("name", 50),
                 "placeholder": "Contoh: Dr. Nama Lengkap, M.Si."},
                {"key": "title", "id": "title", "label": "Jabatan", "limit": limit.get("title", 64),
                 "placeholder": "Contoh: Bupati Sleman"},
                {"key": "quote", "id": "quote", "label": "Kutipan", "limit": limit.get("quote", 200), "area": True,
                 "rows": 4, "hint": "Ajakan pimpinan dengan kata-katanya sendiri; tanda kutip dipasang otomatis."},
            ]
        else:
            fields = [{"key": "headline", "id": "headline", "label": "Judul", "limit": limit.get("headline", 60),
                       "placeholder": "Contoh: Apel siaga netralitas ASN"}]
            fields += [{"key": "points", "id": f"point-{i}", "label": f"Poin {i}", "limit": limit.get("point", 56),
                        "optional": i > 1, "group": "points"} for i in range(1, limit.get("points", 5) + 1)]
            fields += [
                {"key": "body", "id": "body", "label": "Paragraf", "limit": limit.get("body", 300), "area": True,
                 "rows": 5, "group": "body"},
                {"key": "link", "id": "link", "label": "Tautan", "limit": limit.get("link", 56), "optional": True,
                 "inputmode": "url", "placeholder": "https://…",
                 "hint": "Alamat https:// saja; dicetak sebagai kode QR dan sebagai teks."},
                {"key": "link_label", "id": "link-label", "label": "Keterangan tautan",
                 "limit": limit.get("link_label", 40), "optional": True, "placeholder": "Contoh: Formulir pendaftaran"},
            ]
        messages.append({"design": name, "title": d.title, "blurb": blurb, "fields": fields,
                         "points": limit.get("points", 5), "min_side": MIN_SIDE})
    return _page(request, "humas.html", title="Kit untuk humas", parts=parts, kinds=kinds, formats=formats,
                 messages=messages)


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request):
    return _page(request, "docs.html", title="API")


def _conditional(request: Request, data: bytes, media_type: str, etag: str, cache_control: str,
                 gzipped: bytes | None = None) -> Response:
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if any(t.strip().removeprefix("W/") == etag for t in request.headers.get("if-none-match", "").split(",")):
        return Response(status_code=304, headers=headers)
    if gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        data = gzipped
    return Response(data, media_type=media_type, headers=headers)


@router.api_route("/static/{name:path}", methods=["GET", "HEAD"])
def static_file(request: Request, name: str):
    # Only files read at start-up exist here: the URL never reaches the filesystem.
    found = request.app.state.static.get(name)
    if found is None:
        raise HTTPException(404, "Berkas tidak ditemukan.")
    versioned = request.query_params.get("v") == found.version
    return _conditional(request, found.data, found.media_type, f'"{found.version}"',
                        LONG_CACHE if versioned else "no-cache", found.gzipped)


@router.api_route("/fonts/jakarta-{weight}.woff2", methods=["GET", "HEAD"])
def font(request: Request, weight: int):
    if weight not in FONT_WEIGHTS:
        raise HTTPException(404, "Berkas tidak ditemukan.")
    data, media_type = font_woff2(font_file(_state(request).pack, weight))
    etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
    return _conditional(request, data, media_type, etag, "public, max-age=604800")


@router.api_route("/brand/{name}.svg", methods=["GET", "HEAD"])
def brand_mark(request: Request, name: str):
    if name not in ("mark", "mark-reverse"):
        raise HTTPException(404, "Berkas tidak ditemukan.")
    data = _state(request).pack.find("brand", f"logo/{name}.svg").read_bytes()
    etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
    return _conditional(request, data, "image/svg+xml", etag, "public, max-age=86400")


@router.get("/favicon.ico")
def favicon(request: Request):
    return brand_mark(request, "mark")


@router.get("/healthz")
def health(request: Request):
    """For load balancers: 200 while the store answers, 503 when it does not."""
    try:
        _state(request).store.ping()
    except Exception:  # noqa: BLE001 - any failure of the store is "not healthy", never a 500
        return JSONResponse({"status": "error", "detail": "Basis data tidak dapat dihubungi."}, status_code=503,
                            headers={"Cache-Control": "no-store"})
    return JSONResponse({"status": "ok"},
                        headers={"Cache-Control": "no-store"})


@router.get("/metrics")
def metrics(request: Request):
    """Prometheus text format: this process's requests and latency by route, frames, events; the
    store's counts and kit jobs (every replica)."""
    state = _state(request)
    try:
        text = state.metrics.render(state.store)
    except Exception:  # noqa: BLE001 - the process's own numbers still go out
        text = state.metrics.render(None)
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8", headers={"Cache-Control": "no-store"})
