"""Kit: agency + choices -> the agency's folder of assets with `manifest.json` and `caption.txt`.

Files are written atomically (temporary file, then rename), so an interrupted run never leaves a
half-written file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .agencies import Agency
from .assets import Asset, build_poster, build_twibbon
from .designs import list_designs
from .errors import NetralError
from .pack import Pack

KIT_PARTS = ("twibbon", "logo", "poster")
# What `netral kit` makes by default: every twibbon design, the logo set, every poster design in
# these formats (print as PDF).
KIT_POSTER_FORMATS = (("feed", ".png"), ("feed", ".jpg"), ("a4", ".pdf"))


@dataclass
class KitOptions:
    only: tuple[str, ...] = KIT_PARTS
    poster_formats: tuple = KIT_POSTER_FORMATS
    extra: dict = field(default_factory=dict)


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def caption_text(pack: Pack, agency: Agency) -> str:
    """A ready Indonesian caption for social media."""
    channels = "\n".join(f"• {c.name}: {c.url}" for c in pack.channels)
    return (
        f"{pack.name}! {pack.slogan}.\n\n"
        f"{agency.name} mengajak seluruh Aparatur Sipil Negara menjaga netralitas dalam Pemilu dan "
        "Pilkada: tidak memberi dukungan kepada calon, termasuk di media sosial (menyukai, mengomentari, "
        "membagikan, atau mengikuti akun calon).\n\n"
        f"Melihat pelanggaran netralitas ASN? Laporkan:\n{channels}\n\n"
        + " ".join(pack.hashtags)
        + "\n"
    )


def build_kit_assets(pack: Pack, agency: Agency, options: KitOptions | None = None) -> list[Asset]:
    from .logo import build_logo_assets

    options = options or KitOptions()
    unknown = set(options.only) - set(KIT_PARTS)
    if unknown:
        raise NetralError(f"Bagian kit tidak dikenal: {', '.join(sorted(unknown))}. Pilih: {', '.join(KIT_PARTS)}.")
    assets: list[Asset] = []
    if "twibbon" in options.only:
        for design in list_designs(pack, "twibbon"):
            assets.append(build_twibbon(pack, agency, design.name))
    if "logo" in options.only:
        assets.extend(build_logo_assets(pack, agency))
    if "poster" in options.only:
        for design in list_designs(pack, "poster"):
            for fmt, ext in options.poster_formats:
                if fmt in design.formats:
                    assets.append(build_poster(pack, agency, design.name, fmt, ext, extra=options.extra))
    return assets


def manifest(pack: Pack, agency: Agency, assets: list[Asset]) -> dict:
    return {
        "generator": f"netral-assets {__version__}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "campaign": pack.name,
        "agency": agency.as_dict(),
        "files": [a.manifest_entry() for a in assets],
    }


def write_kit(pack: Pack, agency: Agency, out_dir: str | Path, options: KitOptions | None = None) -> Path:
    """Build the kit and write it to `out_dir/<agency-slug>/`; returns that folder."""
    folder = Path(out_dir) / agency.slug
    # Build everything first: a failing render leaves the previous kit untouched.
    assets = build_kit_assets(pack, agency, options)
    for asset in assets:
        write_atomic(folder / asset.name, asset.data)
    write_atomic(folder / "caption.txt", caption_text(pack, agency).encode())
    data = json.dumps(manifest(pack, agency, assets), ensure_ascii=False, indent=2).encode()
    write_atomic(folder / "manifest.json", data + b"\n")
    return folder
