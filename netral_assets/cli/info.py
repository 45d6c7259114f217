"""`netral designs`, `netral stats`, `netral agencies search`: what the pack and the registry hold."""

from __future__ import annotations

import sys

import click

from ..errors import NetralError
from .options import fail_cleanly, pack_options


@click.command()
@pack_options
@click.option("--kind", type=click.Choice(["twibbon", "logo", "poster", "leaflet"]), help="Hanya jenis ini.")
@fail_cleanly
def designs(brand_dir, agencies_csv, kind):
    """Daftar desain yang tersedia, jenis dan formatnya."""
    from ..model.designs import list_designs
    from ..model.pack import load_pack

    for d in list_designs(load_pack(brand_dir), kind):
        click.echo(f"{d.kind:<8} {d.name:<14} {', '.join(d.formats):<32} {d.meta.get('description', d.title)}")


@click.command()
@pack_options
@click.option("--check", is_flag=True, help="Periksa sumber, umur data dan persentase yang dikutip.")
@click.option("--max-age-days", type=int, default=None,
              help="Batas umur data untuk --check (hari). Bawaan: 3 tahun.")
@fail_cleanly
def stats(brand_dir, agencies_csv, check, max_age_days):
    """Daftar angka statistik beserta sumbernya; --check melaporkan masalahnya."""
    from ..model.pack import load_pack
    from ..model.statistics import DEFAULT_MAX_AGE_DAYS

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


@click.group()
def agencies():
    """Registri instansi: 38 provinsi, 514 kabupaten/kota, kementerian dan lembaga pusat."""


@agencies.command("search")
@click.argument("term")
@click.option("--agencies", "agencies_csv", type=click.Path(dir_okay=False), help="CSV unit tambahan.")
@click.option("--limit", default=20, show_default=True)
@fail_cleanly
def agencies_search(term, agencies_csv, limit):
    """Cari instansi menurut nama atau kode."""
    from ..model.agencies import load_registry

    hits = load_registry(agencies_csv).search(term, limit)
    if not hits:
        raise NetralError(f"Tidak ada instansi yang cocok dengan '{term}'.")
    for a in hits:
        click.echo(f"{a.code:<28} {a.slug:<44} {a.name}")
