"""`netral serve`: run the web app (framing page, humas page, API) with uvicorn. Parses options,
builds the app, serves it."""

from __future__ import annotations

import click

from .options import fail_cleanly, load_inputs, pack_options


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Alamat yang didengarkan; 0.0.0.0 agar bisa dibuka dari perangkat lain di jaringan.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port HTTP.")
@click.option("--public-url", metavar="URL", default=None,
              help="Alamat publik aplikasi (mis. https://netral.example.go.id), untuk pratinjau tautan, kode QR dan "
                   "caption; bawaan: [web] public_url di brand.toml, lalu alamat permintaan itu sendiri.")
@pack_options
@fail_cleanly
def serve(host, port, public_url, brand_dir, agencies_csv):
    """Jalankan aplikasi web: bingkai foto ASN (/), kit untuk humas (/humas) dan API (/docs)."""
    from ..web import create_app
    from ..web.server import run

    pack, registry, _ = load_inputs(brand_dir, agencies_csv)
    app = create_app(pack, registry, public_url=public_url)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    click.echo(f"Aplikasi web: http://{shown}:{port}/  (humas: /humas, API: /docs). Hentikan dengan Ctrl+C.")
    public = app.state.netral.public_url
    click.echo(f"Alamat publik: {public}/" if public else
               "Tanpa alamat publik (--public-url): tautan, pratinjau dan kode QR memakai alamat yang dibuka pengunjung.")
    run(app, host, port)
