"""Link cards: agency -> the 1200×630 picture a chat app or social network shows for a link to the
agency's framing page (Open Graph `og:image`), and `card.png` in the kit.

A card is layered like the posters (layers.py): its body (campaign mark, slogan, call to action and a
neutral silhouette where the frame's window falls) is laid out once per process; per agency only its
fitted name is laid out (the agency layer) and its twibbon frame, itself layered and cached, is scaled
and pasted over the silhouette, so the card shows the frame in use without a real face.

The design lives in `templates/card/<name>/` and is read here rather than through `model.designs`
(whose KINDS do not list "card"), so the kind works with the design table as it is.
"""

from __future__ import annotations

import dataclasses

from PIL import Image

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, find_design, load_design
from ..model.pack import Pack
from ..output.writers import encode_image, writer_for
from .asset import Asset, Request, register, size_of
from .layers import compose_raster
from .twibbon import frame_image

KIND = "card"
DEFAULT_CARD = "tautan"
CARD_FORMAT = "card"
CARD_SIZE = (1200, 630)
# WhatsApp drops link previews whose image is larger than about 300 KB.
MAX_CARD_BYTES = 300 * 1024


def load_card(pack: Pack, name: str | None = None) -> Design:
    """The card design `name` (default: tautan) from the pack's template folders, user packs first."""
    name = name or DEFAULT_CARD
    found = find_design(pack, KIND, name)
    if found is not None:
        return found
    raise NetralError(f"Desain kartu tautan '{name}' tidak ada.")


def list_cards(pack: Pack) -> list[str]:
    names = set()
    for layer in pack.layers("templates"):
        if (layer / KIND).is_dir():
            names |= {p.name for p in (layer / KIND).iterdir() if (p / "design.toml").is_file()}
    return sorted(names)


def _slot(pack: Pack, design: Design) -> tuple[Design, dict]:
    """The card's twibbon and where its window falls on the card (card px): the body's silhouette
    goes there. Agency-independent, so it belongs to the shared body."""
    twibbon = load_design(pack, "twibbon", design.meta.get("twibbon", "bundar"))
    f = design.meta["frame"]
    k = f["size"] / twibbon.format("square").width
    w = twibbon.window("square")
    window = {"shape": w.shape, "x": f["x"] + w.x * k, "y": f["y"] + w.y * k,
              "width": w.width * k, "height": w.height * k, "radius": w.radius * k}
    return twibbon, {"window": window}


def card_image(pack: Pack, agency: Agency, design: Design | None = None, extra: dict | None = None
               ) -> tuple[Image.Image, list, list]:
    """The card as an RGB picture, with preflight findings and sources. `extra`: the kit's context
    (its `code` and `public_url` print the authenticity line under the call to action)."""
    design = design or load_card(pack)
    twibbon, slot = _slot(pack, design)
    context = {k: v for k, v in (extra or {}).items() if k in ("code", "public_url")}
    try:
        composed = compose_raster(pack, design, CARD_FORMAT, agency, {**context, "card": slot}, transparent=False)
    except NetralError:
        # A name too long for the card's side column (the frame beside it still carries it whole):
        # the card names the agency by its short name rather than fail the kit.
        if agency.short_name == agency.name:
            raise
        composed = compose_raster(pack, design, CARD_FORMAT, dataclasses.replace(agency, name=agency.short_name),
                                  {**context, "card": slot}, transparent=False)
    image = composed.product
    f = design.meta["frame"]
    frame = frame_image(pack, agency, twibbon, "square").resize((f["size"], f["size"]), Image.LANCZOS)
    image.paste(frame.convert("RGB"), (f["x"], f["y"]), frame.getchannel("A"))
    return image, composed.findings, composed.sources


def card_alt(pack: Pack, agency: Agency, design: Design) -> str:
    template = design.meta.get("alt", "Bingkai foto {campaign} dari {agency}.")
    return template.format(campaign=pack.name, agency=agency.name, slogan=pack.slogan)


def build_card(pack: Pack, agency: Agency, design: str | None = None, ext: str = ".png",
               extra: dict | None = None) -> Asset:
    """The link card of `agency` as PNG, JPEG or WebP (`extra`: see `card_image`)."""
    d = load_card(pack, design)
    ext, _ = writer_for(f"x{ext}")
    if ext == ".pdf":
        raise NetralError("Kartu tautan hanya sebagai gambar: PNG, JPG atau WebP.")
    image, findings, sources = card_image(pack, agency, d, extra)
    data = encode_image(image, ext)
    return Asset(name=f"card{ext}", kind=KIND, design=d.name, format=CARD_FORMAT, data=data,
                 size=size_of(d.format(CARD_FORMAT), ext), alt=card_alt(pack, agency, d),
                 sources=sources, findings=findings, image=image)


@register(KIND)
def _build(request: Request) -> Asset:
    return build_card(request.pack, request.agency, request.design or None, request.ext, request.extra)
