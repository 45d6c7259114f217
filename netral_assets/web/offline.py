"""The framing page as an installable, offline-capable web app: the web app manifest, the app icons
(drawn from the campaign mark by the logo pipeline) and the service worker (`static/sw.js`, served
at the site's root so its scope is the whole site).

The worker keeps the page shell, its CSS/JS, fonts, the brand marks and the last frames used, so a
person who opened the agency page once can frame a photo with no signal. It only handles same-origin
GET requests on an allowlist of paths (`sw.js` says which): never a POST, never a frame with a name in
it, never an upload; the photo never reaches it (the page draws it on a canvas from a blob: URL).
Its caches are named by a version made of the static files' own versions, so an update replaces them.

The same pieces serve the static site (site.py): there `root` is the folder the site is served from.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re

from fastapi import APIRouter, HTTPException, Request, Response

from ..caching import SingleFlight
from ..model.pack import Pack
from ..render.fonts import font_file
from .frames import KIT
from .pages import _conditional

router = APIRouter(include_in_schema=False)

THEME_COLOR = "#12284C"
BACKGROUND_COLOR = "#F6F7FB"
ICON_SIZES = (192, 512)
# Icon files: "any" icons are the mark on transparency; "maskable" ones the mark inside the safe zone
# (a circle of 40 % of the side) on a full-bleed campaign-blue square, for launchers that cut shapes.
ICON_NAMES = tuple(f"{kind}-{size}.png" for kind in ("icon", "maskable") for size in ICON_SIZES)
FRAMES_KEPT = 6  # the last frames used, per browser
PAGES_KEPT = 8
_IMPORT = re.compile(r"""from\s+["']\./([a-z0-9._-]+\.js)["']""")
FONT_WEIGHTS = (400, 700, 800)
MARKS = ("mark", "mark-reverse")
CONFIG_MARK = re.compile(r"/\*@config\*/.*?/\*@end\*/", re.DOTALL)


# -- the manifest ----------------------------------------------------------------------------------


def manifest(pack: Pack, root: str = "/", agency=None, start_url: str | None = None) -> dict:
    """The web app manifest; `agency` makes its start page the agency's page (what a person who adds
    it to the home screen wants to open). Paths are relative to `root`, or as given."""
    name = f"Bingkai {pack.name}"
    short = "ASN Netral" if len(pack.name) > 12 else pack.name
    if agency is not None:
        name = f"Bingkai {pack.name} — {agency.short_name}"
    start = start_url or (f"{root}t/{agency.slug}" if agency is not None else root)
    return {
        "id": start,
        "name": name,
        "short_name": short,
        "description": f"Pasang bingkai {pack.name} di foto Anda, di perangkat Anda sendiri: foto tidak "
                       f"pernah diunggah. {pack.slogan}.",
        "lang": "id",
        "dir": "ltr",
        "start_url": start,
        "scope": root,
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["photo", "government"],
        "icons": [
            *({"src": f"{root}icons/icon-{s}.png", "sizes": f"{s}x{s}", "type": "image/png", "purpose": "any"}
              for s in ICON_SIZES),
            *({"src": f"{root}icons/maskable-{s}.png", "sizes": f"{s}x{s}", "type": "image/png",
               "purpose": "maskable"} for s in ICON_SIZES),
        ],
    }


def manifest_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


# -- icons ----------------------------------------------------------------------------------------


def icon_svgs(pack: Pack) -> dict[str, str]:
    """The two icon drawings: the mark alone, and the mark in the maskable safe zone on blue."""
    from ..assets.logo import _mark_inner, mark_svg

    inner, size = _mark_inner(pack)
    scale = 0.8  # the mark's circle (r = 0.47 of the side) -> 0.375 of the side: inside the 0.4 safe zone
    maskable = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:g} {size:g}" width="{size:g}" '
                f'height="{size:g}"><rect width="{size:g}" height="{size:g}" fill="{THEME_COLOR}"/>'
                f'<g transform="translate({size * (1 - scale) / 2:g} {size * (1 - scale) / 2:g}) scale({scale:g})">'
                f'{inner}</g></svg>\n')
    return {"icon": mark_svg(pack), "maskable": maskable}


def render_icons(pack: Pack) -> dict[str, bytes]:
    """The app icons as PNG bytes by file name, through the logo pipeline (SVG -> WeasyPrint -> PDF ->
    pdfium). Calls pdfium: on the server, only from the render thread."""
    from ..assets.logo import svg_document
    from ..output.writers import encode_image, rasterize_pdf, write_pdf

    out = {}
    for kind, svg in icon_svgs(pack).items():
        size = float(re.search(r'viewBox="0 0 ([\d.]+)', svg)[1])
        rendered = svg_document(pack, svg, size, size)
        pdf = write_pdf(rendered, metadata={"title": pack.name, "lang": "id"})
        for px in ICON_SIZES:
            image = rasterize_pdf(pdf, rendered.fmt, width_px=px, transparent=kind == "icon")
            out[f"{kind}-{px}.png"] = encode_image(image if kind == "icon" else image.convert("RGB"), ".png")
    return out


