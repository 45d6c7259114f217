"""Participation events per second with 50 concurrent keep-alive clients on loopback, p50/p99, on
SQLite (WAL file) and on PostgreSQL (a throwaway cluster with its default durability: fsync on), each
against a real `netral serve` process; then the agency page with its count, p50/p99 (sequential).

The clients are a minimal asyncio HTTP/1.1 client (so the 2-core machine's time goes to the server,
not to a client library); each request comes from one of 5,000 simulated people (X-Forwarded-For,
which uvicorn trusts from loopback), as the real page's events do, so the per-person rate limit
(2/s, bursts of 30) applies as in production and refuses nothing.

    python benchmarks/bench_events.py [--seconds 8] [--clients 50] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from netral_assets.store.throwaway import binaries, temporary_postgres
from netral_assets.web.server import free_port

PEOPLE = 5000
EVENT = json.dumps({"agency": "kabupaten-sleman", "design": "kotak", "format": "square", "action": "download"}).encode()


def request_bytes(person: int) -> bytes:
    return (b"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"X-Forwarded-For: 10.%d.%d.%d\r\nContent-Length: %d\r\n\r\n" % (
                person // 65536 % 256, person // 256 % 256, person % 256, len(EVENT)) + EVENT)


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def client(port: int, index: int, clients: int, until: float, latencies: list, statuses: dict) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    person = index
    while time.perf_counter() < until:
        started = time.perf_counter()
        writer.write(request_bytes(person % PEOPLE))
        status = await read_response(reader)
        latencies.append(time.perf_counter() - started)
        statuses[status] = statuses.get(status, 0) + 1
        person += clients
    writer.close()


async def events(port: int, seconds: float, clients: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(client(port, i, clients, until, latencies, statuses) for i in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"rate": len(latencies) / elapsed, "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99)] * 1000, "statuses": statuses, "n": len(latencies)}


def page(base: str, n: int = 300) -> dict:
    times = []
    with httpx.Client(base_url=base) as c:
        for _ in range(20):
            c.get("/t/kabupaten-sleman")
        for _ in range(n):
            started = time.perf_counter()
            response = c.get("/t/kabupaten-sleman")
            times.append((time.perf_counter() - started) * 1000)
            assert "bingkai telah dibuat untuk" in response.text
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(n * 0.99)]}


def serve(database: str, workers: int, folder: Path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "netral_assets", "serve", "--port", str(port), "--database",
                                database, "--workers", str(workers)], cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ}, start_new_session=True)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("netral serve did not start")
        time.sleep(0.2)
    return process, port


def run(name: str, database: str, args, folder: Path) -> None:
    process, port = serve(database, args.workers, folder)
    try:
        result = asyncio.run(events(port, args.seconds, args.clients))
        counted = httpx.get(f"http://127.0.0.1:{port}/api/v1/stats/participation",
                            params={"agency": "kabupaten-sleman"}).json()["frames"]
        shown = page(f"http://127.0.0.1:{port}")
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
    ok = result["statuses"].get(204, 0)
    print(f"{name:<11} {result['rate']:>8.0f} events/s  p50 {result['p50']:6.1f} ms  p99 {result['p99']:6.1f} ms  "
          f"answers {dict(sorted(result['statuses'].items()))}  counted {counted} (answered 204: {ok})  | "
          f"agency page p50 {shown['p50']:.1f} ms, p99 {shown['p99']:.1f} ms")
    assert counted >= ok, "every answered event is counted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    args, _ = parser.parse_known_args()
    print(f"{args.clients} clients, {args.seconds:g} s each, netral serve --workers {args.workers}, "
          f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite://{folder}/netral.db", args, Path(folder))
        if binaries() is None:
            print("PostgreSQL        skipped (not installed)")
            return
        with temporary_postgres(durable=True) as url:
            run("PostgreSQL", url, args, Path(folder))


if __name__ == "__main__":
    main()
