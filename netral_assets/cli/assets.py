"""`netral twibbon`, `netral logo`, `netral poster`, `netral leaflet`, `netral sticker`: agency + design ->
one file each (a set for logo and sticker)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import NetralError
from ..model.agencies import CONTACT_FIELDS
from .options import (
    agency_option,
    fail_cleanly,
    force_option,
    identity_option,
    load_inputs,
    pack_options,
    signer_for,
    write_asset,
)


@click.command()
@agency_option
@pack_options
@click.option("--design", "-d", help="Nama desain twibbon (lihat: netral designs).")
@click.option("--format", "fmt", default="square", show_default=True, help="square atau story.")
@click.option("--output", "-o", "out", required=True, type=click.Path(dir_okay=False),
              help="Berkas keluaran .png atau .webp (latar transparan).")
@force_option
@identity_option
@fail_cleanly
def twibbon(agency_query, brand_dir, agencies_csv, design, fmt, out, force, identity):
    """Buat bingkai twibbon (PNG transparan di jendela foto)."""
    from ..assets.twibbon import build_twibbon

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    sign = signer_for(identity, pack, agency)
    asset = build_twibbon(pack, agency, design, Path(out).suffix.lower(), fmt)
    write_asset(asset, Path(out), force, sign)


@click.command()
@click.option("--agency", "-a", "agency_query", help="Instansi untuk lockup; tanpa ini hanya tanda kampanye.")
@pack_options
@click.option("--out", "-o", "out_dir", default="out/logo", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran.")
@identity_option
@fail_cleanly
def logo(agency_query, brand_dir, agencies_csv, out_dir, identity):
    """Buat tanda kampanye (SVG, PNG 512/1024, PDF) dan lockup instansi mendatar dan bersusun."""
    from ..assets.logo import build_logo_assets

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    sign = signer_for(identity, pack, agency)
    for asset in build_logo_assets(pack, agency):
        write_asset(asset, Path(out_dir) / asset.name, sign=sign)


@click.command()
@agency_option
@pack_options
@click.option("--design", "-d", help="Nama desain poster (lihat: netral designs).")
@click.option("--format", "fmt", default="feed", show_default=True,
              help="square, feed, story, a4 atau a3 (a4/a3 sebagai PDF), atau carousel (slide 1080×1350 "
                   "bernomor dan satu PDF; -o FOLDER/ atau -o NAMA).")
@click.option("--print", "print_marks", is_flag=True, help="PDF cetak: bleed 3 mm dan tanda potong.")
@click.option("--logo", "logo", type=click.Path(dir_okay=False),
              help="Logo instansi sendiri (PNG, JPEG atau SVG; persegi atau tegak paling baik), "
                   "dipasang di kaki poster menggantikan tanda kampanye.")
@click.option("--output", "-o", "out", required=True, type=click.Path(),
              help="Berkas keluaran; ekstensinya menentukan format (.png, .jpg, .webp, .pdf). Carousel: "
                   "folder (carousel-DESAIN-01.jpg … dan carousel-DESAIN.pdf) atau NAMA (NAMA-01.jpg … dan "
                   "NAMA.pdf; NAMA.png untuk slide PNG).")
@click.option("--content", "content_file", type=click.Path(dir_okay=False),
              help="Berkas isi (TOML) untuk desain pesan atau pengumuman; path gambar di dalamnya relatif "
                   "terhadap berkas itu. Opsi di bawah menimpa kolom berkas per kolom.")
@click.option("--name", help="pesan: nama pimpinan.")
@click.option("--title", "role", help="pesan: jabatan pimpinan.")
@click.option("--quote", help="pesan: kutipan atau ajakan pimpinan.")
@click.option("--photo", type=click.Path(dir_okay=False), help="pesan: foto potret pimpinan (JPEG, PNG, HEIC …).")
@click.option("--headline", help="pengumuman: judul.")
@click.option("--point", "points", multiple=True, help="pengumuman: satu poin, boleh berulang (paling banyak 5).")
@click.option("--body", help="pengumuman: satu paragraf, pengganti poin.")
@click.option("--image", type=click.Path(dir_okay=False), help="pengumuman: gambar (opsional).")
@click.option("--link", help="pengumuman: tautan https:// (dicetak sebagai kode QR dan teks).")
@click.option("--link-label", "link_label", help="pengumuman: keterangan tautan, misalnya \"Formulir pendaftaran\".")
@click.option("--focus", nargs=2, type=float, metavar="X Y",
              help="Titik gambar yang dijaga tetap terlihat saat dipotong, pecahan 0–1 (mendatar tegak), "
                   "misalnya --focus 0.5 0.3.")
@force_option
@identity_option
@fail_cleanly
def poster(agency_query, brand_dir, agencies_csv, design, fmt, print_marks, logo, out, force, identity,
           content_file, name, role, quote, photo, headline, points, body, image, link, link_label, focus):
    """Buat poster edukasi, pesan pimpinan atau pengumuman untuk satu instansi."""
    from ..assets.poster import build_poster

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    words = {"name": name, "title": role, "quote": quote, "photo": photo, "headline": headline,
             "points": list(points) or None, "body": body, "image": image, "link": link,
             "link_label": link_label, "focus": list(focus) if focus else None}
    design, content = message_content(pack, design, content_file, words)
    sign = signer_for(identity, pack, agency)
    if fmt == "carousel":
        if content is not None:
            raise NetralError("Pesan dan pengumuman tidak dibuat sebagai carousel; pilih square, feed, story, a4 atau a3.")
        write_carousel(pack, agency, design, print_marks, logo, out, force, sign)
        return
    if Path(out).is_dir() or out.endswith(("/", "\\")):
        raise NetralError(f"-o {out} adalah folder; poster {fmt} ditulis ke satu berkas, misalnya -o poster.png.")
    asset = build_poster(pack, agency, design, fmt, Path(out).suffix.lower(), print_marks=print_marks,
                         logo=logo, content=content)
    write_asset(asset, Path(out), force, sign)


def message_content(pack, design: str | None, content_file: str | None, words: dict):
    """The design and the agency's own words of `netral poster`: from --content and the word options
    (pesan, pengumuman), or (None) for the campaign's own designs, which take no words."""
    from ..assets.message import FIELDS, content_design, load_content
    from ..model.designs import load_design

    given = {k: v for k, v in words.items() if v is not None}
    if content_file is None and not given:
        if design in FIELDS:
            raise NetralError(f"Desain {design} butuh isi: --content BERKAS.toml, atau "
                              + ("--name, --title, --quote dan --photo." if design == "pesan"
                                 else "--headline dan --point (atau --body)."))
        return design, None
    if design is None and content_file is not None:
        design = content_design(content_file)
    if design is None:  # the options say which: a leader's words or an announcement's
        design = "pesan" if {"name", "title", "quote", "photo"} & set(given) else "pengumuman"
    if design not in FIELDS:
        raise NetralError(f"Desain {design} tidak memakai isi sendiri; --content dan opsi isi hanya untuk desain "
                          f"{' dan '.join(FIELDS)}.")
    return design, load_content(load_design(pack, "poster", design), content_file, given)


