"""Command line: parse options, call one library function, report. Messages are in Indonesian.

Library errors (`NetralError`) become `click.ClickException`: one line, exit code 1, no traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from .errors import NetralError


def _fail_cleanly(func):
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


def _load(brand_dir, agencies_csv, agency_query=None):
    from .agencies import load_registry
    from .pack import load_pack

    pack = load_pack(brand_dir)
    registry = load_registry(agencies_csv)
    agency = registry.find(agency_query) if agency_query is not None else None
    return pack, registry, agency


def _write_asset(asset, out: Path, force: bool = False) -> None:
    from .kit import write_atomic

    if asset.findings and not force:
        problems = "; ".join(str(f) for f in asset.findings)
        raise NetralError(f"Pemeriksaan {out.name} gagal, berkas tidak ditulis: {problems}. "
                          "Perbaiki desain/teks, atau tulis juga dengan --force.")
    write_atomic(out, asset.data)
    size = asset.size.get("px") or asset.size.get("mm") or asset.size.get("pt")
    unit = "px" if "px" in asset.size else ("mm" if "mm" in asset.size else "pt")
    click.echo(f"{out}  ({size[0]:g}×{size[1]:g} {unit}, {len(asset.data) // 1024} KB)")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="netral-assets")
def cli():
    """netral — materi kampanye ASN PILIH NETRAL untuk setiap instansi pemerintah.

    Contoh: netral kit --agency "Kabupaten Sleman" --out out
    """


@cli.command()
@agency_option
@pack_options
@click.option("--out", "-o", "out_dir", default="out", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran; kit ditulis ke OUT/<slug-instansi>/.")
@click.option("--only", default="twibbon,logo,poster,leaflet", show_default=True,
              help="Bagian kit yang dibuat, dipisah koma.")
@_fail_cleanly
def kit(agency_query, brand_dir, agencies_csv, out_dir, only):
    """Buat kit lengkap satu instansi: twibbon, logo, poster, manifest.json dan caption.txt."""
    from .kit import KitOptions, write_kit

    pack, _, agency = _load(brand_dir, agencies_csv, agency_query)
    parts = tuple(p.strip() for p in only.split(",") if p.strip())
    folder = write_kit(pack, agency, out_dir, KitOptions(only=parts))
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    click.echo(f"Kit {agency.name}: {len(files)} berkas di {folder}/")
    flagged = [f for f in files if f["findings"]]
    for f in flagged:
        click.echo(f"PERIKSA {f['path']}: {'; '.join(f['findings'])}", err=True)
    if flagged:
        raise NetralError(f"{len(flagged)} berkas punya temuan preflight (ditandai di manifest.json).")


@cli.command()
@agency_option
@pack_options
@click.option("--design", "-d", help="Nama desain twibbon (lihat: netral designs).")
@click.option("--format", "fmt", default="square", show_default=True, help="square atau story.")
@click.option("--output", "-o", "out", required=True, type=click.Path(dir_okay=False),
              help="Berkas keluaran .png atau .webp (latar transparan).")
@force_option
@_fail_cleanly
def twibbon(agency_query, brand_dir, agencies_csv, design, fmt, out, force):
    """Buat bingkai twibbon (PNG transparan di jendela foto)."""
    from .assets import build_twibbon

    pack, _, agency = _load(brand_dir, agencies_csv, agency_query)
    asset = build_twibbon(pack, agency, design, Path(out).suffix.lower(), fmt)
    _write_asset(asset, Path(out), force)


@cli.command()
@click.option("--agency", "-a", "agency_query", help="Instansi untuk lockup; tanpa ini hanya tanda kampanye.")
@pack_options
@click.option("--out", "-o", "out_dir", default="out/logo", show_default=True, type=click.Path(file_okay=False),
              help="Folder keluaran.")
@_fail_cleanly
def logo(agency_query, brand_dir, agencies_csv, out_dir):
    """Buat tanda kampanye (SVG, PNG 512/1024, PDF) dan lockup instansi mendatar dan bersusun."""
    from .logo import build_logo_assets

    pack, _, agency = _load(brand_dir, agencies_csv, agency_query)
    for asset in build_logo_assets(pack, agency):
        _write_asset(asset, Path(out_dir) / asset.name)


@cli.command()
@agency_option
@pack_options
@click.option("--design", "-d", help="Nama desain poster (lihat: netral designs).")
@click.option("--format", "fmt", default="feed", show_default=True,
              help="square, feed, story, a4 atau a3 (a4/a3 sebagai PDF).")
@click.option("--print", "print_marks", is_flag=True, help="PDF cetak: bleed 3 mm dan tanda potong.")
@click.option("--logo", "logo", type=click.Path(dir_okay=False),
              help="Logo instansi sendiri (PNG, JPEG atau SVG; persegi atau tegak paling baik), "
                   "dipasang di kaki poster menggantikan tanda kampanye.")
@click.option("--output", "-o", "out", required=True, type=click.Path(dir_okay=False),
              help="Berkas keluaran; ekstensinya menentukan format (.png, .jpg, .webp, .pdf).")
@force_option
@_fail_cleanly
def poster(agency_query, brand_dir, agencies_csv, design, fmt, print_marks, logo, out, force):
    """Buat poster edukasi untuk satu instansi."""
    from .assets import build_poster

    pack, _, agency = _load(brand_dir, agencies_csv, agency_query)
    asset = build_poster(pack, agency, design, fmt, Path(out).suffix.lower(), print_marks=print_marks,
                         logo=logo)
    _write_asset(asset, Path(out), force)


@cli.command()
@pack_options
@click.option("--kind", type=click.Choice(["twibbon", "logo", "poster", "leaflet"]), help="Hanya jenis ini.")
@_fail_cleanly
def designs(brand_dir, agencies_csv, kind):
    """Daftar desain yang tersedia, jenis dan formatnya."""
    from .designs import list_designs
    from .pack import load_pack

    for d in list_designs(load_pack(brand_dir), kind):
        click.echo(f"{d.kind:<8} {d.name:<14} {', '.join(d.formats):<32} {d.meta.get('description', d.title)}")


@cli.command()
@pack_options
@click.option("--check", is_flag=True, help="Periksa sumber, umur data dan persentase yang dikutip.")
@click.option("--max-age-days", type=int, default=None,
              help="Batas umur data untuk --check (hari). Bawaan: 3 tahun.")
@_fail_cleanly
def stats(brand_dir, agencies_csv, check, max_age_days):
    """Daftar angka statistik beserta sumbernya; --check melaporkan masalahnya."""
    from .pack import load_pack
    from .statistics import DEFAULT_MAX_AGE_DAYS

    statistics = load_pack(brand_dir).statistics
    if not check:
        click.echo(f"{'id':<30} {'angka':>7} {'persen':>7}  {'periode':<13} sumber")
        for f in statistics:
            pct = statistics.percent_text(f) or ""
            src = f"{f.source_line} — {f.source.title}" if f.source else "TANPA SUMBER"
            click.echo(f"{f.id:<30} {f.text:>7} {pct:>7}  {f.period:<13} {src}")
        return
    findings = statistics.check(max_age_days=max_age_days or DEFAULT_MAX_AGE_DAYS)
    for finding in findings:
        label = "GALAT" if finding.severity == "error" else "peringatan"
        click.echo(f"{label}: {finding}")
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    click.echo(f"{len(statistics)} angka diperiksa: {errors} galat, {warnings} peringatan.")
    if findings:
        sys.exit(1)


@cli.group()
def agencies():
    """Registri instansi: 38 provinsi, 514 kabupaten/kota, kementerian dan lembaga pusat."""


@agencies.command("search")
@click.argument("term")
@click.option("--agencies", "agencies_csv", type=click.Path(dir_okay=False), help="CSV unit tambahan.")
@click.option("--limit", default=20, show_default=True)
@_fail_cleanly
def agencies_search(term, agencies_csv, limit):
    """Cari instansi menurut nama atau kode."""
    from .agencies import load_registry

    hits = load_registry(agencies_csv).search(term, limit)
    if not hits:
        raise NetralError(f"Tidak ada instansi yang cocok dengan '{term}'.")
    for a in hits:
        click.echo(f"{a.code:<28} {a.slug:<44} {a.name}")


def _register_command_modules() -> None:
    # Commands that live in their own modules (cli_<name>.py, each defining a click command <name>).
    import importlib

    for name in ("frame", "check", "leaflet", "serve", "batch"):
        try:
            module = importlib.import_module(f".cli_{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.cli_{name}":
                raise
            continue
        cli.add_command(getattr(module, name))


_register_command_modules()


def main() -> None:
    cli(prog_name="netral")
