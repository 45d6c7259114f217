"""Shared timing helpers: warm up, then report medians (the machine is shared and noisy)."""

from __future__ import annotations

import io
import os
import statistics
import time

from PIL import ExifTags, Image, ImageDraw, ImageFilter


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


# CPU time of this process and its children (Chromium, workers): on a shared machine wall time also
# counts waiting for a core.
_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds() -> float:
    """CPU time (user + system) of this process and every live descendant: the Playwright driver and
    all Chromium processes. On a shared machine wall time also counts waiting for the core; CPU time
    is what each approach costs, whoever else is running."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)  # ppid
        cpu[pid] = (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime
    total, stack = 0.0, [os.getpid()]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack.extend(children.get(pid, []))
    return total


def median_cpu_ms(func, runs: int, warmup: int = 2, clock=time.process_time) -> float:
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        c0 = clock()
        func()
        times.append((clock() - c0) * 1000)
    return statistics.median(times)


def phone_photo_jpeg() -> bytes:
    """A 12 MP JPEG stored sideways (orientation 6), textured so it decodes like a real photo."""
    width, height = 4000, 3000
    noise = Image.effect_noise((width // 2, height // 2), 60).resize((width, height), Image.Resampling.BILINEAR)
    base = Image.merge("RGB", [Image.linear_gradient("L").resize((width, height)),
                               Image.linear_gradient("L").rotate(90).resize((width, height)),
                               Image.radial_gradient("L").resize((width, height))])
    draw = ImageDraw.Draw(base)
    for i in range(40):
        x, y = (i * 977) % width, (i * 613) % height
        draw.ellipse([x, y, x + 300 + i * 7, y + 200 + i * 5], fill=((i * 53) % 255, (i * 91) % 255, (i * 17) % 255))
    photo = Image.blend(base.filter(ImageFilter.GaussianBlur(2)), Image.merge("RGB", [noise] * 3), 0.35)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


CHROMIUM = "/usr/bin/chromium"  # Debian's; a benchmark never downloads a browser


def chromium_missing() -> str | None:
    """Why the headless-Chromium comparison cannot run here, or None when it can."""
    import shutil

    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright tidak terpasang: .venv/bin/pip install playwright (tanpa mengunduh browser)."
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} tidak ada: apt-get install -y chromium."
    return None
