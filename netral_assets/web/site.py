"""`netral site`: the framing page as static files for any web host, CMS folder or CDN.

agencies -> a folder:

    index.html                      the home page (agency search over agencies.json)
    t/<slug>/index.html             each agency's framing page
    t/<slug>/manifest.webmanifest   its web app manifest (start page: the agency's page)
    frames/<design>/<format>/<slug>.png, cards/<slug>.png
    static/…, fonts/…, brand/…, icons/…, manifest.webmanifest, sw.js, agencies.json

The pages come from the server's own templates (`pages.render_page`, `pages.frame_context`) in
`mode="static"`: every link is relative (the folder may live anywhere, e.g. https://host/netral/), the
page's script frames photos exactly as on the server and never calls the server's API. Participation
counts, names drawn in frames and kits need the server; the pages say so. The privacy promise is the
same: the photo never leaves the browser, and the service worker (offline.py) keeps the page for use
without signal but never a photo.

Files are written atomically (files.py) and only when their bytes change; frames and cards are
rendered only when their kit fingerprint (kit/plan.py) changed or their file is gone or altered, so
running the same command again is quick and changes nothing. Agencies built by earlier runs into the
same folder stay in its search (`.netral-site.json` records them).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .._version import __version__
from ..assets.twibbon import frame_image
from ..errors import NetralError
from ..files import disk_error, sha256_of, write_atomic
from ..kit.plan import KitOptions, plan_kit
from ..model.agencies import Agency, custom_agency
from ..model.designs import list_designs
from ..model.pack import Pack
from ..output.writers import encode_image
from ..render.fonts import font_file
from . import offline
from .frames import HOME_CARD_AGENCY
from .links import open_graph
from .pages import FONT_WEIGHTS, font_woff2, frame_context, load_static, make_environment, render_page
from .security import CSP

RECORD = ".netral-site.json"
# The server's Content-Security-Policy as a <meta> (a static host sends none): no script or style but
# the site's own files, no connection elsewhere, so nothing on the page can send the photo anywhere.
# frame-ancestors works only as a header (browsers warn about it in a <meta>): left to the host.
STATIC_CSP = "; ".join(d for d in CSP.split("; ") if not d.startswith("frame-ancestors"))
# The page's address when no public address is given: the page's script puts its own in its place.
PAGE_URL_MARK = "__PAGE_URL__"


@dataclass
class SiteResult:
    folder: Path
    agencies: int
    written: int
    unchanged: int
    public_url: str | None

    def summary(self) -> str:
        return (f"Situs statis untuk {self.agencies} instansi di {self.folder}/: {self.written} berkas ditulis, "
                f"{self.unchanged} tidak berubah.")


class _Writer:
    """Writes files under `folder` only when their bytes change; remembers what made each file."""

    def __init__(self, folder: Path, record: dict):
        self.folder = folder
        self.files: dict = record.get("files", {})
        self.written = 0
        self.unchanged = 0

    def put(self, rel: str, data: bytes, fingerprint: str | None = None) -> None:
        path = self.folder / rel
        sha = hashlib.sha256(data).hexdigest()
        if path.is_file() and sha256_of(path) == sha:
            self.unchanged += 1
        else:
            write_atomic(path, data)
            self.written += 1
        self.files[rel] = {"sha256": sha, **({"fingerprint": fingerprint} if fingerprint else {})}

    def made(self, rel: str, fingerprint: str | None, make) -> None:
        """The file `make()` returns, unless the one there was made from the same inputs and is intact."""
        known = self.files.get(rel) or {}
        path = self.folder / rel
        if fingerprint and known.get("fingerprint") == fingerprint and path.is_file() \
                and sha256_of(path) == known.get("sha256"):
            self.unchanged += 1
            return
        self.put(rel, make(), fingerprint)


def _prepare(folder: Path) -> dict:
    """The output folder, made if needed (a clear line if it cannot be), and the record of earlier runs."""
    if folder.exists() and not folder.is_dir():
        raise NetralError(f"{folder} sudah ada dan bukan folder. Pilih folder keluaran lain.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_error(exc, folder.parent) or NetralError(
            f"Folder {folder} tidak dapat dibuat: sebagian jalurnya berupa berkas atau tidak dapat ditulis. "
            "Pilih folder keluaran lain.") from None
    record_path = folder / RECORD
    try:
        record = json.loads(record_path.read_text("utf-8"))
        return record if isinstance(record, dict) and record.get("format") == 1 else {}
    except (OSError, ValueError):
        return {}


def twibbon_formats(pack: Pack) -> dict[str, list[str]]:
    """Each twibbon design's formats that have a photo window (what the page offers)."""
    return {d.name: [f for f in d.formats if d.window(f)] for d in list_designs(pack, "twibbon")}


def _agency_entry(agency: Agency) -> dict:
    # What the search shows and matches (common.js): name, short name, code, level; the slug to go to.
    return {"name": agency.name, "short_name": agency.short_name, "slug": agency.slug, "code": agency.code or "",
            "level": agency.level}


