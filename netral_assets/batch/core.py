"""Batch: many agencies -> their kits side by side, made by parallel worker processes, with a national
manifest and a proof sheet.

Input: a selection of agencies (by level, province, or a CSV of one's own units) and `KitOptions`.
Output, under one folder DIR:

- `DIR/<province-slug>/<agency-slug>/`: the kit folder as `netral kit` writes it (central agencies
  under `pusat/`, units of a CSV without a province under `lainnya/`); with `zip`, also
  `DIR/<province-slug>/<agency-slug>.zip`;
- `DIR/manifest.json`: every file with its sha256, agency, design, format, sources and preflight
  findings, and every error;
- `DIR/proof.pdf`: a contact sheet of every asset with its agency's name and findings.

Each worker process loads the pack once and keeps its renderer warm for the agencies it is given. A
run is resumable: an agency folder's `manifest.json` records, per file, the fingerprint of its inputs
(see `kit.plan_kit`) and its sha256, and is rewritten after every file; a file whose fingerprint is
unchanged and whose bytes still match is skipped. Everything is written atomically, so a run killed
at any moment leaves whole files only, and the next run finishes the job. One agency failing does not
stop the others: errors are collected into the result and the manifest.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import fcntl
import functools
import hashlib
import io
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .._version import __version__
from ..errors import NetralError
from ..files import atomic_file, remove_partial_files, sha256_of, write_atomic
from ..kit.core import (
    KIT_PARTS,
    KitOptions,
    build,
    caption_text,
    manifest,
    manifest_bytes,
    manifest_entry,
    plan_kit,
)
from ..model.agencies import Agency, Registry, read_agency_csv
from ..model.pack import Pack, load_pack
from ..resources import DATA_DIR

BATCH_LEVELS = ("provinsi", "kabkota", "pusat", "semua")
PUSAT_FOLDER = "pusat"
OTHER_FOLDER = "lainnya"  # units of a CSV that name no province
STATE_DIR = ".netral"  # thumbnails and proof pieces; hidden, never zipped or listed
MANIFEST = "manifest.json"
PROOF = "proof.pdf"
# Thumbnails for the proof sheet: this many px tall (enough to judge a layout when zoomed in, small
# enough that 552 kits make a PDF one can open), JPEG at this quality.
THUMB_HEIGHT = 180
THUMB_QUALITY = 70
# Agencies per proof piece: pieces are laid out in parallel and kept, so a re-run after a change
# lays out only the pieces that changed.
PROOF_PIECE = 16
# Pixels of layered designs' bodies a worker keeps raw (layers.py): the first bodies a kit draws (the
# twibbons and some posters); the others are kept zlib-packed and unpacked each time (~3 ms).
WORKER_PIXEL_MB = 20
# Already-compressed formats are stored in the ZIP, not deflated again.
ZIP_STORED = {".png", ".jpg", ".jpeg", ".webp", ".pdf"}
# A worker process that dies (out of memory, a crash in a C library) is replaced and the agencies it
# had in flight are retried, each at most this many times in all (`_run_kits`).
MAX_ATTEMPTS = 2
# A worker's memory creeps up below Python (the text and font libraries' caches: ~15 MB a worker over
# 257 kits, measured), so a worker is replaced after this many agencies: memory stays flat whatever
# the number of agencies. A replacement costs its lane ~0.4 s (its first kit draws the bodies' pixels
# and lays out the leaflets' bodies again); the other lanes keep working meanwhile.
WORKER_AGENCIES = 100


@dataclass
class BatchOptions:
    """How a batch runs; the kit it makes for each agency is `kit`."""

    kit: KitOptions = field(default_factory=KitOptions)
    workers: int | None = None  # worker processes; None: one per core
    zip: bool = False  # one ZIP per agency beside its folder
    proof: bool = True  # DIR/proof.pdf
    force: bool = False  # re-render everything, whatever the state says

    def worker_count(self) -> int:
        if self.workers:
            return max(1, self.workers)
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass
class AgencyResult:
    """What a worker did for one agency. Small on purpose: the files are listed in the agency's
    manifest.json, which the national manifest and the proof read back one agency at a time, so the
    parent's memory does not grow with the number of agencies."""

    agency: dict
    folder: str  # relative to DIR
    files: int = 0  # files the agency's manifest lists
    findings: int = 0  # of which with preflight findings
    kinds: dict[str, int] = field(default_factory=dict)  # files per kind
    rendered: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)  # {"file": name or None, "message": …}
    zip: dict | None = None
    seconds: float = 0.0
    # CPU seconds of this worker per asset kind, "check" (skipped files), "thumbnails" and "total": what
    # a kit costs, whatever else the machine is doing
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class BatchResult:
    out: Path
    agencies: list[AgencyResult]
    errors: list[dict]  # every error: selection (bad CSV rows) and agencies
    seconds: float
    manifest_path: Path
    proof_path: Path | None = None
    proof_pages: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # seconds: kits, proof, manifest

    @property
    def rendered(self) -> int:
        return sum(a.rendered for a in self.agencies)

    @property
    def skipped(self) -> int:
        return sum(a.skipped for a in self.agencies)

    @property
    def files(self) -> int:
        return sum(a.files for a in self.agencies)

    @property
    def findings(self) -> int:
        return sum(a.findings for a in self.agencies)

    @property
    def failed_agencies(self) -> list[AgencyResult]:
        return [a for a in self.agencies if a.errors]


# -- selection ---------------------------------------------------------------------------------------

