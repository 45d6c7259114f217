"""Signing (issue 19): warm process, one core; per asset kind the median cost of signing, of writing
the file unsigned (write_atomic) and signed (sign_bytes + write_atomic), their ratio, and signing as a
share of building and writing the asset (what a kit or batch run pays: the goal is at most 10%).

Kinds: feed poster PNG / JPEG / WebP (C2PA, no thumbnail), A4 poster PDF and PDF/A leaflet (PAdES,
incremental), a kit's manifest.json (detached CMS, .p7s). A test identity made in a temporary folder.

Then the national batch's cost (`--batch`, on by default): full kits for a fixed set of agencies (the
regencies and city of one province, DIY by default: `--province 34`) through `run_batch`, exactly as
`netral batch` makes them, without and with `--identity`, alternating, `--batch-runs` times each, every
run into a fresh folder (nothing skipped), one worker (the cost, not the parallelism). Prints the medians
of wall time and of the workers' CPU time, their ratio (goal: signed at most 10% slower) and the machine's
load average before and after (the machine is shared: a high load makes wall times noisy, CPU times less).

Run: .venv/bin/python benchmarks/bench_signing.py [--runs N] [--batch-runs N] [--province CODE] [--no-batch]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import median_ms, pin_one_core  # noqa: E402

from netral_assets import build_leaflet, build_poster, load_pack, load_registry  # noqa: E402
from netral_assets.files import write_atomic  # noqa: E402
from netral_assets.provenance import asset_claims, init_identity, load_identity, sign_bytes, sign_detached  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--batch-runs", type=int, default=3, help="batch runs per configuration (median)")
    parser.add_argument("--province", default="34", help="the province whose regencies and cities are batched")
    parser.add_argument("--no-batch", action="store_true", help="only the per-asset table")
    args = parser.parse_args()
    if not args.no_batch:
        batch_cost(args.province, args.batch_runs)  # before pinning: the batch's worker is a process of its own
    pin_one_core()
    pack, agency = load_pack(), load_registry().find("34.04")
    builders = {
        "poster feed .png": lambda: build_poster(pack, agency, "statistik", "feed", ".png"),
        "poster feed .jpg": lambda: build_poster(pack, agency, "statistik", "feed", ".jpg"),
        "poster feed .webp": lambda: build_poster(pack, agency, "statistik", "feed", ".webp"),
        "poster a4 .pdf": lambda: build_poster(pack, agency, "larangan", "a4", ".pdf"),
        "leaflet trifold .pdf (PDF/A)": lambda: build_leaflet(pack, agency, pdfa=True),
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        identity = load_identity(init_identity(agency.name, tmp / "identity"))
        print(f"{'kind':<30} {'size':>8} {'build':>9} {'sign':>8} {'write':>8} {'signed write':>13} "
              f"{'ratio':>7} {'sign/build+write':>17}")
        entries = []
        for label, build in builders.items():
            asset = build()
            ext = Path(asset.name).suffix
            claims = asset_claims(asset, agency, pack.name)
            out = tmp / asset.name
            build_ms = median_ms(build, runs=max(5, args.runs // 5))
            sign_ms = median_ms(lambda a=asset, e=ext, c=claims: sign_bytes(a.data, e, identity, c), runs=args.runs)
            write_ms = median_ms(lambda a=asset, o=out: write_atomic(o, a.data), runs=args.runs)
            signed_ms = median_ms(lambda a=asset, e=ext, c=claims, o=out:
                                  write_atomic(o, sign_bytes(a.data, e, identity, c)), runs=args.runs)
            _row(label, len(asset.data), build_ms, sign_ms, write_ms, signed_ms)
            entries.append({"path": asset.name, "sha256": asset.sha256})
        manifest = json.dumps({"files": entries * 40}, indent=2).encode()  # ~ a kit's 200 files
        sign_ms = median_ms(lambda: sign_detached(manifest, identity), runs=args.runs)
        write_ms = median_ms(lambda: write_atomic(tmp / "manifest.json", manifest), runs=args.runs)
        signed_ms = median_ms(lambda: (write_atomic(tmp / "manifest.json", manifest),
                                       write_atomic(tmp / "manifest.json.p7s", sign_detached(manifest, identity))),
                              runs=args.runs)
        _row("manifest.json (+ .p7s)", len(manifest), None, sign_ms, write_ms, signed_ms)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def batch_cost(province: str, runs: int) -> None:
    """The national batch without and with an identity: medians, ratio, load."""
    from netral_assets.batch import BatchOptions, run_batch
    from netral_assets.kit.plan import KitOptions

    pack, registry = load_pack(), load_registry()
    agencies = registry.select("kabkota", province)
    names = ", ".join(a.short_name for a in agencies)
    print(f"National batch cost: {len(agencies)} full kits ({names}), one worker, fresh folder each run, "
          f"{runs} runs per configuration, alternating; {os.cpu_count()} cores")
    load_before = os.getloadavg()
    results: dict[str, list[tuple[float, float, int]]] = {"unsigned": [], "signed": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        identity = init_identity(agencies[0].name, tmp / "identity")
        # one warm-up run (fonts, caches on disk) that is not counted
        run_batch(pack, agencies[:1], tmp / "warm", BatchOptions(KitOptions(), workers=1, proof=False), registry=registry)
        for index in range(runs):
            for label in ("unsigned", "signed") if index % 2 == 0 else ("signed", "unsigned"):
                out = tmp / f"{label}-{index}"
                kit = KitOptions(identity=str(identity) if label == "signed" else None)
                cpu, started = _children_cpu(), time.perf_counter()
                result = run_batch(pack, agencies, out, BatchOptions(kit, workers=1, proof=False), registry=registry)
                wall, cpu = time.perf_counter() - started, _children_cpu() - cpu
                if result.errors:  # e.g. a template edited under a running benchmark: that run is not counted
                    print(f"   {label:<8} run {index + 1}: {len(result.errors)} errors, not counted "
                          f"({result.errors[0]['file']}: {result.errors[0]['message'][:80]})")
                    shutil.rmtree(out, ignore_errors=True)
                    continue
                worker_cpu = sum(a.timings.get("total", 0.0) for a in result.agencies)
                results[label].append((wall, worker_cpu or cpu, result.files))
                print(f"   {label:<8} run {index + 1}: {wall:6.1f} s wall, {worker_cpu or cpu:6.1f} s worker CPU, "
                      f"{result.files} files, load {os.getloadavg()[0]:.2f}")
                shutil.rmtree(out, ignore_errors=True)
    load_after = os.getloadavg()
    if not (results["unsigned"] and results["signed"]):
        print("   no complete pair of runs: nothing to compare\n")
        return
    wall = {k: statistics.median(r[0] for r in v) for k, v in results.items()}
    cpu = {k: statistics.median(r[1] for r in v) for k, v in results.items()}
    files = results["signed"][0][2]
    for label in ("unsigned", "signed"):
        print(f"   {label:<8} median {wall[label]:6.1f} s wall ({wall[label] / len(agencies):.2f} s per kit), "
              f"{cpu[label]:6.1f} s worker CPU ({cpu[label] / files * 1000:.0f} ms per file)")
    ratio_wall, ratio_cpu = wall["signed"] / wall["unsigned"], cpu["signed"] / cpu["unsigned"]
    # Judged on CPU time: on this shared machine the wall time mostly measures the other work.
    verdict = "ok" if ratio_cpu <= 1.10 else "NOT MET"
    print(f"   signed / unsigned: {ratio_wall:.3f}x wall, {ratio_cpu:.3f}x worker CPU (goal <= 1.10 on CPU: {verdict}); "
          f"load average before {load_before[0]:.2f} / {load_before[1]:.2f}, after {load_after[0]:.2f} / "
          f"{load_after[1]:.2f} (1 / 5 min)\n")


def _row(label, size, build_ms, sign_ms, write_ms, signed_ms) -> None:
    share = f"{100 * sign_ms / (build_ms + write_ms):16.1f}%" if build_ms else f"{'-':>17}"
    build = f"{build_ms:7.1f}ms" if build_ms else f"{'-':>9}"
    print(f"{label:<30} {size // 1024:>6}KB {build} {sign_ms:6.2f}ms {write_ms:6.2f}ms {signed_ms:11.2f}ms "
          f"{signed_ms / write_ms:6.1f}x {share}")


if __name__ == "__main__":
    main()
