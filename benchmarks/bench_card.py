"""Benchmark (issue 17): link cards and the framing page's first-visit weight, on a real `netral serve`.

1. Link card: the first request of `/cards/<slug>.png` per agency (the render: body kept per process,
   agency layer per agency) against the first request of the same agency's frame (the baseline), and
   the cached card's p50 over loopback (goal < 5 ms) against the page's stylesheet (the baseline: a
   static file the app keeps in memory).
2. The framing page's first visit before the frame image, as Chromium loads it (every request of the
   page and of its service worker, each distinct file once, at its gzip size on the wire when the
   server compresses it): goal < 200 KB with the worker and the manifest; the ratio is to the same
   page without them (what being usable offline costs).

Each line prints medians, the load average (os.getloadavg) and the ratio to its baseline.

    .venv/bin/python benchmarks/bench_card.py [--agencies 12] [--requests 300]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_web import Server, percentile  # noqa: E402
from common import chromium_missing  # noqa: E402

CARD_TARGET_MS = 5.0
WEIGHT_TARGET_KB = 200
FIRST_AGENCIES = ("kabupaten-sleman", "kota-yogyakarta", "kabupaten-bantul", "kabupaten-gunungkidul",
                  "kabupaten-kulon-progo", "kota-batu", "kota-bandung", "kabupaten-bogor", "kota-surabaya",
                  "kota-medan", "kabupaten-badung", "kota-makassar", "kota-ambon", "kota-jayapura", "kota-kupang",
                  "kota-padang")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:4.2f}/{five:4.2f}"


def timed(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    t0 = time.perf_counter()
    response = client.get(url)
    return (time.perf_counter() - t0) * 1000, response


def bench_first_cards(base: str, count: int) -> None:
    cards, frames = [], []
    with httpx.Client(base_url=base, timeout=120) as client:
        timed(client, "/cards/index.png")  # the card body, once per process (and the frame's)
        timed(client, f"/frames/bundar/{FIRST_AGENCIES[-1]}.png")
        for slug in FIRST_AGENCIES[:count]:
            ms, response = timed(client, f"/frames/bundar/{slug}.png")
            assert response.status_code == 200, response.text
            frames.append(ms)
            ms, response = timed(client, f"/cards/{slug}.png")
            assert response.status_code == 200 and response.headers["content-type"] == "image/png", response.text
            cards.append(ms)
    card, frame = statistics.median(cards), statistics.median(frames)
    print(f"link card, first request per agency ({len(cards)})   median {card:7.1f} ms   "
          f"(frame, first request: {frame:6.1f} ms; ratio {card / frame:4.2f})   {load()}")


def bench_cached_card(base: str, count: int) -> None:
    url = "/cards/kabupaten-sleman.png"
    with httpx.Client(base_url=base) as client:
        css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', client.get("/t/kabupaten-sleman").text)[1]
        size = len(client.get(url).content)
        for _ in range(20):
            client.get(url)
            client.get(css)
        cards, static = [], []
        for _ in range(count):  # interleaved: both see the same moments of a shared machine
            cards.append(timed(client, url)[0])
            static.append(timed(client, css)[0])
    card, base_ms = statistics.median(cards), statistics.median(static)
    verdict = "ok" if card < CARD_TARGET_MS else f"OVER target {CARD_TARGET_MS:g} ms"
    print(f"link card from cache ({size // 1024} KB), {count} requests   p50 {card:6.2f} ms   "
          f"p99 {percentile(cards, 99):6.2f} ms   (app.css from memory p50 {base_ms:5.2f} ms; ratio "
          f"{card / base_ms:4.2f})   {verdict}   {load()}")


def first_visit(base: str, path: str) -> list[str]:
    """The paths (with their query) Chromium requests on a first visit of `path`, the worker's
    included, until the worker has kept the page."""
    from common import CHROMIUM
    from playwright.sync_api import sync_playwright

    seen: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
        context.on("request", lambda r: seen.append(r.url))
        page = context.new_page()
        page.goto(base + path)
        page.locator("#studio[data-frame=ready]").wait_for()
        page.locator("html[data-offline=ready]").wait_for(state="attached", timeout=30_000)
        browser.close()
    out = []
    for url in seen:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https"):
            out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def wire_size(client: httpx.Client, path: str) -> int:
    """Bytes of the body on the wire (gzip when the server compresses it) plus the headers."""
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
        body = sum(len(chunk) for chunk in response.iter_raw())
        headers = sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
    return body + headers


def bench_weight(base: str) -> None:
    missing = chromium_missing()
    if missing:
        print(f"first-visit weight: skipped ({missing})")
        return
    paths = first_visit(base, "/t/kabupaten-sleman")
    files: dict[str, str] = {}
    for path in paths:
        if path.startswith(("/frames/", "/cards/")):
            continue  # the frame image comes after; the card is for crawlers
        files.setdefault(path.split("?")[0], path)  # each file once (the worker asks for the same ones)
    with httpx.Client(base_url=base) as client:
        sizes = {name: wire_size(client, path) for name, path in files.items()}
    offline = {n: s for n, s in sizes.items() if n in ("/sw.js", "/manifest.webmanifest")}
    total, without = sum(sizes.values()), sum(sizes.values()) - sum(offline.values())
    verdict = "ok" if total / 1024 < WEIGHT_TARGET_KB else f"OVER target {WEIGHT_TARGET_KB} KB"
    print(f"framing page, first visit before the frame: {len(sizes)} files, {total / 1024:6.1f} KB "
          f"(worker + manifest {sum(offline.values()) / 1024:4.1f} KB; without them {without / 1024:6.1f} KB; "
          f"ratio {total / without:4.2f})   {verdict}   {load()}")
    for name, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<48} {size / 1024:6.1f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agencies", type=int, default=12, help="agencies whose first card is timed")
    parser.add_argument("--requests", type=int, default=300, help="requests for the cached card")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; server: netral serve (uvicorn, one process); {load()}")
    server = Server()
    try:
        bench_first_cards(server.base, min(args.agencies, len(FIRST_AGENCIES) - 1))
        bench_cached_card(server.base, args.requests)
        bench_weight(server.base)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
