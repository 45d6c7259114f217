"""Making a kit: a `Job` -> its `Asset` through the asset kinds' table (`build`); a whole plan -> the
agency's folder on disk (`write_kit`), the one kit writer of `netral kit`, `netral batch` and the API.

`write_kit` is incremental: the folder's `manifest.json` records, per file, the fingerprint of its
inputs and its sha256, and is rewritten after every file made; a file whose fingerprint is unchanged
and whose bytes still match is kept, not made again. Every file is written atomically, so a run killed
at any moment leaves whole files only, and the next run finishes the job. A file that cannot be made
is reported in the result (and the manifest's "errors"); the other files are still made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..assets.asset import Asset, Request, build_asset
from ..errors import NetralError
from ..files import remove_partial_files, sha256_of, write_atomic
from ..model.agencies import Agency
from ..model.pack import Pack
from ..provenance import SIDECAR, asset_claims, sign_bytes, sign_detached, signable
from .manifest import (
    CAPTION,
    MANIFEST,
    captions_file,
    compact_bytes,
    manifest,
    manifest_bytes,
    manifest_entry,
    read_manifest,
    with_warnings,
)
from .plan import (
    Emblem,
    Job,
    KitOptions,
    check_address,
    emblem_for,
    part_of,
    plan_kit,
    poster_context,
    signing_identity,
)


@lru_cache(maxsize=4)
def emblem_data(emblem: Emblem) -> dict:
    """The emblem checked and scaled for the templates (`logo`: a metadata-free data URI), once per
    file content and process; a bad file is refused with agency_logo's Indonesian message."""
    from ..assets.agency_logo import load_agency_logo

    data = load_agency_logo(emblem.path)
    if emblem.path.is_file() and sha256_of(emblem.path) != emblem.sha256:
        raise NetralError(f"Berkas logo {emblem.name} berubah selama kit dibuat; jalankan ulang.")
    return data


def job_extra(job: Job) -> dict | None:
    """The template context a job adds: the kit's extra, and the emblem for the files that show it."""
    extra = poster_context(job.pack, job.options) if job.kind == "poster" else job.options.extra
    if job.code is not None:  # the authenticity line: the code, and the address it is checked at
        address = check_address(job.pack, job.options)
        extra = {**(extra or {}), "code": job.code, **({"public_url": address} if address else {})}
    if job.emblem is None:
        return extra
    return {**(extra or {}), "logo": emblem_data(job.emblem)}


def build(job: Job, keep_image: bool = False) -> Asset:
    """Make the file a job describes. `keep_image` leaves the picture a raster file was encoded from
    on the asset (a batch makes its proof thumbnail from it); otherwise it is dropped at once, so a
    kit's assets held together cost only their bytes."""
    if job.print_marks:
        asset = build_print(job)
    else:
        asset = build_asset(Request(job.pack, job.agency, job.kind, job.design, job.format, job.ext, job.name,
                                    job_extra(job), job.set_key))
    if job.options.draft:
        asset = mark_draft(asset, job)
    if not keep_image and asset.image is not None:
        asset = dataclasses.replace(asset, image=None)
    # The plan names the file: the batch looks files up by these names before anything is built.
    return asset if asset.name == job.name else dataclasses.replace(asset, name=job.name)


def mark_draft(asset: Asset, job: Job) -> Asset:
    """The asset with the "DRAF — BELUM DISETUJUI" band (output/draft.py), before it is signed; a raster
    file is marked on the picture it was encoded from, and that marked picture is kept for the proof."""
    from ..output.draft import mark_file

    data, image = mark_file(asset.data, job.ext, job.pack, image=asset.image)
    return dataclasses.replace(asset, data=data, image=image)


def build_print(job: Job) -> Asset:
    """A `*-cetak.pdf`: the print file beside a screen PDF, with 3 mm bleed and crop marks (the
    trifold leaflet also with fold marks), TrimBox exactly the paper: the same kind's builder, asked
    for its print marks (`netral poster --print`, `netral leaflet --print`)."""
    if job.kind not in ("poster", "leaflet"):
        raise NetralError(f"Tidak ada versi cetak untuk {job.kind} ({job.name}).")
    return build_asset(Request(job.pack, job.agency, job.kind, job.design, job.format, ".pdf", job.name,
                               job_extra(job), job.set_key, print_marks=True))


