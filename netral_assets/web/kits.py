"""Kits for the web: a humas request (agency or typed name, optional logo, parts, designs, formats, and
the agency's own leader's message or announcement) -> the same files, `manifest.json` and `caption.txt`
as `netral kit`, plus the message posters, packed as one ZIP in memory.

`KitJobs` runs a build in the background and keeps its progress and finished ZIP in the store, so the
page can show a progress bar and download the ZIP from any replica; the synchronous API builds the
same ZIP in one request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import logging
import os
import secrets
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..assets.asset import Asset
from ..assets.message import Content
from ..defaults import (
    KIT_JOB_GRACE_SECONDS,
    KIT_JOB_TTL_SECONDS,
    KIT_ZIPS_KEPT_BYTES,
    MAX_KIT_JOBS,
    MAX_RUNNING_KIT_JOBS,
)
from ..errors import NetralError
from ..kit import plan as kit
from ..kit.build import build, job_extra
from ..kit.manifest import CAPTION_FILE, captions_file, manifest, manifest_bytes, manifest_entry, zip_kit
from ..model.agencies import Agency
from ..model.designs import FORMATS, list_designs, load_design
from ..model.pack import Pack
from ..output.thumbnails import RASTER_EXTENSIONS
from ..output.thumbnails import thumbnail as make_thumbnail
from ..provenance import SIDECAR, asset_claims, sign_bytes, sign_detached, signable
from ..store import Store, open_store, today
from ..store.store import Event
from .frames import KIT, Renderer

log = logging.getLogger(__name__)

# Parts a person can choose, with the designs they offer (a part not listed here has no design choice).
DESIGN_KINDS = ("twibbon", "poster", "leaflet")
PART_TITLES = {"twibbon": "Bingkai twibbon", "logo": "Logo dan lockup", "poster": "Poster edukasi",
               "carousel": "Carousel poster", "leaflet": "Leaflet cetak",
               "cetak": "PDF cetak (bleed dan tanda potong)", "stiker": "Stiker WhatsApp"}
FORMAT_TITLES = {"square": "Persegi 1080×1080", "feed": "Feed 1080×1350", "story": "Story 1080×1920",
                 "a4": "A4 cetak", "a3": "A3 cetak", "a4-landscape": "A4 mendatar"}
THUMB_WIDTH = 240
THUMB_QUALITY = 82
JOB_TTL_SECONDS = KIT_JOB_TTL_SECONDS
MAX_JOBS = MAX_KIT_JOBS
MAX_RUNNING = MAX_RUNNING_KIT_JOBS
# A job whose building process has not beaten its heartbeat for this long is failed (the process died);
# the heartbeat beats every quarter of it. Environment: NETRAL_KIT_STALE_SECONDS (tests use a few).
KIT_STALE_SECONDS = float(os.environ.get("NETRAL_KIT_STALE_SECONDS", 30))


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
    # The agency's own words (assets.message.Content), one per design at most: the leader's message
    # (pesan) and the announcement (pengumuman), made in the chosen poster formats.
    messages: tuple[Content, ...] = field(default=(), repr=False)
    # The issuing identity (WebState.signer, a loaded provenance Identity): every picture and PDF of the
    # kit is signed with it and manifest.json gets manifest.json.p7s. None: unsigned. Never printed.
    signer: object = field(default=None, repr=False)

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
        if self.designs is not None:
            jobs = [j for j in jobs if j.kind not in DESIGN_KINDS or (j.kind, j.design) in self.designs]
        return jobs + [job for job, _ in self.message_jobs(pack)]

    def message_jobs(self, pack: Pack) -> list[tuple[kit.Job, Content]]:
        """The message posters: each message in every chosen poster format its design has, and, with
        the print part, the print PDF beside each paper one. Fingerprinted by the words and pictures."""
        options = self.options()
        made = []
        for content in self.messages:
            design = load_design(pack, "poster", content.design)
            words = _content_fingerprint(content)
            # its own short code (every format of this message shares it), registered like the kit's posters
            code = kit.code_for(self.agency, "poster", design.name, {"words": words}, None)
            for fmt, ext in self.poster_formats:
                if fmt not in design.formats:
                    continue
                paper = ext == ".pdf" and design.format(fmt).is_print
                name = f"poster-{design.name}-{fmt}"
                variants = [(f"{name}{ext}", False, {"print": False} if paper else {})]
                if paper and "cetak" in self.parts:
                    variants.append((f"{name}{kit.PRINT_SUFFIX}.pdf", True, {"print": True, "screen": f"{name}{ext}"}))
                for file, marks, entry in variants:
                    spec = {"name": file, "design": design.name, "format": fmt, "agency": self.agency.as_dict(),
                            "words": words, "logo": (self.logo or {}).get("uri", ""), "print": marks, "code": code}
                    fingerprint = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()
                    made.append((kit.Job(file, "poster", design.name, fmt, fingerprint, pack, self.agency, options,
                                         print_marks=marks, entry=entry, code=code), content))
        return made


def _content_fingerprint(content: Content) -> str:
    """What a message's posters depend on of its words and pictures (pictures by their bytes' hash)."""
    fields = {}
    for item in dataclasses.fields(content):
        value = getattr(content, item.name)
        if value is not None and hasattr(value, "data"):
            value = [hashlib.sha256(value.data).hexdigest(), list(value.focus)]
        fields[item.name] = value
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=list).encode()).hexdigest()


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
    words = {job.name: content for job, content in request.message_jobs(pack)}
    assets: list[Asset] = []
    for index, job in enumerate(jobs):
        if progress:
            progress(index, len(jobs), job)
        if job.name in words:
            assets.append(renderer.submit(build_message, job, words[job.name], priority=KIT).result())
        else:
            assets.append(renderer.submit(build, job, priority=KIT).result())
    if request.signer is not None:  # here, on the request's worker thread: pyHanko runs its own event loop
        assets = [dataclasses.replace(a, data=sign_bytes(a.data, j.ext, request.signer,
                                                         asset_claims(a, request.agency, pack.name)))
                  if signable(j.ext) else a for j, a in zip(jobs, assets, strict=True)]
    return jobs, assets


def kit_registrations(request: KitRequest, pack: Pack, jobs: list, assets: list[Asset]) -> list:
    """The short codes' registrations of a kit made here (what write_kit records in keaslian/), for the store."""
    from ..kit.build import registered, registration

    issuer = request.signer.organisation if request.signer is not None else pack.issuer
    return [registration(job, asset.data, None, manifest_entry(asset, job).get("sources") or (), issuer=issuer,
                         signed=request.signer is not None and signable(job.ext))
            for job, asset in zip(jobs, assets, strict=True) if registered(job)]


