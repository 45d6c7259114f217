"""WhatsApp stickers: design (+ agency) -> a 512×512 WebP with transparency under 100 KB, as WhatsApp
asks of a sticker, and `stiker-<design>.webp` in the kit.

The set (templates/sticker/<design>/): the campaign mark (`tanda`), the slogan as lettering
(`slogan`), "Saya ASN Netral" with the agency's short name (`saya-asn-netral`, the only one per
agency: design.toml `agency = true`) and the hashtag in a chat bubble (`tagar`). A template lays out
only the art, on a transparent page; this module adds what makes it a sticker: a white die-cut
outline around everything painted (so it reads on WhatsApp's dark and light chat backgrounds), a faint
shadow under the outline, and the 16-px margin WhatsApp asks for, left fully transparent.

The outline is a dilation of the art's alpha by a disc (approximated by a regular octagon: the
Minkowski sum of four segments), closed so it runs smoothly past the gaps between letters as a cutter
would, done on a 2× drawing and reduced, so its edge is anti-aliased.

Like the link cards, the designs are read here rather than through `model.designs` (whose KINDS do not
list "sticker"). Stickers that do not show the agency are made once per process and pack.
"""

from __future__ import annotations

import logging
import math

from PIL import Image, ImageChops, ImageFilter

from ..caching import Kept
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Box, Design, find_design
from ..model.pack import Pack
from ..output.writers import encode_image, rasterize
from ..render.document import design_html, lay_out
from ..render.fitting import fit_text
from ..render.fonts import font_file
from .asset import Asset, Request, register, size_of

log = logging.getLogger(__name__)

KIND = "sticker"
STICKER_FORMAT = "sticker"
SIZE = 512  # WhatsApp: exactly 512×512
MARGIN = 16  # WhatsApp: 16 px between the sticker and the canvas edge, left transparent
OUTLINE = 10  # the white die-cut outline, px
CLOSING = 8  # px: notches of the outline narrower than about twice this are filled (a cutter's path)
SHADOW = (0, 2, 3)  # dx, dy, blur radius of the shadow under the outline, px
SHADOW_ALPHA = 0.28
INSET = MARGIN + OUTLINE + 4  # where the template's art starts: outline and shadow fit in between
ART = SIZE - 2 * INSET
SUPERSAMPLE = 2
MAX_STICKER_BYTES = 100 * 1024  # WhatsApp refuses larger static stickers
WEBP_QUALITIES = (88, 80, 72, 64)  # tried in turn until the file is under MAX_STICKER_BYTES
OUTLINE_RGBA = (255, 255, 255, 255)
WORD_LINE = 0.82  # the lettering's line height, em: Plus Jakarta Sans' capitals fill it (cap 0.745 em)
_kept = Kept(8)  # stickers without the agency: (pack roots, HTML) -> (image, findings, sources)


# -- designs -----------------------------------------------------------------------------------------

def load_sticker(pack: Pack, name: str) -> Design:
    """The sticker design `name` from the pack's template folders, user packs first."""
    found = find_design(pack, KIND, name)
    if found is not None:
        return found
    names = ", ".join(d.name for d in list_stickers(pack)) or "(tidak ada)"
    raise NetralError(f"Desain stiker '{name}' tidak ada. Desain yang tersedia: {names}.")


def list_stickers(pack: Pack) -> list[Design]:
    """Every sticker design of the pack, in the set's order (design.toml `order`)."""
    names = set()
    for layer in pack.layers("templates"):
        if (layer / KIND).is_dir():
            names |= {p.name for p in (layer / KIND).iterdir() if (p / "design.toml").is_file()}
    designs = [load_sticker(pack, name) for name in names]
    return sorted(designs, key=lambda d: (d.meta.get("order", 99), d.name))


def shows_agency(design: Design) -> bool:
    return bool(design.meta.get("agency"))


def sticker_name(design: Design | str, ext: str = ".webp") -> str:
    return f"stiker-{getattr(design, 'name', design)}{ext}"


# -- the slogan's lettering ----------------------------------------------------------------------------

