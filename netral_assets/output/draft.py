"""The review mark: a finished file -> the same file with a diagonal "DRAF — BELUM DISETUJUI" band
across it (`netral kit --draft`, `netral batch --draft`), so a proof circulated for approval cannot be
published by mistake. One place for every format the kit writes (`mark_file`):

- pictures (PNG, JPEG, WebP): a band drawn with Pillow in the pack's boldest font, corner to corner
  through the centre, over the picture (a twibbon's transparent window too);
- PDFs: an overlay page with the same band laid out by WeasyPrint in the pack's font (real text, so
  the word DRAF can be searched and read aloud), drawn over every page as a form XObject with pikepdf,
  marked as a watermark artifact (outside a tagged PDF's structure tree); centred on the TrimBox;
- SVGs: the band as a path (the text outlined, like the logo's own text), in a group at the end.

The mark is laid over the finished drawing: it never changes a layout, so the final run without
`--draft` makes the same files as a kit that never was a draft.
"""

from __future__ import annotations

import io
import math
import re
from functools import lru_cache
from pathlib import Path

from ..errors import NetralError
from ..model.pack import Pack
from .pdf_fonts import retag_subsets, subset_tags
from .writers import encode_image

DRAFT_TEXT = "DRAF — BELUM DISETUJUI"
BAND_RGBA = (200, 16, 46, 215)  # the campaign's red, slightly see-through: the design stays readable
TEXT_RGBA = (255, 255, 255, 255)
BAND_RATIO = 0.11  # band thickness: this share of the picture's shorter side
TEXT_LENGTH = 0.62  # the text at most this share of the diagonal …
TEXT_HEIGHT = 0.52  # … and its capitals at most this share of the band
DRAFT_WEIGHT = 800
RASTER = (".png", ".jpg", ".jpeg", ".webp")


def draft_font(pack: Pack) -> Path:
    """The pack's font file closest to extra bold."""
    from ..render.fonts import font_file

    return font_file(pack, DRAFT_WEIGHT)


def _geometry(width: float, height: float) -> tuple[float, float, float]:
    """The band's angle (degrees, counter-clockwise), length and thickness for a page or picture."""
    return math.degrees(math.atan2(height, width)), math.hypot(width, height), min(width, height) * BAND_RATIO


def _text_size(font: Path, length: float, band: float) -> float:
    """The font size at which the text fits the band (per unit of the picture: px or pt)."""
    from PIL import ImageFont

    reference = ImageFont.truetype(str(font), 100)
    width = reference.getlength(DRAFT_TEXT)
    left, top, right, bottom = reference.getbbox("DRAF")
    return min(100 * TEXT_LENGTH * length / width, 100 * TEXT_HEIGHT * band / (bottom - top))


# -- pictures ----------------------------------------------------------------------------------------

def mark_image(image, font: Path):
    """A new picture: `image` with the band across it (the original is not changed)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = image.size
    angle, length, band = _geometry(width, height)
    size = _text_size(font, length, band)
    strip = Image.new("RGBA", (math.ceil(length), max(1, round(band))), BAND_RGBA)
    draw = ImageDraw.Draw(strip)
    draw.text((strip.width / 2, strip.height / 2), DRAFT_TEXT, font=ImageFont.truetype(str(font), round(size)),
              fill=TEXT_RGBA, anchor="mm")
    strip = strip.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    over = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    over.paste(strip, ((width - strip.width) // 2, (height - strip.height) // 2))
    marked = image.convert("RGBA")  # a copy, whatever the mode
    marked.alpha_composite(over)
    return marked if image.mode == "RGBA" else marked.convert("RGB")


# -- SVG ---------------------------------------------------------------------------------------------

_VIEWBOX = re.compile(rb'<svg\b[^>]*?\bviewBox="\s*([-\d.eE]+)[\s,]+([-\d.eE]+)[\s,]+([-\d.eE]+)[\s,]+([-\d.eE]+)\s*"')


@lru_cache(maxsize=4)
def _glyphs(font: Path):
    from fontTools.ttLib import TTFont

    tt = TTFont(io.BytesIO(font.read_bytes()))
    return tt.getGlyphSet(), tt.getBestCmap(), tt["hmtx"], tt["head"].unitsPerEm


def _text_path(font: Path, size: float, cx: float, baseline: float) -> str:
    """The text outlined as SVG path data, centred on `cx`, sitting on `baseline`."""
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    glyphs, cmap, hmtx, upem = _glyphs(font)
    names = [cmap.get(ord(c), ".notdef") for c in DRAFT_TEXT]
    scale = size / upem
    x = cx - sum(hmtx[n][0] for n in names) * scale / 2
    pen = SVGPathPen(glyphs, ntos=lambda v: f"{v:.2f}".rstrip("0").rstrip("."))
    for name in names:
        glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x, baseline)))
        x += hmtx[name][0] * scale
    return pen.getCommands()


def mark_svg(data: bytes, font: Path) -> bytes:
    """The SVG with the band as its last group (text outlined: no font needed to view it)."""
    found = _VIEWBOX.search(data)
    if not found:
        raise NetralError("Tanda draf tidak dapat dipasang: SVG tanpa viewBox.")
    x0, y0, width, height = (float(v) for v in found.groups())
    angle, length, band = _geometry(width, height)
    size = _text_size(font, length, band)
    cx, cy = x0 + width / 2, y0 + height / 2
    from PIL import ImageFont

    top, bottom = ImageFont.truetype(str(font), 100).getbbox("DRAF")[1::2]
    baseline = cy + (bottom - top) * size / 100 / 2
    red = "#{:02X}{:02X}{:02X}".format(*BAND_RGBA[:3])
    group = (f'<g aria-hidden="true" transform="rotate({-angle:.4f} {cx:.2f} {cy:.2f})">'
             f'<rect x="{cx - length / 2:.2f}" y="{cy - band / 2:.2f}" width="{length:.2f}" height="{band:.2f}" '
             f'fill="{red}" fill-opacity="{BAND_RGBA[3] / 255:.3f}"/>'
             f'<path fill="#FFFFFF" d="{_text_path(font, size, cx, baseline)}"/></g>')
    end = data.rfind(b"</svg>")
    if end < 0:
        raise NetralError("Tanda draf tidak dapat dipasang: SVG tanpa </svg>.")
    return data[:end] + group.encode() + data[end:]


# -- PDF ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=16)
def _overlay(width: float, height: float, fonts_css: str, family: str, font: Path, roots: tuple[Path, ...]) -> bytes:
    """A page of `width` × `height` pt with the band alone, laid out by WeasyPrint (once per size)."""
    from weasyprint import HTML

    from ..render.fetch import make_url_fetcher
    from ..render.fonts import font_config

    angle, length, band = _geometry(width, height)
    size = _text_size(font, length, band)
    red = "rgba({}, {}, {}, {:.3f})".format(*BAND_RGBA[:3], BAND_RGBA[3] / 255)
    html = f"""<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><style>
{fonts_css}
@page {{ size: {width:.3f}pt {height:.3f}pt; margin: 0 }}
html, body {{ margin: 0; padding: 0 }}
.band {{ position: absolute; left: {(width - length) / 2:.3f}pt; top: {(height - band) / 2:.3f}pt;
  width: {length:.3f}pt; height: {band:.3f}pt; line-height: {band:.3f}pt; background: {red};
  transform: rotate({-angle:.4f}deg); transform-origin: 50% 50%; color: #FFFFFF; text-align: center;
  white-space: nowrap; font-family: '{family}', sans-serif; font-weight: {DRAFT_WEIGHT}; font-size: {size:.3f}pt }}
