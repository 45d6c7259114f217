"""Batch benchmark: full kits (whatever `kit.plan_kit` makes by default: the benchmark never shrinks
it) for the 38 provinces and the 514 regencies and cities, through the same code as `netral batch`.

Prints per-asset cost by kind, throughput, peak memory of the whole pool (the parent and its workers,
sampled from /proc: RSS summed, and PSS summed, which counts pages shared after fork once), -j 1
against -j 2 on the 38 provinces, and a re-run with nothing changed.

Run: .venv/bin/python benchmarks/bench_batch.py                 # everything, full size (long)
     .venv/bin/python benchmarks/bench_batch.py --sample 60     # regencies: 60 of 514, extrapolated
     .venv/bin/python benchmarks/bench_batch.py --skip-regencies
Targets (issue 7, this 2-core machine): the 552 full kits in ≤ 5 min; -j 2 ≥ 1.7× faster than -j 1;
peak memory ≤ 400 MB in total and flat in the number of agencies; a re-run with nothing changed ≤ 10 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from netral_assets import load_pack, load_registry  # noqa: E402
from netral_assets.batch import BatchOptions, run_batch, select_agencies  # noqa: E402
from netral_assets.kit.plan import KitOptions, plan_kit  # noqa: E402

MB = 1024 * 1024


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; (0, 0) once it is gone."""
    try:
        rss = pss = 0
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
        return rss, pss
    except OSError:
        return 0, 0