def lettering(pack: Pack, design: Design) -> dict | None:
    """The slogan's words as stacked lettering (design.toml `[lettering]`): each main word on its own
    line as large as the art is wide, a short joining word in a pill; tops measured so the group is
    centred. None (the template sets balanced lines of one size) for a slogan of more than three words
    or a word too long for the art."""
    spec = design.meta.get("lettering")
    words = pack.slogan.split()
    if not spec or not 1 <= len(words) <= 3:
        return None
    font = font_file(pack, 800)
    items, y = [], 0.0
    joint = spec["joint_size"] * 1.3
    for i, word in enumerate(words):
        if len(word) <= spec["joint_max_letters"] and 0 < i < len(words) - 1:
            items.append({"text": word.lower(), "joint": True, "top": y})
            y += joint + spec["gap"]
            continue
        box = Box(width=ART, height=spec["word_max"], max_size=spec["word_max"], min_size=spec["word_min"],
                  max_lines=1, line_height=1.0, weight=800, transform="uppercase")
        try:
            fit = fit_text(word, font, box)
        except NetralError:
            return None
        # a line box as tall as the capitals (WORD_LINE em: the brand font's caps sit in it), so the
        # words stack tightly without their boxes overlapping
        items.append({"text": fit.lines[0], "joint": False, "size": fit.size, "top": y})
        y += WORD_LINE * fit.size + spec["gap"]
    rule = 14
    y += 6
    total = y + rule
    shift = (ART - total) / 2
    for item in items:
        item["top"] += shift
    return {"words": items, "rule_top": y + shift, "line_height": WORD_LINE}


# -- the die cut ---------------------------------------------------------------------------------------

def _shifted(mask: Image.Image, dx: int, dy: int) -> Image.Image:
    out = Image.new("L", mask.size, 0)
    out.paste(mask, (dx, dy))
    return out


def _segment(mask: Image.Image, ux: int, uy: int, half: int) -> Image.Image:
    """The union of `mask` shifted by t·(ux, uy) for t in -half..half (doubling: log2 steps)."""
    out = _shifted(mask, -half * ux, -half * uy)
    covered, length = 1, 2 * half + 1
    while covered < length:
        step = min(covered, length - covered)
        out = ImageChops.lighter(out, _shifted(out, step * ux, step * uy))
        covered += step
    return out


def dilate(mask: Image.Image, radius: float) -> Image.Image:
    """A binary L mask grown by `radius` px in every direction: the Minkowski sum with a regular
    octagon (horizontal, vertical and both diagonal segments), close to a disc."""
    # half-lengths: b of the diagonal segments in (1, 1) steps, a of the axis ones; the octagon reaches
    # a + 2b along each axis and is regular when a = b·√2
    b = round(radius / (2 + math.sqrt(2)))
    a = round(radius - 2 * b)
    out = mask
    for ux, uy, half in ((1, 0, a), (0, 1, a), (1, 1, b), (1, -1, b)):
        if half > 0:
            out = _segment(out, ux, uy, half)
    return out


def erode(mask: Image.Image, radius: float) -> Image.Image:
    """A binary L mask shrunk by `radius` px (the dilation of what is outside it)."""
    return ImageChops.invert(dilate(ImageChops.invert(mask), radius))


def die_cut(art: Image.Image, size: int = SIZE) -> Image.Image:
    """The art (RGBA, drawn `SUPERSAMPLE`× larger than `size`) as a sticker of `size` px: a white
    outline of OUTLINE px around everything painted, a faint shadow under it, reduced with an
    anti-aliased edge; nothing in the MARGIN-px frame."""
    s = art.width / size
    alpha = art.getchannel("A").point(lambda v: 255 if v >= 64 else 0)
    # closed: grown further and shrunk back, so the outline bridges the notches between letters
    cut = erode(dilate(alpha, (OUTLINE + CLOSING) * s), CLOSING * s)
    # soften the octagon's corners and the edge a little before reducing
    cut = cut.filter(ImageFilter.GaussianBlur(0.6 * s)).point(lambda v: 255 if v >= 128 else 0)
    dx, dy, blur = SHADOW
    shadow = _shifted(cut, round(dx * s), round(dy * s)).filter(ImageFilter.GaussianBlur(blur * s))
    shadow = shadow.point(lambda v: round(v * SHADOW_ALPHA))
    canvas = Image.new("RGBA", art.size, (0, 0, 0, 0))
    canvas.putalpha(shadow)
    white = Image.new("RGBA", art.size, OUTLINE_RGBA)
    white.putalpha(cut)
    canvas.alpha_composite(white)
    canvas.alpha_composite(art)
    sticker = canvas.resize((size, size), Image.Resampling.LANCZOS)
    # WhatsApp's margin: nothing painted there, not even the shadow's tail
    frame = Image.new("L", (size, size), 0)
    frame.paste(255, (MARGIN, MARGIN, size - MARGIN, size - MARGIN))
    sticker.putalpha(ImageChops.multiply(sticker.getchannel("A"), frame))
    return sticker


