"""What every command shares: option decorators, loading the pack and agency, writing one asset, and the one
translation of library errors (`NetralError`, missing files, memory) into a one-line message and exit 1."""

from __future__ import annotations

import functools
from pathlib import Path

import click

from ..errors import NetralError


def fail_cleanly(func):
    """Turn library errors, missing files and bad data into a clear message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NetralError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException("Memori tidak cukup untuk berkas ini. Pakai berkas yang lebih kecil.") from None
        except OSError as exc:
            from ..files import disk_error

            where = Path(exc.filename) if exc.filename else Path.cwd()
            known = disk_error(exc, where if where.is_dir() else where.parent)
            if known is not None:  # a full disk, a read-only folder, no permission: the folder and the fix
                raise click.ClickException(str(known)) from None
            raise click.ClickException(f"Tidak dapat membaca/menulis {exc.filename or ''}: {exc.strerror or exc}") from None

    return wrapper


def pack_options(func):
    """--brand and --agencies, shared by every command that renders."""
    func = click.option(
        "--agencies", "agencies_csv", type=click.Path(dir_okay=False),
        help="CSV berisi unit Anda sendiri (kolom name; opsional short_name, slug, province, address, phone, email, website).",
    )(func)
    func = click.option(
        "--brand", "brand_dir", type=click.Path(file_okay=False),
        help="Folder paket kampanye yang menimpa paket bawaan, berkas demi berkas.",
    )(func)
    return func


def agency_option(func):
    return click.option(
        "--agency", "-a", "agency_query", required=True,
        help='Instansi: kode Kemendagri (34.04), slug (kabupaten-sleman) atau nama ("Kabupaten Sleman").',
    )(func)


force_option = click.option("--force", is_flag=True, help="Tulis berkas walau pemeriksaan (preflight) menemukan masalah.")


def load_inputs(brand_dir, agencies_csv, agency_query=None):
    from ..model.agencies import load_registry
    from ..model.pack import load_pack

    pack = load_pack(brand_dir)
    registry = load_registry(agencies_csv)
    agency = registry.find(agency_query) if agency_query is not None else None
    return pack, registry, agency


draft_option = click.option(
    "--draft", is_flag=True,
    help="Tandai setiap berkas \"DRAF — BELUM DISETUJUI\" (pita diagonal) untuk diedarkan dan disetujui; "
         "jalankan ulang tanpa --draft untuk versi final.",
)
# kit and batch: the address the authenticity line prints (checked like serve's, web.links.check_public_url)
public_url_option = click.option(
    "--public-url", "public_url", metavar="URL",
    help="Alamat publik aplikasi web (mis. https://netral.instansi.go.id): kode keaslian dicetak sebagai "
         "\"Cek keaslian: ALAMAT/cek/KODE\" (dengan kode QR pada poster cetak dan leaflet) dan poster ajakan "
         "dibuat. Bawaan: [web] public_url di brand.toml; tanpa keduanya dicetak \"Kode keaslian: KODE\".",
)
identity_option = click.option(
    "--identity", "identity", envvar="NETRAL_IDENTITY", type=click.Path(file_okay=False),
    help="Folder identitas penerbit (netral identity init/import; atau NETRAL_IDENTITY): setiap gambar dan "
         "PDF ditandatangani (Content Credentials / PAdES) agar publik dapat memeriksa keasliannya.",
)


def signer_for(identity, pack, agency):
    """A function asset -> signed bytes for `write_asset`, or None without an identity. The identity is
    loaded (and a bad key or certificate refused) before anything is rendered."""
    if not identity:
        return None
    from ..provenance import asset_claims, load_identity, sign_bytes, signable

    loaded = load_identity(identity)

    def sign(asset, out: Path) -> bytes:
        ext = out.suffix.lower()
        if not signable(ext):
            return asset.data
        return sign_bytes(asset.data, ext, loaded, asset_claims(asset, agency, pack.name))

    return sign


def write_asset(asset, out: Path, force: bool = False, sign=None) -> None:
    """Write one finished asset (signed with `sign` from `signer_for`), refusing one with findings."""
    from ..files import write_atomic

    if asset.findings and not force:
        problems = "; ".join(str(f) for f in asset.findings)
        raise NetralError(f"Pemeriksaan {out.name} gagal, berkas tidak ditulis: {problems}. "
                          "Perbaiki desain/teks, atau tulis juga dengan --force.")
    write_atomic(out, sign(asset, out) if sign else asset.data)
    size = asset.size.get("px") or asset.size.get("mm") or asset.size.get("pt")
    unit = "px" if "px" in asset.size else ("mm" if "mm" in asset.size else "pt")
    click.echo(f"{out}  ({size[0]:g}×{size[1]:g} {unit}, {len(asset.data) // 1024} KB)")


