"""Logos: the campaign mark and the agency lockup (mark + agency name) -> SVG, PNG and PDF.

The lockup is composed as SVG with its text turned into outlines (HarfBuzz shaping, fontTools glyph
outlines), so the SVG looks the same on a machine without our fonts; PNG and PDF are drawn from that
same SVG by the render pipeline, so the three formats cannot drift apart. Positions and sizes come
from `templates/logo/lockup/design.toml`.
"""

from __future__ import annotations

import dataclasses
import io
import re
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import uharfbuzz as hb
from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

from ..caching import Kept
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import load_design
from ..model.pack import Pack
from ..render.context import keep_together
from ..render.fitting import fit_text
from ..render.fonts import font_file
from .asset import Asset, Request, register

MARK_PNG_SIZES = (512, 1024)


@cache
def _font(path: Path):
    tt = TTFont(io.BytesIO(path.read_bytes()))  # in memory: the cached font holds no open file
    blob = hb.Blob.from_file_path(str(path))
    return tt, hb.Font(hb.Face(blob)), tt["head"].unitsPerEm


def text_width(text: str, font: Path, size: float) -> float:
    _, hbfont, upem = _font(Path(font))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hbfont, buf, {"kern": True, "liga": True})
    return sum(p.x_advance for p in buf.glyph_positions) * size / upem


def text_path(text: str, font: Path, size: float, x: float, baseline: float) -> str:
    """SVG path data of `text` set at `size` px with its baseline starting at (x, baseline)."""
    tt, hbfont, upem = _font(Path(font))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hbfont, buf, {"kern": True, "liga": True})
    glyph_set = tt.getGlyphSet()
    order = tt.getGlyphOrder()
    scale = size / upem
    pen = SVGPathPen(glyph_set, ntos=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))
    pen_x = 0.0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        name = order[info.codepoint]
        # font units are y-up; SVG is y-down
        transform = (scale, 0, 0, -scale, x + (pen_x + pos.x_offset) * scale, baseline - pos.y_offset * scale)
        glyph_set[name].draw(TransformPen(pen, transform))
        pen_x += pos.x_advance
    return pen.getCommands()


def _mark_inner(pack: Pack, reverse: bool = False) -> tuple[str, float]:
    """The mark SVG's drawing (without the <svg> wrapper) and its viewBox size."""
    text = pack.find("brand", f"logo/{'mark-reverse' if reverse else 'mark'}.svg").read_text("utf-8")
    match = re.search(r"<svg[^>]*viewBox=\"0 0 ([\d.]+) ([\d.]+)\"[^>]*>(.*)</svg>", text, re.DOTALL)
    if not match or match[1] != match[2]:
        raise NetralError("logo/mark.svg harus punya viewBox persegi \"0 0 N N\".")
    inner = re.sub(r"<title>.*?</title>", "", match[3], flags=re.DOTALL)
    return inner.strip(), float(match[1])


def mark_svg(pack: Pack, reverse: bool = False) -> str:
    inner, size = _mark_inner(pack, reverse)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:g} {size:g}" width="{size:g}" '
        f'height="{size:g}"><title>{escape(pack.name)}</title>{inner}</svg>\n'
    )


def _emblem_image(logo: dict, spec: dict) -> str:
    """The emblem as an SVG <image> fitted into its square (`x`, `y`, `size`), centred; a raster emblem
    gets its own aspect ratio, an SVG one is fitted by preserveAspectRatio."""
    x, y, size = spec["x"], spec["y"], spec["size"]
    w = h = size
    if logo.get("size"):
        iw, ih = logo["size"]
        scale = size / max(iw, ih)
        w, h = iw * scale, ih * scale
    return (f'<image x="{x + (size - w) / 2:g}" y="{y + (size - h) / 2:g}" width="{w:g}" height="{h:g}" '
            f'preserveAspectRatio="xMidYMid meet" xlink:href="{escape(logo["uri"], {chr(34): "&quot;"})}"/>')