# -- the sticker ---------------------------------------------------------------------------------------

def _texts(pack: Pack, design: Design) -> dict:
    text = design.meta.get("text", {})
    texts = {"slogan": pack.slogan, "tag": pack.hashtags[0] if pack.hashtags else pack.name}
    texts.update({k: v for k, v in text.items() if k in design.meta.get("fit", {})})
    return texts


def _render(pack: Pack, design: Design, agency: Agency | None):
    extra = {"texts": _texts(pack, design),
             "sticker": {"inset": INSET, "art": ART, "lettering": lettering(pack, design)}}
    source = design_html(pack, design, STICKER_FORMAT, agency, extra)
    key = (tuple(str(r) for r in pack.roots()), source.key)
    if agency is None:
        kept = _kept.get(key)
        if kept is not None:
            image, findings, sources = kept
            return image.copy(), list(findings), list(sources)
    rendered = lay_out(pack, source)
    art = rasterize(rendered, width_px=SIZE * SUPERSAMPLE, transparent=True)
    image = die_cut(art)
    if agency is None:
        _kept.put(key, (image.copy(), list(rendered.findings), list(rendered.sources)))
    return image, rendered.findings, rendered.sources


def sticker_image(pack: Pack, agency: Agency | None, design: Design) -> tuple[Image.Image, list, list, bool]:
    """The sticker as a 512×512 RGBA picture, its preflight findings and sources, and whether it names
    the agency. A short name too long for the sticker even at its smallest size leaves the name off
    (the statement stands alone) rather than fail the kit."""
    if not shows_agency(design):
        return (*_render(pack, design, None), False)
    if agency is None:
        raise NetralError(f"Stiker {design.name} memuat nama instansi; pilih instansinya (--agency).")
    try:
        return (*_render(pack, design, agency), True)
    except NetralError as exc:
        log.info("stiker %s tanpa nama %s: %s", design.name, agency.short_name, exc)
        return (*_render(pack, design, None), False)


def encode_sticker(image: Image.Image, ext: str = ".webp") -> bytes:
    """WebP under MAX_STICKER_BYTES (lower qualities tried in turn), or PNG."""
    if ext == ".png":
        return encode_image(image, ".png", optimize=True)
    for quality in WEBP_QUALITIES:
        data = encode_image(image, ".webp", quality=quality)
        if len(data) <= MAX_STICKER_BYTES:
            return data
    raise NetralError(f"Stiker melebihi {MAX_STICKER_BYTES // 1024} KB, batas WhatsApp; sederhanakan desainnya.")


def sticker_alt(pack: Pack, agency: Agency | None, design: Design, named: bool) -> str:
    key = "alt" if named or not shows_agency(design) else "alt_without_agency"
    template = design.meta.get(key) or design.meta.get("alt", "Stiker WhatsApp {campaign}.")
    text = design.meta.get("text", {})
    return template.format(campaign=pack.name, slogan=pack.slogan, agency=agency.short_name if agency else "",
                           tag=pack.hashtags[0] if pack.hashtags else "", statement=text.get("statement", ""))


def build_sticker(pack: Pack, agency: Agency | None, design: str, ext: str = ".webp") -> Asset:
    """One sticker of the set as WebP (WhatsApp) or PNG."""
    d = load_sticker(pack, design)
    ext = ext.lower()
    if ext not in (".webp", ".png"):
        raise NetralError("Stiker hanya sebagai WebP (WhatsApp) atau PNG.")
    image, findings, sources, named = sticker_image(pack, agency, d)
    return Asset(name=sticker_name(d, ext), kind=KIND, design=d.name, format=STICKER_FORMAT,
                 data=encode_sticker(image, ext), size=size_of(d.format(STICKER_FORMAT), ext),
                 alt=sticker_alt(pack, agency, d, named), sources=sources, findings=findings, image=image)


@register(KIND)
def _build(request: Request) -> Asset:
    return build_sticker(request.pack, request.agency, request.design, request.ext)
