"""Benchmark: the web app on a real uvicorn server (`netral serve` in its own process) over loopback.

1. A cached frame PNG: p50 and p99 of GET /frames/<design>/<agency>.png (target p50 < 5 ms), and the
   304 answer to If-None-Match.
2. POST /api/v1/frame with a 12-megapixel phone JPEG (4000×3000, EXIF orientation 6) from 1, 2 and 4
   concurrent clients (threads, one keep-alive httpx client each): throughput, p50, p99.
3. A kit ZIP: POST /api/v1/kit for the full default kit (what `netral kit` makes), and the same through
   the job API the humas page uses (start, poll, download).

    .venv/bin/python benchmarks/bench_web.py [--requests 24] [--frames 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import phone_photo_jpeg  # noqa: E402

from netral_assets.web.server import free_port  # noqa: E402

AGENCY = "kabupaten-sleman"
FRAME_TARGET_MS = 5.0




def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Server:
    """`netral serve` in a child process, so the clients here do not share its GIL."""

    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "netral_assets", "serve", "--port", str(self.port)],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError(f"netral serve did not start: {self.process.stderr.read().decode()[-2000:]}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def bench_frames(base: str, count: int) -> None:
    url = f"/frames/bundar/{AGENCY}.png"
    with httpx.Client(base_url=base) as client:
        t0 = time.perf_counter()
        first = client.get(url)
        cold = (time.perf_counter() - t0) * 1000
        etag = first.headers["etag"]
        for _ in range(20):
            client.get(url)
        times, revalidate = [], []
        for _ in range(count):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200 and len(response.content) == len(first.content)
        for _ in range(count):
            t0 = time.perf_counter()
            response = client.get(url, headers={"If-None-Match": etag})
            revalidate.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 304
    p50 = statistics.median(times)
    verdict = "ok" if p50 < FRAME_TARGET_MS else f"OVER target {FRAME_TARGET_MS:g} ms"
    print(f"frame PNG, first request (render)            {cold:8.1f} ms")
    print(f"frame PNG from cache ({len(first.content) // 1024} KB), {count} requests   "
          f"p50 {p50:6.2f} ms   p99 {percentile(times, 99):6.2f} ms   {verdict}")
    print(f"frame PNG, If-None-Match -> 304                 p50 {statistics.median(revalidate):6.2f} ms   "
          f"p99 {percentile(revalidate, 99):6.2f} ms")


def bench_post_frame(base: str, photo: bytes, clients: int, per_client: int) -> None:
    fields = {"agency": AGENCY, "zoom": "1.2", "offset_x": "0.03", "rotate": "4", "output": "jpg"}
    times: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def run():
        with httpx.Client(base_url=base, timeout=120) as client:
            client.post("/api/v1/frame", data=fields, files={"photo": ("p.jpg", photo, "image/jpeg")})  # warm
            start.wait()
            for _ in range(per_client):
                t0 = time.perf_counter()
                response = client.post("/api/v1/frame", data=fields, files={"photo": ("p.jpg", photo, "image/jpeg")})
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    times.append(elapsed)
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.text[:80]}")

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failures:
        raise RuntimeError(f"POST /api/v1/frame failed: {failures[:3]}")
    print(f"POST /api/v1/frame, 12 MP JPEG, {clients} client{'s' if clients > 1 else ' '}       "
          f"{len(times) / wall:5.1f} photos/s   p50 {statistics.median(times):7.1f} ms   "
          f"p99 {percentile(times, 99):7.1f} ms")


def bench_kit(base: str) -> None:
    with httpx.Client(base_url=base, timeout=300) as client:
        t0 = time.perf_counter()
        response = client.post("/api/v1/kit", data={"agency": AGENCY})
        direct = time.perf_counter() - t0
        assert response.status_code == 200, response.text
        size = len(response.content)
        t0 = time.perf_counter()
        job = client.post("/api/v1/kit/jobs", data={"agency": "kota-yogyakarta"}).json()
        while job["state"] in ("queued", "running"):
            time.sleep(0.2)
            job = client.get(job["status_url"]).json()
        archive = client.get(job["zip_url"])
        via_job = time.perf_counter() - t0
        assert archive.status_code == 200, job
    print(f"kit ZIP, full default kit ({len(job['files'])} files, {size / 1024 / 1024:.1f} MB)  "
          f"POST /api/v1/kit {direct:6.2f} s   job + poll + download {via_job:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=24, help="POST /api/v1/frame requests per concurrency level")
    parser.add_argument("--frames", type=int, default=300, help="GET requests for the cached frame")
    args = parser.parse_args()
    photo = phone_photo_jpeg()
    print(f"machine: {os.cpu_count()} cores; server: netral serve (uvicorn, one process); photo "
          f"{len(photo) / 1024 / 1024:.1f} MB")
    server = Server()
    try:
        bench_frames(server.base, args.frames)
        for clients in (1, 2, 4):
            bench_post_frame(server.base, photo, clients, max(2, args.requests // clients))
        bench_kit(server.base)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
