"""Shared timing helpers: warm up, then report medians (the machine is shared and noisy)."""

from __future__ import annotations

import os
import statistics
import time


def pin_one_core() -> None:
    """Benchmarks measure one core unless they say otherwise."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def median_ms(func, runs: int = 15, warmup: int = 2) -> float:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def report(name: str, ms: float, target: float | None = None) -> None:
    verdict = "" if target is None else ("  ok" if ms <= target else f"  OVER target {target:g} ms")
    print(f"{name:<44} median {ms:8.1f} ms{verdict}")
