"""`netral leaflet`: agency + variant + options -> one leaflet PDF (see leaflet.py)."""

from __future__ import annotations

from pathlib import Path

import click

from .agencies import CONTACT_FIELDS
from .cli import _fail_cleanly, _load, _write_asset, agency_option, force_option, pack_options
from .errors import NetralError


def parse_contact(pairs: tuple[str, ...]) -> dict[str, str]:
    """('phone=(0341) 512345', 'email=humas@batukota.go.id') -> {'phone': …, 'email': …}."""
    contact = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise NetralError(
                f"--contact '{pair}' harus berbentuk kunci=nilai, misalnya --contact phone=\"(0341) 512345\". "
                f"Kunci: {', '.join(CONTACT_FIELDS)}."
            )
        contact[key.strip()] = value
    return contact


@click.command("leaflet")
@agency_option
@pack_options
@click.option(
    "--variant",
    default="trifold",
    show_default=True,
    help="trifold (A4 mendatar, 2 halaman, lipat tiga) atau single (satu halaman A4 tegak).",
)
@click.option(
    "--print", "print_marks", is_flag=True, help="PDF cetak: bleed 3 mm, tanda potong dan tanda lipat; TrimBox tepat A4."
)
@click.option("--pdfa", is_flag=True, help="PDF/A-3b untuk arsip (tetap bertag dan PDF/UA-1).")
@click.option(
    "--contact",
    "contact_pairs",
    multiple=True,
    metavar="KUNCI=NILAI",
    help=f"Kontak instansi di leaflet, boleh berulang. Kunci: {', '.join(CONTACT_FIELDS)}. "
    "Menimpa kontak dari --agencies; nilai kosong menghapusnya.",
)
@click.option("--output", "-o", "out", required=True, type=click.Path(dir_okay=False), help="Berkas keluaran .pdf.")
@force_option
@_fail_cleanly
def leaflet(agency_query, brand_dir, agencies_csv, variant, print_marks, pdfa, contact_pairs, out, force):
    """Buat leaflet edukasi netralitas ASN (PDF siap cetak dan aksesibel) untuk satu instansi."""
    from .leaflet import build_leaflet

    if Path(out).suffix.lower() != ".pdf":
        raise NetralError(f"Leaflet hanya dibuat sebagai PDF: pakai -o {Path(out).stem or 'leaflet'}.pdf")
    pack, _, agency = _load(brand_dir, agencies_csv, agency_query)
    asset = build_leaflet(pack, agency, variant, print_marks=print_marks, pdfa=pdfa, contact=parse_contact(contact_pairs))
    _write_asset(asset, Path(out), force)