def lockup_svg(pack: Pack, agency: Agency, layout: str = "horizontal", emblem: dict | None = None) -> str:
    """The agency lockup as a self-contained SVG (text outlined); `emblem` (agency_logo's data) puts the
    agency's own emblem beside the campaign mark, with a divider."""
    design = load_design(pack, "logo", "lockup")
    fmt = design.format(layout)
    spec = design.meta["layout"][layout]
    width, height = fmt.width, fmt.height
    colors = pack.colors
    parts = []
    if emblem:
        # the emblem's tables replace the layout's (mark, rule, wordmark, agency: moved or resized)
        e = design.meta["emblem"][layout]
        spec = {**spec, **{k: v for k, v in e.items() if k in spec}}
        width, height = e.get("px", (width, height))
        parts.append(_emblem_image(emblem, e["emblem"]))
        d = e["divider"]
        parts.append(f'<rect x="{d["x"]}" y="{d["y"]}" width="{d["width"]}" height="{d["height"]}" '
                     f'fill="{colors[d["color"]]}"/>')
        design = dataclasses.replace(design, meta={**design.meta, "fit": {
            name: {**box, **e.get("fit", {}).get(name, {})} for name, box in design.meta.get("fit", {}).items()}})
    box = design.boxes(layout)["agency"]
    fit = fit_text(agency.name, font_file(pack, box.weight), box, keep_together(pack))
    inner, vb = _mark_inner(pack)
    m = spec["mark"]
    parts.append(f'<g transform="translate({m["x"]} {m["y"]}) scale({m["size"] / vb:g})">{inner}</g>')
    r = spec["rule"]
    parts.append(
        f'<rect x="{r["x"]}" y="{r["y"]}" width="{r["width"]}" height="{r["height"]}" '
        f'fill="{colors[r["color"]]}"/>'
    )

    def line(text: str, size: float, weight: int, color: str, baseline: float, left=None, center=None):
        font = font_file(pack, weight)
        x = left if left is not None else center - text_width(text, font, size) / 2
        d = text_path(text, font, size, x, baseline)
        return f'<path fill="{colors[color]}" d="{d}"/>'

    w = spec["wordmark"]
    parts.append(line(pack.name, w["size"], w["weight"], w["color"], w["baseline"], w.get("x"), w.get("center")))
    a = spec["agency"]
    font = font_file(pack, box.weight)
    ascent = _font(Path(font))[1].get_font_extents("ltr").ascender / _font(Path(font))[2]
    step = fit.size * fit.line_height
    for i, text in enumerate(fit.lines):
        # place each line's baseline so the block's first line box starts at `top`
        baseline = a["top"] + i * step + (step - fit.size) / 2 + ascent * fit.size
        parts.append(line(text, fit.size, box.weight, a["color"], baseline, a.get("x"), a.get("center")))
    title = escape(f"{pack.name} — {agency.name}")
    xlink = ' xmlns:xlink="http://www.w3.org/1999/xlink"' if emblem else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{xlink} viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" role="img"><title>{title}</title>\n'
        + "\n".join(parts)
        + "\n</svg>\n"
    )


def svg_document(pack: Pack, svg: str, width: float, height: float):
    """Lay out an SVG alone on a page of its own size, for the PDF and raster writers."""
    from weasyprint import CSS, HTML

    from ..model.designs import Format
    from ..render.document import Rendered
    from ..render.fetch import data_uri, make_url_fetcher
    from ..render.fonts import font_config

    html = f'<img src="{data_uri(svg.encode(), "image/svg+xml")}" style="display:block;width:{width}px;height:{height}px">'
    doc = HTML(string=html, url_fetcher=make_url_fetcher(pack.roots())).render(
        stylesheets=[CSS(string=f"@page {{ size: {width}px {height}px; margin: 0 }} body {{ margin: 0 }}")],
        font_config=font_config(),
    )
    return Rendered(doc, None, Format("svg", width, height), [])


