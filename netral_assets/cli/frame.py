"""`netral frame`: put the campaign frame on photos. Parses options, calls `photo.jobs`, reports.

One photo goes to the file OUT; several photos, a folder or `--people FILE.csv` go into the folder OUT.
A refused photo in a folder run does not stop the others: each failure is listed, and the exit code is 1.
"""

from __future__ import annotations

import click

from ..errors import NetralError
from .options import agency_option, fail_cleanly, load_inputs, pack_options


@click.command("frame")
@click.argument("photos", nargs=-1, type=click.Path())
@agency_option
@pack_options
@click.option("--design", "-d", help="Nama desain twibbon (lihat: netral designs).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["square", "story"]),
    default="square",
    show_default=True,
    help="square (1080×1080) atau story (1080×1920).",
)
@click.option(
    "--zoom", type=float, default=1.0, show_default=True, help="1 = foto pas menutupi jendela; 2 = dua kali lebih dekat."
)
@click.option(
    "--offset",
    nargs=2,
    type=float,
    default=(0.0, 0.0),
    show_default=True,
    metavar="X Y",
    help="Geser foto, dalam lebar/tinggi jendela (0.1 0 = ke kanan sepersepuluh jendela).",
)
@click.option("--rotate", type=float, default=0.0, show_default=True, help="Putar foto searah jarum jam (derajat).")
@click.option("--auto", is_flag=True, help="Pusatkan dan perbesar pada wajah (butuh paket tambahan 'face').")
@click.option(
    "--people",
    type=click.Path(dir_okay=False),
    help="CSV untuk humas: kolom photo, name, unit (opsional); nama dicetak di bingkai.",
)
@click.option("--ext", type=click.Choice(["jpg", "png", "webp"]), help="Format berkas bila keluaran berupa folder (bawaan: jpg).")
@click.option(
    "--output",
    "-o",
    "out",
    required=True,
    type=click.Path(),
    help="Satu foto: berkas .jpg, .png atau .webp. Beberapa foto, folder atau --people: folder.",
)
@fail_cleanly
def frame(photos, agency_query, brand_dir, agencies_csv, design, fmt, zoom, offset, rotate, auto, people, ext, out):
    """Pasang bingkai twibbon pada foto: orientasi, warna sRGB, tanpa metadata (EXIF/GPS dibuang)."""
    from ..assets.twibbon import load_frame, twibbon_design
    from ..photo.jobs import plan_jobs, run_jobs
    from ..photo.placement import Placement

    plan = plan_jobs(photos, out, ext, people)
    placement = Placement(zoom, tuple(offset), rotate, auto).check()
    pack, _, agency = load_inputs(brand_dir, agencies_csv, agency_query)
    chosen = twibbon_design(pack, design, fmt, need_name=bool(people))
    if people and any(j.unit for j in plan.jobs) and "unit" not in chosen.boxes(fmt):
        click.echo(f"Peringatan: desain {chosen.name} tidak punya tempat unit; kolom unit tidak dicetak.", err=True)

    frames = {}

    def frame_for(job):
        # One frame per person (their name is on it); without --people, one frame for every photo.
        key = (job.name, job.unit)
        if key not in frames:
            frames[key] = load_frame(pack, agency, chosen, fmt, job.name or None, job.unit or None)
        return frames[key]

    failed = []
    for result in run_jobs(plan.jobs, frame_for, placement):
        for warning in result.warnings:
            click.echo(f"Peringatan: {warning}", err=True)
        if not result.ok:
            if plan.single:
                raise NetralError(result.error)
            click.echo(f"Gagal: {result.error}", err=True)
            failed.append(result)
            continue
        who = f"{result.job.name}: " if result.job.name else ""
        used = result.placement
        # Written as the options are typed (a dot, not a comma), so the numbers can be passed back as-is.
        how = f"  (zoom {used.zoom:g}, offset {used.offset[0]:g} {used.offset[1]:g})" if auto and used.auto else ""
        click.echo(f"{who}{result.job.photo} → {result.job.output}{how}")

    if plan.skipped:
        names = ", ".join(p.name for p in plan.skipped[:5]) + (" …" if len(plan.skipped) > 5 else "")
        click.echo(f"{len(plan.skipped)} berkas bukan foto dilewati: {names}", err=True)
    if plan.single:
        return
    done = len(plan.jobs) - len(failed)
    click.echo(f"Selesai: {done} dari {len(plan.jobs)} foto dibingkai di {out}/.")
    if failed:
        names = ", ".join(r.job.photo.name for r in failed)
        raise NetralError(f"{len(failed)} foto gagal dibingkai: {names}.")