def build_message(job: kit.Job, content: Content) -> Asset:
    """One message poster of a kit: the kit's poster context (the public address, the agency's logo)
    and the agency's words."""
    from ..assets.poster import build_poster

    extra = job_extra(job)  # the kit's poster context and the message's authenticity line, as for any poster
    asset = build_poster(job.pack, job.agency, job.design, job.format, job.ext if not job.print_marks else ".pdf",
                         print_marks=job.print_marks, extra=extra or None, content=content)
    return dataclasses.replace(asset, name=job.name, image=None)


def pack_zip(pack: Pack, agency: Agency, jobs: list, assets: list[Asset], messages: tuple[Content, ...] = (),
             signer=None) -> bytes:
    """The kit folder as `netral kit` writes it (files, caption.txt with a caption per post,
    manifest.json), in a ZIP under `<agency-slug>/` (`kit.manifest.zip_kit`: the same files, the same
    bytes); the message posters' captions carry their own words."""
    files = [(asset.name, asset.data) for asset in assets]
    entries = [manifest_entry(a, j) for a, j in zip(assets, jobs, strict=True)]
    by_design = {c.design: c for c in messages}
    caption = captions_file(pack, agency, [e for e in entries if e["design"] not in by_design or e["kind"] != "poster"])
    for content in messages:
        names = [e["path"] for e in entries if e["kind"] == "poster" and e["design"] == content.design
                 and not e["path"].endswith(".pdf")]
        if names:
            caption += f"\n=== Untuk {', '.join(names)} ===\n\n{message_caption(pack, agency, content)}"
    files.append(("caption.txt", caption.encode()))
    manifest_data = manifest_bytes(manifest(pack, agency, assets, jobs, entries=entries))
    files.append(("manifest.json", manifest_data))
    if signer is not None:  # the file list and every sha256 signed as a whole, as `netral kit --identity` does
        files.append(("manifest.json" + SIDECAR, sign_detached(manifest_data, signer)))
    return zip_kit(agency.slug, files)


