"""Layered rendering: a design's agency-independent body is laid out once per process and kept as a
finished PDF; each agency then costs only its own small layer, laid out
alone and composed on top. This is what makes a poster cost tens of milliseconds in a kit, a batch
or the web app, where the same design is made for agency after agency.

A design opts in with `layered = true` in design.toml, and its template reads `layer`:
- "body": everything but the agency's own content. It is rendered without `agency`, its fitted
  texts or `logo`, so a template that uses them there fails loudly rather than caching one agency.
- "agency": only the agency's elements and whatever the body paints over them, at the same
  positions, on a transparent page (same page size, bleed and marks as the body). Or, when the
  design names an `agency_template`, that template: a band as wide as the canvas, on a page of its
  own height, placed on the canvas's bottom edge (posters: poster/footer.html.j2, shared by every
  poster design, so one agency's footer is laid out once per output family, not per poster).
- "full" (any other caller): both in one document, as before.

Both layers go through preflight: the body's findings are cached with it, the agency layer's with
the layer (a few recent layers are kept, keyed by their HTML). The body's cache key is its HTML
itself (plus page rule and output options), so whatever the body depends on — pack, statistics,
settings, the reporting channel — re-renders it when it changes. Cached bodies are bounded by
`CACHE_BYTES` (least recently used go first).
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field, replace

from ..caching import Kept
from ..defaults import AGENCY_LAYERS_KEPT, LAYER_CACHE_BYTES, LAYER_PACKED_BYTES, LAYER_PIXEL_BYTES
from ..model.agencies import Agency
from ..model.designs import Design
from ..model.pack import Pack
from ..output.pdf_fonts import retag_subsets, subset_tags
from ..output.writers import raster_pdf, rasterize, rasterize_pdf, write_pdf
from ..render.document import design_html, lay_out

# Cached bodies of one process: sizes in defaults.py (LAYER_*); batch workers lower the raw-pixel tier
# (limit_pixels) to keep the pool's memory flat.
CACHE_BYTES = LAYER_CACHE_BYTES
PIXEL_BYTES = LAYER_PIXEL_BYTES
PACKED_BYTES = LAYER_PACKED_BYTES


def is_layered(design: Design) -> bool:
    return bool(design.meta.get("layered"))


@dataclass
class Body:
    product: bytes  # the raster PDF (raster outputs) or the final PDF (PDF outputs)
    findings: list
    sources: list
    nbytes: int
    pixels: dict = field(default_factory=dict)  # transparent (bool) -> PIL image, when kept
    packed: dict = field(default_factory=dict)  # transparent (bool) -> (mode, size, zlib bytes)
    subset_tags: frozenset | None = None  # a PDF body's font-subset tags, read at its first compose


@dataclass
class Composed:
    """A layered design's output with what a `Rendered` would tell about it."""

    product: object  # PIL.Image.Image or PDF bytes
    findings: list = field(default_factory=list)
    sources: list = field(default_factory=list)


class _BodyCache(Kept):
    """Kept bodies, bounded by their bytes (`limit`), with their pixel tiers."""

    def __init__(self, limit: int, pixel_limit: int):
        super().__init__(limit, getsizeof=lambda body: body.nbytes)
        self.pixel_limit = pixel_limit
        self.pixel_size = 0
        self.packed_limit = PACKED_BYTES
        self.packed_size = 0

    def evicted(self, key, body: Body) -> None:
        self._drop_pixels(body)

    def pixels(self, body: Body, transparent: bool, draw):
        """A copy of the body's pixels, the caller's to change: from the kept pixels, else from the
        packed ones, else drawn from its PDF. Drawn pixels are kept while the pixel tier has room,
        else packed (zlib, ~200 KB for a poster) while the packed tier has room: unpacking costs about
        half of drawing again."""
        from PIL import Image

        image = body.pixels.get(transparent)
        if image is not None:
            return image.copy()
        packed = body.packed.get(transparent)
        if packed is not None:
            mode, size, data = packed
            return Image.frombytes(mode, size, zlib.decompress(data))
        image = draw()
        nbytes = image.width * image.height * len(image.getbands())
        with self.lock:
            if self.pixel_size + nbytes <= self.pixel_limit and transparent not in body.pixels:
                body.pixels[transparent] = image
                self.pixel_size += nbytes
                return image.copy()
        if self.packed_size < self.packed_limit:
            data = zlib.compress(image.tobytes(), 1)
            with self.lock:
                if self.packed_size + len(data) <= self.packed_limit and transparent not in body.packed:
                    body.packed[transparent] = (image.mode, image.size, data)
                    self.packed_size += len(data)
        return image

    def _drop_pixels(self, body: Body) -> None:
        for image in body.pixels.values():
            self.pixel_size -= image.width * image.height * len(image.getbands())
        body.pixels.clear()
        for _, _, data in body.packed.values():
            self.packed_size -= len(data)
        body.packed.clear()


