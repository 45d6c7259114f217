"""Assets: agency + design + format -> `Asset` (bytes plus metadata: kind, design, size, sha256, alt
text, sources). Builders for each kind live here; `kit` and `batch` only call them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, Window, default_design, load_design
from ..model.pack import Pack
from ..output.writers import encode_image, rasterize, write_pdf, writer_for
from ..render.document import render_design
from .layers import compose_pdf, compose_raster, is_layered

# The window mask is drawn this many times larger and reduced, for a clean anti-aliased edge.
MASK_SUPERSAMPLE = 4


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


def window_mask(window: Window, size: tuple[int, int]) -> Image.Image:
    """An L-mode mask: 255 inside the photo window, 0 outside, anti-aliased at the edge."""
    return _window_mask(window, tuple(size)).copy()


@lru_cache(maxsize=16)
def _window_mask(window: Window, size: tuple[int, int]) -> Image.Image:
    # drawn once per window and size in a process: the supersampled drawing costs ~40 ms
    s = MASK_SUPERSAMPLE
    big = Image.new("L", (size[0] * s, size[1] * s), 0)
    draw = ImageDraw.Draw(big)
    box = [window.x * s, window.y * s, (window.x + window.width) * s - 1, (window.y + window.height) * s - 1]
    if window.shape == "circle":
        draw.ellipse(box, fill=255)
    elif window.shape == "rect":
        draw.rounded_rectangle(box, radius=window.radius * s, fill=255)
    else:
        raise NetralError(f"Bentuk jendela '{window.shape}' tidak dikenal (circle atau rect).")
    return big.resize(size, Image.Resampling.BOX)


def _size_of(fmt, ext: str) -> dict:
    if ext == ".pdf" and fmt.is_print:
        return {"mm": list(fmt.mm)}
    if ext == ".pdf":
        return {"pt": [round(fmt.width * 0.75, 2), round(fmt.height * 0.75, 2)]}
    return {"px": [round(fmt.width), round(fmt.height)]}


def frame_raster(pack: Pack, agency: Agency, design: Design, fmt: str, extra: dict | None = None):
    """A twibbon's artwork as RGBA (composed from its layers when the design is layered) and its
    preflight findings, before the window is cut."""
    if is_layered(design):
        out = compose_raster(pack, design, fmt, agency, extra, transparent=True)
        return out.product, out.findings
    rendered = render_design(pack, design, fmt, agency, extra)
    return rasterize(rendered, transparent=True), rendered.findings


def frame_image(pack: Pack, agency: Agency, design: Design, fmt: str = "square") -> Image.Image:
    """The twibbon frame as RGBA: transparent in the photo window, opaque elsewhere."""
    image, findings = frame_raster(pack, agency, design, fmt)
    image.info["findings"] = findings
    window = design.window(fmt)
    if window is None:
        raise NetralError(f"Desain twibbon {design.name} tidak punya [window] di design.toml.")
    # The frame's own artwork leaves the window open; the mask makes it exactly transparent (alpha 0)
    # with an edge that matches the geometry photo framing uses.
    alpha = ImageChops.multiply(image.getchannel("A"), ImageChops.invert(window_mask(window, image.size)))
    image.putalpha(alpha)
    return image


def twibbon_alt(pack: Pack, agency: Agency, design: Design) -> str:
    window = design.window()
    shape = "bundar" if window and window.shape == "circle" else "persegi"
    return (
        f"Bingkai twibbon {pack.name} dengan jendela foto {shape} di tengah, nama "
        f"{agency.name}, slogan \"{pack.slogan}\", dan tagar {' '.join(pack.hashtags)}."
    )


def build_twibbon(pack: Pack, agency: Agency, design: str | None = None, ext: str = ".png",
                  fmt: str = "square") -> Asset:
    d = load_design(pack, "twibbon", design) if design else default_design(pack, "twibbon")
    if ext not in (".png", ".webp"):
        raise NetralError("Twibbon butuh latar transparan: simpan sebagai .png atau .webp.")
    image = frame_image(pack, agency, d, fmt)
    return Asset(
        name=f"twibbon-{d.name}{'-' + fmt if fmt != 'square' else ''}{ext}",
        kind="twibbon",
        design=d.name,
        format=fmt,
        data=encode_image(image, ext),
        size={"px": list(image.size)},
        alt=twibbon_alt(pack, agency, d),
        findings=image.info.get("findings", []),
        image=image,
    )


def poster_alt(pack: Pack, agency: Agency, design: Design, sources: list[dict]) -> str:
    template = design.meta.get("alt", "Poster {campaign} dari {agency}.")
    figures = "; ".join(
        f"{s['label']} {s['period']}: {s['value']:,}".replace(",", ".") for s in sources
    )
    text = template.format(campaign=pack.name, agency=agency.name, slogan=pack.slogan)
    return f"{text} Angka: {figures}." if figures else text


def build_poster(pack: Pack, agency: Agency, design: str | None = None, fmt: str = "feed",
                 ext: str = ".png", print_marks: bool = False, extra: dict | None = None,
                 logo: str | Path | None = None) -> Asset:
    """One poster; `logo` is the agency's own PNG/JPEG/SVG, shown in the footer instead of the mark."""
    d = load_design(pack, "poster", design) if design else default_design(pack, "poster")
    f = d.format(fmt)
    if f.is_print and ext != ".pdf":
        raise NetralError(f"Format cetak {fmt} hanya sebagai PDF: pakai -o NAMA.pdf.")
    if print_marks and not f.is_print:
        raise NetralError(f"--print hanya untuk format cetak (a4, a3), bukan {fmt}.")
    if logo is not None:
        from .agency_logo import load_agency_logo

        extra = {**(extra or {}), "logo": load_agency_logo(logo)}
    ext, writer = writer_for(f"x{ext}")
    title = f"{d.title} — {agency.name}"
    image = None
    finisher = None
    if ext == ".pdf" and print_marks:
        from ..output.pdfboxes import print_boxes

        finisher = print_boxes(f.zoom)
    if is_layered(d):
        if ext == ".pdf":
            out = compose_pdf(pack, d, fmt, agency, extra, print_marks, title=title, finisher=finisher)
            data = out.product
        else:
            out = compose_raster(pack, d, fmt, agency, extra, transparent=ext not in (".jpg", ".jpeg"))
            image = out.product
            data = encode_image(image, ext)
        sources, findings = out.sources, out.findings
    else:
        rendered = render_design(pack, d, fmt, agency, extra, print_marks=print_marks)
        if ext == ".pdf":
            options = {"finisher": finisher} if finisher else {}
            data = write_pdf(rendered, metadata={"title": title, "lang": "id"}, **options)
        else:
            data = writer(rendered)
        sources, findings = rendered.sources, rendered.findings
    alt = poster_alt(pack, agency, d, sources)
    return Asset(
        name=f"poster-{d.name}-{fmt}{ext}",
        kind="poster",
        design=d.name,
        format=fmt,
        data=data,
        size=_size_of(f, ext),
        alt=alt,
        sources=sources,
        findings=findings,
        image=image,
    )
