"""Benchmark: memory per photo, on the CLI and on the server (issue 16), for the worst photos the limits
accept. Peak and after-burst resident memory (RSS), measured by the kernel, not estimated.

Photos (made here, in a temporary folder):
  png-7000      7000×7000 RGB PNG, flat (≈180 KB): 49 MP, the pixel limit; decoded whole (PNG cannot be
                decoded smaller), 187 MB by decode.decode_cost
  jpeg-prog-9000  9000×9000 progressive JPEG (4:2:0): libjpeg holds every coefficient (232 MB) whatever
                the scale; decoded at 1/8
  jpeg-12000    12000×12000 baseline JPEG: 144 MP, decoded at 1/8 (a progressive one is refused: 420 MB)

CLI: `netral frame` once per photo, peak RSS of the child (getrusage), and a small photo's as baseline.
Server: `netral serve` in its own process; RSS and peak (VmHWM, reset through /proc/PID/clear_refs)
around one upload, then eight concurrent uploads, then 3 s later (memory back to baseline?).

    .venv/bin/python benchmarks/bench_memory.py [--only png-7000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import Server  # noqa: E402

AGENCY = "kabupaten-sleman"


def make_photos(folder: Path) -> dict[str, Path]:
    """Made in a child process: Linux keeps a process's peak RSS across fork and exec, so the CLI's
    children must not be forked from a parent that once held a 12000×12000 picture."""
    code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_memory as b; b._make({str(folder)!r})"
    subprocess.run([sys.executable, "-c", code], check=True)
    names = {"small": "small.jpg", "png-7000": "png-7000.png", "jpeg-prog-9000": "jpeg-prog-9000.jpg",
             "jpeg-12000": "jpeg-12000.jpg"}
    return {name: folder / file for name, file in names.items()}


def _make(folder: str) -> None:
    folder = Path(folder)
    photos = {}
    small = Image.new("RGB", (900, 700), (40, 90, 160))
    photos["small"] = folder / "small.jpg"
    small.save(photos["small"], quality=90)

    image = Image.new("RGB", (7000, 7000), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.ellipse([1500, 1500, 5500, 5500], fill=(240, 200, 120))
    draw.rectangle([0, 0, 2000, 3000], fill=(200, 30, 30))
    photos["png-7000"] = folder / "png-7000.png"
    image.save(photos["png-7000"])
    del image, draw

    for name, side, progressive in (("jpeg-prog-9000", 9000, True), ("jpeg-12000", 12000, False)):
        image = Image.new("RGB", (side, side), (40, 90, 160))
        ImageDraw.Draw(image).ellipse([side // 4, side // 4, 3 * side // 4, 3 * side // 4], fill=(240, 200, 120))
        photos[name] = folder / f"{name}.jpg"
        image.save(photos[name], quality=85, progressive=progressive)
        del image


def cli_peak_mb(photo: Path, out: Path) -> tuple[float, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-m", "netral_assets", "frame", str(photo), "-a", AGENCY, "-o", str(out)],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    error = child.stderr.read().decode().strip().splitlines()
    child.stderr.close()
    return usage.ru_maxrss / 1024, (error[-1] if status else "ok")


def _status(pid: int) -> dict[str, float]:
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def upload(base: str, data: bytes, name: str, results: list) -> None:
    with httpx.Client(base_url=base, timeout=300) as client:
        t0 = time.perf_counter()
        response = client.post("/api/v1/frame", data={"agency": AGENCY}, files={"photo": (name, data, "image/jpeg")})
        results.append((response.status_code, time.perf_counter() - t0))


def server_figures(photos: dict[str, Path], only: list[str]) -> None:
    server = Server()
    pid = server.process.pid
    try:
        small = photos["small"].read_bytes()
        for _ in range(3):
            upload(server.base, small, "small.jpg", [])
        time.sleep(1)
        baseline = _status(pid)["VmRSS"]
        print(f"server baseline (warm, a small photo framed)      RSS {baseline:7.0f} MB")
        for name in only:
            data = photos[name].read_bytes()
            for clients in (1, 8):
                reset_peak(pid)
                results: list = []
                threads = [threading.Thread(target=upload, args=(server.base, data, photos[name].name, results))
                           for _ in range(clients)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                peak = _status(pid)["VmHWM"]
                time.sleep(3)
                after = _status(pid)["VmRSS"]
                codes = sorted(code for code, _ in results)
                slowest = max(seconds for _, seconds in results)
                print(f"server {name:<15} × {clients}  peak {peak:7.0f} MB (+{peak - baseline:5.0f})   "
                      f"3 s after {after:7.0f} MB (+{after - baseline:4.0f})   answers {codes}  slowest {slowest:5.1f} s")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="photo name (png-7000, jpeg-prog-9000, jpeg-12000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        photos = make_photos(folder)
        only = args.only or ["png-7000", "jpeg-prog-9000", "jpeg-12000"]
        for name in only:
            print(f"photo {name:<15} {photos[name].stat().st_size / 1024:8.0f} KB")
        base_mb, _ = cli_peak_mb(photos["small"], folder / "out.jpg")
        print(f"CLI baseline (small photo)                        peak {base_mb:7.0f} MB")
        for name in only:
            peak, result = cli_peak_mb(photos[name], folder / "out.jpg")
            print(f"CLI {name:<15}                               peak {peak:7.0f} MB (+{peak - base_mb:5.0f})   {result}")
        server_figures(photos, only)


if __name__ == "__main__":
    main()