def carousel_paths(out: str, design: str, ext: str) -> tuple[Path, callable]:
    """Where a carousel goes: a folder (existing, or written with a trailing slash) takes the kit's
    names; anything else is a stem, its extension (.jpg, .png, .pdf) dropped."""
    from ..assets.carousel import pdf_name, slide_name

    path = Path(out)
    if path.is_dir() or out.endswith(("/", "\\")):
        return path / pdf_name(design), lambda number: path / slide_name(design, number, ext)
    stem = path.with_suffix("") if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".pdf") else path
    return stem.with_name(stem.name + ".pdf"), lambda number: stem.with_name(f"{stem.name}-{number:02d}{ext}")


def write_carousel(pack, agency, design, print_marks, logo, out: str, force: bool, sign=None) -> None:
    """`--format carousel`: every slide as a numbered JPEG (PNG when -o ends in .png) and one PDF."""
    from ..assets.carousel import build_carousel, carousel_designs

    if print_marks:
        raise NetralError("--print hanya untuk format cetak (a4, a3), bukan carousel.")
    if not design:
        designs = carousel_designs(pack)
        if not designs:
            raise NetralError("Paket kampanye tidak punya desain poster dengan carousel.")
        design = designs[0].name
    ext = ".png" if Path(out).suffix.lower() == ".png" else ".jpg"
    made = build_carousel(pack, agency, design, ext, logo=logo)
    pdf_path, slide_path = carousel_paths(out, made.design.name, ext)
    if made.pdf.findings and not force:
        problems = "; ".join(str(f) for f in made.pdf.findings)
        raise NetralError(f"Pemeriksaan carousel {made.design.name} gagal, berkas tidak ditulis: {problems}. "
                          "Perbaiki desain/teks, atau tulis juga dengan --force.")
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    for number, slide in enumerate(made.slides, 1):
        write_asset(slide, slide_path(number), force, sign)
    write_asset(made.pdf, pdf_path, force, sign)


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
@identity_option
@fail_cleanly
def leaflet(agency_query, brand_dir, agencies_csv, variant, print_marks, pdfa, contact_pairs, out, force, identity):
    """Buat leaflet edukasi netralitas ASN (PDF siap cetak dan aksesibel) untuk satu instansi."""
    from ..assets.leaflet import build_leaflet

    if Path(out).suffix.lower() != ".pdf":
        raise NetralError(f"Leaflet hanya dibuat sebagai PDF: pakai -o {Path(out).stem or 'leaflet'}.pdf")
    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    sign = signer_for(identity, pack, agency)
    asset = build_leaflet(pack, agency, variant, print_marks=print_marks, pdfa=pdfa, contact=parse_contact(contact_pairs))
    write_asset(asset, Path(out), force, sign)


@click.command()
@agency_option
@pack_options
@click.option("--out", "-o", "out_dir", default="out/stiker", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran.")
@click.option("--png", "as_png", is_flag=True, help="PNG transparan, bukan WebP (untuk aplikasi selain WhatsApp).")
@force_option
@identity_option
@fail_cleanly
def sticker(agency_query, brand_dir, agencies_csv, out_dir, as_png, force, identity):
    """Buat set stiker WhatsApp (WebP 512×512 transparan, di bawah 100 KB): tanda kampanye, slogan,
    "Saya ASN Netral" dengan nama instansi, dan tagar."""
    from ..assets.sticker import build_sticker, list_stickers

    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    pack = pack.for_agency(agency)
    sign = signer_for(identity, pack, agency)
    for design in list_stickers(pack):
        asset = build_sticker(pack, agency, design.name, ".png" if as_png else ".webp")
        write_asset(asset, Path(out_dir) / asset.name, force, sign)
