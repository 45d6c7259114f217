"""Kits for the web: a humas request (agency or typed name, optional logo, parts, designs, formats) ->
the same files, `manifest.json` and `caption.txt` as `netral kit`, packed as one ZIP in memory.

`KitJobs` runs a build in the background and reports its progress, so the page can show a progress
bar and then download the ZIP; the synchronous API builds the same ZIP in one request.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..assets.asset import Asset
from ..defaults import (
    KIT_JOB_GRACE_SECONDS,
    KIT_JOB_TTL_SECONDS,
    KIT_ZIPS_KEPT_BYTES,
    MAX_KIT_JOBS,
    MAX_RUNNING_KIT_JOBS,
)
from ..errors import NetralError
from ..kit import plan as kit
from ..kit.build import build
from ..kit.manifest import caption_text, manifest, manifest_bytes, zip_kit
from ..model.agencies import Agency
from ..model.designs import FORMATS, list_designs
from ..model.pack import Pack
from ..output.thumbnails import RASTER_EXTENSIONS
from ..output.thumbnails import thumbnail as make_thumbnail
from .frames import KIT, Renderer

log = logging.getLogger(__name__)

# Parts a person can choose, with the designs they offer (a part not listed here has no design choice).
DESIGN_KINDS = ("twibbon", "poster", "leaflet")
PART_TITLES = {"twibbon": "Bingkai twibbon", "logo": "Logo dan lockup", "poster": "Poster edukasi",
               "carousel": "Carousel poster", "leaflet": "Leaflet cetak",
               "cetak": "PDF cetak (bleed dan tanda potong)"}
FORMAT_TITLES = {"square": "Persegi 1080×1080", "feed": "Feed 1080×1350", "story": "Story 1080×1920",
                 "a4": "A4 cetak", "a3": "A3 cetak", "a4-landscape": "A4 mendatar"}
THUMB_WIDTH = 240
THUMB_QUALITY = 82
JOB_TTL_SECONDS = KIT_JOB_TTL_SECONDS
MAX_JOBS = MAX_KIT_JOBS
MAX_RUNNING = MAX_RUNNING_KIT_JOBS


class KitRefused(Exception):
    """A request the server will not build: the message says why, `status` is the HTTP code."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.status = status


@dataclass
class KitRequest:
    agency: Agency
    parts: tuple[str, ...] = kit.KIT_PARTS
    designs: frozenset[tuple[str, str]] | None = None  # None: every design of the chosen parts
    twibbon_formats: tuple[tuple[str, str], ...] = kit.KIT_TWIBBON_FORMATS
    poster_formats: tuple[tuple[str, str], ...] = kit.KIT_POSTER_FORMATS
    logo: dict | None = field(default=None, repr=False)  # agency_logo's {"uri", ...} for the templates
    # The app's address (links.py): designs that print the agency page's address need it, and a
    # registry agency (a typed name has no page).
    public_url: str = ""

    def options(self) -> kit.KitOptions:
        extra = {"logo": self.logo} if self.logo else {}
        if self.public_url:
            extra["public_url"] = self.public_url
        return kit.KitOptions(only=self.parts, twibbon_formats=self.twibbon_formats,
                              poster_formats=self.poster_formats, extra=extra)

    def plan(self, pack: Pack) -> list[kit.Job]:
        """The files `netral kit` would make with these options, less the designs not chosen and those
        that need an address this kit has not."""
        jobs = kit.plan_kit(pack, self.agency, self.options())
        has_page = bool(self.public_url) and self.agency.level != "custom"
        if not has_page:
            needs = {(d.kind, d.name) for kind in DESIGN_KINDS for d in list_designs(pack, kind)
                     if d.meta.get("requires") == "public_url"}
            jobs = [j for j in jobs if (j.kind, j.design) not in needs]
        if self.designs is None:
            return jobs
        return [j for j in jobs if j.kind not in DESIGN_KINDS or (j.kind, j.design) in self.designs]


def format_choices(pack: Pack, kind: str) -> list[tuple[str, str]]:
    """Every (format, extension) the designs of `kind` can be made in: twibbons as PNG (transparent
    window), raster posters as PNG and JPEG, print formats as PDF."""
    formats: list[str] = []
    for design in list_designs(pack, kind):
        formats += [f for f in design.formats if f not in formats]
    order = list(FORMATS)
    formats.sort(key=lambda f: order.index(f) if f in order else len(order))
    choices = []
    for fmt in formats:
        if kind == "twibbon":
            choices.append((fmt, ".png"))
        elif "mm" in FORMATS.get(fmt, {}):
            choices.append((fmt, ".pdf"))
        else:
            choices += [(fmt, ".png"), (fmt, ".jpg")]
    return choices