def build_kit_assets(pack: Pack, agency: Agency, options: KitOptions | None = None) -> list[Asset]:
    """Every file of the kit, in memory."""
    return [build(job) for job in plan_kit(pack, agency, options)]


@dataclass
class KitResult:
    """What `write_kit` did: the folder, the files its manifest lists, and what was made or kept."""

    folder: Path
    entries: list[dict] = field(default_factory=list)  # manifest.json's "files", as written
    rendered: int = 0
    skipped: int = 0  # unchanged since the last run, kept
    errors: list[dict] = field(default_factory=list)  # {"file": name or None, "message": …}
    overrides: list[str] = field(default_factory=list)  # the override folders that applied ("provinsi/34")
    # CPU seconds per asset kind, and "check" for the files found up to date
    timings: dict[str, float] = field(default_factory=dict)
    # The files carrying a short code, registered in keaslian/index.json (provenance/codes.py), and the
    # index's own files (relative names: thumbnails, index.json last), listed in the manifest
    registrations: list = field(default_factory=list)
    index_files: list[str] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.entries)

    @property
    def flagged(self) -> list[dict]:
        """The files with preflight findings."""
        return [e for e in self.entries if e["findings"]]

    @property
    def findings(self) -> int:
        return len(self.flagged)

    @property
    def draft(self) -> bool:
        """Whether a file of the kit carries the draft mark."""
        return any(e.get("draft") for e in self.entries)

    @property
    def kinds(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry["kind"]] = counts.get(entry["kind"], 0) + 1
        return counts


# Called after each file of the plan: its job, the asset just made (with its picture) or None when the
# file was up to date and kept, and the file's manifest entry.
OnFile = Callable[[Job, Asset | None, dict], None]


