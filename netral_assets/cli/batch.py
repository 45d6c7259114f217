"""`netral batch`: a selection of agencies -> their kits under one folder, with progress (see batch.py)."""

from __future__ import annotations

import sys
import time

import click

from ..errors import NetralError
from ..kit.plan import KIT_PARTS
from ..model.formatting import format_fixed, format_number
from .options import draft_option, fail_cleanly, identity_option, load_inputs, pack_options, public_url_option

SHOWN_ERRORS = 20  # errors printed at the end; manifest.json has all of them


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} dtk"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} mnt {seconds:02d} dtk"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} jam {minutes:02d} mnt"


class _Report:
    """Progress on stderr: on a terminal, click's progress bar (count, percentage, ETA, the agency just
    done); otherwise one plain line per agency. Errors are printed as they come, one line each."""

    def __init__(self, total: int):
        self.total = total
        self.started = time.monotonic()
        self.rendered = 0
        self.tty = sys.stderr.isatty()
        self.bar = click.progressbar(length=total, label="Kit", file=sys.stderr, show_eta=True, show_pos=True,
                                     item_show_func=lambda text: text, hidden=not self.tty)
        self.proof_bar = None

    def agency(self, result, done: int, total: int) -> None:
        self.rendered += result.rendered
        elapsed = max(time.monotonic() - self.started, 1e-6)
        for error in result.errors:
            where = f" · {error['file']}" if error.get("file") else ""
            self._line(f"GALAT {result.agency['name']}{where}: {error['message']}")
        rates = f"{format_fixed(done / elapsed, 2)} instansi/dtk · {format_fixed(self.rendered / elapsed)} berkas/dtk"
        if self.tty:
            self.bar.update(1, f"{rates} · {result.agency['short_name'][:40]}")
            if done == total:
                self.bar.render_finish()
            return
        status = f"{result.rendered} dibuat, {result.skipped} tetap" + (
            f", {len(result.errors)} galat" if result.errors else "")
        eta = (total - done) * elapsed / done
        click.echo(f"[{done:>{len(str(total))}}/{total}] {done * 100 // total:>3}% · {rates} · sisa ± "
                   f"{_duration(eta)} · {result.agency['short_name']}: {status}", err=True)

    def proof(self, done: int, total: int) -> None:
        if not self.tty:
            click.echo(f"Lembar periksa: {done}/{total} bagian", err=True)
            return
        if self.proof_bar is None:
            self.proof_bar = click.progressbar(length=total, label="Lembar periksa", file=sys.stderr, show_pos=True)
        self.proof_bar.update(1)
        if done == total:
            self.proof_bar.render_finish()

    def stopping(self) -> None:
        self._line("Menghentikan: menunggu proses pekerja menyelesaikan kit yang sedang dibuat …")

    def _line(self, text: str) -> None:
        if self.tty:
            click.echo(err=True)  # below the bar, which is drawn again at the next agency
        click.echo(text, err=True)


@click.command("batch")
@click.option("--level", type=click.Choice(["provinsi", "kabkota", "pusat", "semua"]),
              help="Tingkat instansi: provinsi, kabkota (kabupaten/kota), pusat (kementerian/lembaga) atau semua.")
@click.option("--province", help="Hanya instansi di satu provinsi: kode (34), slug atau nama.")
@pack_options
@click.option("--only", default=",".join(KIT_PARTS), show_default=True,
              help="Bagian kit yang dibuat, dipisah koma.")
