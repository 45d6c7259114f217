"""The run: a selection of agencies + `BatchOptions` -> their kits under DIR, the proof sheet and the
national manifest (`run_batch`), one run at a time per folder (a lock).

A run is resumable: each kit folder's manifest records what is done (`kit.write_kit`), the proof's
pieces and the ZIPs are reused when unchanged, and everything is written atomically, so a run killed
at any moment leaves whole files only, and the next run finishes the job. One agency failing does not
stop the others: errors are collected into the result and the manifest.
"""

from __future__ import annotations

import fcntl
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import NetralError
from ..files import disk_error, remove_partial_files
from ..kit.build import describe_error
from ..kit.manifest import read_manifest
from ..kit.plan import plan_kit
from ..model.agencies import Agency, Registry
from ..model.pack import Pack
from . import workers
from .agency import make_agency_kit
from .national import read_run_state, write_national_manifest, write_run_state
from .options import MANIFEST, PROOF, STATE_DIR, AgencyResult, BatchOptions, BatchResult, agency_folder
from .proof import build_proof


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


def _needs_rendering(jobs: list, agency: Agency, out: Path, options: BatchOptions) -> bool:
    """Whether an agency's kit (its planned `jobs`) has files to make (a re-run with nothing changed
    has none)."""
    state = read_manifest(out / agency_folder(agency), agency)
    return options.force or any(state.get(job.name, {}).get("fingerprint") != job.fingerprint for job in jobs)


def run_batch(pack: Pack, agencies: list[Agency], out: str | Path, options: BatchOptions | None = None,
              selection_errors: list[dict] | None = None, selection: dict | None = None,
              progress: Callable[[AgencyResult, int, int], None] | None = None,
              proof_progress: Callable[[int, int], None] | None = None,
              registry: Registry | None = None, stopping: Callable[[], None] | None = None) -> BatchResult:
    """Make (or bring up to date) the kits of `agencies` under `out`; see the module docstring.
    `progress(result, done, total)` after each agency, `proof_progress(done, total)` after each piece of
    the proof, `stopping()` on Ctrl-C, before the workers finish the kits in their hands."""
    options = options or BatchOptions()
    out = Path(out).resolve()
    started = time.perf_counter()
    lock = _lock(out)
    try:
        # A killed or failed run's temporary files: beside the ZIPs in DIR/<provinsi>/ (--zip), in
        # DIR/.netral/ and its thumbnails, in the kit folders (write_kit cleans its own as well).
        remove_partial_files(out, recursive=True)
        shutil.rmtree(out / STATE_DIR / "tmp", ignore_errors=True)  # a killed run's scratch files
        previous = read_run_state(out)
        previous_zips = previous.get("zips", {})
        # Imported before the workers fork, so each starts with the renderer's libraries loaded.
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401

        phases = {}
        clock = time.perf_counter()
        # Worth it when workers are replaced during the run (each replacement would lay them out
        # again); in a short run the workers lay them out in parallel instead.
        if len(agencies) > options.worker_count() * workers.WORKER_AGENCIES:
            first = plan_kit(pack, agencies[0], options.kit)
            if _needs_rendering(first, agencies[0], out, options):
                workers.warm_bodies(first[0].pack if first else pack, first)
        results = workers.run_kits(agencies, make_agency_kit, pack.user_dir, out, options, previous_zips,
                                   progress, stopping)
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
                plain = disk_error(exc, out) if isinstance(exc, OSError) else None
                message = str(exc) if isinstance(exc, NetralError) else str(plain or describe_error(exc))
                errors.append({"agency": None, "name": None, "file": PROOF,
                               "message": f"Lembar periksa tidak dapat dibuat: {message}"})
                # The last run's proof no longer shows these kits: removed, not left to mislead.
                (out / PROOF).unlink(missing_ok=True)
        phases["proof"] = time.perf_counter() - clock
        clock = time.perf_counter()
        write_national_manifest(pack, out, results, errors, selection or {}, time.perf_counter() - started, proof)
        write_run_state(out, {**previous_zips, **{r.agency["slug"]: r.zip for r in results if r.zip}}, proof)
        shutil.rmtree(out / STATE_DIR / "tmp", ignore_errors=True)
        phases["manifest"] = time.perf_counter() - clock
        return BatchResult(out, results, errors, time.perf_counter() - started, out / MANIFEST,
                           out / PROOF if proof else None, proof["pages"] if proof else 0, phases)
    finally:
        lock.close()
