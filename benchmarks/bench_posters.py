"""Posters: our pipeline against a headless Chromium screenshot of the same HTML, warm, one core.

Ours: `build_poster` for agency after agency (each run a different regency, so nothing is reused but
what a kit, a batch or the web app reuses: the design's body, laid out once per process — layers.py);
per agency the footer layer is laid out, preflighted, rasterized and composed, then JPEG (feed), or
written as PDF and overlaid on the body's PDF (A3). The first poster of a design in a process (the
body's layout included) is printed too. Theirs: the same template rendered to the same single HTML
document, loaded into a page of an already running Chromium (Playwright, Debian's /usr/bin/chromium;
no browser is downloaded), then `page.screenshot(type="jpeg")` and `page.pdf()`. Chromium inherits
the one-core affinity, so both sides get the same CPU. Prints medians and the ratios.

Ours carries the short code a kit prints (issue 19: "Cek keaslian: <address>/cek/<code>" in the footer,
with a QR code on A3), as `netral kit` makes them. The code is the design's, so the footer layer is no
longer shared by the designs of one agency: "kit pattern" measures what that costs, every design's feed
poster for agency after agency, without and with the code (without: the footer of one agency laid out
once for all designs, as before issue 19).

Run: .venv/bin/python benchmarks/bench_posters.py [--runs N] [--no-chromium]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import CHROMIUM, chromium_missing, median_cpu_ms, median_ms, pin_one_core, report, tree_cpu_seconds  # noqa: E402

from netral_assets import build_poster, list_designs, load_pack, load_registry  # noqa: E402
from netral_assets.assets.message import needs_content  # noqa: E402
from netral_assets.model.designs import load_design  # noqa: E402
from netral_assets.provenance.codes import short_code  # noqa: E402
from netral_assets.render.context import build_context, template_environment  # noqa: E402

JPEG_QUALITY = 90  # the same quality our JPEG writer uses
PUBLIC_URL = "https://netral.example.go.id"


def coded(agency, design: str) -> dict:
    """What a kit adds to a poster's context: its short code and the public address."""
    return {"code": short_code(agency.code, "poster", design, "bench"), "public_url": PUBLIC_URL}






def poster_html(pack, agency, design_name: str, fmt_name: str) -> tuple[str, object]:
    """The exact HTML our renderer gives WeasyPrint (no print marks)."""
    design = load_design(pack, "poster", design_name)
    fmt = design.format(fmt_name)
    ctx = build_context(pack, design, fmt, agency)
    html = template_environment(tuple(pack.layers("templates"))).get_template(design.template_name).render(
        **ctx, print_marks=False)
    return html, fmt


def bench_ours(pack, agencies, designs, runs) -> tuple[dict, dict, dict]:
    from netral_assets.assets.layers import clear_cache

    wall, cpu, first = {}, {}, {}
    for d in designs:
        for fmt_name, ext in (("feed", ".jpg"), ("a3", ".pdf")):
            clear_cache()
            t0 = time.perf_counter()
            build_poster(pack, agencies[0], d, fmt_name, ext, extra=coded(agencies[0], d))
            first[(fmt_name, d)] = (time.perf_counter() - t0) * 1000
            turn = itertools.cycle(agencies[1:])

            def render(d=d, fmt_name=fmt_name, ext=ext, turn=turn):
                agency = next(turn)
                return build_poster(pack, agency, d, fmt_name, ext, extra=coded(agency, d))

            wall[(fmt_name, d)] = median_ms(render, runs=runs)
            cpu[(fmt_name, d)] = median_cpu_ms(render, runs=runs)
    return wall, cpu, first


def bench_kit_pattern(pack, agencies, designs, runs) -> dict[str, float]:
    """Every design's feed poster for one agency after another (the bodies kept), without and with the
    short code: median ms per agency."""
    from netral_assets.assets.layers import clear_cache

    clear_cache()
    for d in designs:  # the bodies, laid out once
        build_poster(pack, agencies[0], d, "feed", ".jpg")
    medians = {}
    for label, extra in (("without code", lambda a, d: None), ("with code", coded)):
        turn = itertools.cycle(agencies[1:])

        def one_agency(turn=turn, extra=extra):
            agency = next(turn)
            for d in designs:
                build_poster(pack, agency, d, "feed", ".jpg", extra=extra(agency, d))

        medians[label] = median_ms(one_agency, runs=runs)
    return medians


