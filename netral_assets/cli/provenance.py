"""`netral identity init|import|show`, `netral verify FILE…` (see `provenance`) and `netral register
FOLDER…` (the short codes of kit and batch folders into the web app's store)."""

from __future__ import annotations

import json
import os

import click

from ..errors import NetralError
from .options import fail_cleanly


@click.group("identity")
def identity():
    """Identitas penerbit: kunci dan sertifikat untuk menandatangani materi kampanye."""


@identity.command("init")
@click.option("--agency", "-a", "agency_query", required=True,
              help='Instansi penerbit: kode Kemendagri (34.04), slug atau nama ("Kabupaten Sleman").')
@click.option("--agencies", "agencies_csv", type=click.Path(dir_okay=False),
              help="CSV berisi unit Anda sendiri (kolom name; opsional short_name, slug, …).")
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder identitas yang dibuat (kunci privat di dalamnya hanya dapat dibaca Anda).")
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650),
              help="Masa berlaku sertifikat penandatangan, dalam hari.")
@click.option("--force", is_flag=True, help="Timpa identitas yang sudah ada di folder itu.")
@fail_cleanly
def init(agency_query, agencies_csv, out_dir, days, force):
    """Buat identitas UJI: root sendiri dan sertifikat penandatangan di bawahnya.

    Hanya untuk mencoba: verifikator di luar kampanye akan melaporkannya
    "tidak tepercaya". Untuk publikasi resmi, minta sertifikat dari CA
    (mis. BSrE) lalu pakai `netral identity import`.

    Contoh: netral identity init --agency "Kabupaten Sleman" --out identitas
    """
    from ..model.agencies import load_registry
    from ..provenance.identity import CHAIN, KEY, ROOT, init_identity

    agency = load_registry(agencies_csv).find(agency_query)
    folder = init_identity(agency.name, out_dir, days=days, force=force)
    click.echo(f"Identitas uji {agency.name} dibuat di {folder}/: {CHAIN}, {ROOT} (bagikan untuk --trust), "
               f"{KEY} (rahasia, izin 600).")


@identity.command("import")
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder identitas yang dibuat.")
@click.option("--pkcs12", "pkcs12_file", type=click.Path(exists=True, dir_okay=False),
              help="Sertifikat dan kunci dalam satu berkas PKCS#12 (.p12/.pfx).")
@click.option("--cert", type=click.Path(exists=True, dir_okay=False), help="Sertifikat penandatangan (PEM/DER).")
@click.option("--key", type=click.Path(exists=True, dir_okay=False), help="Kunci privatnya (PEM/DER, izin 600).")
@click.option("--chain", type=click.Path(exists=True, dir_okay=False), help="Sertifikat perantara (PEM).")
@click.option("--root", type=click.Path(exists=True, dir_okay=False), help="Sertifikat root CA (PEM).")
@click.option("--organisation", help="Nama organisasi penerbit, bila sertifikat tidak memuatnya (O).")
@click.option("--password-env", metavar="NAMA",
              help="Variabel lingkungan berisi kata sandi PKCS#12/kunci; tanpa ini kata sandi ditanyakan bila perlu.")
@click.option("--force", is_flag=True, help="Timpa identitas yang sudah ada di folder itu.")
@fail_cleanly
def import_(out_dir, pkcs12_file, cert, key, chain, root, organisation, password_env, force):
    """Impor identitas resmi: sertifikat dan kunci dari CA Anda (mis. BSrE).

    \b
    Contoh: netral identity import --pkcs12 sleman.p12 --root bsre-root.pem --out identitas
            netral identity import --cert sert.pem --key kunci.pem --chain perantara.pem --root root.pem --out identitas
    Bila berkasnya berkata sandi, kunci disimpan tetap terenkripsi dengan kata sandi itu;
    saat menandatangani isi NETRAL_IDENTITY_PASSWORD.
    """
    from ..provenance.identity import import_identity

    password = None
    if password_env:
        password = os.environ.get(password_env)
        if password is None:
            raise NetralError(f"Variabel {password_env} tidak diisi. Isi dengan kata sandinya, lalu ulangi.")
    options = dict(cert=cert, key=key, chain=chain, root=root, organisation=organisation, force=force)
    try:
        folder = import_identity(out_dir, pkcs12_file=pkcs12_file, password=password, **options)
    except NetralError as exc:
        if password is not None or "kata sandi" not in str(exc) or not _interactive():
            raise
        password = click.prompt("Kata sandi", hide_input=True)
        folder = import_identity(out_dir, pkcs12_file=pkcs12_file, password=password, **options)
    click.echo(f"Identitas diimpor ke {folder}/.")


