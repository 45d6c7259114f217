"""The proof sheet: the kits of a run -> DIR/proof.pdf, a contact sheet of every asset with its
agency's name and findings, for a person to approve before publishing.

Each kit's thumbnails are made as its files are (`write_thumbnails`, in the workers), content-addressed
under DIR/.netral/thumbs. The sheet is laid out in pieces of PROOF_PIECE agencies, in parallel by the
workers, through `render.document.render_template` (the one sandbox, URL fetcher and font setup of the
renderer); pieces are kept, so a re-run lays out only the pieces that changed, and joined with pdfium.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from ..files import atomic_file, sha256_of, write_atomic
from ..kit.plan import KIT_PARTS, software
from ..model.formatting import format_date_id
from ..model.pack import Pack
from ..output.thumbnails import thumbnail
from ..output.writers import encode_image
from ..resources import DATA_DIR
from . import workers
from .options import (
    OTHER_FOLDER,
    PROOF,
    PUSAT_FOLDER,
    STATE_DIR,
    AgencyResult,
    BatchOptions,
    agency_files,
    group_errors,
    summarise_errors,
)

# Thumbnails for the proof sheet: this many px tall (enough to judge a layout when zoomed in, small
# enough that 552 kits make a PDF one can open), at most three times as wide.
THUMB_HEIGHT = 180
THUMB_BOX = (3 * THUMB_HEIGHT, THUMB_HEIGHT)
# JPEG at this quality, with Huffman tables fitted to the picture: 9% fewer bytes (the proof carries
# thousands) for ~0.07 ms
THUMB_QUALITY = 70
# Agencies per proof piece: pieces are laid out in parallel and kept, so a re-run after a change
# lays out only the pieces that changed.
PROOF_PIECE = 16


VARIANT_LABELS = {"square": "persegi", "horizontal": "mendatar", "stacked": "bersusun", "a4": "A4", "a3": "A3",
                  "a4-landscape": "", "mark": ""}


KIND_TITLES = {"card": "Kartu tautan", "sticker": "Stiker"}  # the others read as they are named


def _group_title(item: dict) -> str:
    if item["kind"] == "poster":
        return f"Poster {item['design']}"
    return KIND_TITLES.get(item["kind"], item["kind"].capitalize())


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
    title = KIND_TITLES.get(kind, kind.capitalize())
    return f"{title} {design}" + (f" · {variant_text}" if variant_text else "")


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


# -- thumbnails --------------------------------------------------------------------------------------

def thumb_path(out: Path, sha: str) -> Path:
    # Content-addressed: the same file (the campaign mark in every kit) has one thumbnail.
    return out / STATE_DIR / "thumbs" / sha[:2] / f"{sha[:24]}.jpg"


def make_thumbnail(data: bytes | None, ext: str, image=None) -> bytes | None:
    """The proof's JPEG of an asset (first page of a PDF, transparency on a checkerboard); None for SVG."""
    made = thumbnail(data, ext, THUMB_BOX, image=image, quality=THUMB_QUALITY, optimize=True)
    return made[0] if made else None


def write_thumbnails(out: Path, folder: Path, items: list[dict], fresh: dict[str, bytes],
                     thumbs: dict[str, bytes | None] | None = None) -> None:
    """Write the thumbnail of each proof item that has none yet (made already from the picture in
    memory, else from the bytes just rendered, else from the file)."""
    for item in items:
        thumb = thumb_path(out, item["sha256"])
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


# -- the agency's name as set ------------------------------------------------------------------------
# Where the name is printed, as fractions of the picture (the twibbon's name band, the poster's footer,
# the whole horizontal lockup): the proof shows these crops beside the registry's spelling, readable,
# so a coordinator approves each name as printed, not only as typed.
NAME_CROPS = (
    ("twibbon-bundar.png", (0.0, 0.70, 1.0, 0.94)),
    ("poster-larangan-feed.jpg", (0.0, 0.87, 1.0, 1.0)),
    ("logo-horizontal.png", (0.0, 0.0, 1.0, 1.0)),
)
NAME_STRIP_HEIGHT = 120  # px: the crops side by side at this height (printed 12 mm high, names ~6 pt)


