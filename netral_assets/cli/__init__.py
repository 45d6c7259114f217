"""Command line: click commands, thin over the library; each module holds a few, registered here by name.

Library errors become a one-line Indonesian message and exit 1 (`options.fail_cleanly`). Messages are in
Indonesian.
"""

from __future__ import annotations

import click

from .assets import leaflet, logo, poster, sticker, twibbon
from .batch import batch
from .check import check
from .frame import frame
from .info import agencies, designs, stats
from .kit import kit
from .provenance import identity, register, verify
from .serve import serve
from .site import site


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="netral-assets")
def cli():
    """netral — materi kampanye ASN PILIH NETRAL untuk setiap instansi pemerintah.

    Contoh: netral kit --agency "Kabupaten Sleman" --out out
    """


for command in (kit, twibbon, logo, poster, sticker, leaflet, frame, batch, check, designs, stats, agencies, serve, site,
                identity, register, verify):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="netral")