_cache = _BodyCache(CACHE_BYTES, PIXEL_BYTES)


def clear_cache() -> None:
    _cache.clear()
    _layers.clear()


def limit_pixels(megabytes: float) -> None:
    """Set this process's tier of raw pixels (0: none; bodies beyond it are kept packed, within
    PACKED_BYTES, or drawn from their PDF); kept pixels beyond it are dropped."""
    with _cache.lock:
        _cache.pixel_limit = int(megabytes * 1024 * 1024)
        if _cache.pixel_size > _cache.pixel_limit:
            for body in _cache.items.values():
                _cache._drop_pixels(body)


def cache_stats() -> dict:
    return {"entries": len(_cache), "bytes": _cache.size, "pixel_bytes": _cache.pixel_size,
            "packed_bytes": _cache.packed_size,
            "hits": _cache.hits, "misses": _cache.misses,
            "layer_hits": _layers.hits, "layer_misses": _layers.misses}


def _body(pack: Pack, design: Design, fmt_name: str, extra: dict | None, print_marks: bool,
          output: tuple, make) -> Body:
    # The body sees the options that are not the agency's (e.g. the reporting channel), never its
    # logo or texts.
    shared = {k: v for k, v in (extra or {}).items() if k not in ("logo", "texts")}
    source = design_html(pack, design, fmt_name, None, shared, print_marks, layer="body")
    key = (source.key, tuple(str(r) for r in pack.roots()), output)
    body = _cache.get(key)
    if body is None:
        rendered = lay_out(pack, source)
        product = make(rendered)
        body = Body(product, rendered.findings, rendered.sources, len(product))
        _cache.put(key, body)
    return body


@dataclass
class Layer:
    """An agency layer, finished: a raster layer is the painted region (RGBA) and where it goes on
    the canvas; a PDF layer is the PDF bytes (placed by its page's lower-left corner)."""

    product: object  # (PIL.Image.Image, (x, y)) or bytes
    findings: list
    sources: list


# The agency layers of the agency being made: with `agency_template` every poster design of a kit
# shares one layer per output family (raster, story, A4, A3), so a handful are kept.
_layers = Kept(AGENCY_LAYERS_KEPT)


def _agency(pack: Pack, design: Design, fmt_name: str, agency: Agency, extra: dict | None,
            print_marks: bool, output: str, make, template: str | None = None) -> Layer:
    """The agency's layer: the design's own template in the "agency" layer, or the design's
    `agency_template` (a band anchored to the bottom edge, shared by designs), or `template` (a band
    too: the authenticity line's, CHECK_TEMPLATE). Cached by its HTML and what decides its output
    (zoom, print or raster), not by design or format, so a footer shared by five designs and by square
    and feed is laid out once."""
    template = template or design.meta.get("agency_template")
    source = design_html(pack, design, fmt_name, agency, extra, print_marks, layer="agency", template=template)
    fmt = source.fmt
    # An agency template sets its own page size (its band), so the canvas height in the page rule
    # does not change it: only the paper (bleed) does.
    page = source.page_css if template is None else fmt.mm
    key = (source.html, page, fmt.zoom, fmt.is_print, fmt.width, print_marks, output,
           str(design.path) if template is None else template, tuple(str(r) for r in pack.roots()))
    layer = _layers.get(key)
    if layer is not None:
        return layer
    rendered = lay_out(pack, source)
    # A band is as tall as its own page; the output code places it by the canvas's bottom edge.
    rendered.fmt = replace(fmt, height=rendered.document.pages[0].height)
    layer = Layer(make(rendered), rendered.findings, rendered.sources)
    _layers.put(key, layer)
    return layer


def _merge(body: Body, *layers: Layer) -> tuple[list, list]:
    findings, sources = list(body.findings), list(body.sources)
    for layer in layers:
        findings += [f for f in layer.findings if f not in findings]
        sources += [s for s in layer.sources if s not in sources]
    return findings, sources


# The authenticity line (issue 19: "Cek keaslian: …/cek/<code>", a QR code on print) of a poster whose
# agency layer is a shared band: its code is the design's, so it is a layer of its own, laid out per
# design (a line and maybe a QR code: a few ms), and the footer stays shared by the designs.
CHECK_TEMPLATE = "poster/check.html.j2"


def _agency_layers(pack: Pack, design: Design, fmt_name: str, agency: Agency, extra: dict | None,
                   print_marks: bool, output: str, make) -> list[Layer]:
    """The agency's layers, in paint order: its own (or its band), then the authenticity line's when the
    band carries one (`extra["code"]`)."""
    if not (design.meta.get("agency_template") and (extra or {}).get("code")):
        return [_agency(pack, design, fmt_name, agency, extra, print_marks, output, make)]
    band = _agency(pack, design, fmt_name, agency, {**extra, "check_apart": True}, print_marks, output, make)
    line = _agency(pack, design, fmt_name, agency, extra, print_marks, output, make, template=CHECK_TEMPLATE)
    return [band, line]


