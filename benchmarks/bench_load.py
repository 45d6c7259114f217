"""Benchmark (on demand, not in `make test`): a bounded load test of `netral serve` on loopback.

While a normal visitor opens the framing page's requests one after another (an agency search, the
agency page, its cached frame), attackers from other loopback addresses (127.0.1.x, so per-client
limits see distinct clients) run at once:

  idle      300 connections that send half their headers and wait (reopened when the server closes them)
  kits      a flood of POST /api/v1/kit/jobs (full kits) from 20 clients
  frames    a flood of frames with distinct names (each a new render) from 50 clients
  uploads   POST /api/v1/frame with a 12 MP photo from 8 clients

It reports the visitor's p50/p99 (target p99 < 1 s), what the attackers were answered (200, 202,
429, 503, closed), and the server's file descriptors and RSS at the end.

    .venv/bin/python benchmarks/bench_load.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import collections
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_web import Server, percentile  # noqa: E402
from common import phone_photo_jpeg  # noqa: E402

AGENCY = "kabupaten-sleman"
TARGET_P99 = 1.0


def client(address: str, timeout: float = 30) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


class Attack:
    def __init__(self, base: str, stop: threading.Event):
        self.base = base
        self.stop = stop
        self.answers: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.lock = threading.Lock()

    def count(self, kind: str, what) -> None:
        with self.lock:
            self.answers[kind][what] += 1

    def idle(self, index: int) -> None:
        host, port = self.base.removeprefix("http://").split(":")
        while not self.stop.is_set():
            try:
                s = socket.create_connection((host, int(port)), timeout=30,
                                             source_address=(f"127.0.2.{index % 250 + 1}", 0))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                s.settimeout(1)
                while not self.stop.is_set():
                    try:
                        if s.recv(1) == b"":
                            self.count("idle", "closed by server")
                            break
                    except TimeoutError:
                        continue
                s.close()
            except OSError as exc:
                self.count("idle", f"connect failed: {exc.__class__.__name__}")
                time.sleep(0.5)

    def http(self, kind: str, index: int, request) -> None:
        with client(f"127.0.1.{index % 250 + 1}") as c:
            while not self.stop.is_set():
                try:
                    status = request(c, index).status_code
                    self.count(kind, status)
                    if status in (429, 503):
                        time.sleep(0.2)  # a polite client backs off a little; a hostile one would not matter more
                except httpx.HTTPError as exc:
                    self.count(kind, exc.__class__.__name__)


def visitor(base: str, stop: threading.Event, times: list[float]) -> None:
    paths = ["/api/v1/agencies?q=sleman", f"/t/{AGENCY}", f"/frames/bundar/{AGENCY}.png", "/healthz"]
    with client("127.0.0.1") as c:
        while not stop.is_set():
            for path in paths:
                t0 = time.perf_counter()
                response = c.get(base + path)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (path, response.status_code)
            time.sleep(0.05)


def server_fds_and_rss(pid: int) -> tuple[int, float]:
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024
    return fds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    server = Server()
    try:
        base = server.base
        photo = phone_photo_jpeg()
        with httpx.Client(base_url=base, timeout=60) as warm:
            warm.get(f"/frames/bundar/{AGENCY}.png")
            quiet = []
            for _ in range(50):
                t0 = time.perf_counter()
                warm.get(f"/frames/bundar/{AGENCY}.png")
                quiet.append(time.perf_counter() - t0)
        stop = threading.Event()
        attack = Attack(base, stop)
        kit = {"agency": AGENCY}
        floods = (
            [threading.Thread(target=attack.idle, args=(i,), daemon=True) for i in range(300)]
            + [threading.Thread(target=attack.http, args=("kits", i, lambda c, i: c.post(
                f"{base}/api/v1/kit/jobs", data=kit)), daemon=True) for i in range(20)]
            + [threading.Thread(target=attack.http, args=("frames", i, lambda c, i: c.post(
                f"{base}/frames/pegawai/{AGENCY}.png", data={"name": f"Nama {i} {time.perf_counter_ns()}"})),
                daemon=True) for i in range(50)]
            + [threading.Thread(target=attack.http, args=("uploads", i, lambda c, i: c.post(
                f"{base}/api/v1/frame", data={"agency": AGENCY}, files={"photo": ("p.jpg", photo, "image/jpeg")})),
                daemon=True) for i in range(8)]
        )
        for t in floods:
            t.start()
        time.sleep(2)  # the floods are running
        times: list[float] = []
        seen = threading.Thread(target=visitor, args=(base, stop, times))
        seen.start()
        time.sleep(args.seconds)
        fds, rss = server_fds_and_rss(server.process.pid)
        stop.set()
        seen.join(30)
        p50, p99 = statistics.median(times), percentile(times, 99)
        verdict = "ok" if p99 < TARGET_P99 else f"OVER target {TARGET_P99:g} s"
        print(f"quiet server: visitor p50 {statistics.median(quiet) * 1000:6.1f} ms   p99 {percentile(quiet, 99) * 1000:6.1f} ms")
        print(f"under load ({args.seconds:g} s, {len(times)} visitor requests): p50 {p50 * 1000:6.1f} ms   "
              f"p99 {p99 * 1000:6.1f} ms   max {max(times) * 1000:6.1f} ms   {verdict}")
        for kind, answers in sorted(attack.answers.items()):
            print(f"  {kind:<8} " + ", ".join(f"{k}: {v}" for k, v in sorted(answers.items(), key=str)))
        print(f"server at the end: {fds} open descriptors, RSS {rss:.0f} MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
