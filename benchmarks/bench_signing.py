"""Signing (issue 19): warm process, one core; per asset kind the median cost of signing, of writing
the file unsigned (write_atomic) and signed (sign_bytes + write_atomic), their ratio, and signing as a
share of building and writing the asset (what a kit or batch run pays: the goal is at most 10%).

Kinds: feed poster PNG / JPEG / WebP (C2PA, no thumbnail), A4 poster PDF and PDF/A leaflet (PAdES,
incremental), a kit's manifest.json (detached CMS, .p7s). A test identity made in a temporary folder.

Run: .venv/bin/python benchmarks/bench_signing.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import median_ms, pin_one_core  # noqa: E402

from netral_assets import build_leaflet, build_poster, load_pack, load_registry  # noqa: E402
from netral_assets.files import write_atomic  # noqa: E402
from netral_assets.provenance import asset_claims, init_identity, load_identity, sign_bytes, sign_detached  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    pin_one_core()
    pack, agency = load_pack(), load_registry().find("34.04")
    builders = {
        "poster feed .png": lambda: build_poster(pack, agency, "statistik", "feed", ".png"),
        "poster feed .jpg": lambda: build_poster(pack, agency, "statistik", "feed", ".jpg"),
        "poster feed .webp": lambda: build_poster(pack, agency, "statistik", "feed", ".webp"),
        "poster a4 .pdf": lambda: build_poster(pack, agency, "larangan", "a4", ".pdf"),
        "leaflet trifold .pdf (PDF/A)": lambda: build_leaflet(pack, agency, pdfa=True),
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        identity = load_identity(init_identity(agency.name, tmp / "identity"))
        print(f"{'kind':<30} {'size':>8} {'build':>9} {'sign':>8} {'write':>8} {'signed write':>13} "
              f"{'ratio':>7} {'sign/build+write':>17}")
        entries = []
        for label, build in builders.items():
            asset = build()
            ext = Path(asset.name).suffix
            claims = asset_claims(asset, agency, pack.name)
            out = tmp / asset.name
            build_ms = median_ms(build, runs=max(5, args.runs // 5))
            sign_ms = median_ms(lambda a=asset, e=ext, c=claims: sign_bytes(a.data, e, identity, c), runs=args.runs)
            write_ms = median_ms(lambda a=asset, o=out: write_atomic(o, a.data), runs=args.runs)
            signed_ms = median_ms(lambda a=asset, e=ext, c=claims, o=out:
                                  write_atomic(o, sign_bytes(a.data, e, identity, c)), runs=args.runs)
            _row(label, len(asset.data), build_ms, sign_ms, write_ms, signed_ms)
            entries.append({"path": asset.name, "sha256": asset.sha256})
        manifest = json.dumps({"files": entries * 40}, indent=2).encode()  # ~ a kit's 200 files
        sign_ms = median_ms(lambda: sign_detached(manifest, identity), runs=args.runs)
        write_ms = median_ms(lambda: write_atomic(tmp / "manifest.json", manifest), runs=args.runs)
        signed_ms = median_ms(lambda: (write_atomic(tmp / "manifest.json", manifest),
                                       write_atomic(tmp / "manifest.json.p7s", sign_detached(manifest, identity))),
                              runs=args.runs)
        _row("manifest.json (+ .p7s)", len(manifest), None, sign_ms, write_ms, signed_ms)


def _row(label, size, build_ms, sign_ms, write_ms, signed_ms) -> None:
    share = f"{100 * sign_ms / (build_ms + write_ms):16.1f}%" if build_ms else f"{'-':>17}"
    build = f"{build_ms:7.1f}ms" if build_ms else f"{'-':>9}"
    print(f"{label:<30} {size // 1024:>6}KB {build} {sign_ms:6.2f}ms {write_ms:6.2f}ms {signed_ms:11.2f}ms "
          f"{signed_ms / write_ms:6.1f}x {share}")


if __name__ == "__main__":
    main()
