"""Twibbons: agency + twibbon design -> the frame (RGBA, exactly transparent in the photo window) as an
`Asset`, or as a `photo.Frame` with a person's name and unit for framing photos.

The window is geometry (design.toml `[window]`), not pixels: the frame's alpha is multiplied by an
anti-aliased mask of the same geometry that photo framing uses.

The agency's own emblem (`logo`: a path, or agency_logo's checked data) is drawn by the template's
agency layer beside the agency's name, on a white plate that keeps its clear space, never in the photo
window; a design gives the name's box for that case in `[emblem.fit.<box>]` of design.toml.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, Window, default_design, load_design
from ..model.pack import Pack
from ..output.writers import encode_image, rasterize
from ..photo.frame import Frame
from ..render.document import render_design
from .asset import Asset, Request, register
from .layers import compose_raster, is_layered

# The window mask is drawn this many times larger and reduced, for a clean anti-aliased edge.
MASK_SUPERSAMPLE = 4


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


def agency_logo_data(logo) -> dict | None:
    """`logo` as the templates take it: None, agency_logo's checked data, or a file to check."""
    if logo is None or isinstance(logo, dict):
        return logo or None
    from .agency_logo import load_agency_logo

    return load_agency_logo(Path(logo))


def with_emblem(design: Design) -> Design:
    """The design as laid out with the agency's emblem: its `[emblem.fit.<box>]` over its boxes (the
    name gives the emblem room). The body layer does not read the boxes, so it stays the same."""
    over = design.meta.get("emblem", {}).get("fit", {})
    if not over:
        return design
    fit = dict(design.meta.get("fit", {}))
    for name, spec in over.items():
        fit[name] = {**fit.get(name, {}), **spec}
    return dataclasses.replace(design, meta={**design.meta, "fit": fit})


def frame_raster(pack: Pack, agency: Agency, design: Design, fmt: str, extra: dict | None = None):
    """A twibbon's artwork as RGBA (composed from its layers when the design is layered) and its
    preflight findings, before the window is cut. `extra["logo"]` (agency_logo's data) puts the
    agency's emblem beside its name."""
    if extra and extra.get("logo"):
        design = with_emblem(design)
    if is_layered(design):
        out = compose_raster(pack, design, fmt, agency, extra, transparent=True)
        return out.product, out.findings
    rendered = render_design(pack, design, fmt, agency, extra)
    return rasterize(rendered, transparent=True), rendered.findings


def frame_image(pack: Pack, agency: Agency, design: Design, fmt: str = "square",
                texts: dict | None = None, logo=None) -> Image.Image:
    """The twibbon frame as RGBA: transparent in the photo window, opaque elsewhere; `texts` fills the
    design's name and unit slots; `logo` (a file or agency_logo's data) adds the agency's emblem."""
    extra = {}
    if texts:
        extra["texts"] = texts
    logo = agency_logo_data(logo)
    if logo:
        extra["logo"] = logo
    image, findings = frame_raster(pack, agency, design, fmt, extra or None)
    image.info["findings"] = findings
    window = design.window(fmt)
    if window is None:
        raise NetralError(f"Desain twibbon {design.name} tidak punya [window] di design.toml.")
    # The frame's own artwork leaves the window open; the mask makes it exactly transparent (alpha 0)
    # with an edge that matches the geometry photo framing uses.
    alpha = ImageChops.multiply(image.getchannel("A"), ImageChops.invert(window_mask(window, image.size)))
    image.putalpha(alpha)
    return image


def twibbon_alt(pack: Pack, agency: Agency, design: Design, emblem: bool = False) -> str:
    window = design.window()
    shape = "bundar" if window and window.shape == "circle" else "persegi"
    name = f"logo dan nama {agency.name}" if emblem else f"nama {agency.name}"
    return (
        f"Bingkai twibbon {pack.name} dengan jendela foto {shape} di tengah, {name}, "
        f"slogan \"{pack.slogan}\", dan tagar {' '.join(pack.hashtags)}."
    )


def build_twibbon(pack: Pack, agency: Agency, design: str | None = None, ext: str = ".png",
                  fmt: str = "square", logo=None) -> Asset:
    """One twibbon frame; `logo` (a PNG/JPEG/SVG file or agency_logo's data) is the agency's emblem."""
    d = load_design(pack, "twibbon", design) if design else default_design(pack, "twibbon")
    if ext not in (".png", ".webp"):
        raise NetralError("Twibbon butuh latar transparan: simpan sebagai .png atau .webp.")
    logo = agency_logo_data(logo)
    image = frame_image(pack, agency, d, fmt, logo=logo)
    return Asset(
        name=f"twibbon-{d.name}{'-' + fmt if fmt != 'square' else ''}{ext}",
        kind="twibbon",
        design=d.name,
        format=fmt,
        data=encode_image(image, ext),
        size={"px": list(image.size)},
        alt=twibbon_alt(pack, agency, d, emblem=bool(logo)),
        findings=image.info.get("findings", []),
        image=image,
    )


def twibbon_design(pack: Pack, name: str | None, fmt: str = "square", need_name: bool = False) -> Design:
    """The twibbon design to frame with (default: the pack's first), checked for `fmt` and a window,
    and for a name slot when names are to be printed."""
    design = load_design(pack, "twibbon", name) if name else default_design(pack, "twibbon")
    return check_design(design, fmt, need_name)


def check_design(design: Design, fmt: str = "square", need_name: bool = False) -> Design:
    design.format(fmt)  # an unknown format is reported with the ones the design has
    if design.window(fmt) is None:
        raise NetralError(f"Desain twibbon {design.name} tidak punya [window] di design.toml.")
    if need_name and "name" not in design.boxes(fmt):
        raise NetralError(
            f"Desain twibbon {design.name} tidak punya tempat nama ([fit.name] di design.toml). "
            "Pilih desain lain dengan --design."
        )
    return design


def load_frame(
    pack: Pack,
    agency: Agency,
    design: str | Design | None = None,
    fmt: str = "square",
    name: str | None = None,
    unit: str | None = None,
    logo=None,
) -> Frame:
    """Render the twibbon frame for `agency`; `name` and `unit` fill the design's name slot; `logo`
    (a file or agency_logo's data) adds the agency's emblem."""
    if not isinstance(design, Design):
        design = twibbon_design(pack, design, fmt, need_name=bool(name))
    else:
        check_design(design, fmt, need_name=bool(name))
    window = design.window(fmt)
    texts = {}
    if name:
        texts["name"] = " ".join(name.split())
        if unit and "unit" in design.boxes(fmt):
            texts["unit"] = " ".join(unit.split())
    image = frame_image(pack, agency, design, fmt, texts, logo=logo)
    return Frame(image, window, design.name, fmt)


@register("twibbon")
def _build(request: Request) -> Asset:
    return build_twibbon(request.pack, request.agency, request.design, request.ext, request.format,
                         logo=(request.extra or {}).get("logo"))