def select_agencies(registry: Registry, level: str | None = None, province: str | None = None,
                    agencies_csv: str | Path | None = None) -> tuple[list[Agency], list[dict]]:
    """The agencies of `level` (in `province`), plus the units of `agencies_csv`; and the CSV rows that
    could not be read, as errors (the other rows still count)."""
    if level is None and agencies_csv is None:
        raise NetralError(f"Pilih --level ({', '.join(BATCH_LEVELS)}) atau beri --agencies FILE.csv.")
    if level is not None and level not in BATCH_LEVELS:
        raise NetralError(f"Tingkat '{level}' tidak dikenal; pilih: {', '.join(BATCH_LEVELS)}.")
    province_slug = None
    if province:
        found = registry.find(province)
        if found.level != "provinsi":
            raise NetralError(f"--province harus sebuah provinsi (kode dua angka, mis. 34), bukan {found.short_name}.")
        province_slug = found.province
    chosen: list[Agency] = []
    if level is not None:
        chosen = [a for a in registry.select(level) if a.level != "custom"]
    errors: list[dict] = []
    if agencies_csv is not None:
        messages: list[str] = []
        for unit in read_agency_csv(agencies_csv, registry, errors=messages):
            try:
                registry.add(unit)
            except NetralError as exc:
                messages.append(str(exc))
                continue
            chosen.append(unit)
        errors = [{"agency": None, "name": None, "file": None, "message": m} for m in messages]
    if province_slug:
        chosen = [a for a in chosen if a.province == province_slug]
    if not chosen and not errors:
        where = f" di provinsi {province}" if province else ""
        raise NetralError(f"Tidak ada instansi tingkat {level}{where}. Periksa --level dan --province.")
    order = {code: i for i, code in enumerate(a.province for a in registry if a.level == "provinsi")}
    level_rank = {"provinsi": 0, "kabkota": 1, "custom": 2, "pusat": 3}
    chosen.sort(key=lambda a: (a.level == "pusat", order.get(a.province, len(order)), level_rank[a.level], a.code))
    return chosen, errors


def agency_folder(agency: Agency) -> str:
    """The agency's folder relative to DIR: <province-slug>/<agency-slug>, pusat/<slug>, lainnya/<slug>."""
    if agency.level == "pusat":
        return f"{PUSAT_FOLDER}/{agency.slug}"
    return f"{agency.province or OTHER_FOLDER}/{agency.slug}"


# -- one agency --------------------------------------------------------------------------------------