def _addresses(public_url: str | None, agency: Agency | None, pack: Pack) -> tuple[str, dict]:
    """The page's address and its link preview tags. Without a public address the preview has no
    image and no address (crawlers need absolute ones) and the page fills in its own address."""
    og = open_graph(pack, agency, public_url or "")
    if not public_url:
        return PAGE_URL_MARK, {**og, "url": None, "image": None}
    url = f"{public_url}/t/{quote(agency.slug)}/" if agency else f"{public_url}/"
    return url, {**og, "url": url}


def build_site(pack: Pack, agencies: list[Agency], out: str | Path, public_url: str | None = None,
               progress=None) -> SiteResult:
    """Write the static site of `agencies` into `out` (see the module docstring); `public_url` is the
    address the folder will be served at (absolute links: previews, captions); `progress(done, total,
    agency)` is called after each agency."""
    from ..assets.card import build_card

    folder = Path(out)
    if not agencies:
        raise NetralError("Tidak ada instansi yang dipilih untuk situs statis.")
    record = _prepare(folder)
    writer = _Writer(folder, record)
    static = load_static()
    env = make_environment(static)

    # The page's own files, fonts, marks, icons, manifest and worker.
    for name in offline.page_files(static):
        writer.put(f"static/{name}", static[name].data)
    for weight in FONT_WEIGHTS:
        writer.put(f"fonts/jakarta-{weight}.woff2", font_woff2(font_file(pack, weight))[0])
    for mark in offline.MARKS:
        writer.put(f"brand/{mark}.svg", pack.find("brand", f"logo/{mark}.svg").read_bytes())
    icons_key = hashlib.sha256(f"{__version__}:{offline.mark_key(pack)}".encode()).hexdigest()
    icons: dict = {}

    def icon(name: str) -> bytes:  # the four icons come from two drawings: drawn once, when one is needed
        if not icons:
            icons.update(offline.render_icons(pack))
        return icons[name]

    for name in offline.ICON_NAMES:
        writer.made(f"icons/{name}", icons_key, lambda name=name: icon(name))
    writer.put("manifest.webmanifest", offline.manifest_bytes(offline.manifest(pack, "./")))
    # agencies.json is kept by the worker once the search has used it (not at install: an agency page
    # never needs it, and a site of every agency lists 600 of them).
    writer.put("sw.js", offline.worker_source(static, pack, mode="static"))

    # Each agency: its page, manifest, frames and link card.
    formats = twibbon_formats(pack)
    designs = {d.name: d for d in list_designs(pack, "twibbon")}
    wanted = tuple(sorted({(f, ".png") for fs in formats.values() for f in fs}))
    for done, agency in enumerate(agencies, 1):
        slug = quote(agency.slug)
        jobs = plan_kit(pack, agency, KitOptions(only=("twibbon",), twibbon_formats=wanted))
        prints = {(j.kind, j.design, j.format): j.fingerprint for j in jobs}
        for design, fmts in formats.items():
            for fmt in fmts:
                writer.made(f"frames/{design}/{fmt}/{slug}.png", prints.get(("twibbon", design, fmt)),
                            lambda d=designs[design], f=fmt, a=agency: encode_image(frame_image(pack, a, d, f), ".png"))
        card = next((fp for (kind, _, _), fp in prints.items() if kind == "card"), None)
        writer.made(f"cards/{slug}.png", card, lambda a=agency: build_card(pack, a, ext=".png").data)
        url, og = _addresses(public_url, agency, pack)
        html = render_page(env, pack, "frame.html", f"/t/{slug}", root="../../", mode="static",
                           manifest="manifest.webmanifest", csp=STATIC_CSP,
                           **frame_context(pack, agency, public_url or "", url=url, og=og, server=False))
        writer.put(f"t/{slug}/index.html", html.encode())
        writer.put(f"t/{slug}/manifest.webmanifest",
                   offline.manifest_bytes(offline.manifest(pack, "../../", agency, start_url="./")))
        if progress is not None:
            progress(done, len(agencies), agency)

    # The home page, its card, and the search list (with the agencies of earlier runs).
    writer.made("cards/index.png", None, lambda: build_card(pack, custom_agency(HOME_CARD_AGENCY), ext=".png").data)
    url, og = _addresses(public_url, None, pack)
    html = render_page(env, pack, "frame.html", "/", root="./", mode="static", manifest="manifest.webmanifest",
                       csp=STATIC_CSP,
                       **frame_context(pack, None, public_url or "", url=url, og=og, server=False))
    writer.put("index.html", html.encode())
    known = {a["slug"]: a for a in record.get("agencies", []) if isinstance(a, dict) and "slug" in a
             and (folder / "t" / a["slug"] / "index.html").is_file()}
    known.update({a.slug: _agency_entry(a) for a in agencies})
    listing = sorted(known.values(), key=lambda a: a["name"])
    writer.put("agencies.json", json.dumps({"agencies": listing}, ensure_ascii=False, separators=(",", ":")).encode())

    record = {"format": 1, "version": __version__, "public_url": public_url, "agencies": listing,
              "files": dict(sorted(writer.files.items()))}
    write_atomic(folder / RECORD, json.dumps(record, ensure_ascii=False, indent=1).encode())
    return SiteResult(folder, len(agencies), writer.written, writer.unchanged, public_url)
