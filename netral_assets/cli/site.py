"""`netral site`: the framing page as static files (web/site.py) for one agency or many."""

from __future__ import annotations

import click

from ..errors import NetralError
from .options import fail_cleanly, load_inputs, pack_options


@click.command("site")
@click.option("--agency", "-a", "agency_query",
              help='Satu instansi: kode Kemendagri (34.04), slug (kabupaten-sleman) atau nama ("Kabupaten Sleman").')
@click.option("--level", type=click.Choice(["provinsi", "kabkota", "pusat", "semua"]),
              help="Semua instansi satu tingkat (semua: setiap tingkat).")
@click.option("--province", help="Hanya instansi di satu provinsi: kode (34), slug atau nama.")
@click.option("--public-url", "public_url",
              help="Alamat tempat folder ini disajikan, mis. https://sleman.go.id/netral (untuk pratinjau tautan "
                   "dan caption). Bukan [web] public_url di brand.toml: itu alamat server aplikasi.")
@pack_options
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(),
              help="Folder situs statis (dibuat bila belum ada; menjalankan ulang hanya menulis yang berubah).")
@fail_cleanly
def site(agency_query, level, province, public_url, brand_dir, agencies_csv, out_dir):
    """Tulis halaman bingkai sebagai berkas statis untuk hosting web, folder CMS atau CDN mana pun.

    Foto tetap dibingkai di browser dan tidak pernah diunggah. Hitungan partisipasi dan kit untuk humas
    butuh server (netral serve); halaman statis mengatakannya dan tetap berfungsi tanpanya.
    """
    from ..web.links import check_public_url
    from ..web.site import build_site

    if agency_query and (level or province):
        raise NetralError("Pilih --agency untuk satu instansi, atau --level/--province untuk banyak; jangan keduanya.")
    if not (agency_query or level or province):
        raise NetralError("Pilih instansi: --agency NAMA, --level TINGKAT atau --province KODE.")
    pack, registry, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    if agency is not None:
        agencies = [agency]
    else:
        agencies = registry.select(level or "semua", province)
        if not agencies:
            raise NetralError("Tidak ada instansi yang cocok dengan pilihan --level/--province ini.")
    url = check_public_url(public_url)

    def progress(done: int, total: int, agency) -> None:
        if total > 1:
            click.echo(f"[{done}/{total}] {agency.short_name}", err=True)

    result = build_site(pack, agencies, out_dir, url, progress=progress)
    click.echo(result.summary())
    first = agencies[0].slug
    click.echo(f"Sajikan folder ini dengan server web apa pun; halaman instansi: {out_dir}/t/{first}/index.html")
    if not url:
        click.echo("Catatan: tanpa --public-url, pratinjau tautan (WhatsApp, Facebook) tampil tanpa gambar; tulis "
                   "alamat tempat folder ini disajikan, mis. --public-url https://instansi.go.id/netral", err=True)