def build_logo_assets(pack: Pack, agency: Agency | None, formats=("svg", "png", "pdf"),
                      mark: bool = True, emblem=None) -> list[Asset]:
    """The mark (SVG, PNG 512 and 1024, PDF) and, given an agency, its two lockups (SVG, PNG, PDF).

    `mark=False` leaves the mark out: it is the same for every agency, so a batch makes it once.
    `emblem` (a PNG/JPEG/SVG file or agency_logo's data) adds the agency's emblem to the lockups.
    """
    if emblem is not None and not isinstance(emblem, dict):
        from .agency_logo import load_agency_logo

        emblem = load_agency_logo(Path(emblem))
    out = []
    mark_alt = (f"Tanda kampanye {pack.name}: lencana waterpas biru tua dengan gelembung merah "
                "bertanda centang tepat di tengah.")
    pieces = [("logo-mark", mark_svg(pack), "mark", mark_alt)] if mark else []
    if agency is not None:
        for layout in ("horizontal", "stacked"):
            shape = "mendatar" if layout == "horizontal" else "bersusun"
            alt = (f"Logo {agency.name} dan logo {pack.name} {shape}, dipisah garis, dengan nama {agency.name}."
                   if emblem else f"Logo {pack.name} {shape} dengan nama {agency.name}.")
            pieces.append((f"logo-{layout}", lockup_svg(pack, agency, layout, emblem), layout, alt))
    for stem, svg, variant, alt in pieces:
        vb = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
        width, height = float(vb[1]), float(vb[2])
        design = "mark" if variant == "mark" else "lockup"
        if "svg" in formats:
            out.append(Asset(f"{stem}.svg", "logo", design, variant, svg.encode(),
                             {"px": [round(width), round(height)]}, alt))
        sizes = MARK_PNG_SIZES if variant == "mark" else (round(width),)
        pdf, pngs = _drawn(pack, svg, width, height, alt, sizes if "png" in formats else ())
        if "pdf" in formats:
            out.append(Asset(f"{stem}.pdf", "logo", design, variant, pdf, {"pt": [width * 0.75, height * 0.75]}, alt))
        for px, (image, data) in pngs.items():
            name = f"{stem}-{px}.png" if variant == "mark" else f"{stem}.png"
            out.append(Asset(name, "logo", design, variant, data, {"px": list(image.size)}, alt, image=image))
    return out


def _drawn(pack: Pack, svg: str, width: float, height: float, title: str, sizes: tuple) -> tuple[bytes, dict]:
    """An SVG drawing -> its PDF and its PNGs at `sizes` px wide ({px: (image, bytes)}). The PNGs are
    rasterized from that same PDF: one WeasyPrint pass per drawing."""
    from ..output.writers import encode_image, rasterize_pdf, write_pdf

    rendered = svg_document(pack, svg, width, height)
    pdf = write_pdf(rendered, metadata={"title": title, "lang": "id"})
    pngs = {}
    for px in sizes:
        image = rasterize_pdf(pdf, rendered.fmt, width_px=px, transparent=True)
        pngs[px] = (image, encode_image(image, ".png"))
    return pdf, pngs


# The logo files come in sets drawn from one SVG (mark: SVG, PDF, 2 PNG; each lockup: SVG, PDF, PNG);
# the set is made once and each request takes its file. The mark set does not depend on the agency, so
# a process keeps it for the whole run and a batch draws the mark once per worker.
_SETS = Kept(4)  # request.key -> dict[str, Asset] | NetralError


def _draw_set(request: Request) -> dict[str, Asset] | NetralError:
    try:
        if request.agency is None:
            return {a.name: a for a in build_logo_assets(request.pack, None)}
        return {a.name: a for a in build_logo_assets(request.pack, request.agency, mark=False,
                                                     emblem=(request.extra or {}).get("logo") or None)}
    except NetralError as exc:
        return exc


@register("logo")
def _build(request: Request) -> Asset:
    logo_set = _SETS.get(request.key) if request.key else None
    if logo_set is None:
        logo_set = _draw_set(request)
        if request.key:
            _SETS.put(request.key, logo_set)
    if isinstance(logo_set, NetralError):
        # every file of a set fails the same way (a name too long for the lockup): said once, drawn once
        raise logo_set
    if request.name not in logo_set:
        raise NetralError(f"Berkas logo {request.name} tidak dibuat (ada: {', '.join(logo_set)}).")
    asset = logo_set[request.name]
    if asset.image is not None:  # handed out once: the kept set holds bytes only
        logo_set[request.name] = dataclasses.replace(asset, image=None)
    return asset