def write_kit(pack: Pack, agency: Agency, out_dir: str | Path, options: KitOptions | None = None, *,
              force: bool = False, on_file: OnFile | None = None) -> KitResult:
    """Make (or bring up to date) the agency's kit in `out_dir/<agency-slug>/`; see the module docstring.
    `force` makes every file again, whatever the manifest says."""
    options = options or KitOptions()
    pack = pack.for_agency(agency)  # national -> province -> agency override folders
    signer = signing_identity(options)  # a bad identity is refused before the folder is touched
    emblem = emblem_for(agency, options)
    if emblem is not None:
        emblem_data(emblem)  # so is a bad emblem: one clear refusal, not one per file that shows it
    folder = Path(out_dir) / agency.slug
    folder.mkdir(parents=True, exist_ok=True)
    remove_partial_files(folder)
    result = KitResult(folder, overrides=pack.override_names)
    state = read_manifest(folder, agency)
    jobs = plan_kit(pack, agency, options)
    planned = {job.name for job in jobs}
    # Files of parts this run does not make stay listed (an `--only twibbon` run keeps the posters).
    kept = [e for name, e in state.items() if name not in planned
            and part_of(e) not in options.only and (folder / name).is_file()]
    done: dict[str, dict] = {}
    index_records: list[dict] = []

    def save(final: bool = False) -> None:
        entries = [done.get(j.name) or state.get(j.name) for j in jobs]
        entries = [e for e in entries if e is not None and (not final or e["path"] in done)] + kept
        data = manifest(pack, agency, [], entries=entries, emblem=emblem, overrides=pack.override_names)
        if final and result.errors:
            data["errors"] = result.errors
        if final and index_records:
            data["keaslian"] = index_records  # the index and thumbnails: signed with the manifest
        if final:
            try:
                raw = (folder / MANIFEST).read_text("utf-8")
                if raw.startswith("{\n") and _same_except_time(json.loads(raw), data):
                    return  # unchanged, and already the pretty final form: keep it (and its time)
            except (OSError, ValueError):
                pass
        # While the kit is being made the manifest is written compact (fast); the last write is pretty.
        write_atomic(folder / MANIFEST, manifest_bytes(data) if final else compact_bytes(data))

    timings = result.timings
    # The short codes' registrations (keaslian/index.json): the last run's, kept for unchanged files.
    old_registrations = _old_registrations(folder)
    registrations: dict[str, object] = {}
    issuer = signer.organisation if signer is not None else pack.issuer

    def register(job: Job, data: bytes | None, image, entry: dict, reuse: bool) -> None:
        clock = time.process_time()
        known = old_registrations.get(job.name)
        if (reuse and known is not None and known.sha256 == entry["sha256"] and known.code == job.code
                and known.issuer == issuer and known.agency == agency.name):
            registrations[job.name] = known
        else:
            if data is None:
                data = path_of(job).read_bytes()
            # a print file shows its screen PDF's poster (with a slug): the same hash and thumbnail
            screen = registrations.get(job.entry.get("screen")) if job.print_marks else None
            registrations[job.name] = registration(
                job, data, image, entry.get("sources") or (), issuer=issuer,
                signed=signer is not None and signable(job.ext),
                picture=(screen.phash, screen.thumbnail) if screen is not None else None)
        timings["register"] = timings.get("register", 0.0) + time.process_time() - clock

    def path_of(job: Job) -> Path:
        return folder / job.name

    for job in jobs:
        path = folder / job.name
        old = state.get(job.name)
        try:
            clock = time.process_time()
            if (not force and old is not None and old["fingerprint"] == job.fingerprint
                    and sha256_of(path) == old["sha256"]):
                done[job.name] = with_warnings(old)  # the figures' age is counted again each run
                result.skipped += 1
                timings["check"] = timings.get("check", 0.0) + time.process_time() - clock
                if registered(job):
                    register(job, None, None, old, reuse=True)
                if on_file:
                    on_file(job, None, old)
                continue
            coded = registered(job)
            asset = build(job, keep_image=on_file is not None or coded)
            if signer is not None and signable(job.ext):
                claims = asset_claims(asset, agency, pack.name)
                if coded:
                    claims["code"] = job.code
                asset = dataclasses.replace(asset, data=sign_bytes(asset.data, job.ext, signer, claims))
            timings[job.kind] = timings.get(job.kind, 0.0) + time.process_time() - clock
            write_atomic(path, asset.data)
            done[job.name] = manifest_entry(asset, job)
            result.rendered += 1
            if coded:
                register(job, asset.data, asset.image, done[job.name], reuse=False)
                if on_file is None and asset.image is not None:
                    asset = dataclasses.replace(asset, image=None)
            # Recorded file by file: a run killed now makes again only the file it was making.
            save()
            if on_file:
                on_file(job, asset, done[job.name])
            del asset
        except NetralError as exc:
            result.errors.append({"file": job.name, "message": str(exc)})
        except Exception as exc:  # a bug or a library failure: reported with the file, the kit goes on
            result.errors.append({"file": job.name, "message": describe_error(exc)})
    result.entries = [done[j.name] for j in jobs if j.name in done] + kept
    # Files of parts this run did not make keep their registrations.
    for entry in kept:
        known = old_registrations.get(entry["path"])
        if known is not None and known.sha256 == entry.get("sha256"):
            registrations[entry["path"]] = known
    result.registrations = [registrations[e["path"]] for e in result.entries if e["path"] in registrations]
    result.index_files = _write_index(folder, result.registrations, bool(old_registrations))
    index_records = [{"path": name, "sha256": sha256_of(folder / name), "bytes": (folder / name).stat().st_size}
                     for name in result.index_files]
    caption = captions_file(pack, agency, result.entries).encode()
    if _read_bytes(folder / CAPTION) != caption:
        write_atomic(folder / CAPTION, caption)
    save(final=True)
    sidecar = folder / (MANIFEST + SIDECAR)
    if signer is not None:  # the file list and every sha256 (SVGs included) signed as a whole
        write_atomic(sidecar, sign_detached((folder / MANIFEST).read_bytes(), signer))
    else:
        sidecar.unlink(missing_ok=True)  # a signature of an earlier run would no longer match
    return result


