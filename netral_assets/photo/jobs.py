"""Many photos for `netral frame`: photo paths, folders or a humas people CSV + an output path -> a
`Plan` of `PhotoJob`s (photo in, framed file out, the person's name and unit for the frame), and
`run_jobs` -> one `PhotoResult` per photo, each framed and written whole (a refused photo never stops
the rest).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import NetralError
from ..files import write_atomic
from ..model.agencies import slugify
from .decode import LIMITS, PHOTO_SUFFIXES, Limits
from .frame import OUTPUT_SUFFIXES, Frame, encode_framed, frame_photo
from .placement import CENTRED, Placement


@dataclass(frozen=True)
class PhotoJob:
    """One photo to frame: where it comes from, where it goes, whose name goes on the frame."""

    photo: Path
    output: Path
    name: str = ""
    unit: str = ""


@dataclass
class PhotoResult:
    job: PhotoJob
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    placement: Placement | None = None  # as used (with --auto: what the face gave)

    @property
    def ok(self) -> bool:
        return not self.error


def collect_photos(paths: Iterable[str | Path]) -> tuple[list[Path], list[Path]]:
    """Files named and the photos inside folders named -> (photos, files skipped in folders)."""
    photos: list[Path] = []
    skipped: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.name.startswith(".") or not child.is_file():
                    continue
                (photos if child.suffix.lower() in PHOTO_SUFFIXES else skipped).append(child)
        else:
            photos.append(p)
    return photos, skipped


@dataclass
class Plan:
    """What a `netral frame` run will do: the jobs, the folder files it skips, one file or a folder."""

    jobs: list[PhotoJob]
    skipped: list[Path] = field(default_factory=list)
    single: bool = False


def plan_jobs(
    photos: Iterable[str | Path] = (), out: str | Path = "", ext: str | None = None, people: str | Path | None = None
) -> Plan:
    """Photos (files or folders) or a people CSV, and OUT -> jobs. One photo goes to the file OUT
    (its suffix picks the format); several photos, a folder or a CSV go into the folder OUT."""
    out = Path(out)
    photos = list(photos)
    if people and photos:
        raise NetralError("Pakai daftar foto atau --people, tidak keduanya.")
    if not people and not photos:
        raise NetralError("Sebutkan foto atau folder foto yang akan dibingkai (atau --people FILE.csv).")
    suffix = "." + (ext or "jpg").lower().lstrip(".")
    if people:
        named = read_people(people)
        jobs = [replace(j, output=out / f"{j.output}{suffix}") for j in named]
        return _no_overwrite(Plan(jobs))
    files, skipped = collect_photos(photos)
    single = len(photos) == 1 and not Path(photos[0]).is_dir() and not out.is_dir() and out.suffix != ""
    if single:
        if ext and out.suffix.lower() != suffix:
            raise NetralError(f"--ext {ext} tidak cocok dengan nama keluaran {out}.")
        encode_check = out.suffix.lower()
        if encode_check not in OUTPUT_SUFFIXES:
            raise NetralError(f"{out}: akhiran {encode_check} tidak didukung; pakai .jpg, .png atau .webp.")
        return _no_overwrite(Plan([PhotoJob(files[0], out)], single=True))
    if not files:
        raise NetralError(f"Tidak ada foto di {', '.join(map(str, photos))}.")
    used: set[str] = set()
    jobs = [PhotoJob(f, out / f"{unique_stem(f.stem, used)}{suffix}") for f in files]
    return _no_overwrite(Plan(jobs, skipped))


def _no_overwrite(plan: Plan) -> Plan:
    # A photo is its owner's: never write a framed picture over an original.
    originals = {j.photo.resolve() for j in plan.jobs}
    for job in plan.jobs:
        if job.output.resolve() in originals:
            raise NetralError(f"{job.output}: keluaran akan menimpa foto asli; pilih folder atau nama keluaran lain.")
    return plan


def read_people(csv_path: str | Path) -> list[PhotoJob]:
    """A humas CSV (columns photo, name, optional unit; photo paths relative to the CSV) -> jobs
    whose output is only a file name (slug of the person's name, made unique)."""
    csv_path = Path(csv_path)
    try:
        with csv_path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise NetralError(f"Berkas CSV {csv_path} tidak ada.") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise NetralError(f"{csv_path} bukan CSV UTF-8 yang valid ({exc}). Simpan ulang sebagai CSV UTF-8.") from None
    if not rows or not {"photo", "name"} <= set(rows[0]):
        raise NetralError(f"{csv_path} harus punya kolom photo dan name (unit boleh ada) dan minimal satu baris.")
    jobs = []
    used: set[str] = set()
    for line, row in enumerate(rows, 2):
        photo, name = (row.get("photo") or "").strip(), " ".join((row.get("name") or "").split())
        if not photo or not name:
            raise NetralError(f"{csv_path}, baris {line}: kolom photo dan name wajib diisi.")
        stem = unique_stem(slugify(name) or f"orang-{line - 1}", used)
        jobs.append(PhotoJob(csv_path.parent / photo, Path(stem), name, " ".join((row.get("unit") or "").split())))
    return jobs


def unique_stem(stem: str, used: set[str]) -> str:
    """`stem`, or `stem-2`, `stem-3`… if already used (compared without case); records it in `used`."""
    candidate, n = stem, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate


def run_jobs(
    jobs: Iterable[PhotoJob],
    frame_for: Callable[[PhotoJob], Frame],
    placement: Placement = CENTRED,
    limits: Limits = LIMITS,
) -> Iterator[PhotoResult]:
    """Frame and write each job; one refused photo is reported in its result and never stops the rest."""
    for job in jobs:
        try:
            framed = frame_photo(job.photo, frame_for(job), placement, limits=limits)
            write_atomic(job.output, encode_framed(framed.image, job.output.suffix))
        except NetralError as exc:
            yield PhotoResult(job, error=str(exc))
            continue
        except OSError as exc:
            yield PhotoResult(job, error=f"{job.output}: tidak bisa ditulis ({exc.strerror or exc}).")
            continue
        yield PhotoResult(job, framed.warnings, placement=framed.placement)
