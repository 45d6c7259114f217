"""Design loading: kind + design name -> `Design` (template path and the metadata of design.toml:
title, formats and their sizes, fitted text boxes, twibbon windows, safe zones).

A design is the folder `templates/<kind>/<design>/` holding `template.html.j2` and `design.toml`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import NetralError
from .pack import Pack
from .units import MM_PER_PX

KINDS = ("twibbon", "logo", "poster", "leaflet")
# Every design is laid out on a canvas this many CSS px wide; print formats keep their aspect ratio
# and are scaled to paper size when the PDF is written.
LAYOUT_WIDTH = 1080

# Named formats a design may offer: raster sizes in px, print sizes in mm.
FORMATS = {
    "square": {"px": (1080, 1080)},
    "feed": {"px": (1080, 1350)},
    "story": {"px": (1080, 1920)},
    "a4": {"mm": (210, 297)},
    "a3": {"mm": (297, 420)},
    "a4-landscape": {"mm": (297, 210)},
}
# A poster design with a `[carousel]` table in design.toml also comes as a carousel: slides of this
# size, one page each, laid out from the shared template below (assets/carousel.py). It is not one of
# the design's `formats` (those are single pictures), so it is asked for by name.
CAROUSEL = "carousel"
CAROUSEL_PX = (1080, 1350)
CAROUSEL_TEMPLATE = "poster/carousel/carousel.html.j2"


@dataclass(frozen=True)
class Box:
    width: float
    height: float
    max_size: float
    min_size: float
    max_lines: int = 3
    line_height: float = 1.15
    weight: int = 800
    transform: str = "none"  # "none" or "uppercase"
    letter_spacing: float = 0.0  # em

    @classmethod
    def from_toml(cls, data: dict) -> Box:
        allowed = set(cls.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise NetralError(f"Kotak teks: kunci tidak dikenal {sorted(unknown)}; yang boleh: {sorted(allowed)}.")
        return cls(**data)


@dataclass(frozen=True)
class Window:
    """The photo window of a twibbon, in output px: its bounding box and shape."""

    shape: str  # "circle" or "rect"
    x: float
    y: float
    width: float
    height: float
    radius: float = 0.0  # corner radius for "rect"

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def as_dict(self) -> dict:
        return {"shape": self.shape, "x": self.x, "y": self.y, "width": self.width,
                "height": self.height, "radius": self.radius}


@dataclass(frozen=True)
class Format:
    name: str
    width: float  # layout CSS px
    height: float
    mm: tuple[float, float] | None = None  # paper size for print formats

    @property
    def is_print(self) -> bool:
        return self.mm is not None

    @property
    def zoom(self) -> float:
        """PDF zoom that turns the layout canvas into the output size."""
        if self.mm:
            return self.mm[0] / MM_PER_PX / self.width
        return 1.0


@dataclass
class Design:
    kind: str
    name: str
    path: Path
    meta: dict = field(repr=False)

    @property
    def title(self) -> str:
        return self.meta.get("title", self.name)

    @property
    def template_name(self) -> str:
        return f"{self.kind}/{self.name}/template.html.j2"

    @property
    def formats(self) -> list[str]:
        return list(self.meta.get("formats", []))

    @property
    def carousel(self) -> dict | None:
        """The design's `[carousel]` table (what its slides show), or None: no carousel form."""
        return self.meta.get(CAROUSEL)

    def format(self, name: str) -> Format:
        if name == CAROUSEL and self.carousel is not None:
            return Format(CAROUSEL, *CAROUSEL_PX)
        if name not in self.formats:
            raise NetralError(
                f"Desain {self.kind}/{self.name} tidak punya format '{name}'. "
                f"Pilih salah satu: {', '.join(self.formats + ([CAROUSEL] if self.carousel is not None else []))}."
            )
        if name in FORMATS:
            spec = FORMATS[name]
        else:
            spec = self.meta.get("sizes", {}).get(name)
            if spec is None:
                raise NetralError(f"Format '{name}' tidak dikenal di {self.path}/design.toml.")
        if "px" in spec:
            w, h = spec["px"]
            return Format(name, w, h)
        w_mm, h_mm = spec["mm"]
        return Format(name, LAYOUT_WIDTH, LAYOUT_WIDTH * h_mm / w_mm, (w_mm, h_mm))

    def boxes(self, fmt: str) -> dict[str, Box]:
        """Fitted text boxes; a format may override a box (`[formats_override.<fmt>.fit.<name>]`)."""
        raw = dict(self.meta.get("fit", {}))
        for name, over in self.meta.get("override", {}).get(fmt, {}).get("fit", {}).items():
            raw[name] = {**raw.get(name, {}), **over}
        return {name: Box.from_toml(spec) for name, spec in raw.items()}

    def window(self, fmt: str = "square") -> Window | None:
        spec = self.meta.get("override", {}).get(fmt, {}).get("window") or self.meta.get("window")
        return Window(**spec) if spec else None

    def settings(self, fmt: str) -> dict:
        """The design's `[settings]`, with the format's `[override.<fmt>.settings]` on top. A carousel
        has its own: `[carousel.settings]` over no safe zones (its template sets the rest)."""
        if fmt == CAROUSEL and self.carousel is not None:
            return {"safe_top": 0, "safe_bottom": 0, **self.carousel.get("settings", {})}
        over = self.meta.get("override", {}).get(fmt, {}).get("settings", {})
        return {**self.meta.get("settings", {}), **over}


def find_design(pack: Pack, kind: str, name: str) -> Design | None:
    """The design `kind/name` from the pack's template folders, user packs first, or None. Any kind
    (the kit's own kinds, and the link card's and stickers', which are not offered as designs)."""
    for layer in pack.layers("templates"):
        folder = layer / kind / name
        if (folder / "design.toml").is_file():
            with (folder / "design.toml").open("rb") as f:
                try:
                    meta = tomllib.load(f)
                except tomllib.TOMLDecodeError as exc:
                    raise NetralError(f"{folder}/design.toml tidak valid: {exc}") from exc
            return Design(kind, name, folder, meta)
    return None


def load_design(pack: Pack, kind: str, name: str) -> Design:
    if kind not in KINDS:
        raise NetralError(f"Jenis '{kind}' tidak dikenal; pilih: {', '.join(KINDS)}.")
    found = find_design(pack, kind, name)
    if found is not None:
        return found
    available = ", ".join(d.name for d in list_designs(pack, kind)) or "(tidak ada)"
    raise NetralError(f"Desain {kind} '{name}' tidak ada. Desain yang tersedia: {available}.")


def list_designs(pack: Pack, kind: str | None = None) -> list[Design]:
    """Every design in the pack (user designs shadow bundled ones of the same name)."""
    found: dict[tuple[str, str], Design] = {}
    for k in [kind] if kind else KINDS:
        for layer in pack.layers("templates"):
            if not (layer / k).is_dir():
                continue
            for folder in sorted((layer / k).iterdir()):
                if (folder / "design.toml").is_file() and (k, folder.name) not in found:
                    found[(k, folder.name)] = load_design(pack, k, folder.name)
    return sorted(found.values(), key=lambda d: (KINDS.index(d.kind), d.meta.get("order", 99), d.name))


def default_design(pack: Pack, kind: str) -> Design:
    designs = list_designs(pack, kind)
    if not designs:
        raise NetralError(f"Paket kampanye tidak punya desain {kind}.")
    return designs[0]
