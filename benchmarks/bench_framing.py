"""Benchmark: a 12-megapixel phone JPEG (EXIF orientation 6) -> framed 1080×1080 JPEG, in a warm process.

Side by side, in the same run, the approach common in open-source twibbon tools: full decode,
exif_transpose, full-size crop, LANCZOS resize, paste, PNG. Prints both medians, their ratio, and the
peak memory one photo adds (measured in a child process, with the kernel's peak-RSS counter reset
just before the photo). Targets (issue 5): <= 120 ms median, >= 4x, <= 80 MB.

    .venv/bin/python benchmarks/bench_framing.py [--runs 15]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import phone_photo_jpeg  # noqa: E402

from netral_assets.photo.frame import Frame, encode_framed, frame_photo  # noqa: E402


def naive_frame(photo: Path, frame: Frame) -> bytes:
    """What most twibbon scripts do: decode everything, rotate, crop at full size, LANCZOS, PNG."""
    with Image.open(photo) as opened:
        image = ImageOps.exif_transpose(opened)
    w = frame.window
    target = w.width / w.height
    if image.width / image.height > target:
        cw, ch = round(image.height * target), image.height
    else:
        cw, ch = image.width, round(image.width / target)
    left, top = (image.width - cw) // 2, (image.height - ch) // 2
    image = image.crop((left, top, left + cw, top + ch)).resize((round(w.width), round(w.height)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", frame.size, (255, 255, 255, 255))
    canvas.paste(image, (round(w.x), round(w.y)))
    canvas = Image.alpha_composite(canvas, frame.image)
    out = io.BytesIO()
    canvas.save(out, "PNG")
    return out.getvalue()


def ours(photo: Path, frame: Frame) -> bytes:
    return encode_framed(frame_photo(photo, frame).image, ".jpg")


def load_rendered_frame(work: Path) -> Frame:
    """The Sleman twibbon, rendered once and kept as PNG so the child process needs no WeasyPrint."""
    cached = work / "frame.png"
    meta = work / "frame.json"
    if not cached.exists():
        from netral_assets.assets.twibbon import load_frame
        from netral_assets.model.agencies import load_registry
        from netral_assets.model.pack import load_pack

        frame = load_frame(load_pack(), load_registry().find("34.04"), None, "square")
        frame.image.save(cached)
        meta.write_text(json.dumps(frame.window.as_dict()))
    from netral_assets.model.designs import Window

    with Image.open(cached) as image:
        return Frame(image.copy(), Window(**json.loads(meta.read_text())))


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure_memory(approach: str, work: Path) -> None:
    """Child process: RSS peak added by framing one photo, in MB, printed as JSON."""
    frame = load_rendered_frame(work)
    photo = work / "phone.jpg"
    function = ours if approach == "ours" else naive_frame
    # Libraries imported, decoders registered and the frame's layers made: what stays is one photo's cost.
    from netral_assets.photo.decode import _decoders

    _decoders()
    frame.compose(Image.new("RGB", (frame.box[2] - frame.box[0], frame.box[3] - frame.box[1])))
    before = _rss_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    function(photo, frame)
    print(json.dumps({"peak_mb": (_rss_kb("VmHWM") - before) / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--memory-child", choices=["ours", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        measure_memory(args.memory_child, args.work)
        return

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        photo = work / "phone.jpg"
        photo.write_bytes(phone_photo_jpeg())
        frame = load_rendered_frame(work)
        print(f"photo: 4000×3000 JPEG, orientation 6, {photo.stat().st_size / 1e6:.1f} MB; frame 1080×1080")

        for _ in range(2):  # warm both paths
            ours(photo, frame)
            naive_frame(photo, frame)
        rss_start = _rss_kb("VmRSS")
        times: dict[str, list[float]] = {"ours": [], "naive": []}
        for _ in range(args.runs):  # interleaved, so both see the same machine state
            for name, function in (("ours", ours), ("naive", naive_frame)):
                started = time.perf_counter()
                function(photo, frame)
                times[name].append((time.perf_counter() - started) * 1000)
        rss_growth = (_rss_kb("VmRSS") - rss_start) / 1024

        fast, slow = statistics.median(times["ours"]), statistics.median(times["naive"])
        peaks = {}
        for name in ("ours", "naive"):
            out = subprocess.run(
                [sys.executable, __file__, "--memory-child", name, "--work", str(work)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            peaks[name] = json.loads(out)["peak_mb"]

    print(
        f"netral frame (draft decode, crop, one affine, JPEG q90): median {fast:6.1f} ms "
        f"(min {min(times['ours']):.1f}, {args.runs} runs), peak +{peaks['ours']:.0f} MB"
    )
    print(
        f"naive (full decode, exif_transpose, crop, LANCZOS, PNG): median {slow:6.1f} ms "
        f"(min {min(times['naive']):.1f}, {args.runs} runs), peak +{peaks['naive']:.0f} MB"
    )
    print(f"ratio: {slow / fast:.1f}× faster")
    print(f"RSS growth over {2 * args.runs} framings in one process: {rss_growth:+.1f} MB")
    verdicts = [
        ("median <= 120 ms", fast <= 120),
        ("ratio >= 4x", slow / fast >= 4),
        ("peak <= 80 MB", peaks["ours"] <= 80),
    ]
    print("targets: " + ", ".join(f"{label}: {'ok' if ok else 'MISSED'}" for label, ok in verdicts))


if __name__ == "__main__":
    main()
