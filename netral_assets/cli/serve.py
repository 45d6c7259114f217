"""`netral serve`: run the web app (framing page, humas page, API, dashboard, the public check /cek) with
uvicorn. Parses options, opens the store (created and migrated on start), builds the app, serves it; with
`--workers N` uvicorn runs N processes, each building the app from the environment (`app_from_environment`).

`--identity DIR` signs the kits the web app makes (and registers their codes in the store); `--trust`
adds roots to the campaign's trust list for /cek; `--index FOLDER` registers the static indexes that
`netral kit` / `netral batch` wrote (`keaslian/index.json`) in the store once, before serving."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .options import fail_cleanly, identity_option, load_inputs, pack_options

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
                      admin_token=os.environ.get("NETRAL_ADMIN_TOKEN") or None,
                      identity=config.get("identity") or None, trust=tuple(config.get("trust") or ()))


def load_indexes(folders) -> list[tuple[str, list]]:
    """Each kit or batch folder's static index (`keaslian/index.json`) -> (folder, its registrations).
    A folder without an index, or a damaged one, is refused (NetralError) before anything starts."""
    from ..provenance.codes import StaticIndex

    return [(str(folder), StaticIndex.load(folder).registrations) for folder in folders]


def register_indexes(state, loaded) -> list[tuple[str, int, int]]:
    """`load_indexes`' registrations into the store: (folder, how many listed, how many new) per folder
    (a file already registered keeps its first record)."""
    return [(folder, len(registrations), state.register(registrations)) for folder, registrations in loaded]


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
@identity_option
@click.option("--trust", "trust_files", multiple=True, type=click.Path(exists=True),
              help="Root tepercaya tambahan untuk /cek (PEM, atau folder identitas), selain brand/trust/. Boleh berulang.")
@click.option("--index", "index_folders", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="Folder kit atau batch yang kode keasliannya (keaslian/index.json) didaftarkan saat mulai, "
                   "agar /cek mengenalinya. Boleh berulang.")
@pack_options
@fail_cleanly
def serve(host, port, public_url, database, data_dir, workers, identity, trust_files, index_folders, brand_dir,
          agencies_csv):
    """Jalankan aplikasi web: bingkai foto ASN (/), kit untuk humas (/humas), cek keaslian (/cek), API (/docs)
    dan dasbor (/dasbor).

    \b
    Dengan --identity setiap kit yang dibuat lewat web ditandatangani dan kodenya didaftarkan.
    Contoh: netral serve --identity identitas --index kits/ --public-url https://netral.example.go.id
    """
    from ..web.server import run, run_workers

    config = {"brand_dir": brand_dir, "agencies_csv": agencies_csv, "public_url": public_url,
              "database": database_url(database, data_dir),
              "identity": str(Path(identity).resolve()) if identity else None,
              "trust": [str(Path(t).resolve()) for t in trust_files]}
    indexes = load_indexes(index_folders)
    app = _build(config)  # also checks the options and migrates the store once, before any worker starts
    state = app.state.netral
    for folder, listed, new in register_indexes(state, indexes):
        click.echo(f"Kode keaslian dari {folder}: {listed} berkas, {new} baru terdaftar.")
    if state.signer is not None:
        kind = "UJI, bukan untuk publikasi" if state.signer.test else "resmi"
        click.echo(f"Kit dari web ditandatangani oleh {state.signer.organisation} (identitas {kind}, berlaku sampai "
                   f"{state.signer.not_after:%Y-%m-%d}).")
    else:
        click.echo("Kit dari web tidak ditandatangani (tanpa --identity).")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Aplikasi web: http://{shown}:{port}/  (humas: /humas, cek keaslian: /cek, API: /docs). "
               "Hentikan dengan Ctrl+C.")
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