def _raster_body(pack: Pack, design: Design, fmt_name: str, extra: dict | None) -> Body:
    return _body(pack, design, fmt_name, extra, False, ("raster",), raster_pdf)


def _pdf_body(pack: Pack, design: Design, fmt_name: str, extra: dict | None, print_marks: bool, finisher) -> Body:
    def make(rendered):
        options = {"finisher": finisher} if finisher else {}
        return write_pdf(rendered, metadata={"title": design.title, "lang": "id"}, **options)

    return _body(pack, design, fmt_name, extra, print_marks, ("pdf", finisher is not None), make)


def warm(pack: Pack, design: Design, fmt_name: str, ext: str, extra: dict | None = None,
         print_marks: bool = False, finisher=None) -> None:
    """Lay out a body ahead of time (kept as PDF, no pixels): a batch does this before its worker
    processes fork, so every worker, and every replacement, starts with the bodies laid out."""
    if ext == ".pdf":
        _pdf_body(pack, design, fmt_name, extra, print_marks, finisher)
    else:
        _raster_body(pack, design, fmt_name, extra)


def compose_raster(pack: Pack, design: Design, fmt_name: str, agency: Agency, extra: dict | None = None,
                   transparent: bool = False) -> Composed:
    """The design as a Pillow image (RGBA when `transparent`, else RGB on white)."""
    body = _raster_body(pack, design, fmt_name, extra)
    fmt = design.format(fmt_name)

    def painted(rendered):
        # Kept with its place relative to its own page (the layer is shared by formats of different
        # heights, e.g. one footer for square and feed): x, y within the band, and the band's height.
        top = rasterize(rendered, transparent=True)
        box = top.getchannel("A").getbbox()
        if not box:
            return None, (0, 0, 0)
        return top.crop(box), (box[0], box[1], rendered.fmt.height)

    layers = _agency_layers(pack, design, fmt_name, agency, extra, False, "raster", painted)
    image = _cache.pixels(body, transparent, lambda: rasterize_pdf(body.product, fmt, transparent=transparent))
    for layer in layers:
        region, (x, y, band_height) = layer.product
        # a band shorter than the canvas sits on its bottom edge
        at = (x, y + round(fmt.height - band_height))
        if region is not None:
            if image.mode == "RGBA":
                image.alpha_composite(region, dest=at)
            else:
                image.paste(region.convert("RGB"), at, region.getchannel("A"))
    return Composed(image, *_merge(body, *layers))


def compose_pdf(pack: Pack, design: Design, fmt_name: str, agency: Agency, extra: dict | None = None,
                print_marks: bool = False, title: str = "", finisher=None) -> Composed:
    """The design as PDF bytes: the body's page with the agency layer drawn over it as a form XObject
    (pikepdf), fonts of both embedded, title set for this agency."""
    import pikepdf

    body = _pdf_body(pack, design, fmt_name, extra, print_marks, finisher)
    layers = _agency_layers(pack, design, fmt_name, agency, extra, print_marks, "pdf", write_pdf)
    with pikepdf.open(io.BytesIO(body.product)) as pdf:
        if body.subset_tags is None:
            body.subset_tags = frozenset(subset_tags(pdf))
        taken = set(body.subset_tags)  # grows with each layer's tags: no two layers share one
        page = pdf.pages[0]
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        drawn = b"\nQ"
        for number, layer in enumerate(layers):
            with pikepdf.open(io.BytesIO(layer.product)) as over:
                retag_subsets(over, taken=taken)
                top_page = over.pages[0]
                # Both pages have the same bleed and their lower-left corners meet (a band sits on the
                # bottom edge); print_boxes() may have moved the body's origin to the trim corner, so the
                # layer is shifted by the difference of the two MediaBox origins.
                form = pdf.copy_foreign(top_page.as_form_xobject())
                # A fixed name (pikepdf's `prefix` adds a random suffix): the same inputs give the same bytes.
                label = "/NetralAgencyLayer" if number == 0 else f"/NetralAgencyLayer{number + 1}"
                name = page.add_resource(form, pikepdf.Name.XObject, pikepdf.Name(label), replace_existing=False)
                dx = float(page.mediabox[0]) - float(top_page.mediabox[0])
                dy = float(page.mediabox[1]) - float(top_page.mediabox[1])
                drawn += f" q 1 0 0 1 {dx:.4f} {dy:.4f} cm {name} Do Q".encode()
        page.contents_add(pikepdf.Stream(pdf, drawn + b"\n"))
        if title:
            pdf.docinfo["/Title"] = title
        out = io.BytesIO()
        pdf.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 deterministic_id=True)
    return Composed(out.getvalue(), *_merge(body, *layers))