@identity.command("show")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@fail_cleanly
def show(folder):
    """Tampilkan identitas: organisasi, masa berlaku, sidik jari sertifikat (tanpa kunci)."""
    from ..provenance.identity import load_identity

    ident = load_identity(folder)
    kind = "UJI (bukan untuk publikasi)" if ident.test else "resmi"
    click.echo(f"{ident.organisation} — identitas {kind}; {ident.common_name}; algoritme {ident.algorithm.upper()}; "
               f"berlaku sampai {ident.not_after:%Y-%m-%d}; SHA-256 {ident.fingerprint()}")


@click.command("verify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--trust", "trust_files", multiple=True, type=click.Path(exists=True),
              help="Daftar root tepercaya (PEM), atau folder identitas (root.pem-nya). Boleh berulang.")
@click.option("--json", "as_json", is_flag=True, help="Laporan sebagai JSON (satu objek per baris).")
@click.option("--index", "index_folders", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder kit atau batch: cari juga berkas asli terdaftar (keaslian/index.json) lewat kode "
                   "QR di gambar atau kemiripan gambar, mis. untuk tangkapan layar. Boleh berulang.")
@fail_cleanly
def verify(files, trust_files, as_json, index_folders):
    """Periksa keaslian berkas: penerbit, waktu, program, dan apakah berubah.

    \b
    Status: ASLI, DIUBAH (dan apa yang berubah), KEDALUWARSA, TIDAK TEPERCAYA,
    TANPA KREDENSIAL (media sosial dan WhatsApp menghapus kredensial saat unggah).
    Gambar diperiksa lewat Content Credentials (C2PA), PDF lewat tanda tangan PAdES,
    manifest.json lewat manifest.json.p7s; SVG dan berkas lain lewat manifest.json
    yang ditandatangani di foldernya. Keluar dengan kode 0 hanya bila semua ASLI.

    Dengan --index, setiap berkas juga dicari di antara berkas asli yang
    terdaftar: lewat kode keaslian pada kode QR-nya, atau kemiripan gambar
    (gambar dari WhatsApp, tangkapan layar). Kemiripan menemukan desainnya,
    tetapi tidak membuktikan isinya tidak diubah: bandingkan dengan aslinya.

    Contoh: netral verify --trust root.pem out/kabupaten-sleman/*.png
            netral verify --index out/kabupaten-sleman tangkapan-layar.jpg
    """
    from ..provenance.verify import load_trust, verify_file

    trust = load_trust(list(trust_files))
    reports = [verify_file(f, trust) for f in files]
    index = _load_indexes(index_folders) if index_folders else None
    for path, report in zip(files, reports, strict=True):
        found = _registered(path, index, trust) if index is not None else None
        if as_json:
            record = report.as_dict()
            if found is not None:
                record["registered"] = [_match_record(m) for m in found]
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        click.echo(report.message())
        if found is not None:
            for line in _match_lines(found):
                click.echo(f"  {line}")
    bad = sum(not r.ok for r in reports)
    if not as_json and len(reports) > 1:
        click.echo(f"{len(reports)} berkas diperiksa, {len(reports) - bad} asli.")
    if bad:
        click.get_current_context().exit(1)


def _load_indexes(folders):
    from ..provenance.codes import StaticIndex

    registrations = []
    for folder in folders:
        registrations.extend(StaticIndex.load(folder).registrations)
    return StaticIndex(registrations)


