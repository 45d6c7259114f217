"""One agency of a batch, in a worker: agency -> its kit folder brought up to date by `kit.write_kit`
(which skips what is unchanged), the proof's thumbnails of its files, its ZIP -> an `AgencyResult`.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from ..errors import NetralError
from ..files import sha256_of, write_atomic
from ..kit.build import describe_error, write_kit
from ..kit.manifest import CAPTION, MANIFEST, zip_kit
from ..model.agencies import Agency
from ..model.pack import Pack
from ..provenance import SIDECAR
from .options import AgencyResult, BatchOptions, agency_files, agency_folder
from .proof import make_thumbnail, proof_items, thumb_path, write_name_strip, write_thumbnails

SIGNATURE = MANIFEST + SIDECAR  # manifest.json.p7s, written by write_kit when the kit is signed

# Test hook: when set, names a file; a worker that has just written a file of a kit waits until that
# file exists. Lets a test interrupt a run at a known point without racing it (tests/test_batch.py).
HOLD_ENV = "NETRAL_TEST_HOLD"


def make_agency_kit(pack: Pack, out: Path, options: BatchOptions, agency: Agency,
                    previous_zip: dict | None = None) -> AgencyResult:
    """Bring one agency's folder up to date: make what is missing or changed, keep the rest. Never
    raises: a failure is an error of the agency's result."""
    try:
        return _agency_kit(pack, out, options, agency, previous_zip)
    except NetralError as exc:
        return on_disk(out, agency, {"file": None, "message": str(exc)})
    except Exception as exc:
        return on_disk(out, agency, {"file": None, "message": describe_error(exc)})


def on_disk(out: Path, agency: Agency, error: dict) -> AgencyResult:
    """The result of an agency whose kit stopped half way (a full disk, a bug): what its folder holds,
    as its last manifest lists it (kit.write_kit writes it after every file), files that are still
    there with the recorded bytes; not "0 files" for a kit that is intact."""
    result = AgencyResult(agency.as_dict(), agency_folder(agency), errors=[error])
    for entry in agency_files(out, result):
        if sha256_of(out / result.folder / entry["path"]) == entry.get("sha256"):
            result.files += 1
            result.findings += bool(entry.get("findings"))
            result.kinds[entry.get("kind", "")] = result.kinds.get(entry.get("kind", ""), 0) + 1
    return result


def _agency_kit(pack: Pack, out: Path, options: BatchOptions, agency: Agency,
                previous_zip: dict | None) -> AgencyResult:
    started, cpu_started = time.perf_counter(), time.process_time()
    rel = agency_folder(agency)
    fresh: dict[str, bytes] = {}  # bytes made in this run, for the thumbnails
    thumbs: dict[str, bytes | None] = {}  # thumbnails made from pictures in memory
    thumb_seconds = 0.0
    hold = os.environ.get(HOLD_ENV)

    def on_file(job, asset, entry) -> None:
        nonlocal thumb_seconds
        if asset is not None and options.proof:
            if asset.image is not None:
                # its thumbnail now, from the picture in memory (decoding a PNG again costs more)
                clock = time.process_time()
                if not thumb_path(out, entry["sha256"]).is_file():
                    thumbs[job.name] = make_thumbnail(asset.data, job.ext, image=asset.image)
                thumb_seconds += time.process_time() - clock
            else:
                fresh[job.name] = asset.data
        while hold and asset is not None and not os.path.exists(hold):
            time.sleep(0.02)

    kit = write_kit(pack, agency, (out / rel).parent, options.kit, force=options.force, on_file=on_file)
    result = AgencyResult(agency.as_dict(), rel, files=kit.files, findings=kit.findings, kinds=kit.kinds,
                          rendered=kit.rendered, skipped=kit.skipped, errors=kit.errors, timings=kit.timings,
                          overrides=kit.overrides, draft=kit.draft)
    if options.proof:
        clock = time.process_time()
        try:
            write_thumbnails(out, kit.folder, proof_items(kit.entries), fresh, thumbs)
            write_name_strip(out, kit.folder, kit.entries)
        except Exception as exc:  # a missing thumbnail must not fail the kit; the proof says so
            result.errors.append({"file": None,
                                  "message": f"Gambar kecil untuk lembar periksa gagal: {describe_error(exc)}"})
        result.timings["thumbnails"] = thumb_seconds + time.process_time() - clock
    fresh.clear()  # the kit's bytes are not held while its ZIP is made
    thumbs.clear()
    if options.zip:
        result.zip = _zip(out, rel, kit, agency, options, previous_zip)
    result.seconds = time.perf_counter() - started
    result.timings["total"] = time.process_time() - cpu_started
    return result


def _zip(out: Path, rel: str, kit, agency: Agency, options: BatchOptions, previous: dict | None) -> dict:
    """DIR/<rel>.zip, made again only when the kit changed or the ZIP is not the one the last run made."""
    path = out / f"{rel}.zip"
    stat = path.stat() if path.is_file() else None
    if (kit.rendered or options.force or previous is None or stat is None
            or (stat.st_size, stat.st_mtime_ns) != (previous.get("bytes"), previous.get("mtime_ns"))
            or stat.st_mtime_ns < (kit.folder / MANIFEST).stat().st_mtime_ns):
        names = [MANIFEST, CAPTION] + [e["path"] for e in kit.entries] + list(kit.index_files)
        if (kit.folder / SIGNATURE).is_file():  # a signed kit's manifest signature travels with it
            names.append(SIGNATURE)
        data = zip_kit(agency.slug, ((name, (kit.folder / name).read_bytes()) for name in names))
        write_atomic(path, data)
        stat = path.stat()
        record = {"path": None, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                  "mtime_ns": stat.st_mtime_ns}
    else:
        record = dict(previous)
    record["path"] = f"{rel}.zip"
    return record