def _read_state(folder: Path, agency: Agency) -> dict[str, dict]:
    """The files the folder's manifest says it holds, by name (empty when there is none, or it is
    another agency's or unreadable: then everything is made again)."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
        if data["agency"]["slug"] != agency.slug:
            return {}
        return {f["path"]: f for f in data["files"] if "fingerprint" in f}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _compact(data: dict) -> bytes:
    # json's C encoder runs only without indent: ten times faster than pretty-printing
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _same_except_time(old: dict, new: dict) -> bool:
    new = json.loads(_compact(new))  # compare as JSON: tuples and lists alike
    return {**old, "created": None} == {**new, "created": None}


def _thumb_path(out: Path, sha: str) -> Path:
    # Content-addressed: the same file (the campaign mark in every kit) has one thumbnail.
    return out / STATE_DIR / "thumbs" / sha[:2] / f"{sha[:24]}.jpg"


def make_thumbnail(data: bytes, ext: str, height: int = THUMB_HEIGHT, image=None) -> bytes | None:
    """A small JPEG of an asset for the proof sheet (first page of a PDF); None for SVG. `image` is
    the picture the file was encoded from, when at hand (no decoding then)."""
    from PIL import Image

    owned = image is None  # the caller's picture is never changed: shrink a copy (or a reduction)
    if owned and ext == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[0]
            image = page.render(scale=height / page.get_height(), may_draw_forms=False).to_pil()
        finally:
            pdf.close()
    elif owned and ext in (".png", ".jpg", ".jpeg", ".webp"):
        image = Image.open(io.BytesIO(data))
        if image.format == "JPEG":
            image.draft("RGB", (image.width * height // image.height, height))  # decode at 1/2, 1/4 …
    elif owned:
        return None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        # Transparency (the twibbon's photo window) shows as a checkerboard, as in design tools: 8 px
        # squares in the thumbnail. Flattened at full size, because shrinking RGBA costs Pillow a
        # premultiplied copy of the whole picture, three times what this paste costs.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        tile = max(1, round(8 * image.height / height))
        image = _checkerboard(image.size, tile)
        image.paste(rgba, mask=rgba.getchannel("A"))
        owned = True
    if not owned:
        # shrink by a whole factor into a new picture (what thumbnail() does first anyway)
        factor = int(max(image.width / (3 * height), image.height / height) / 2)
        image = image.reduce(factor) if factor > 1 else image.copy()
    # reducing_gap: shrink by whole factors first (fast), then resample the last step properly.
    image.thumbnail((height * 3, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
    out = io.BytesIO()
    # Huffman tables fitted to the picture: 9% fewer bytes (the proof carries thousands) for ~0.07 ms
    image.convert("RGB").save(out, "JPEG", quality=THUMB_QUALITY, optimize=True)
    return out.getvalue()


def _checkerboard(size: tuple[int, int], tile: int):
    """A light grey RGB checkerboard of `tile` px squares (its cells are cached, not the board: a
    worker's memory stays small)."""
    from PIL import Image

    cells = _checker_cells(-(-size[0] // tile), -(-size[1] // tile))
    board = cells.resize((cells.width * tile, cells.height * tile), Image.Resampling.NEAREST)
    return board.crop((0, 0, *size)).convert("RGB")


@functools.lru_cache(maxsize=8)
def _checker_cells(columns: int, rows: int):
    from PIL import Image

    cells = Image.new("L", (columns, rows))
    cells.putdata([255 if (x + y) % 2 else 214 for y in range(rows) for x in range(columns)])
    return cells


VARIANT_LABELS = {"square": "persegi", "horizontal": "mendatar", "stacked": "bersusun", "a4": "A4", "a3": "A3",
                  "a4-landscape": "", "mark": ""}


def _group_title(item: dict) -> str:
    return f"Poster {item['design']}" if item["kind"] == "poster" else item["kind"].capitalize()


def _part_label(item: dict) -> str:
    """What tells the pictures of a group apart: a poster's format, a lockup's layout, a design."""
    if item["kind"] in ("poster", "logo"):
        return VARIANT_LABELS.get(item["variant"], item["variant"])
    return item["design"]


def _item_label(kind: str, design: str, variant: str) -> str:
    if kind == "logo":
        return "Tanda kampanye" if design == "mark" else f"Logo {VARIANT_LABELS.get(variant, variant)}"
    variant_text = VARIANT_LABELS.get(variant, variant)
    if (kind == "twibbon" and variant == "square") or kind == "leaflet":
        variant_text = ""
    return f"{kind.capitalize()} {design}" + (f" · {variant_text}" if variant_text else "")


def proof_items(files: list[dict]) -> list[dict]:
    """The files of one kit as the proof shows them: one picture per design and variant, with the
    formats it comes in (a logo's SVG, PDF and PNG are one drawing)."""
    groups: dict[tuple, list[dict]] = {}
    for entry in files:
        groups.setdefault((entry["kind"], entry["design"], entry["variant"]), []).append(entry)
    preference = {"png": 0, "jpg": 1, "jpeg": 1, "webp": 2, "pdf": 3, "svg": 9}
    items = []
    for (kind, design, variant), entries in groups.items():
        shown = min(entries, key=lambda e: preference.get(e["format"], 5))
        formats = []
        for e in entries:
            label = e["format"].upper().replace("JPEG", "JPG")
            if label not in formats:
                formats.append(label)
        findings = [f"{e['path']}: {f}" if len(entries) > 1 else f for e in entries for f in e["findings"]]
        items.append({"kind": kind, "design": design, "variant": variant, "label": _item_label(kind, design, variant),
                      "shown": shown["path"], "sha256": shown["sha256"], "format": shown["format"],
                      "formats": " · ".join(formats), "findings": list(dict.fromkeys(findings))})
    return items


def _write_zip(path: Path, slug: str, folder: Path, names: list[str]) -> dict:
    """The agency folder as one ZIP (`<slug>/…`), byte for byte the same for the same files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if Path(name).suffix in ZIP_STORED else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes())
    data = out.getvalue()
    write_atomic(path, data)
    stat = path.stat()
    return {"path": None, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
            "mtime_ns": stat.st_mtime_ns}


def refresh_kit(pack: Pack, agency: Agency, out: Path, options: BatchOptions,
                previous_zip: dict | None = None) -> AgencyResult:
    """Bring one agency's folder up to date: make what is missing or changed, keep the rest."""
    started, cpu_started = time.perf_counter(), time.process_time()
    rel = agency_folder(agency)
    folder = out / rel
    result = AgencyResult(agency.as_dict(), rel)
    folder.mkdir(parents=True, exist_ok=True)
    remove_partial_files(folder)
    state = _read_state(folder, agency)
    jobs = plan_kit(pack, agency, options.kit)
    planned = {job.name for job in jobs}
    # Files of parts this run does not make stay listed (a `--only twibbon` run keeps the posters).
    kept = [e for name, e in state.items() if name not in planned and e["kind"] not in options.kit.only
            and (folder / name).is_file()]
    done: dict[str, dict] = {}
    fresh: dict[str, bytes] = {}  # bytes made in this run, for the thumbnails
    thumbs: dict[str, bytes | None] = {}  # thumbnails made from pictures in memory

    def save_state(final: bool = False) -> None:
        entries = [done.get(j.name) or state.get(j.name) for j in jobs]
        entries = [e for e in entries if e is not None and (final is False or e["path"] in done)] + kept
        data = manifest(pack, agency, [], entries=entries)
        if final and result.errors:
            data["errors"] = result.errors
        if final:
            try:
                raw = (folder / MANIFEST).read_text("utf-8")
                if raw.startswith("{\n") and _same_except_time(json.loads(raw), data):
                    return  # unchanged, and already the pretty final form: keep it (and its time)
            except (OSError, ValueError):
                pass
        # While the kit is being made the state is written compact (fast); the last write is pretty.
        write_atomic(folder / MANIFEST, manifest_bytes(data) if final else _compact(data))

    timings = result.timings
    for job in jobs:
        path = folder / job.name
        old = state.get(job.name)
        try:
            clock = time.process_time()
            if (not options.force and old is not None and old["fingerprint"] == job.fingerprint
                    and sha256_of(path) == old["sha256"]):
                done[job.name] = old
                result.skipped += 1
                timings["check"] = timings.get("check", 0.0) + time.process_time() - clock
            else:
                asset = build(job, keep_image=options.proof)
                timings[job.kind] = timings.get(job.kind, 0.0) + time.process_time() - clock
                write_atomic(path, asset.data)
                done[job.name] = manifest_entry(asset, job)
                if options.proof and asset.image is not None:
                    # its thumbnail now, from the picture in memory (decoding a PNG again costs more)
                    clock = time.process_time()
                    if not _thumb_path(out, done[job.name]["sha256"]).is_file():
                        thumbs[job.name] = make_thumbnail(asset.data, path.suffix, image=asset.image)
                    timings["thumbnails"] = timings.get("thumbnails", 0.0) + time.process_time() - clock
                else:
                    fresh[job.name] = asset.data
                result.rendered += 1
                # Recorded file by file: a run killed now re-makes only the file it was making.
                save_state()
        except NetralError as exc:
            result.errors.append({"file": job.name, "message": str(exc)})
        except Exception as exc:  # a bug or a library failure: reported with the agency, the run goes on
            result.errors.append({"file": job.name, "message": _unexpected(exc)})
    entries = [done[j.name] for j in jobs if j.name in done] + kept
    result.files = len(entries)
    result.findings = sum(1 for e in entries if e["findings"])
    for entry in entries:
        result.kinds[entry["kind"]] = result.kinds.get(entry["kind"], 0) + 1
    if options.proof:
        clock = time.process_time()
        try:
            _thumbnails(out, folder, proof_items(entries), fresh, thumbs)
            timings["thumbnails"] = timings.get("thumbnails", 0.0) + time.process_time() - clock
        except Exception as exc:  # a missing thumbnail must not fail the kit; the proof says so
            result.errors.append({"file": None, "message": f"Gambar kecil untuk lembar periksa gagal: {_unexpected(exc)}"})
    del fresh, thumbs
    caption = caption_text(pack, agency).encode()
    if _read_bytes(folder / "caption.txt") != caption:
        write_atomic(folder / "caption.txt", caption)
    save_state(final=True)
    if options.zip:
        zip_path = out / f"{rel}.zip"
        stat = zip_path.stat() if zip_path.is_file() else None
        if (result.rendered or options.force or previous_zip is None or stat is None
                or (stat.st_size, stat.st_mtime_ns) != (previous_zip.get("bytes"), previous_zip.get("mtime_ns"))
                or stat.st_mtime_ns < (folder / MANIFEST).stat().st_mtime_ns):
            names = [MANIFEST, "caption.txt"] + [e["path"] for e in entries]
            result.zip = _write_zip(zip_path, agency.slug, folder, names)
        else:
            result.zip = dict(previous_zip)
        result.zip["path"] = f"{rel}.zip"
    result.seconds = time.perf_counter() - started
    timings["total"] = time.process_time() - cpu_started
    return result


def _thumbnails(out: Path, folder: Path, items: list[dict], fresh: dict[str, bytes],
                thumbs: dict[str, bytes | None] | None = None) -> None:
    """Write the thumbnail of each proof item that has none yet (made already from the picture in
    memory, else from the bytes just rendered, else from the file)."""
    for item in items:
        thumb = _thumb_path(out, item["sha256"])
        if item["format"] == "svg" or thumb.is_file():
            continue
        if thumbs and item["shown"] in thumbs:
            picture = thumbs[item["shown"]]
        else:
            data = fresh.get(item["shown"])
            picture = make_thumbnail(data if data is not None else (folder / item["shown"]).read_bytes(),
                                     "." + item["format"])
        if picture is not None:
            write_atomic(thumb, picture)


def _agency_files(out: Path, result: AgencyResult) -> list[dict]:
    """The files an agency's manifest lists (what its worker just wrote)."""
    try:
        return json.loads((out / result.folder / MANIFEST).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return []


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _unexpected(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
    return f"Galat tak terduga {type(exc).__name__}: {exc}{place}"


def group_errors(errors: list[dict]) -> list[dict]:
    """Errors with the same agency and message as one: {"name", "files": [...], "message"}."""
    groups: dict[tuple, dict] = {}
    for error in errors:
        key = (error.get("agency"), error["message"])
        group = groups.setdefault(key, {"name": error.get("name"), "files": [], "message": error["message"]})
        if error.get("file"):
            group["files"].append(error["file"])
    return list(groups.values())


def summarise_errors(errors: list[dict]) -> list[str]:
    """One line per agency and reason (naming the files), one per bad CSV row."""
    lines = []
    for group in group_errors(errors):
        files = group["files"]
        what = ", ".join(files) if len(files) <= 3 else f"{len(files)} berkas"
        where = " · ".join(x for x in (group["name"], what) if x)
        lines.append(f"{where}: {group['message']}" if where else group["message"])
    return lines


# -- the proof sheet ---------------------------------------------------------------------------------

PROOF_TEMPLATE = DATA_DIR / "proof.html.j2"
PROOF_THUMB_MM = 14  # printed height of a thumbnail: a full kit fits two rows, four kits a page
PROOF_LOGO_MM = 8  # the lockups are wide; smaller, so they do not take a row
PROOF_MAX_LISTED = 60  # errors and flagged agencies listed on the cover; the manifest has them all
PROOF_MAX_NOTES = 8  # distinct findings listed under an agency, and numbers on a thumbnail: PROOF_MAX_BADGES
PROOF_MAX_BADGES = 3
FOLDER_TITLES = {PUSAT_FOLDER: "Instansi pusat", OTHER_FOLDER: "Unit lain (dari CSV)"}


LEVEL_TITLES = {"provinsi": "pemerintah provinsi", "kabkota": "pemerintah kabupaten/kota",
                "pusat": "instansi pusat", "semua": "semua instansi"}


def selection_text(selection: dict) -> str:
    """What a run chose, for the proof's cover: "pemerintah kabupaten/kota; Provinsi Jawa Tengah"."""
    parts = []
    if selection.get("level"):
        parts.append(LEVEL_TITLES.get(selection["level"], selection["level"]))
    if selection.get("province"):
        parts.append(selection.get("province_name") or f"provinsi {selection['province']}")
    if selection.get("agencies_csv"):
        parts.append(f"unit dari {Path(selection['agencies_csv']).name}")
    if selection.get("only") and set(selection["only"]) != set(KIT_PARTS):  # the whole kit goes unsaid
        parts.append("bagian " + ", ".join(selection["only"]))
    return "; ".join(parts)


def _proof_agency(out: Path, index: int, r: AgencyResult, heading: str | None, shared: dict) -> dict:
    """One agency's block of the proof: its pictures grouped, its findings numbered, its errors."""
    groups: dict[tuple, dict] = {}
    notes: dict[str, dict] = {}  # one note per distinct finding, with every picture that has it
    for item in proof_items(_agency_files(out, r)):
        thumb = _thumb_path(out, item["sha256"])
        item["thumb"] = thumb.relative_to(out).as_posix() if thumb.is_file() else None
        if item["kind"] == "logo" and item["design"] == "mark":
            shared.setdefault(item["sha256"], item)
            continue
        # One group per poster design (its formats side by side), one per other kind.
        key = (item["kind"], item["design"]) if item["kind"] == "poster" else (item["kind"],)
        group = groups.setdefault(key, {"title": _group_title(item), "parts": [], "pictures": []})
        part = _part_label(item)
        if part and part not in group["parts"]:
            group["parts"].append(part)
        numbers = []
        for text in item["findings"]:
            note = notes.setdefault(text, {"number": len(notes) + 1, "text": text, "where": {}})
            note["where"].setdefault(group["title"], [])
            if part and part not in note["where"][group["title"]]:
                note["where"][group["title"]].append(part)
            if note["number"] not in numbers:
                numbers.append(note["number"])
        group["pictures"].append({"thumb": item["thumb"], "label": item["label"], "formats": item["formats"],
                                  "notes": numbers, "small": item["kind"] == "logo"})
    listed = [{"number": n["number"], "text": n["text"],
               "where": "; ".join(f"{title} ({', '.join(parts)})" if parts else title
                                  for title, parts in n["where"].items())} for n in notes.values()]
    return {"index": index, "name": r.agency["name"], "code": r.agency["code"], "folder": r.folder,
            "files": r.files, "heading": heading, "errors": group_errors(r.errors), "flagged": r.findings,
            "notes": listed, "label": _shorten(f"{index}. {r.agency['short_name']}", 48),
            "groups": list(groups.values())}


def _proof_pieces(out: Path, results: list[AgencyResult], errors: list[dict], selection: dict,
                  province_names: dict[str, str]):
    """The proof in pieces, one at a time: runs of PROOF_PIECE agencies, then the cover. Plain data,
    so a piece's fingerprint says whether its PDF from an earlier run can be used again."""
    from ..model.formatting import format_date_id

    common = {"selection_text": selection_text(selection), "date": format_date_id(dt.date.today())}
    group_sizes: dict[str, int] = {}
    for r in results:
        top = r.folder.split("/")[0]
        group_sizes[top] = group_sizes.get(top, 0) + 1
    shared: dict[str, dict] = {}
    current, agencies = None, []
    for index, r in enumerate(results, 1):
        top = r.folder.split("/")[0]
        heading = None
        if top != current:
            current = top
            # A heading for a province with several agencies here (not one per province in a provinces run).
            if group_sizes[top] > 1:
                heading = province_names.get(top) or FOLDER_TITLES.get(top, top)
        agencies.append(_proof_agency(out, index, r, heading, shared))
        if len(agencies) == PROOF_PIECE or index == len(results):
            yield {**common, "cover": None, "agencies": agencies}
            agencies = []
    flagged = [{"index": i, "name": r.agency["name"], "count": r.findings}
               for i, r in enumerate(results, 1) if r.findings]
    cover = {"agencies": len(results), "files": sum(r.files for r in results),
             "findings": sum(r.findings for r in results), "errors": len(errors),
             "error_lines": summarise_errors(errors), "flagged": flagged,
             "shared": [{"label": i["label"], "formats": i["formats"], "thumb": i["thumb"]} for i in shared.values()]}
    yield {**common, "cover": cover, "agencies": []}


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _piece_fingerprint(piece: dict) -> str:
    from ..kit.core import _software

    return hashlib.sha256(json.dumps([piece, PROOF_TEMPLATE.read_text("utf-8"), _software(), PROOF_THUMB_MM, PROOF_LOGO_MM,
                                      PROOF_MAX_NOTES, PROOF_MAX_BADGES],
                                     sort_keys=True, default=str).encode()).hexdigest()


def write_proof_piece(pack: Pack, out: Path, piece: dict) -> tuple[str, int]:
    """Lay out one piece of the proof -> its PDF under DIR/.netral/proof/. The thumbnails are read
    from DIR/.netral/thumbs by file URL (the fetcher serves that folder and the pack, nothing else)."""
    from ..render.document import render_template

    path = out / STATE_DIR / "proof" / f"{_piece_fingerprint(piece)}.pdf"

    def uri(thumb):
        return (out / thumb).as_uri() if thumb else None

    for item in piece["cover"]["shared"] if piece["cover"] else []:
        item["uri"] = uri(item["thumb"])
    for agency in piece["agencies"]:
        for group in agency["groups"]:
            for picture in group["pictures"]:
                picture["uri"] = uri(picture["thumb"])
    # Agency names are text, never markup: the sandbox escapes them, the fetcher reads only the pack
    # and the run's thumbnails.
    document = render_template(pack, PROOF_TEMPLATE, {
        **piece, "campaign": pack.name, "thumb_mm": PROOF_THUMB_MM, "logo_mm": PROOF_LOGO_MM,
        "font_family": pack.config.get("fonts", {}).get("family", "sans-serif"), "max_listed": PROOF_MAX_LISTED,
        "max_notes": PROOF_MAX_NOTES, "max_badges": PROOF_MAX_BADGES}, (out / STATE_DIR / "thumbs",))
    write_atomic(path, document.write_pdf())
    return path.relative_to(out).as_posix(), len(document.pages)


def build_proof(pack: Pack, out: Path, results: list[AgencyResult], errors: list[dict], selection: dict,
                previous: dict | None, options: BatchOptions, province_names: dict[str, str],
                progress: Callable[[int, int], None] | None = None) -> dict:
    """DIR/proof.pdf from its pieces: pieces unchanged since the last run are reused, the others laid
    out by the workers, then all joined. Returns the manifest's record of it."""
    import pypdfium2 as pdfium

    folder = out / STATE_DIR / "proof"
    fingerprints, missing = [], []
    for piece in _proof_pieces(out, results, errors, selection, province_names):
        fingerprint = _piece_fingerprint(piece)
        fingerprints.append(fingerprint)
        if not (folder / f"{fingerprint}.pdf").is_file():
            missing.append(piece)
    fingerprints.insert(0, fingerprints.pop())  # the cover comes first
    overall = hashlib.sha256("".join(fingerprints).encode()).hexdigest()
    target = out / PROOF
    if not missing and previous and previous.get("fingerprint") == overall and sha256_of(target) == previous.get("sha256"):
        return previous
    if missing:
        workers = min(options.worker_count(), len(missing))
        with _pool(workers, pack.user_dir, out, options) as pool:
            futures = [pool.submit(_proof_task, piece) for piece in missing]
            del missing
            for done, future in enumerate(cf.as_completed(futures), 1):
                future.result()
                if progress:
                    progress(done, len(futures))
    merged = pdfium.PdfDocument.new()
    try:
        for fingerprint in fingerprints:
            source = pdfium.PdfDocument(folder / f"{fingerprint}.pdf")
            merged.import_pages(source)
            source.close()
        pages = len(merged)
        with atomic_file(target) as f:
            merged.save(f)
    finally:
        merged.close()
    _release_memory()  # the joined sheet was held in memory; the parent goes back to its size
    keep = {f"{fp}.pdf" for fp in fingerprints}
    for stale in folder.glob("*.pdf"):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    return {"path": PROOF, "sha256": sha256_of(target), "bytes": target.stat().st_size, "pages": pages,
            "fingerprint": overall}


# -- worker processes --------------------------------------------------------------------------------

_WORKER: dict = {}


def _die_with_parent(parent: int) -> None:
    """Linux: a worker gets SIGKILL when the batch process dies, so `kill -9` stops the whole run."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl: nobody to work for
        os._exit(1)


def _init_worker(parent: int, brand_dir: str | None, out: str, options: BatchOptions) -> None:
    import signal

    _die_with_parent(parent)
    # Ctrl-C is the parent's to handle: it stops handing out agencies and lets these finish theirs.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The renderer's temporary files (WeasyPrint copies the fonts into a folder) go under DIR: nothing
    # else cleans them away during a long run, and a killed run's leftovers are removed by the next.
    scratch = Path(out) / STATE_DIR / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(scratch)
    # Layered designs keep their bodies as PDF in a worker, and only a few as pixels: memory stays
    # flat across the pool (layers.py).
    from ..assets.layers import limit_pixels

    limit_pixels(WORKER_PIXEL_MB)
    # The pack is loaded once per worker; its font configuration and caches stay warm across agencies.
    _WORKER.update(pack=load_pack(brand_dir), out=Path(out), options=options)


def _agency_task(agency: Agency, previous_zip: dict | None) -> AgencyResult:
    pack, out, options = _WORKER["pack"], _WORKER["out"], _WORKER["options"]
    try:
        return refresh_kit(pack, agency, out, options, previous_zip)
    except NetralError as exc:
        return AgencyResult(agency.as_dict(), agency_folder(agency), errors=[{"file": None, "message": str(exc)}])
    except Exception as exc:
        return AgencyResult(agency.as_dict(), agency_folder(agency), errors=[{"file": None, "message": _unexpected(exc)}])
    finally:
        _release_memory()


def _release_memory() -> None:
    """Give the freed heap back to the system (images and PDFs of several MB come and go), so a
    process's footprint is what it uses, not its high-water mark. glibc only; elsewhere a no-op."""
    trim = _malloc_trim()
    if trim:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def _proof_task(piece: dict) -> tuple[str, int]:
    return write_proof_piece(_WORKER["pack"], _WORKER["out"], piece)


def _needs_rendering(jobs: list, agency: Agency, out: Path, options: BatchOptions) -> bool:
    """Whether an agency's kit (its planned `jobs`) has files to make (a re-run with nothing changed
    has none)."""
    state = _read_state(out / agency_folder(agency), agency)
    return options.force or any(state.get(job.name, {}).get("fingerprint") != job.fingerprint for job in jobs)


def _warm_bodies(pack: Pack, jobs: list) -> None:
    """Lay out the layered designs' bodies of these planned `jobs` here, before the workers fork:
    every worker, and every replacement, starts with them (as PDF, shared; each worker draws its own
    pixels)."""
    from ..assets.layers import is_layered, warm
    from ..model.designs import load_design

    for job in jobs:
        if job.kind not in ("poster", "twibbon"):
            continue
        try:
            design = load_design(pack, job.kind, job.design)
            if is_layered(design):
                warm(pack, design, job.format, job.ext, job.options.extra if job.kind == "poster" else None)
        except NetralError:
            pass  # the workers meet it again and report it with the agency
    # the layouts are gone, their PDFs kept: hand the heap back before the workers fork and share it
    _release_memory()


def _pool(workers: int, brand_dir, out: Path, options: BatchOptions) -> cf.ProcessPoolExecutor:
    # fork: a worker starts with the parent's imported modules and is ready at once (Linux).
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                  initializer=_init_worker,
                                  initargs=(os.getpid(), str(brand_dir) if brand_dir else None, str(out), options))


class _Lane:
    """One worker process and the agencies in flight on it. A lane's worker is replaced after
    WORKER_AGENCIES agencies, or when it dies, on its own: the other lanes keep working meanwhile."""

    def __init__(self, brand_dir, out: Path, options: BatchOptions):
        self.args = (brand_dir, out, options)
        self.pool: cf.ProcessPoolExecutor | None = None
        self.quota = 0
        self.in_flight = 0
        self.broken = False
        self.alone = False  # an agency in flight that was on a worker that died: nothing queued with it

    def ready(self) -> bool:
        """Whether the lane can take an agency now (renewing its worker first if it is due)."""
        if self.in_flight == 0:
            self.alone = False
            if self.pool is None or self.broken or self.quota == 0:
                self.close()
                self.pool, self.quota, self.broken = _pool(1, *self.args), WORKER_AGENCIES, False
        # one agency queued behind the current one, so the worker never waits for the parent
        return not self.broken and not self.alone and self.quota > 0 and self.in_flight < 2

    def submit(self, agency: Agency, previous: dict | None, alone: bool = False) -> cf.Future | None:
        """The agency's future, or None when the worker has died since the lane was last asked (its
        futures fail with it a moment later; the lane is renewed once they are counted)."""
        try:
            future = self.pool.submit(_agency_task, agency, previous)
        except cf.process.BrokenProcessPool:
            self.broken = True
            return None
        self.quota -= 1
        self.in_flight += 1
        self.alone = alone
        return future

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _run_kits(agencies: list[Agency], brand_dir, out: Path, options: BatchOptions, previous: dict,
              progress: Callable[[AgencyResult, int, int], None] | None) -> list[AgencyResult]:
    """Every agency's kit through worker processes, one lane each (see `_Lane`), at most two agencies
    queued on a worker."""
    lanes = [_Lane(brand_dir, out, options) for _ in range(min(options.worker_count(), max(1, len(agencies))))]
    results: dict[str, AgencyResult] = {}
    attempts: dict[str, int] = {}
    todo = list(agencies)
    running: dict[cf.Future, tuple[_Lane, Agency]] = {}

    def record(result: AgencyResult) -> None:
        results[result.agency["slug"]] = result
        if progress:
            progress(result, len(results), len(agencies))

    try:
        while todo or running:
            for lane in lanes:
                while todo and lane.ready():
                    # An agency retried after its worker died runs with nothing queued behind it, so an
                    # agency that kills its worker fails alone, not the one that happened to share it;
                    # a busy lane takes the next agency that is not being retried.
                    index = 0 if not lane.in_flight else next(
                        (i for i, a in enumerate(todo) if a.slug not in attempts), None)
                    if index is None:
                        break
                    agency = todo[index]
                    retried = agency.slug in attempts
                    future = lane.submit(agency, previous.get(agency.slug), alone=retried)
                    if future is None:
                        break
                    del todo[index]
                    running[future] = (lane, agency)
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                lane, agency = running.pop(future)
                lane.in_flight -= 1
                try:
                    record(future.result())
                except cf.process.BrokenProcessPool:
                    # The lane's worker died (out of memory, a crash in a C library) with this agency in
                    # flight: it is tried again on a new worker, up to MAX_ATTEMPTS times.
                    lane.broken = True
                    attempts[agency.slug] = attempts.get(agency.slug, 0) + 1
                    if attempts[agency.slug] < MAX_ATTEMPTS:
                        todo.insert(0, agency)
                    else:
                        record(AgencyResult(agency.as_dict(), agency_folder(agency), errors=[{
                            "file": None, "message": "Proses pekerja berhenti mendadak (kehabisan memori?) saat "
                                                     "membuat kit ini; jalankan ulang untuk mencoba lagi."}]))
    finally:
        for lane in lanes:
            lane.close()
    return [results[a.slug] for a in agencies]


# -- the national manifest ---------------------------------------------------------------------------

def write_national_manifest(pack: Pack, out: Path, results: list[AgencyResult], errors: list[dict],
                            selection: dict, seconds: float, proof: dict | None) -> None:
    """DIR/manifest.json: every file of every agency (read back from the agency manifests one at a
    time), each source once (files name them by id), every error. One record per line in the long lists."""
    agencies = []
    for r in results:
        status = "galat" if r.errors else ("temuan" if r.findings else "ok")
        record = {**r.agency, "folder": r.folder, "status": status, "files": r.files, "rendered": r.rendered,
                  "skipped": r.skipped, "findings": r.findings, "errors": r.errors}
        if r.zip:
            record["zip"] = r.zip
        agencies.append(record)
    head = {
        "generator": f"netral-assets {__version__}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "campaign": pack.name,
        "selection": selection,
        "summary": {
            "agencies": len(results),
            "agencies_failed": sum(1 for r in results if r.errors),
            "files": sum(r.files for r in results),
            "rendered": sum(r.rendered for r in results),
            "skipped": sum(r.skipped for r in results),
            "files_with_findings": sum(r.findings for r in results),
            "errors": len(errors),
            "seconds": round(seconds, 2),
        },
    }
    sources: dict[str, dict] = {}

    def key(name: str) -> str:
        return f"  {json.dumps(name)}: "

    def rows(items) -> str:
        return "[\n" + ",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in items) + "\n  ]"

    def pretty(value) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")

    with atomic_file(out / MANIFEST) as f:
        write = lambda text: f.write(text.encode())  # noqa: E731
        write("{\n" + ",\n".join(key(k) + pretty(v) for k, v in head.items()) + ",\n")
        write(key("agencies") + (rows(agencies) if agencies else "[]") + ",\n")
        write(key("files") + "[")
        first = True
        for r in results:
            for entry in _agency_files(out, r):
                ids = []
                for source in entry["sources"]:
                    sources.setdefault(source["id"], source)
                    ids.append(source["id"])
                record = {"path": f"{r.folder}/{entry['path']}", "agency": r.agency["slug"],
                          "agency_name": r.agency["name"],
                          **{k: entry[k] for k in ("kind", "design", "format", "variant", "size", "sha256", "bytes", "alt")},
                          "sources": ids, "findings": entry["findings"], "fingerprint": entry["fingerprint"]}
                write(("\n" if first else ",\n") + "    " + json.dumps(record, ensure_ascii=False))
                first = False
        write(("\n  ]" if not first else "]") + ",\n")
        tail = {"sources": {k: sources[k] for k in sorted(sources)}, "errors": errors, "proof": proof}
        write(",\n".join(key(k) + pretty(v) for k, v in tail.items()) + "\n}\n")


def _read_run_state(out: Path) -> dict:
    """What the last run left for this one: each agency's ZIP record and the proof's (small, unlike
    the national manifest, which is never read back)."""
    try:
        state = json.loads((out / STATE_DIR / "state.json").read_text("utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


# -- the run -----------------------------------------------------------------------------------------

def _lock(out: Path):
    """One batch at a time per folder (the lock goes with the process, even on kill -9)."""
    out.mkdir(parents=True, exist_ok=True)
    handle = open(out / ".netral-batch.lock", "w")  # noqa: SIM115 (held for the whole run)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise NetralError(f"Batch lain sedang menulis ke {out}. Tunggu sampai selesai, atau pakai --out lain.") from None
    return handle


def run_batch(pack: Pack, agencies: list[Agency], out: str | Path, options: BatchOptions | None = None,
              selection_errors: list[dict] | None = None, selection: dict | None = None,
              progress: Callable[[AgencyResult, int, int], None] | None = None,
              proof_progress: Callable[[int, int], None] | None = None,
              registry: Registry | None = None) -> BatchResult:
    """Make (or bring up to date) the kits of `agencies` under `out`; see the module docstring."""
    options = options or BatchOptions()
    out = Path(out).resolve()
    started = time.perf_counter()
    lock = _lock(out)
    try:
        remove_partial_files(out)
        shutil.rmtree(out / STATE_DIR / "tmp", ignore_errors=True)  # a killed run's scratch files
        previous = _read_run_state(out)
        previous_zips = previous.get("zips", {})
        # Imported before the workers fork, so each starts with the renderer's libraries loaded.
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401

        phases = {}
        clock = time.perf_counter()
        # Worth it when workers are replaced during the run (each replacement would lay them out
        # again); in a short run the workers lay them out in parallel instead.
        if len(agencies) > options.worker_count() * WORKER_AGENCIES:
            first = plan_kit(pack, agencies[0], options.kit)
            if _needs_rendering(first, agencies[0], out, options):
                _warm_bodies(pack, first)
        results = _run_kits(agencies, pack.user_dir, out, options, previous_zips, progress)
        phases["kits"] = time.perf_counter() - clock
        errors = list(selection_errors or [])
        for r in results:
            errors += [{"agency": r.agency["slug"], "name": r.agency["name"], **e} for e in r.errors]
        proof = None
        clock = time.perf_counter()
        names = {a.province: a.short_name for a in registry if a.level == "provinsi"} if registry else {}
        # The province asked for, by name, for the proof and the manifest (its agencies were chosen by
        # it: they all share its slug)
        chosen = {r.agency["province"] for r in results}
        if selection and selection.get("province") and len(chosen) == 1 and chosen <= names.keys():
            selection = {**selection, "province_name": names[chosen.pop()]}
        if options.proof:
            try:
                proof = build_proof(pack, out, results, errors, selection or {}, previous.get("proof"), options,
                                    names, proof_progress)
            except Exception as exc:  # the kits are made; a broken proof is reported, not fatal
                errors.append({"agency": None, "name": None, "file": PROOF,
                               "message": f"Lembar periksa tidak dapat dibuat: {_unexpected(exc)}"})
        phases["proof"] = time.perf_counter() - clock
        clock = time.perf_counter()
        write_national_manifest(pack, out, results, errors, selection or {}, time.perf_counter() - started, proof)
        zips = {**previous_zips, **{r.agency["slug"]: r.zip for r in results if r.zip}}
        write_atomic(out / STATE_DIR / "state.json", _compact({"zips": zips, "proof": proof}))
        shutil.rmtree(out / STATE_DIR / "tmp", ignore_errors=True)
        phases["manifest"] = time.perf_counter() - clock
        return BatchResult(out, results, errors, time.perf_counter() - started, out / MANIFEST,
                           out / PROOF if proof else None, proof["pages"] if proof else 0, phases)
    finally:
        lock.close()