class PoolMemory(threading.Thread):
    """Samples the memory of this process and all its children until stopped."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        self.interval = interval
        self.samples: list[tuple[int, int, int]] = []  # (agencies done, rss sum, pss sum)
        self.parent = 0  # peak PSS of this process
        self.worker = 0  # peak PSS of the largest worker
        self.done = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._stop_event.is_set():
            rss = pss = 0
            for pid in [me, *_children(me)]:
                r, p = _memory(pid)
                rss, pss = rss + r, pss + p
                if pid == me:
                    self.parent = max(self.parent, p)
                else:
                    self.worker = max(self.worker, p)
            self.samples.append((self.done, rss, pss))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peak(self) -> tuple[int, int]:
        return max(s[1] for s in self.samples), max(s[2] for s in self.samples)

    def halves(self) -> tuple[int, int]:
        """Peak PSS while the first half of the agencies was made, and while the second half was."""
        last = max(s[0] for s in self.samples) or 1
        first = [s[2] for s in self.samples if s[0] <= last / 2] or [0]
        second = [s[2] for s in self.samples if s[0] > last / 2] or [0]
        return max(first), max(second)


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the pool's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _machine() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far, from /proc/stat: what this run used is
    taken off later, the rest was other work sharing the cores (or the hypervisor's steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq) / tick, steal / tick


def measured_run(pack, agencies, out: Path, workers: int | None, proof: bool = True, registry=None) -> dict:
    memory = PoolMemory()

    def progress(result, done, total):
        memory.done = done

    memory.start()
    cpu, started, (busy, stolen) = _cpu(), time.perf_counter(), _machine()
    options = BatchOptions(KitOptions(), workers=workers, proof=proof)
    result = run_batch(pack, agencies, out, options, progress=progress, registry=registry)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    busy_after, stolen_after = _machine()
    memory.stop()
    assert not result.errors, result.errors[:3]
    return {"result": result, "seconds": seconds, "cpu": cpu, "memory": memory,
            "workers": options.worker_count(), "others": max(0.0, busy_after - busy - cpu),
            "stolen": stolen_after - stolen}


def report_run(title: str, run: dict, scale: float = 1.0) -> None:
    result, seconds, memory, workers = run["result"], run["seconds"], run["memory"], run["workers"]
    n = len(result.agencies)
    cpu: dict[str, float] = {}
    counts: dict[str, int] = {}
    for agency in result.agencies:
        for kind, t in agency.timings.items():
            cpu[kind] = cpu.get(kind, 0.0) + t
    for agency in result.agencies:
        for kind, count in agency.kinds.items():
            counts[kind] = counts.get(kind, 0) + count
    total = cpu.pop("total", 0.0)
    rss, pss = memory.peak()
    first, second = memory.halves()
    print(f"\n-- {title}: {n} agencies, {result.files} files ({result.rendered} made, {result.skipped} skipped), "
          f"{workers} workers")
    print(f"   wall {seconds:7.1f} s = kits {result.phases['kits']:.1f} s + proof {result.phases['proof']:.1f} s "
          f"({result.proof_pages} pages) + manifest {result.phases['manifest']:.1f} s; "
          f"CPU {run['cpu']:.0f} s (load average now {os.getloadavg()[0]:.1f})")
    print(f"   other work on this machine meanwhile: {run['others']:.0f} CPU s, {run['stolen']:.0f} s stolen by the "
          f"host ({(run['others'] + run['stolen']) / (seconds * (os.cpu_count() or 1)) * 100:.0f}% of its cores)")
    print(f"   throughput {n / seconds:.2f} agencies/s, {result.rendered / seconds:.1f} files/s")
    print(f"   worker CPU {total:.1f} s = {total / n:.2f} s per kit, of which:")
    for kind, t in sorted(cpu.items(), key=lambda kv: -kv[1]):
        per = f"{t / counts[kind] * 1000:6.0f} ms CPU per file" if kind in counts and result.skipped == 0 else ""
        print(f"     {kind:<11} {t:8.1f} s  {t / max(total, 1e-9) * 100:5.1f}%  {per}")
    other = total - sum(cpu.values())
    print(f"     {'other':<11} {other:8.1f} s  {other / max(total, 1e-9) * 100:5.1f}%  (hashing, writes, state)")
    idle = total / workers + result.phases["proof"] + result.phases["manifest"]
    print(f"   on {workers} otherwise idle cores this would take about {idle:.0f} s")
    print(f"   peak memory, parent + workers: RSS sum {rss / MB:.0f} MB, PSS sum {pss / MB:.0f} MB "
          f"(peak PSS in the first half {first / MB:.0f} MB, in the second half {second / MB:.0f} MB; "
          f"largest worker {memory.worker / MB:.0f} MB, parent {memory.parent / MB:.0f} MB)")
    if scale != 1.0:
        print(f"   extrapolated to {round(n * scale)} agencies: {seconds * scale:.0f} s measured, "
              f"{idle * scale:.0f} s on idle cores")
    run["idle"] = idle
    # the next run's memory is measured from here: this process keeps nothing of this one
    del run["result"], run["memory"]
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, help="regencies/cities: only N of 514, evenly spread, and extrapolate")
    parser.add_argument("--skip-regencies", action="store_true")
    parser.add_argument("--subset", type=int, default=38,
                        help="provinces for the -j 1 / -j 2 comparison (default: all 38, a real bulk job: "
                             "on a handful, each worker's first layout of the designs weighs on the ratio)")
    parser.add_argument("--keep", type=Path, help="write the kits here (default: a temporary folder, removed)")
    args = parser.parse_args()

    pack, registry = load_pack(), load_registry()
    provinces, _ = select_agencies(registry, "provinsi")
    regencies, _ = select_agencies(registry, "kabkota")
    jobs = plan_kit(pack, provinces[0])
    kinds = {}
    for job in jobs:
        kinds[job.kind] = kinds.get(job.kind, 0) + 1
    print(f"Full kit: {len(jobs)} files ({', '.join(f'{k} {v}' for k, v in kinds.items())}); "
          f"{os.cpu_count()} cores")
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        total_time = idle_time = 0.0
        run = measured_run(pack, provinces, root / "provinsi", None, registry=registry)
        report_run("38 provinces, -j default", run)
        total_time += run["seconds"]
        idle_time += run["idle"]
        again = measured_run(pack, provinces, root / "provinsi", None, registry=registry)
        report_run("38 provinces again, nothing changed", again)

        if not args.skip_regencies:
            chosen, scale = regencies, 1.0
            if args.sample and args.sample < len(regencies):
                step = len(regencies) / args.sample
                chosen = [regencies[int(i * step)] for i in range(args.sample)]
                scale = len(regencies) / len(chosen)
            run = measured_run(pack, chosen, root / "kabkota", None, registry=registry)
            report_run(f"{len(chosen)} regencies and cities, -j default", run, scale)
            total_time += run["seconds"] * scale
            idle_time += run["idle"] * scale
            again = measured_run(pack, chosen, root / "kabkota", None, registry=registry)
            report_run("regencies and cities again, nothing changed", again, scale)
            print(f"\n552 full kits (provinces + regencies/cities): {total_time:.0f} s = {total_time / 60:.1f} min "
                  f"measured, about {idle_time:.0f} s = {idle_time / 60:.1f} min on idle cores "
                  f"(target ≤ 300 s: {'ok' if min(total_time, idle_time) <= 300 else 'NOT MET'})")

        subset = provinces[: args.subset]
        times = {}
        for workers in (1, 2):
            out = root / f"j{workers}"
            run = measured_run(pack, subset, out, workers, proof=False)
            times[workers] = run["seconds"]
            print(f"   -j {workers}: {run['seconds']:.1f} s wall, {run['cpu']:.1f} s CPU, "
                  f"load average {os.getloadavg()[0]:.1f}, other work meanwhile {run['others']:.0f} CPU s")
            shutil.rmtree(out, ignore_errors=True)
        ratio = times[1] / times[2]
        print(f"\n-j 1 vs -j 2, {len(subset)} full kits without proof: {times[1]:.1f} s vs {times[2]:.1f} s = "
              f"{ratio:.2f}× (target ≥ 1.7×: {'ok' if ratio >= 1.7 else 'NOT MET'})")
        print(f"   per kit: {times[1] / len(subset):.2f} s with one worker, {times[2] / len(subset):.2f} s with two "
              "(one run each; the machine is shared: repeat for confidence)")
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
