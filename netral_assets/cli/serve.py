"""`netral serve`: run the web app (framing page, humas page, API, dashboard) with uvicorn. Parses
options, opens the store (created and migrated on start), builds the app, serves it; with `--workers N`
uvicorn runs N processes, each building the app from the environment (`app_from_environment`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .options import fail_cleanly, load_inputs, pack_options

DEFAULT_DATA_DIR = "netral-data"
CONFIG_VARIABLE = "NETRAL_SERVE_CONFIG"  # the options, handed to worker processes


def database_url(database: str | None, data_dir: str | None) -> str:
    """--database wins; else SQLite in --data-dir (default ./netral-data/netral.db)."""
    if database:
        return database
    return f"sqlite://{Path(data_dir or DEFAULT_DATA_DIR).resolve() / 'netral.db'}"


def _build(config: dict):
    from ..web import create_app

    pack, registry, _ = load_inputs(config.get("brand_dir"), config.get("agencies_csv"))
    return create_app(pack, registry, public_url=config.get("public_url"), database=config["database"],
                      admin_token=os.environ.get("NETRAL_ADMIN_TOKEN") or None)


def app_from_environment():
    """uvicorn's factory in each worker process (`--workers N`)."""
    from ..web.server import private_access_log

    private_access_log()
    return _build(json.loads(os.environ[CONFIG_VARIABLE]))


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Alamat yang didengarkan; 0.0.0.0 agar bisa dibuka dari perangkat lain di jaringan.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port HTTP.")
@click.option("--public-url", metavar="URL", default=None,
              help="Alamat publik aplikasi (mis. https://netral.example.go.id), untuk pratinjau tautan, kode QR dan "
                   "caption; bawaan: [web] public_url di brand.toml, lalu alamat permintaan itu sendiri.")
@click.option("--database", metavar="URL", envvar="NETRAL_DATABASE", default=None,
              help="Basis data: sqlite:///PATH atau postgresql://… (atau NETRAL_DATABASE); bawaan: SQLite di --data-dir.")
@click.option("--data-dir", metavar="FOLDER", envvar="NETRAL_DATA_DIR", default=None,
              help=f"Folder data untuk SQLite bawaan (atau NETRAL_DATA_DIR); bawaan: ./{DEFAULT_DATA_DIR}.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Jumlah proses server; semua memakai basis data yang sama.")
@pack_options
@fail_cleanly
def serve(host, port, public_url, database, data_dir, workers, brand_dir, agencies_csv):
    """Jalankan aplikasi web: bingkai foto ASN (/), kit untuk humas (/humas), API (/docs) dan dasbor (/dasbor)."""
    from ..web.server import run, run_workers

    config = {"brand_dir": brand_dir, "agencies_csv": agencies_csv, "public_url": public_url,
              "database": database_url(database, data_dir)}
    app = _build(config)  # also checks the options and migrates the store once, before any worker starts
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Aplikasi web: http://{shown}:{port}/  (humas: /humas, API: /docs). Hentikan dengan Ctrl+C.")
    public = app.state.netral.public_url
    click.echo(f"Alamat publik: {public}/" if public else
               "Tanpa alamat publik (--public-url): tautan, pratinjau dan kode QR memakai alamat yang dibuka pengunjung.")
    click.echo(f"Basis data: {app.state.netral.store.engine.describe()}; "
               + ("dasbor: /dasbor." if app.state.netral.admin_token else "dasbor tertutup (NETRAL_ADMIN_TOKEN kosong)."))
    if workers == 1:
        run(app, host, port)
        return
    app.state.netral.shutdown()
    app.state.netral.store.close()
    os.environ[CONFIG_VARIABLE] = json.dumps(config)
    click.echo(f"{workers} proses server.")
    run_workers("netral_assets.cli.serve:app_from_environment", host, port, workers)
