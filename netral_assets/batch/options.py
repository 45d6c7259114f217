"""What a batch is asked and what it answers: a selection of agencies (`select_agencies`), how the run
goes (`BatchOptions`), where each kit goes (`agency_folder`), and the results (`AgencyResult`,
`BatchResult`, errors as lines).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetralError
from ..kit.plan import KitOptions
from ..model.agencies import Agency, Registry, read_agency_csv

BATCH_LEVELS = ("provinsi", "kabkota", "pusat", "semua")
PUSAT_FOLDER = "pusat"
OTHER_FOLDER = "lainnya"  # units of a CSV that name no province
STATE_DIR = ".netral"  # thumbnails and proof pieces; hidden, never zipped or listed
MANIFEST = "manifest.json"
PROOF = "proof.pdf"


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
    overrides: list[str] = field(default_factory=list)  # regional override folders that applied
    draft: bool = False  # a file of the kit carries the draft mark
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
    def draft(self) -> bool:
        return any(a.draft for a in self.agencies)

    @property
    def failed_agencies(self) -> list[AgencyResult]:
        return [a for a in self.agencies if a.errors]


def select_agencies(registry: Registry, level: str | None = None, province: str | None = None,
                    agencies_csv: str | Path | None = None) -> tuple[list[Agency], list[dict]]:
    """The agencies of `level` (in `province`), plus the units of `agencies_csv`, in reading order
    (`Registry.select`); and the CSV rows that could not be read, as errors (the other rows still count)."""
    if level is None and agencies_csv is None:
        raise NetralError(f"Pilih --level ({', '.join(BATCH_LEVELS)}) atau beri --agencies FILE.csv.")
    if level is not None and level not in BATCH_LEVELS:
        raise NetralError(f"Tingkat '{level}' tidak dikenal; pilih: {', '.join(BATCH_LEVELS)}.")
    # Resolved before the CSV's units join the registry: a unit may carry the province's name.
    province_slug = registry.province_slug(province) if province else None
    units: list[Agency] = []
    errors: list[dict] = []
    if agencies_csv is not None:
        messages: list[str] = []
        for unit in read_agency_csv(agencies_csv, registry, errors=messages):
            try:
                registry.add(unit)
            except NetralError as exc:
                messages.append(str(exc))
                continue
            units.append(unit)
        errors = [{"agency": None, "name": None, "file": None, "message": m} for m in messages]
    chosen = registry.select(level, province_slug, units)
    if not chosen and not errors:
        if level is None:  # only a CSV, and it has no rows
            raise NetralError(f"Berkas {Path(agencies_csv).name} tidak berisi satu baris instansi pun. Isi kolom "
                              "name (satu instansi per baris), atau pilih --level.")
        where = f" di provinsi {province}" if province else ""
        raise NetralError(f"Tidak ada instansi tingkat {level}{where}. Periksa --level dan --province.")
    return chosen, errors


def agency_folder(agency: Agency) -> str:
    """The agency's folder relative to DIR: <province-slug>/<agency-slug>, pusat/<slug>, lainnya/<slug>."""
    if agency.level == "pusat":
        return f"{PUSAT_FOLDER}/{agency.slug}"
    return f"{agency.province or OTHER_FOLDER}/{agency.slug}"


def agency_files(out: Path, result: AgencyResult) -> list[dict]:
    """The files an agency's manifest lists (what its worker just wrote)."""
    try:
        return json.loads((out / result.folder / MANIFEST).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return []


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