@click.option("--zip", "make_zip", is_flag=True, help="Juga satu ZIP per instansi di samping foldernya.")
@click.option("--out", "-o", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder keluaran: OUT/<provinsi>/<instansi>/, OUT/manifest.json, OUT/proof.pdf.")
@click.option("--jobs", "-j", "workers", type=click.IntRange(min=1),
              help="Jumlah proses pekerja. Bawaan: satu per inti CPU.")
@click.option("--force", is_flag=True, help="Buat ulang semua berkas, juga yang tidak berubah.")
@click.option("--no-proof", is_flag=True, help="Tanpa proof.pdf (lembar periksa).")
@click.option("--logos", "logos_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder logo instansi: berkas bernama slug atau kode instansi (kabupaten-sleman.svg, 34.04.png).")
@draft_option
@public_url_option
@identity_option
@fail_cleanly
def batch(level, province, brand_dir, agencies_csv, only, make_zip, out_dir, workers, force, no_proof, logos_dir,
          draft, identity, public_url):
    """Buat kit untuk banyak instansi sekaligus (paralel, dapat dilanjutkan) dengan manifest.json dan proof.pdf.

    Contoh: netral batch --level kabkota --province 34 --zip --out kits
    """
    from ..batch import BatchOptions, run_batch, select_agencies, summarise_errors
    from ..kit.plan import KitOptions, signing_identity
    from ..web.links import check_public_url

    pack, registry, _ = load_inputs(brand_dir, None)
    parts = tuple(p.strip() for p in only.split(",") if p.strip())
    extra = {"public_url": check_public_url(public_url)} if public_url else {}
    kit_options = KitOptions(only=parts, identity=identity, logos=logos_dir, draft=draft, extra=extra)
    signing_identity(kit_options)  # a bad key or certificate is refused before any worker starts
    options = BatchOptions(kit_options, workers=workers, zip=make_zip, proof=not no_proof, force=force)
    agencies, selection_errors = select_agencies(registry, level, province, agencies_csv)
    for error in selection_errors:
        click.echo(f"GALAT {error['message']}", err=True)
    selection = {"level": level, "province": province, "agencies_csv": agencies_csv, "only": list(parts),
                 "zip": make_zip, "logos": bool(logos_dir), **({"draft": True} if draft else {})}
    click.echo(f"{len(agencies)} instansi, {options.worker_count()} proses pekerja → {out_dir}/", err=True)
    report = _Report(len(agencies))
    try:
        result = run_batch(pack, agencies, out_dir, options, selection_errors, selection, report.agency,
                           report.proof, registry, report.stopping)
    except KeyboardInterrupt:
        # The workers finished the kits in their hands; every file on disk is whole (atomic writes).
        click.echo("\nDihentikan. Berkas yang sudah jadi tetap utuh; jalankan lagi perintah yang sama untuk "
                   "melanjutkan.", err=True)
        sys.exit(130)
    click.echo(f"Selesai dalam {_duration(result.seconds)}: {len(result.agencies)} instansi, "
               f"{format_number(result.files)} berkas ({format_number(result.rendered)} dibuat, "
               f"{format_number(result.skipped)} dilewati karena tidak berubah).")
    click.echo(f"Manifest: {result.manifest_path}")
    if result.proof_path:
        click.echo(f"Lembar periksa: {result.proof_path} ({result.proof_pages} halaman)")
    if draft:
        click.echo("DRAF: setiap berkas dan lembar periksa bertanda \"DRAF — BELUM DISETUJUI\". Setelah disetujui, "
                   "jalankan perintah yang sama tanpa --draft: hanya berkas bertanda draf yang dibuat ulang.")
    lines = [f"GALAT {line}" for line in summarise_errors(result.errors)]
    for line in lines[:SHOWN_ERRORS]:
        click.echo(line, err=True)
    if len(lines) > SHOWN_ERRORS:
        click.echo(f"… dan {len(lines) - SHOWN_ERRORS} lagi (lihat \"errors\" di manifest.json).", err=True)
    if result.errors:
        failed = len(result.failed_agencies)
        raise NetralError(f"{len(result.errors)} galat ({failed} instansi gagal, baris CSV yang salah: "
                          f"{len(selection_errors)}); semua tercatat di manifest.json. Perbaiki, lalu jalankan "
                          "ulang: berkas yang sudah jadi tidak dibuat ulang.")
    if result.findings:
        raise NetralError(f"{result.findings} berkas punya temuan preflight (ditandai di manifest.json dan "
                          "proof.pdf). Periksa sebelum diterbitkan.")