def message_caption(pack: Pack, agency: Agency, content: Content) -> str:
    """A post's caption for a message poster: its words as text (a screen reader and a search find
    them), then the call to report, the channels and the tags of `content/caption.toml [posts]`."""
    import tomllib

    with pack.find("brand", CAPTION_FILE).open("rb") as f:
        data = tomllib.load(f)
    posts = data.get("posts", {})
    channel = data.get("channel", "• {name}: {url}")
    channels = "\n".join(channel.replace("{name}", c.name).replace("{url}", c.url).replace("{id}", c.id or "")
                         .replace("{note}", c.note or "") for c in pack.channels)
    if content.design == "pesan":
        lines = [f"Pesan pimpinan — {agency.short_name}", "", f"“{content.quote}”", f"— {content.name}, {content.title}"]
    else:
        lines = [f"Pengumuman — {agency.short_name}", "", content.headline]
        lines += [f"• {p}" for p in content.points] or ([content.body] if content.body else [])
        if content.link:
            lines.append(f"{content.link_label or 'Tautan'}: {content.link}")
    tail = [posts.get("action", "Melihat pelanggaran? Laporkan:"), channels, "", " ".join(pack.hashtags)]
    return "\n".join(lines) + "\n\n" + "\n".join(tail) + "\n"


def zip_name(agency: Agency) -> str:
    return f"kit-{agency.slug}.zip"


def thumbnail(name: str, data: bytes) -> tuple[bytes, str] | None:
    """A small picture of a kit file for the page: rasters shrunk (transparency kept), SVGs as they are."""
    suffix = Path(name).suffix.lower()
    if suffix == ".svg":
        return data, "image/svg+xml"
    if suffix not in RASTER_EXTENSIONS:
        return None
    return make_thumbnail(data, suffix, (THUMB_WIDTH, THUMB_WIDTH * 2), background=None,
                          quality=THUMB_QUALITY)


@dataclass
class KitJob:
    """A kit job as the store knows it (`KitJobs.get`), or the live handle of the process building it
    (`KitJobs.start`: its fields follow the build). Its ZIP is read from the store when asked for."""

    id: str
    agency: dict
    zip_name: str
    state: str = "queued"  # queued, running, done, failed
    step: str = ""  # the kind being made, or "zip"
    file: str = ""  # the file being made
    done: int = 0
    total: int = 1
    error: str = ""
    created: float = 0.0
    finished: float | None = None
    fetched: bool = False  # its ZIP has been downloaded
    files: list[dict] = field(default_factory=list, repr=False)
    zip_bytes: int = 0
    request: KitRequest | None = field(default=None, repr=False)  # only on the process building it
    store: Store | None = field(default=None, repr=False, compare=False)

    @property
    def zip(self) -> bytes | None:
        return self.store.kit_zip(self.id) if self.store is not None and self.state == "done" else None

    def file_data(self, name: str) -> bytes | None:
        """One file of the finished kit, read back from its ZIP."""
        data = self.zip
        if data is None or not any(f["path"] == name for f in self.files):
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            try:
                return archive.read(f"{self.agency['slug']}/{name}")
            except KeyError:
                return None

    def status(self) -> dict:
        return {
            "id": self.id,
            "state": self.state,
            "step": self.step,
            "step_title": PART_TITLES.get(self.step, "Mengemas ZIP" if self.step == "zip" else ""),
            "file": self.file,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "agency": self.agency,
            "files": self.files if self.state == "done" else [],
            "zip_name": self.zip_name,
            "zip_bytes": self.zip_bytes,
        }


def thumbnail_kind(asset: Asset) -> bool:
    return Path(asset.name).suffix.lower() in (".png", ".jpg", ".jpeg", ".webp", ".svg")


def file_entry(asset: Asset) -> dict:
    return {"path": asset.name, "kind": asset.kind, "design": asset.design, "variant": asset.format,
            "bytes": len(asset.data), "findings": [str(f) for f in asset.findings], "thumbnail": thumbnail_kind(asset)}


STOPPED = ("Server yang membuat kit ini berhenti sebelum kit selesai (dimulai ulang atau mati). "
           "Buat ulang kit Anda.")


def kit_event(agency: Agency) -> Event:
    """A finished kit, counted like a framed picture: under its registry agency, or '' for a typed name."""
    registry = agency.level != "custom"
    return Event(agency.slug if registry else "", (agency.province or "") if registry else "", "kit", "zip", "kit",
                 today())


