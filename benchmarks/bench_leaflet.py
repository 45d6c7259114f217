"""Leaflets: warm process, one core; median time per leaflet and peak memory; beside it, headless
Chromium printing the same HTML to PDF.

Ours: agency -> template -> WeasyPrint layout -> preflight of every page -> tagged PDF/UA-1 (fonts
subset, finisher for boxes and reading order) -> QR codes decoded back. Targets (issue 4): a trifold in
≤ 300 ms median, peak memory ≤ 200 MB. Theirs: the same HTML in an already running Chromium
(Playwright, Debian's /usr/bin/chromium), `page.pdf()` at the same paper size: layout and PDF only, no
tags, no checks, so the ratio flatters Chromium.

Run: .venv/bin/python benchmarks/bench_leaflet.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import CHROMIUM, chromium_missing, median_cpu_ms, median_ms, pin_one_core, report, tree_cpu_seconds  # noqa: E402

from netral_assets import load_pack, load_registry  # noqa: E402
from netral_assets.assets.leaflet import build_leaflet, leaflet_context  # noqa: E402
from netral_assets.model.designs import load_design  # noqa: E402
from netral_assets.render.document import design_html  # noqa: E402

TARGET_MS = 300
TARGET_MB = 200
CONTACT = {
    "address": "Jl. Panglima Sudirman No. 507, Kota Batu, Jawa Timur 65313",
    "phone": "(0341) 512345",
    "email": "humas@batukota.go.id",
    "website": "batukota.go.id",
}




def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def leaflet_html(pack, agency, variant: str) -> tuple[str, object]:
    """The HTML our renderer gives WeasyPrint (the whole leaflet in one document, as the layered
    render is checked against), with the page size it passes as a stylesheet."""
    design = load_design(pack, "leaflet", variant)
    fmt = design.format(design.formats[0])
    common, own = leaflet_context(pack, agency, design, contact=CONTACT)
    source = design_html(pack, design, fmt.name, agency, {**common, **own}, False)
    return source.html.replace("</head>", f"<style>{source.page_css}</style></head>", 1), fmt


def bench_chromium(pack, agency, runs: int) -> dict | None:
    if (why := chromium_missing()) is not None:
        print(why)
        return None
    from playwright.sync_api import sync_playwright

    result = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
        )
        page = browser.new_page()
        for variant in ("trifold", "single"):
            target = Path(tmp) / f"{variant}.html"

            def render(variant=variant, target=target):
                html, fmt = leaflet_html(pack, agency, variant)
                target.write_text(html, encoding="utf-8")
                page.goto(target.as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                return page.pdf(
                    width=f"{fmt.mm[0]}mm",
                    height=f"{fmt.mm[1]}mm",
                    print_background=True,
                    scale=fmt.mm[0] / 25.4 * 96 / fmt.width,
                )

            result[variant] = (median_ms(render, runs=runs), median_cpu_ms(render, runs=runs, clock=tree_cpu_seconds))
        browser.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-chromium", action="store_true", help="Skip the Chromium comparison.")
    args = parser.parse_args()
    pin_one_core()
    pack, registry = load_pack(), load_registry()
    agency = registry.find("Kota Batu")
    build_leaflet(pack, agency, "trifold", contact=CONTACT)
    rss_first = peak_rss_mb()

    cases = {
        "trifold": dict(variant="trifold"),
        "trifold --print": dict(variant="trifold", print_marks=True),
        "trifold --print --pdfa": dict(variant="trifold", print_marks=True, pdfa=True),
        "single": dict(variant="single"),
    }
    wall, cpu = {}, {}
    for name, options in cases.items():

        def build(options=options):
            return build_leaflet(pack, agency, contact=CONTACT, **options)

        wall[name] = median_ms(build, runs=args.runs)
        cpu[name] = median_cpu_ms(build, runs=args.runs)

    # Python's own allocations for one more trifold (tracemalloc does not see Pango's or HarfBuzz's).
    tracemalloc.start()
    build_leaflet(pack, agency, "trifold", contact=CONTACT)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = peak_rss_mb()

    theirs = None if args.no_chromium else bench_chromium(pack, agency, args.runs)

    print(
        f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; one core pinned; "
        f"{args.runs} runs after 2 warm-up runs; CPU = user+system time (Chromium: all its processes)"
    )
    for name in cases:
        report(f"leaflet {name}", wall[name], TARGET_MS if name == "trifold" else None)
        line = f"{'':<44} cpu    {cpu[name]:8.1f} ms"
        variant = cases[name]["variant"]
        if theirs and name in theirs:
            c_wall, c_cpu = theirs[variant]
            line += (
                f"   Chromium page.pdf(): median {c_wall:6.1f} ms, cpu {c_cpu:6.1f} ms"
                f"   ratio {c_wall / wall[name]:3.1f}× (cpu {c_cpu / cpu[name]:3.1f}×)"
            )
        print(line)
    verdict = "ok" if rss <= TARGET_MB else f"OVER target {TARGET_MB} MB"
    print(
        f"{'peak memory (process RSS)':<44} {rss:8.1f} MB  {verdict}  "
        f"(after the first trifold {rss_first:.1f} MB; Python allocations in one trifold "
        f"{py_peak / 2**20:.1f} MB)"
    )


if __name__ == "__main__":
    main()