def bench_chromium(pack, agency, designs, runs) -> tuple[dict, dict] | None:
    if (why := chromium_missing()) is not None:
        print(why)
        return None
    from playwright.sync_api import sync_playwright

    wall, cpu = {}, {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"],
        )
        page = browser.new_page()
        for d in designs:
            for fmt_name in ("feed", "a3"):
                target = Path(tmp) / f"{d}-{fmt_name}.html"

                def render(d=d, fmt_name=fmt_name, target=target):
                    # Same work as ours from the agency on: template -> HTML -> layout -> bytes.
                    html, fmt = poster_html(pack, agency, d, fmt_name)
                    target.write_text(html, encoding="utf-8")
                    page.set_viewport_size({"width": round(fmt.width), "height": round(fmt.height)})
                    page.goto(target.as_uri(), wait_until="load")
                    page.evaluate("document.fonts.ready.then(() => true)")
                    if fmt.is_print:
                        return page.pdf(width=f"{fmt.mm[0]}mm", height=f"{fmt.mm[1]}mm", print_background=True,
                                        scale=fmt.mm[0] / 25.4 * 96 / fmt.width)
                    return page.screenshot(type="jpeg", quality=JPEG_QUALITY)

                wall[(fmt_name, d)] = median_ms(render, runs=runs)
                cpu[(fmt_name, d)] = median_cpu_ms(render, runs=runs, clock=tree_cpu_seconds)
        browser.close()
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-chromium", action="store_true", help="ours only")
    args = parser.parse_args()
    pin_one_core()  # before Chromium starts, so its processes inherit the same single core
    pack, registry = load_pack(), load_registry()
    agency = registry.find("34.04")
    # a different regency or city for every run: short and long names, one and two lines
    agencies = [agency, *registry.select("kabkota")[::7]]
    # the campaign's own posters (the message designs need the agency's words, the invitation a public URL)
    designs = [d.name for d in list_designs(pack, "poster") if not needs_content(d) and not d.meta.get("requires")]
    ours_wall, ours_cpu, ours_first = bench_ours(pack, agencies, designs, args.runs)
    kit_pattern = bench_kit_pattern(pack, agencies, designs, args.runs)
    theirs = None if args.no_chromium else bench_chromium(pack, agency, designs, args.runs)
    print(f"\nload average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU = user+system time of every process involved")
    for fmt_name, target, label in (("feed", 80, "feed JPEG"), ("a3", 60, "A3 PDF")):
        for d in designs:
            report(f"poster {d} {label}", ours_wall[(fmt_name, d)], target)
            line = (f"{'':<44} cpu    {ours_cpu[(fmt_name, d)]:8.1f} ms"
                    f"   first in process {ours_first[(fmt_name, d)]:6.1f} ms")
            if theirs:
                c_wall, c_cpu = theirs[0][(fmt_name, d)], theirs[1][(fmt_name, d)]
                line += (f"   Chromium: median {c_wall:6.1f} ms, cpu {c_cpu:6.1f} ms"
                         f"   ratio {c_wall / ours_wall[(fmt_name, d)]:3.1f}× (cpu {c_cpu / ours_cpu[(fmt_name, d)]:3.1f}×)")
            print(line)
    print()
    for fmt_name, label in (("feed", "feed JPEG"), ("a3", "A3 PDF")):
        o_w = statistics.median(ours_wall[(fmt_name, d)] for d in designs)
        o_c = statistics.median(ours_cpu[(fmt_name, d)] for d in designs)
        line = f"all designs, {label}: ours median {o_w:.1f} ms (cpu {o_c:.1f} ms)"
        if theirs:
            c_w = statistics.median(theirs[0][(fmt_name, d)] for d in designs)
            c_c = statistics.median(theirs[1][(fmt_name, d)] for d in designs)
            line += f", Chromium {c_w:.1f} ms (cpu {c_c:.1f} ms), ratio {c_w / o_w:.1f}× (cpu {c_c / o_c:.1f}×)"
        print(line)
    plain, with_code = kit_pattern["without code"], kit_pattern["with code"]
    print(f"kit pattern, {len(designs)} feed posters per agency: {plain:.1f} ms without the short code, "
          f"{with_code:.1f} ms with it (+{with_code - plain:.1f} ms, +{(with_code / plain - 1) * 100:.0f}%)")


if __name__ == "__main__":
    main()