</style></head><body><div class="band">{DRAFT_TEXT}</div></body></html>"""
    return HTML(string=html, url_fetcher=make_url_fetcher(list(roots))).write_pdf(font_config=font_config())


def _resource_name(page, form) -> str:
    """The form's name in the page's resources: added under a fixed name (the same inputs give the
    same bytes), or found there already (pages may share one resource dictionary)."""
    import pikepdf

    xobjects = page.resources.get("/XObject") if "/Resources" in page.obj else None
    number = 0
    while True:
        name = f"/NetralDraft{number or ''}"
        present = xobjects.get(name) if xobjects is not None else None
        if present is None:
            return page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(name), replace_existing=False)
        if present.objgen == form.objgen:
            return name
        number += 1


def mark_pdf(data: bytes, pack: Pack) -> bytes:
    """The PDF with the band over every page, centred on its TrimBox (the paper of a print file)."""
    import pikepdf

    from ..render.fonts import fonts_css

    font = draft_font(pack)
    family = pack.config.get("fonts", {}).get("family", "sans-serif")
    css = fonts_css(pack)
    roots = tuple(pack.roots())
    with pikepdf.open(io.BytesIO(data)) as pdf:
        taken = subset_tags(pdf)
        forms: dict[tuple[float, float], object] = {}
        opened = []
        try:
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.trimbox)
                key = (round(x1 - x0, 3), round(y1 - y0, 3))
                if key not in forms:
                    overlay = pikepdf.open(io.BytesIO(_overlay(*key, css, family, font, roots)))
                    opened.append(overlay)
                    retag_subsets(overlay, taken, salt="draft")
                    forms[key] = pdf.copy_foreign(overlay.pages[0].as_form_xobject())
                name = _resource_name(page, forms[key])
                page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
                page.contents_add(pikepdf.Stream(pdf, (
                    f"\nQ /Artifact <</Type /Pagination /Subtype /Watermark>> BDC "
                    f"q 1 0 0 1 {x0:.4f} {y0:.4f} cm {name} Do Q EMC\n").encode()))
            out = io.BytesIO()
            pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     deterministic_id=True)
        finally:
            for overlay in opened:
                overlay.close()
    return out.getvalue()


# -- any file ----------------------------------------------------------------------------------------

def mark_file(data: bytes, ext: str, pack: Pack, image=None):
    """A kit file -> (its bytes with the draft mark, the marked picture or None). A raster file is
    marked on `image` (the picture it was encoded from) when given, so it is encoded only once more."""
    ext = ext.lower()
    if ext in RASTER:
        from PIL import Image

        if image is None:
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                image = opened.convert("RGBA" if opened.mode in ("RGBA", "LA", "P", "PA") else "RGB")
        marked = mark_image(image, draft_font(pack))
        return encode_image(marked, ext), marked
    if ext == ".pdf":
        return mark_pdf(data, pack), None
    if ext == ".svg":
        return mark_svg(data, draft_font(pack)), None
    raise NetralError(f"Tanda draf belum tersedia untuk berkas {ext}.")