_ICONS = SingleFlight(max_items=4)


def mark_key(pack: Pack) -> str:
    """The icons' inputs: the mark's drawing."""
    return hashlib.sha256(pack.find("brand", "logo/mark.svg").read_bytes()).hexdigest()


# -- the worker -----------------------------------------------------------------------------------


def cache_version(static: dict, pack: Pack) -> str:
    """The worker's cache version: the static files' versions (sw.js among them), the brand marks and
    the fonts. Any change makes a new worker whose caches replace the old ones."""
    digest = hashlib.sha256()
    for name in sorted(static):
        digest.update(f"{name}={static[name].version}\n".encode())
    for mark in MARKS:
        digest.update(pack.find("brand", f"logo/{mark}.svg").read_bytes())
    for weight in FONT_WEIGHTS:
        digest.update(str(font_file(pack, weight)).encode())
    return digest.hexdigest()[:16]


def page_files(static: dict) -> list[str]:
    """The static files a framing page loads: the stylesheet, frame.js and the modules it imports."""
    files, queue = ["app.css"], ["js/frame.js"]
    while queue:
        name = queue.pop()
        if name in files:
            continue
        files.append(name)
        queue += [f"js/{m}" for m in _IMPORT.findall(static[name].data.decode())]
    return files


def shell_urls(static: dict, extra: tuple[str, ...] = ()) -> list[str]:
    """What the worker keeps when it installs, relative to its scope (the files already in the
    browser's HTTP cache after the first visit, so keeping them costs no extra download)."""
    files = [f"static/{name}?v={static[name].version}" for name in page_files(static)]
    files += [f"fonts/jakarta-{w}.woff2" for w in FONT_WEIGHTS]
    files += [f"brand/{m}.svg" for m in MARKS]
    return [*files, *extra]


def worker_source(static: dict, pack: Pack, mode: str = "server", extra: tuple[str, ...] = ()) -> bytes:
    """sw.js with its configuration filled in (version, files to keep, bounds)."""
    config = {"version": cache_version(static, pack), "mode": mode, "shell": shell_urls(static, extra=extra),
              "frames": FRAMES_KEPT, "pages": PAGES_KEPT}
    source = static["sw.js"].data.decode()
    filled, count = CONFIG_MARK.subn(lambda _: json.dumps(config, separators=(",", ":")), source, count=1)
    if count != 1:
        raise RuntimeError("static/sw.js lost its /*@config*/ … /*@end*/ marker")
    return filled.encode()


# -- routes ---------------------------------------------------------------------------------------


def _offline_state(request: Request) -> dict:
    """What this module computes once per app (the worker's source, its ETag)."""
    app_state = request.app.state
    found = getattr(app_state, "offline", None)
    if found is None:
        source = worker_source(app_state.static, request.app.state.netral.pack)
        found = {"sw": source, "sw_gzip": gzip.compress(source, 9, mtime=0)}
        app_state.offline = found
    return found


def _answer(request: Request, data: bytes, media_type: str, cache_control: str, packed: bytes | None = None) -> Response:
    """`data` with a strong ETag (304 when it matches), gzipped as `packed` for clients that accept it."""
    etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
    return _conditional(request, data, media_type, etag, cache_control, packed)


@router.api_route("/sw.js", methods=["GET", "HEAD"])
def service_worker(request: Request):
    # Browsers check the worker for updates at most daily anyway; no-cache makes every check real.
    found = _offline_state(request)
    return _answer(request, found["sw"], "text/javascript; charset=utf-8", "no-cache", found["sw_gzip"])


@router.api_route("/manifest.webmanifest", methods=["GET", "HEAD"])
def web_manifest(request: Request, agency: str = ""):
    state = request.app.state.netral
    found = state.agency(agency) if agency else None
    if agency and found is None:
        raise HTTPException(404, f"Instansi '{agency[:60]}' tidak ada di registri.")
    data = manifest_bytes(manifest(state.pack, "/", found))
    return _answer(request, data, "application/manifest+json", "public, max-age=86400")


@router.api_route("/icons/{name}", methods=["GET", "HEAD"])
async def icon(request: Request, name: str):
    if name not in ICON_NAMES:
        raise HTTPException(404, "Berkas tidak ditemukan.")
    state = request.app.state.netral
    pack = state.pack
    future = _ICONS.get_or_start(mark_key(pack),
                                 lambda: state.renderer.submit(render_icons, pack, priority=KIT))

    icons = await asyncio.wrap_future(future)
    return _answer(request, icons[name], "image/png", "public, max-age=604800")
