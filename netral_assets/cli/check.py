"""`netral check FILE…`: check output files already on disk (`checks.files.check_file`)."""

from __future__ import annotations

import json

import click

from .options import fail_cleanly


def open_picture(data: bytes, name: str):
    """A finished picture opened for checking through the photo decoder's guards (`open_photo`: bytes,
    pixels, data that ends long before the image does, the memory budget, all from the header); a
    refusal is a NetralError that `check_file` reports as one finding."""
    from ..photo.decode import open_photo

    return open_photo(data, name)


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--brand", "brand_dir", type=click.Path(file_okay=False),
              help="Folder paket kampanye yang dipakai saat berkas dibuat (untuk membaca desainnya).")
@click.option("--json", "as_json", is_flag=True, help="Laporan sebagai JSON (satu objek per berkas).")
@fail_cleanly
def check(files, brand_dir, as_json):
    """Periksa berkas yang sudah jadi: PDF, PNG, JPEG atau WebP.

    \b
    Yang diperiksa dari berkasnya sendiri:
      • gambar: header-nya diperiksa sebelum didekode (bom dekompresi,
        data terpotong, batas memori), dapat dibuka, ukuran piksel;
      • PDF: TrimBox berukuran kertas (A4/A3) dan BleedBox 3 mm di luarnya
        untuk PDF cetak, semua huruf tertanam;
      • kode QR (gambar, dan PDF dirender 150 dpi) terbaca, dan alamatnya
        tercetak sebagai teks di PDF.
    Bila ada manifest.json di folder yang sama (hasil `netral kit`):
      • temuan preflight yang tercatat saat berkas dibuat (teks meluap,
        bertabrakan, huruf terlalu kecil, kontras di bawah WCAG AA, …);
      • isi berkas belum berubah (sha256) dan ukurannya sesuai catatan;
      • setiap angka statistik tercetak dengan baris sumbernya (PDF);
      • jumlah kode QR yang dicetak desainnya.

    Keluar dengan kode 1 bila ada temuan.

    Contoh: netral check out/kabupaten-sleman/*.pdf out/kabupaten-sleman/*.png
    """
    from pathlib import Path

    from ..checks.files import check_file
    from ..model.pack import load_pack

    pack = load_pack(brand_dir)
    reports = [check_file(Path(f), pack, open_picture) for f in files]
    if as_json:
        for r in reports:
            click.echo(json.dumps({
                "path": str(r.path), "kind": r.kind, "ok": r.ok, "facts": r.facts,
                "findings": [{"element": f.element, "rule": f.rule, "message": f.message} for f in r.findings],
            }, ensure_ascii=False))
    else:
        for r in reports:
            status = "OK" if r.ok else "PERIKSA"
            click.echo(f"{status}  {r.path}  ({'; '.join(r.facts)})")
            for f in r.findings:
                click.echo(f"  - [{f.rule}] {f}")
    bad = sum(1 for r in reports if not r.ok)
    if not as_json:
        click.echo(f"{len(reports)} berkas diperiksa, {bad} dengan temuan.")
    if bad:
        raise SystemExit(1)