# -- registration of the short codes (issue 19) -------------------------------------------------------

def registration(job: Job, data: bytes, image, sources=(), *, issuer: str, signed: bool, issued: str | None = None,
                 picture: tuple[str, bytes] | None = None):
    """The `Registration` of a file that carries its short code: its hashes (sha256 of the bytes; the
    perceptual hash of its picture, a PDF's first page) and a thumbnail of at most 480 px wide. `image`
    is the picture the file was encoded from when at hand (nothing is decoded then); `sources` the
    file's manifest sources (the figures it shows); `picture`: (phash, thumbnail) already made of the
    same picture (a print file's screen PDF)."""
    import datetime as dt

    from ..output.thumbnails import first_page
    from ..provenance.codes import THUMBNAIL_BOX, Registration, picture_of, picture_record

    if picture is None:
        if image is None:
            # a PDF's first page drawn once at thumbnail size; a picture decoded from its bytes
            image = first_page(data, THUMBNAIL_BOX) if job.ext == ".pdf" else picture_of(data, job.ext)
        picture = picture_record(image)
    phash, thumbnail = picture
    agency = job.agency
    return Registration(
        code=job.code, agency=agency.name, agency_code=agency.code, kind=code_kind(job), design=job.design,
        format=job.format if not job.print_marks else f"{job.format}-cetak", file=job.name,
        sha256=hashlib.sha256(data).hexdigest(), phash=phash,
        issued=issued or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), issuer=issuer, signed=signed,
        sources=source_lines(job.pack, sources),
        thumbnail=thumbnail)


def code_kind(job: Job) -> str:
    """The kind a registration names: a carousel is a kind of its own (its code is not the poster's)."""
    return "carousel" if job.kind == "poster" and job.format == "carousel" else job.kind


def registered(job: Job) -> bool:
    """Whether the job's file shows its code: every coded file but a carousel's cover and point slides."""
    if job.code is None:
        return False
    slide, slides = job.entry.get("slide"), job.entry.get("slides")
    return slide is None or slide == slides


def source_lines(pack: Pack, sources) -> tuple[str, ...]:
    """The source lines ("KASN, 22 November 2023") of the figures a file shows (its manifest sources)."""
    lines = []
    for source in sources:
        try:
            line = pack.statistics.get(source["id"]).source_line
        except (NetralError, KeyError, TypeError):
            continue
        if line not in lines:
            lines.append(line)
    return tuple(lines)


def _old_registrations(folder: Path) -> dict[str, object]:
    """The registrations of the folder's index by file name (none when there is no index, or it is
    unreadable: then the files are registered again)."""
    from ..provenance.codes import INDEX_FOLDER, INDEX_NAME, read_index

    path = folder / INDEX_FOLDER / INDEX_NAME
    if not path.is_file():
        return {}
    try:
        return {r.file: r for r in read_index(path)}
    except NetralError:
        return {}


def _write_index(folder: Path, registrations: list, had_index: bool) -> list[str]:
    """keaslian/index.json and its thumbnails (none when nothing carries a code and there was no
    index); the folder is removed when its last registration goes."""
    from ..provenance.codes import INDEX_FOLDER, write_index

    if not registrations:
        index = folder / INDEX_FOLDER
        if had_index or index.is_dir():
            for stale in index.glob("*"):
                if stale.is_file():
                    stale.unlink(missing_ok=True)
            try:
                index.rmdir()
            except OSError:
                pass
        return []
    return write_index(folder, registrations)


def describe_error(exc: BaseException) -> str:
    """An unexpected exception as one line for a manifest: its type, message and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
    return f"Galat tak terduga {type(exc).__name__}: {exc}{place}"


def _same_except_time(old: dict, new: dict) -> bool:
    new = json.loads(compact_bytes(new))  # compare as JSON: tuples and lists alike
    return {**old, "created": None} == {**new, "created": None}


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
