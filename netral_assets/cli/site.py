"""`netral site`: the framing pages as static files (issue 17). Filled in shortly."""

from __future__ import annotations

import click


@click.command("site")
def site() -> None:
    """Tulis halaman bingkai sebagai berkas statis."""
    raise NotImplementedError
