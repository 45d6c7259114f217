"""First benchmark of each asset kind, warm process, one core: median ms per asset, each run for the
next regency or city (so only what a kit or a batch reuses across agencies is reused).

Run: .venv/bin/python benchmarks/bench_assets.py
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import median_ms, pin_one_core, report  # noqa: E402

from netral_assets import build_poster, build_twibbon, load_pack, load_registry  # noqa: E402
from netral_assets.assets.logo import build_logo_assets  # noqa: E402


def main() -> None:
    pin_one_core()
    pack, registry = load_pack(), load_registry()
    turn = itertools.cycle(registry.select("kabkota")[::5])
    report("twibbon bundar 1080x1080 PNG", median_ms(lambda: build_twibbon(pack, next(turn), "bundar")))
    report("logo set (mark + 2 lockups, SVG/PNG/PDF)", median_ms(lambda: build_logo_assets(pack, next(turn)), runs=7))
    report("poster feed JPEG", median_ms(lambda: build_poster(pack, next(turn), "larangan", "feed", ".jpg")), 80)
    report("poster A4 PDF", median_ms(lambda: build_poster(pack, next(turn), "larangan", "a4", ".pdf")), 60)


if __name__ == "__main__":
    main()
