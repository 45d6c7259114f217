"""`netral kit`: one agency -> its whole kit folder (see `kit`)."""

from __future__ import annotations

import click

from ..errors import NetralError
from ..kit.plan import KIT_PARTS
from .options import (
    agency_option,
    draft_option,
    fail_cleanly,
    identity_option,
    load_inputs,
    pack_options,
    public_url_option,
)


@click.command()
@agency_option
@pack_options
@click.option("--out", "-o", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran; kit ditulis ke OUT/<slug-instansi>/.")
@click.option("--only", default=",".join(KIT_PARTS), show_default=True,
              help="Bagian kit yang dibuat, dipisah koma (carousel: slide poster; cetak: PDF cetak "
                   "dengan bleed dan tanda potong di samping PDF layar).")
@click.option("--logo", "logo", type=click.Path(dir_okay=False),
              help="Logo instansi sendiri (PNG, JPEG atau SVG): di twibbon, lockup dan kaki poster, "
                   "dengan ruang kosong di sekitarnya. Tanpa ini dipakai kolom logo di CSV --agencies, bila ada.")
@draft_option
@public_url_option
@identity_option
@fail_cleanly
def kit(agency_query, brand_dir, agencies_csv, out_dir, only, logo, draft, public_url, identity):
    """Buat kit lengkap satu instansi: twibbon, logo, poster, carousel, leaflet, PDF cetak, manifest.json
    dan caption.txt."""
    from ..batch.options import summarise_errors
    from ..kit.build import write_kit
    from ..kit.plan import KitOptions, emblem_for
    from ..web.links import check_public_url

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    parts = tuple(p.strip() for p in only.split(",") if p.strip())
    extra = {"public_url": check_public_url(public_url)} if public_url else {}
    result = write_kit(pack, agency, out_dir, KitOptions(only=parts, identity=identity, logo=logo, draft=draft,
                                                         extra=extra))
    emblem = emblem_for(agency, KitOptions(logo=logo))
    click.echo(f"Kit {agency.name}: {result.files} berkas di {result.folder}/"
               + (f" dengan logo {emblem.name}" if emblem else "")
               + (" (ditandatangani; periksa dengan netral verify)" if identity else ""))
    if result.overrides:
        click.echo(f"Versi daerah: {', '.join(result.overrides)}")
    if draft:
        click.echo("DRAF: setiap berkas bertanda \"DRAF — BELUM DISETUJUI\". Setelah disetujui, jalankan ulang "
                   "tanpa --draft.")
    if result.registrations:
        codes = len({r.code for r in result.registrations})
        click.echo(f"Kode keaslian: {codes} kode untuk {len(result.registrations)} berkas, terdaftar di "
                   f"{result.folder}/keaslian/index.json (muat ke aplikasi web dengan netral register).")
    for entry in result.flagged:
        click.echo(f"PERIKSA {entry['path']}: {'; '.join(entry['findings'])}", err=True)
    warnings = sorted({w for entry in result.entries for w in entry.get("warnings", [])})
    if any(e["kind"] == "leaflet" for e in result.entries) and not agency.contact:
        warnings.append("kontak instansi di leaflet kosong (hanya nama instansi): isi kolom address, phone, email "
                        "dan website di --agencies FILE.csv, atau buat leaflet dengan netral leaflet --contact "
                        "KUNCI=NILAI")
    for warning in warnings:
        click.echo(f"PERINGATAN {warning}", err=True)
    for line in summarise_errors(result.errors):
        click.echo(f"GALAT {line}", err=True)
    if result.errors:
        raise NetralError(f"{len(result.errors)} berkas tidak dapat dibuat (tercatat di manifest.json). Perbaiki, "
                          "lalu jalankan ulang: berkas yang sudah jadi tidak dibuat ulang.")
    if result.flagged:
        raise NetralError(f"{result.findings} berkas punya temuan preflight (ditandai di manifest.json).")