def format_label(fmt: str, ext: str) -> str:
    return f"{FORMAT_TITLES.get(fmt, fmt)} ({ext.lstrip('.').upper()})"


def agency_logo_from_upload(filename: str, data: bytes) -> dict:
    """An uploaded logo, checked and scaled by `agency_logo` exactly as `--logo FILE`, from memory."""
    from ..assets.agency_logo import logo_from_bytes

    return logo_from_bytes(data, Path(filename or "logo").name)


def _pick_formats(values: list[str], choices: list[tuple[str, str]], what: str) -> tuple[tuple[str, str], ...]:
    picked = []
    for value in values:
        fmt, _, ext = value.rpartition(".")
        if (fmt, f".{ext}") not in choices:
            names = ", ".join(f"{f}{e}" for f, e in choices)
            raise KitRefused(f"Format {what} '{value[:30]}' tidak tersedia. Pilih dari: {names}.")
        picked.append((fmt, f".{ext}"))
    return tuple(c for c in choices if c in picked)


def parse_kit_request(pack: Pack, agency: Agency, parts: list[str], designs: list[str],
                      twibbon_formats: list[str], poster_formats: list[str], logo: dict | None) -> KitRequest:
    """Form values -> KitRequest; KitRefused (422) with a message naming what is wrong. An empty
    list means the default of `netral kit`."""
    parts = parts or list(kit.KIT_PARTS)
    unknown = [p for p in parts if p not in kit.KIT_PARTS]
    if unknown:
        raise KitRefused(f"Bagian kit tidak dikenal: {', '.join(unknown)}. Pilih: {', '.join(kit.KIT_PARTS)}.")
    chosen_parts = tuple(p for p in kit.KIT_PARTS if p in parts)

    chosen_designs = None
    if designs:
        available = {(d.kind, d.name) for k in DESIGN_KINDS for d in list_designs(pack, k)}
        pairs = set()
        for value in designs:
            kind, _, name = value.partition("/")
            if (kind, name) not in available:
                raise KitRefused(f"Desain '{value[:40]}' tidak ada. Lihat daftar di /api/v1/designs.")
            pairs.add((kind, name))
        for part in chosen_parts:
            if part in DESIGN_KINDS and list_designs(pack, part) and not any(k == part for k, _ in pairs):
                raise KitRefused(f"Pilih minimal satu desain untuk {PART_TITLES[part].lower()}, atau jangan pilih "
                                 "bagian itu.")
        chosen_designs = frozenset(pairs)

    twibbons = (_pick_formats(twibbon_formats, format_choices(pack, "twibbon"), "twibbon")
                if twibbon_formats else kit.KIT_TWIBBON_FORMATS)
    posters = (_pick_formats(poster_formats, format_choices(pack, "poster"), "poster")
               if poster_formats else kit.KIT_POSTER_FORMATS)
    return KitRequest(agency, chosen_parts, chosen_designs, twibbons, posters, logo)


def build_assets(request: KitRequest, pack: Pack, renderer: Renderer, progress=None) -> tuple[list, list[Asset]]:
    """The kit's jobs and assets, each file made on the render thread (so frames for other visitors
    are rendered in between), in the order `netral kit` writes them."""
    jobs = request.plan(pack)
    if not jobs:
        raise KitRefused("Pilihan ini tidak menghasilkan berkas apa pun. Pilih bagian, desain atau format lain.")
    assets: list[Asset] = []
    for index, job in enumerate(jobs):
        if progress:
            progress(index, len(jobs), job)
        assets.append(renderer.submit(build, job, priority=KIT).result())
    return jobs, assets


def pack_zip(pack: Pack, agency: Agency, jobs: list, assets: list[Asset]) -> bytes:
    """The kit folder as `netral kit` writes it (files, caption.txt, manifest.json), in a ZIP under
    `<agency-slug>/` (`kit.manifest.zip_kit`: the same files, the same bytes)."""
    files = [(asset.name, asset.data) for asset in assets]
    files.append(("caption.txt", caption_text(pack, agency).encode()))
    files.append(("manifest.json", manifest_bytes(manifest(pack, agency, assets, jobs))))
    return zip_kit(agency.slug, files)


def zip_name(agency: Agency) -> str:
    return f"kit-{agency.slug}.zip"


def thumbnail(asset: Asset) -> tuple[bytes, str] | None:
    """A small picture of a kit file for the page: rasters shrunk (transparency kept), SVGs as they are."""
    suffix = Path(asset.name).suffix.lower()
    if suffix == ".svg":
        return asset.data, "image/svg+xml"
    if suffix not in RASTER_EXTENSIONS:
        return None
    return make_thumbnail(asset.data, suffix, (THUMB_WIDTH, THUMB_WIDTH * 2), background=None,
                          quality=THUMB_QUALITY)