def _registered(path, index, trust) -> list:
    """The registered originals of a file (`provenance.lookup`: the code its signed claims or its QR
    code name, else the nearest pictures)."""
    from pathlib import Path

    from ..provenance.lookup import look_up

    data = Path(path).read_bytes()
    return look_up(data, Path(path).name, index=index, trust=trust, picture=_picture(data, Path(path).name)).matches


def _picture(data: bytes, name: str):
    """The picture of a file to look up (a PDF's first page), through the photo decoder's guards; None
    when it has none (a damaged or foreign file: its report already says so)."""
    from ..files import sniff
    from ..photo.decode import BROKEN_FILE, flatten, open_photo

    kind = sniff(data)
    try:
        if kind == ".pdf":
            from ..output.thumbnails import first_page

            return first_page(data, (1080, 2160)).convert("RGB")
        if kind is None:
            return None
        image = open_photo(data, name)
        image.load()
        return flatten(image).convert("RGB")
    except (NetralError, *BROKEN_FILE):
        return None
    except Exception:  # noqa: BLE001 - a hostile PDF has no picture; its signature report stands
        return None


HOW = {"code": "kode yang diketik", "qr": "kode QR di gambar", "hash": "kemiripan gambar",
       "credentials": "kode dalam kredensial"}


def _match_lines(matches) -> list[str]:
    if not matches:
        return ["Tidak cocok dengan berkas asli yang terdaftar di indeks."]
    lines = []
    for match in matches:
        r = match.registration
        far = f", jarak {match.distance}/64" if match.distance is not None else ""
        lines.append(f"Asli terdaftar: {r.file} — {r.agency}, {r.design} {r.format}, kode {r.code}, terbit {r.issued} "
                     f"(lewat {HOW.get(match.via, match.via)}{far})")
    if any(m.via == "hash" for m in matches):
        from ..provenance.lookup import HASH_CAVEAT

        lines.append(HASH_CAVEAT)
    return lines


def _match_record(match) -> dict:
    r = match.registration
    return {"code": r.code, "file": r.file, "agency": r.agency, "agency_code": r.agency_code, "kind": r.kind,
            "design": r.design, "format": r.format, "issued": r.issued, "issuer": r.issuer, "via": match.via,
            "distance": match.distance}


@click.command("register")
@click.argument("folders", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--database", metavar="URL", envvar="NETRAL_DATABASE", default=None,
              help="Basis data aplikasi web: sqlite:///PATH atau postgresql://… (atau NETRAL_DATABASE); "
                   "bawaan: SQLite di --data-dir.")
@click.option("--data-dir", metavar="FOLDER", envvar="NETRAL_DATA_DIR", default=None,
              help="Folder data aplikasi web (bawaan ./netral-data), seperti pada netral serve.")
@fail_cleanly
def register(folders, database, data_dir):
    """Daftarkan kode keaslian kit ke basis data aplikasi web, agar /cek mengenalinya.

    
    FOLDER: folder kit (OUT/<slug-instansi>) atau folder batch (semua kitnya).
    Yang dimuat: keaslian/index.json setiap kit, dicocokkan dengan manifest.json
    kit itu. Berkas yang sudah terdaftar dilewati; kode lama tetap terdaftar
    (poster yang telanjur tercetak tetap bisa dicek).

    Contoh: netral register out/ --database postgresql://netral@db/netral
    """
    from ..provenance.codes import StaticIndex
    from ..store import open_store
    from .serve import database_url

    registrations = []
    for folder in folders:
        registrations.extend(StaticIndex.load(folder, check_manifest=True).registrations)
    store = open_store(database_url(database, data_dir))
    try:
        added = store.register(registrations)
        where = store.engine.describe()
    finally:
        store.close()
    codes = len({r.code for r in registrations})
    agencies = len({r.agency_code for r in registrations})
    click.echo(f"{len(registrations)} berkas berkode ({codes} kode, {agencies} instansi): {added} baru terdaftar, "
               f"{len(registrations) - added} sudah terdaftar sebelumnya; basis data {where}.")


def _interactive() -> bool:
    return click.get_text_stream("stdin").isatty()
