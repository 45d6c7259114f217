"""Regenerate docs/preview.png, the README picture, from real outputs of the pipeline."""

import io
from pathlib import Path

from PIL import Image

from netral_assets import build_poster, build_twibbon, load_pack, load_registry
from netral_assets.assets.logo import build_logo_assets

ROOT = Path(__file__).parent.parent


def main() -> None:
    pack, registry = load_pack(), load_registry()
    sleman = registry.find("34.04")
    photo_bg = Image.new("RGBA", (1080, 1080), (203, 213, 225, 255))
    twibbon = Image.open(io.BytesIO(build_twibbon(pack, sleman, "bundar").data))
    twibbon = Image.alpha_composite(photo_bg, twibbon)
    poster = Image.open(io.BytesIO(build_poster(pack, sleman, "statistik", "feed", ".png").data)).convert("RGBA")
    lockup = next(a for a in build_logo_assets(pack, sleman, formats=("png",)) if a.name == "logo-stacked.png")
    logo = Image.open(io.BytesIO(lockup.data))
    logo = Image.alpha_composite(Image.new("RGBA", logo.size, (255, 255, 255, 255)), logo)
    height = 540
    tiles = [im.resize((round(im.width * height / im.height), height), Image.Resampling.LANCZOS)
             for im in (twibbon, poster, logo)]
    gap = 24
    sheet = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) + 1), height + 2 * gap), (233, 237, 244))
    x = gap
    for tile in tiles:
        sheet.paste(tile.convert("RGB"), (x, gap))
        x += tile.width + gap
    sheet.save(ROOT / "docs" / "preview.png", optimize=True)


if __name__ == "__main__":
    main()