@dataclass
class KitJob:
    id: str
    request: KitRequest
    state: str = "queued"  # queued, running, done, failed
    step: str = ""  # the kind being made, or "zip"
    file: str = ""  # the file being made
    done: int = 0
    total: int = 1
    error: str = ""
    created: float = field(default_factory=time.monotonic)
    finished: float | None = None
    fetched: bool = False  # its ZIP has been downloaded
    assets: list[Asset] = field(default_factory=list, repr=False)
    zip: bytes | None = field(default=None, repr=False)

    def status(self) -> dict:
        files = [
            {"path": a.name, "kind": a.kind, "design": a.design, "variant": a.format, "bytes": len(a.data),
             "findings": [str(f) for f in a.findings], "thumbnail": thumbnail_kind(a)}
            for a in self.assets
        ]
        return {
            "id": self.id,
            "state": self.state,
            "step": self.step,
            "step_title": PART_TITLES.get(self.step, "Mengemas ZIP" if self.step == "zip" else ""),
            "file": self.file,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "agency": self.request.agency.as_dict(),
            "files": files if self.state == "done" else [],
            "zip_name": zip_name(self.request.agency),
            "zip_bytes": len(self.zip) if self.zip else 0,
        }


def thumbnail_kind(asset: Asset) -> bool:
    return Path(asset.name).suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".svg")


class KitJobs:
    """Background kit builds, per server process. At most `max_active` are building or waiting to; a
    finished one keeps its place only until its ZIP is fetched or `grace` seconds have passed, and stays
    downloadable for `ttl` seconds while the finished ZIPs together stay under `max_bytes`."""

    def __init__(self, pack: Pack, renderer: Renderer, *, max_active: int = MAX_JOBS, running: int = MAX_RUNNING,
                 grace: float = KIT_JOB_GRACE_SECONDS, ttl: float = JOB_TTL_SECONDS,
                 max_bytes: int = KIT_ZIPS_KEPT_BYTES, clock=time.monotonic):
        self.pack = pack
        self.renderer = renderer
        self.max_active, self.grace, self.ttl, self.max_bytes = max_active, grace, ttl, max_bytes
        self._clock = clock
        self._jobs: dict[str, KitJob] = {}
        self._lock = threading.Lock()
        self._running = threading.BoundedSemaphore(running)

    def _holds_a_place(self, job: KitJob, now: float) -> bool:
        if job.finished is None:
            return True
        return job.state == "done" and not job.fetched and now - job.finished <= self.grace

    def _expire(self, now: float) -> None:
        finished = sorted((j for j in self._jobs.values() if j.finished is not None), key=lambda j: j.finished)
        kept = sum(len(j.zip or b"") for j in finished)
        for job in finished:
            if now - job.finished > self.ttl or kept > self.max_bytes:
                kept -= len(job.zip or b"")
                del self._jobs[job.id]

    def active(self) -> int:
        """Jobs that hold a place against `max_active`."""
        with self._lock:
            now = self._clock()
            return sum(self._holds_a_place(j, now) for j in self._jobs.values())

    def start(self, request: KitRequest) -> KitJob:
        with self._lock:
            now = self._clock()
            self._expire(now)
            if sum(self._holds_a_place(j, now) for j in self._jobs.values()) >= self.max_active:
                raise KitRefused("Server sedang membuat banyak kit. Coba lagi dalam satu menit.", 503)
            job = KitJob(secrets.token_urlsafe(16), request, created=now)
            self._jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), name=f"netral-kit-{job.id[:6]}", daemon=True).start()
        return job

    def get(self, job_id: str) -> KitJob | None:
        with self._lock:
            self._expire(self._clock())
            return self._jobs.get(job_id)

    def fetched(self, job: KitJob) -> None:
        """Its ZIP went to the client: the job no longer holds a place (it stays downloadable)."""
        job.fetched = True

    def _run(self, job: KitJob) -> None:
        def progress(done: int, total: int, current) -> None:
            job.done, job.total, job.step, job.file = done, total + 1, current.kind, current.name

        with self._running:
            job.state = "running"
            try:
                plan, assets = build_assets(job.request, self.pack, self.renderer, progress)
                job.done, job.step, job.file = job.total - 1, "zip", ""
                job.zip = pack_zip(self.pack, job.request.agency, plan, assets)
                job.assets = assets
                job.done = job.total
                job.state = "done"
            except (NetralError, KitRefused) as exc:
                job.error, job.state = str(exc), "failed"
            except Exception:  # noqa: BLE001 - the page must hear about any failure, not poll forever
                log.exception("kit job %s failed", job.id[:6])
                job.error, job.state = "Kit gagal dibuat karena kesalahan di server. Coba lagi.", "failed"
            finally:
                job.finished = self._clock()