class KitJobs:
    """Background kit builds whose state lives in the store, so any replica answers for any job. This
    process builds the jobs it starts (at most `running` at once) and beats a heartbeat for them; a job
    whose heartbeat stops for `stale` seconds (its process died) is failed by whichever replica looks.
    At most `max_active` jobs (across replicas) are building or waiting to; a finished one keeps its
    place only until its ZIP is fetched or `grace` seconds have passed, and stays downloadable for
    `ttl` seconds while the finished ZIPs together stay under `max_bytes`."""

    def __init__(self, pack: Pack, renderer: Renderer, *, store: Store | None = None, max_active: int = MAX_JOBS,
                 running: int = MAX_RUNNING, grace: float = KIT_JOB_GRACE_SECONDS, ttl: float = JOB_TTL_SECONDS,
                 max_bytes: int = KIT_ZIPS_KEPT_BYTES, stale: float = KIT_STALE_SECONDS, clock=time.time,
                 on_done=None):
        self.pack = pack
        self.renderer = renderer
        self.store = store if store is not None else open_store(None)
        self.max_active, self.grace, self.ttl, self.max_bytes = max_active, grace, ttl, max_bytes
        self.stale = stale
        self.on_done = on_done  # called with the KitRequest of every finished kit (participation)
        self._clock = clock
        self._mine: dict[str, KitJob] = {}  # jobs this process is building or will
        self._lock = threading.Lock()
        self._running = threading.BoundedSemaphore(running)
        self._beating = threading.Event()
        self._stop = threading.Event()

    def _tidy(self, now: float) -> None:
        self.store.kit_fail_stale(now, self.stale, STOPPED)
        self.store.kit_expire(now, self.ttl, self.max_bytes)

    def active(self) -> int:
        """Jobs that hold a place against `max_active`."""
        return self.store.kit_active(self._clock(), self.grace)

    def start(self, request: KitRequest) -> KitJob:
        now = self._clock()
        self._tidy(now)
        agency = request.agency
        job = KitJob(secrets.token_urlsafe(16), agency.as_dict(), zip_name(agency), created=now, request=request,
                     store=self.store)
        if not self.store.kit_create(job.id, job.agency, job.zip_name, now, max_active=self.max_active,
                                     grace=self.grace):
            raise KitRefused("Server sedang membuat banyak kit. Coba lagi dalam satu menit.", 503)
        with self._lock:
            self._mine[job.id] = job
        self._heartbeat()
        threading.Thread(target=self._run, args=(job,), name=f"netral-kit-{job.id[:6]}", daemon=True).start()
        return job

    def get(self, job_id: str) -> KitJob | None:
        self._tidy(self._clock())
        row = self.store.kit_get(job_id)
        if row is None:
            return None
        row.pop("heartbeat", None)
        return KitJob(store=self.store, **row)

    def fetched(self, job: KitJob) -> None:
        """Its ZIP went to the client: the job no longer holds a place (it stays downloadable)."""
        job.fetched = True
        self.store.kit_fetched(job.id)

    def shutdown(self) -> None:
        self._stop.set()

    def _heartbeat(self) -> None:
        """One thread per process beats for every job it holds, every stale/4 seconds."""
        if self._beating.is_set():
            return
        self._beating.set()

        def beat():
            while not self._stop.wait(self.stale / 4):
                with self._lock:
                    ids = list(self._mine)
                try:
                    self.store.kit_heartbeat(ids, self._clock())
                except Exception:  # noqa: BLE001 - a store hiccup must not end the beating
                    log.warning("kit heartbeat failed", exc_info=True)

        threading.Thread(target=beat, name="netral-kit-heartbeat", daemon=True).start()

    def _run(self, job: KitJob) -> None:
        def progress(done: int, total: int, current) -> None:
            job.done, job.total, job.step, job.file = done, total + 1, current.kind, current.name
            self.store.kit_progress(job.id, self._clock(), done=job.done, total=job.total, step=job.step, file=job.file)

        try:
            with self._running:
                job.state = "running"
                self.store.kit_progress(job.id, self._clock(), state="running")
                try:
                    plan, assets = build_assets(job.request, self.pack, self.renderer, progress)
                    job.done, job.step, job.file = job.total - 1, "zip", ""
                    self.store.kit_progress(job.id, self._clock(), done=job.done, step="zip", file="")
                    data = pack_zip(self.pack, job.request.agency, plan, assets, job.request.messages,
                                    signer=job.request.signer)
                    self.store.register(kit_registrations(job.request, self.pack, plan, assets))
                    job.files = [file_entry(a) for a in assets]
                    job.zip_bytes = len(data)
                    now = self._clock()
                    self.store.kit_done(job.id, now, data, job.files, job.total)
                    job.done, job.state, job.step, job.finished = job.total, "done", "zip", now
                    if self.on_done is not None:
                        self.on_done(job.request)
                except (NetralError, KitRefused) as exc:
                    self._fail(job, str(exc))
                except Exception:  # noqa: BLE001 - the page must hear about any failure, not poll forever
                    log.exception("kit job %s failed", job.id[:6])
                    self._fail(job, "Kit gagal dibuat karena kesalahan di server. Coba lagi.")
        finally:
            with self._lock:
                self._mine.pop(job.id, None)

    def _fail(self, job: KitJob, message: str) -> None:
        now = self._clock()
        try:
            self.store.kit_failed(job.id, now, message)
        finally:
            job.error, job.state, job.finished = message, "failed", now
