"""Worker processes: agencies -> their `AgencyResult`s, made in parallel by forked worker processes
("lanes"), and any other task run with a worker's warm pack (the proof's pieces).

The lanes give three guarantees:

1. **One worker per lane, recycled.** Each lane is one worker process with at most two agencies in
   flight (one queued, so the worker never waits for the parent). A worker is replaced after
   WORKER_AGENCIES agencies, because its memory creeps up below Python; the other lanes keep working
   meanwhile.
2. **A dead worker fails only its own agency.** A worker that dies (out of memory, a crash in a C
   library, SIGKILL) is replaced; the agencies it had in flight are tried again, each *alone* on its
   lane (nothing queued with it), up to MAX_ATTEMPTS times in all. So an agency that kills every
   worker ends as an error of its own, never of the agency that happened to share its worker.
3. **Workers are forked after the parent warmed them.** Workers start by fork, with the parent's
   imported modules and, in a long run, the layered designs' bodies laid out once by the parent
   (`warm_bodies`): every worker and every replacement starts with them.

Why not a pool from the standard library or a common package:

- `concurrent.futures.ProcessPoolExecutor(max_tasks_per_child=N)` refuses the fork start method
  (ValueError), so workers would lose the warm fork (3); and one dead worker breaks the whole executor
  (`BrokenProcessPool` for every pending future), against (2). That is why each lane here is a
  single-worker executor of its own.
- `multiprocessing.Pool(maxtasksperchild=N)` forks and recycles, but a worker killed by SIGKILL or the
  OOM killer leaves its task pending forever: the run hangs instead of (2).
- loky starts workers by fork+exec (no warm fork, against 3) and its `TerminatedWorkerError` breaks the
  executor like the standard library's (against 2).
- pebble's `ProcessPool(max_tasks=…, context=fork)` would give all three, but it is LGPL-3.0; this
  project decided against adding it beside its MIT code.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..defaults import MAX_ATTEMPTS, WORKER_AGENCIES, WORKER_PIXEL_MB
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.pack import Pack, load_pack
from .options import STATE_DIR, AgencyResult, BatchOptions, agency_folder

DIED = "Proses pekerja berhenti mendadak (kehabisan memori?) saat membuat kit ini; jalankan ulang untuk mencoba lagi."

# An agency's task: (pack, out, options, agency, previous ZIP record) -> its result, in a worker.
AgencyTask = Callable[[Pack, Path, BatchOptions, Agency, dict | None], AgencyResult]

_WORKER: dict = {}


# -- in the worker -----------------------------------------------------------------------------------

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
    # flat across the pool (assets/layers.py).
    from ..assets.layers import limit_pixels

    limit_pixels(WORKER_PIXEL_MB)
    # The pack is loaded once per worker; its font configuration and caches stay warm across agencies.
    _WORKER.update(pack=load_pack(brand_dir), out=Path(out), options=options)


def in_worker(task: Callable, *args):
    """Run `task(pack, out, options, *args)` with this worker's pack, output folder and options, then
    hand the freed heap back. `task` is a module-level function (it is sent to the worker by name)."""
    try:
        return task(_WORKER["pack"], _WORKER["out"], _WORKER["options"], *args)
    finally:
        release_memory()


def release_memory() -> None:
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


# -- in the parent -----------------------------------------------------------------------------------

def warm_bodies(pack: Pack, jobs: list) -> None:
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
    release_memory()


def pool(workers: int, brand_dir, out: Path, options: BatchOptions) -> cf.ProcessPoolExecutor:
    """`workers` forked worker processes with the pack loaded (`in_worker` runs a task on one)."""
    # fork: a worker starts with the parent's imported modules and is ready at once (Linux).
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                                  initializer=_init_worker,
                                  initargs=(os.getpid(), str(brand_dir) if brand_dir else None, str(out), options))


class _Lane:
    """One worker process and the agencies in flight on it. A lane's worker is replaced after
    WORKER_AGENCIES agencies, or when it dies, on its own: the other lanes keep working meanwhile."""

    def __init__(self, task: AgencyTask, brand_dir, out: Path, options: BatchOptions):
        self.task = task
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
                self.pool, self.quota, self.broken = pool(1, *self.args), WORKER_AGENCIES, False
        # one agency queued behind the current one, so the worker never waits for the parent
        return not self.broken and not self.alone and self.quota > 0 and self.in_flight < 2

    def submit(self, agency: Agency, previous: dict | None, alone: bool = False) -> cf.Future | None:
        """The agency's future, or None when the worker has died since the lane was last asked (its
        futures fail with it a moment later; the lane is renewed once they are counted)."""
        try:
            future = self.pool.submit(in_worker, self.task, agency, previous)
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


def run_kits(agencies: list[Agency], task: AgencyTask, brand_dir, out: Path, options: BatchOptions,
             previous: dict, progress: Callable[[AgencyResult, int, int], None] | None = None,
             stopping: Callable[[], None] | None = None) -> list[AgencyResult]:
    """`task` for every agency, through worker processes, one lane each (see the module docstring).
    `previous` holds each agency's ZIP record by slug; `progress(result, done, total)` is called as
    each agency finishes, `stopping()` on Ctrl-C before the lanes finish the agencies in their hands."""
    lanes = [_Lane(task, brand_dir, out, options) for _ in range(min(options.worker_count(), max(1, len(agencies))))]
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
                    # The lane's worker died with this agency in flight: it is tried again on a new
                    # worker, up to MAX_ATTEMPTS times.
                    lane.broken = True
                    attempts[agency.slug] = attempts.get(agency.slug, 0) + 1
                    if attempts[agency.slug] < MAX_ATTEMPTS:
                        todo.insert(0, agency)
                    else:
                        record(AgencyResult(agency.as_dict(), agency_folder(agency),
                                            errors=[{"file": None, "message": DIED}]))
    except KeyboardInterrupt:
        if stopping:
            stopping()
        raise
    finally:
        for lane in lanes:
            lane.close()
    return [results[a.slug] for a in agencies]
