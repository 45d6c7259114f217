"""`netral kit`: one agency -> its whole kit folder (see `kit`)."""

from __future__ import annotations

import json

import click

from ..errors import NetralError
from .options import agency_option, fail_cleanly, load_inputs, pack_options


@click.command()
@agency_option
@pack_options
@click.option("--out", "-o", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran; kit ditulis ke OUT/<slug-instansi>/.")
@click.option("--only", default="twibbon,logo,poster,leaflet", show_default=True,
              help="Bagian kit yang dibuat, dipisah koma.")
@fail_cleanly
def kit(agency_query, brand_dir, agencies_csv, out_dir, only):
    """Buat kit lengkap satu instansi: twibbon, logo, poster, manifest.json dan caption.txt."""
    from ..kit.core import KitOptions, write_kit

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    parts = tuple(p.strip() for p in only.split(",") if p.strip())
    folder = write_kit(pack, agency, out_dir, KitOptions(only=parts))
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    click.echo(f"Kit {agency.name}: {len(files)} berkas di {folder}/")
    flagged = [f for f in files if f["findings"]]
    for f in flagged:
        click.echo(f"PERIKSA {f['path']}: {'; '.join(f['findings'])}", err=True)
    if flagged:
        raise NetralError(f"{len(flagged)} berkas punya temuan preflight (ditandai di manifest.json).")
