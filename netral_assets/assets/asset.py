"""The asset and the table of builders: a `Request` (pack, agency, design, format, extension) -> `Asset`
(bytes plus what the manifest says of them: kind, design, size, sha256, alt text, sources, findings).

Each kind's module registers its builder here at import (`@register("poster")`), as Pillow's format
plugins do; `kit` dispatches on the table (`build_asset`) and never names a kind's function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.pack import Pack


@dataclass
class Asset:
    name: str  # file name inside the kit folder
    kind: str
    design: str
    format: str
    data: bytes = field(repr=False)
    size: dict  # {"px": [w, h]} or {"mm": [w, h]}
    alt: str = ""
    sources: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    # The picture `data` was encoded from (raster assets), while it is at hand: a batch makes its
    # proof thumbnail from it instead of decoding the file again. Never written anywhere.
    image: object = field(default=None, repr=False, compare=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def file_format(self) -> str:
        return Path(self.name).suffix.lstrip(".").lower()

    def manifest_entry(self) -> dict:
        return {
            "path": self.name,
            "kind": self.kind,
            "design": self.design,
            "format": self.file_format,
            "variant": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "bytes": len(self.data),
            "alt": self.alt,
            "sources": self.sources,
            "findings": [str(f) for f in self.findings],
        }


@dataclass(frozen=True)
class Request:
    """What to build: one file of a kind. `key` identifies every input of the file's set (pack files,
    agency, design) so a builder that draws several files at once (the logo sets) can keep the set."""

    pack: Pack
    agency: Agency | None
    kind: str
    design: str
    format: str
    ext: str
    name: str
    extra: dict | None = None
    key: str = ""
    print_marks: bool = False  # the print file: bleed and crop (and fold) marks, TrimBox the paper


BUILDERS: dict[str, Callable[[Request], Asset]] = {}


def register(kind: str):
    """Register the decorated function as the builder of `kind` (one per kind)."""

    def add(builder: Callable[[Request], Asset]) -> Callable[[Request], Asset]:
        BUILDERS[kind] = builder
        return builder

    return add


def build_asset(request: Request) -> Asset:
    """The file a request describes, from its kind's builder."""
    builder = BUILDERS.get(request.kind)
    if builder is None:
        raise NetralError(f"Jenis aset '{request.kind}' tidak dikenal (ada: {', '.join(sorted(BUILDERS))}).")
    return builder(request)


def size_of(fmt, ext: str) -> dict:
    """The manifest's size of a file: mm for print PDFs, pt for other PDFs, px for pictures."""
    if ext == ".pdf" and fmt.is_print:
        return {"mm": list(fmt.mm)}
    if ext == ".pdf":
        return {"pt": [round(fmt.width * 0.75, 2), round(fmt.height * 0.75, 2)]}
    return {"px": [round(fmt.width), round(fmt.height)]}