def name_strip_path(out: Path, entries: list[dict]) -> Path | None:
    """Where the agency's name strip is (content-addressed by the files it is cut from), or None when
    the kit has none of them."""
    shas = [e["sha256"] for name, _ in NAME_CROPS for e in entries if e["path"] == name]
    if not shas:
        return None
    key = hashlib.sha256(("\0".join(shas) + repr(NAME_CROPS)).encode()).hexdigest()
    return out / STATE_DIR / "thumbs" / "names" / f"{key[:32]}.jpg"


def write_name_strip(out: Path, folder: Path, entries: list[dict]) -> None:
    """The crops of NAME_CROPS stacked on white, as one JPEG (made once per set of files)."""
    from PIL import Image

    path = name_strip_path(out, entries)
    if path is None or path.is_file():
        return
    names = {e["path"] for e in entries}
    crops = []
    for name, (left, top, right, bottom) in NAME_CROPS:
        if name not in names:
            continue
        with Image.open(folder / name) as picture:
            picture.load()
            w, h = picture.size
            crop = picture.crop((round(left * w), round(top * h), round(right * w), round(bottom * h))).convert("RGBA")
            flat = Image.new("RGB", crop.size, (255, 255, 255))
            flat.paste(crop, mask=crop.getchannel("A"))
            width = round(flat.width * NAME_STRIP_HEIGHT / flat.height)
            crops.append(flat.resize((width, NAME_STRIP_HEIGHT), Image.LANCZOS))
    gap = 12
    strip = Image.new("RGB", (sum(c.width for c in crops) + gap * (len(crops) - 1), NAME_STRIP_HEIGHT), "white")
    x = 0
    for crop in crops:
        strip.paste(crop, (x, 0))
        x += crop.width + gap
    write_atomic(path, encode_image(strip, ".jpg", quality=THUMB_QUALITY, optimize=True, photo=True))


# -- the sheet ---------------------------------------------------------------------------------------

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
    for item in proof_items(agency_files(out, r)):
        thumb = thumb_path(out, item["sha256"])
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
    strip = name_strip_path(out, agency_files(out, r))
    return {"index": index, "name": r.agency["name"], "code": r.agency["code"], "folder": r.folder,
            "name_strip": strip.relative_to(out).as_posix() if strip is not None and strip.is_file() else None,
            "files": r.files, "overrides": r.overrides, "heading": heading, "errors": group_errors(r.errors),
            "flagged": r.findings,
            "notes": listed, "label": _shorten(f"{index}. {r.agency['short_name']}", 48),
            "groups": list(groups.values())}


def _proof_pieces(out: Path, results: list[AgencyResult], errors: list[dict], selection: dict,
                  province_names: dict[str, str]):
    """The proof in pieces, one at a time: runs of PROOF_PIECE agencies, then the cover. Plain data,
    so a piece's fingerprint says whether its PDF from an earlier run can be used again. A run with a
    draft kit is a draft proof: every page says "DRAF — BELUM DISETUJUI"."""
    common = {"selection_text": selection_text(selection), "date": format_date_id(dt.date.today()),
              "draft": any(r.draft for r in results)}
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
    return hashlib.sha256(json.dumps([piece, PROOF_TEMPLATE.read_text("utf-8"), software(), PROOF_THUMB_MM, PROOF_LOGO_MM,
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
        agency["name_strip_uri"] = uri(agency.get("name_strip"))
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


def _piece_task(pack: Pack, out: Path, _options: BatchOptions, piece: dict) -> tuple[str, int]:
    return write_proof_piece(pack, out, piece)


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
        count = min(options.worker_count(), len(missing))
        with workers.pool(count, pack.user_dir, out, options) as pool:
            futures = [pool.submit(workers.in_worker, _piece_task, piece) for piece in missing]
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
    workers.release_memory()  # the joined sheet was held in memory; the parent goes back to its size
    keep = {f"{fp}.pdf" for fp in fingerprints}
    for stale in folder.glob("*.pdf"):
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    return {"path": PROOF, "sha256": sha256_of(target), "bytes": target.stat().st_size, "pages": pages,
            "fingerprint": overall}

