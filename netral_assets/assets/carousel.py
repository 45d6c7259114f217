"""Carousels: agency + poster design -> its slides (1080×1350 JPEGs, numbered `carousel-<design>-01.jpg`
…) and one PDF of all of them (LinkedIn's document form, `carousel-<design>.pdf`).

A poster design with a `[carousel]` table in design.toml has a carousel form. Its slides are one
WeasyPrint document, a page per slide, laid out from the shared template
`templates/poster/carousel/carousel.html.j2` with the design's table, its content points (or its
figures, through stat()) and the shared words of `brand/content/carousel.toml`: a cover, one slide
per point, a closing slide with the call to action and the reporting channels. Nothing is left out:
`slide_count` counts the slides from the same content (the kit plans one file per slide from it), a
carousel longer than `MAX_SLIDES` is refused, and a layout that spills onto more pages than planned
is an error. Every slide is preflighted (`checks.pages`), and a figure's source line must be on the
slide that shows the figure.

The slides are drawn from the PDF page by page (`rasterize_pages`: the writers' `rasterize_pdf`
draws a first page only) and encoded by `output.writers.encode_image` (JPEG at 4:4:4).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..caching import Kept
from ..checks import Finding
from ..checks.layout import unsourced
from ..checks.pages import CheckedPages
from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import CAROUSEL, CAROUSEL_PX, CAROUSEL_TEMPLATE, Design, list_designs, load_design
from ..model.pack import Pack
from ..output.writers import encode_image, raster_pdf, write_pdf
from ..render.document import design_html, lay_out
from .asset import Asset, Request, register

MAX_SLIDES = 10  # Instagram's limit (LinkedIn allows more; ten is what a reader swipes through)
WORDS_FILE = "content/carousel.toml"  # in the pack's brand part: a --brand pack may override it
SLIDE_EXTENSIONS = (".jpg", ".png")


@dataclass
class Carousel:
    """A design's carousel for one agency: the slides in order and the PDF of all of them."""

    design: Design
    slides: list[Asset]
    pdf: Asset

    @property
    def assets(self) -> list[Asset]:
        return [*self.slides, self.pdf]


def carousel_designs(pack: Pack) -> list[Design]:
    """The poster designs that have a carousel form, in the posters' order."""
    return [d for d in list_designs(pack, "poster") if d.carousel is not None]


def slide_name(design: str, number: int, ext: str = ".jpg") -> str:
    return f"carousel-{design}-{number:02d}{ext}"


def pdf_name(design: str) -> str:
    return f"carousel-{design}.pdf"


def _items(pack: Pack, design: Design) -> list:
    c = design.carousel
    if c is None:
        raise NetralError(f"Desain poster '{design.name}' tidak punya bentuk carousel (tabel [carousel] di "
                          f"{design.path}/design.toml). Desain dengan carousel: "
                          f"{', '.join(d.name for d in carousel_designs(pack)) or '(tidak ada)'}.")
    if "figures" in c:
        return list(c["figures"])
    try:
        return list(pack.content[design.meta["content"]]["points"])
    except KeyError as exc:
        raise NetralError(f"Desain poster '{design.name}': isi carousel {exc} tidak ada di content/netralitas.toml.") from None


def slide_count(pack: Pack, design: Design) -> int:
    """Cover + one slide per point (or figure) + closing slide; more than MAX_SLIDES is refused, since
    a carousel never drops a point silently."""
    items = _items(pack, design)
    count = len(items) + 2
    if count > MAX_SLIDES:
        raise NetralError(f"Carousel {design.name} butuh {count} slide (sampul, {len(items)} poin, penutup); paling "
                          f"banyak {MAX_SLIDES}. Gabungkan poin di isi kampanye: carousel tidak membuang poin.")
    return count


def carousel_words(pack: Pack) -> dict:
    path = pack.find("brand", WORDS_FILE)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"Berkas {path} tidak valid (TOML): {exc}. Perbaiki sintaksnya.") from exc


def rasterize_pages(pdf_bytes: bytes, width_px: int) -> list:
    """Every page of a raster PDF (layout px at 0.75 pt, as `writers.raster_pdf` writes it) -> RGB
    Pillow images `width_px` wide, on white. (The writers' `rasterize_pdf` draws the first page only.)"""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(pdf_bytes)
    images = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            scale = width_px / page.get_width()
            expected = (width_px, round(page.get_height() * scale))
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255), may_draw_forms=False,
                                 force_bitmap_format=pdfium_c.FPDFBitmap_BGR, rev_byteorder=True)
            image = bitmap.to_pil()
            if image.size != expected:  # pdfium rounds the page size up on some scales
                image = image.crop((0, 0, *expected))
            images.append(image.convert("RGB") if image.mode != "RGB" else image.copy())
    finally:
        pdf.close()
    return images


def _on_slide(finding: Finding, number: int) -> Finding:
    return Finding(f"slide {number}, {finding.element}", finding.rule, finding.message)


def _alt_text(text: str, chrome: list[str]) -> str:
    """A slide's text without what every slide repeats (band, swipe cue, footer), as one line."""
    for part in sorted(chrome, key=len, reverse=True):
        if part:
            text = text.replace(part, " ")
    return re.sub(r"\s+", " ", text).strip()


def build_carousel(pack: Pack, agency: Agency, design: str, ext: str = ".jpg", extra: dict | None = None,
                   logo: str | Path | None = None) -> Carousel:
    """The carousel of a poster design for one agency: slides as `ext` (.jpg, or .png) and the PDF."""
    if ext not in SLIDE_EXTENSIONS:
        raise NetralError(f"Slide carousel dibuat sebagai JPEG atau PNG, bukan '{ext}'.")
    d = load_design(pack, "poster", design)
    count = slide_count(pack, d)
    items = _items(pack, d)
    words = carousel_words(pack)
    extra = {**(extra or {}), "words": words}
    if logo is not None:
        from .agency_logo import load_agency_logo

        extra["logo"] = load_agency_logo(logo)
    source = design_html(pack, d, CAROUSEL, agency, extra, template=CAROUSEL_TEMPLATE)
    rendered = lay_out(pack, source)
    pages = rendered.document.pages
    if len(pages) != count:
        raise NetralError(f"Carousel {d.name} menjadi {len(pages)} halaman, seharusnya {count} slide: ada isi yang "
                          "meluap ke halaman berikutnya. Perpendek teksnya.")
    checked = CheckedPages.of(rendered)
    figures = {s["id"]: s for s in rendered.sources}
    per_slide: list[list[Finding]] = []
    slide_sources: list[list[dict]] = []
    for index in range(count):
        found = [*checked.preflight[index], *checked.regions[index]]
        shown: list[dict] = []
        if "figures" in d.carousel and 0 < index < count - 1:
            # the figure's own source line on its own slide, not merely somewhere in the carousel
            ids = set(items[index - 1])
            shown = [f for i, f in figures.items() if i in ids]
            found += unsourced(shown, checked.texts[index])
        per_slide.append([_on_slide(f, index + 1) for f in dict.fromkeys(found)])
        slide_sources.append(shown)
    everywhere = unsourced(rendered.sources, " ".join(checked.texts))
    title = f"{d.carousel.get('name', d.title)} — {agency.name}"
    pdf = write_pdf(rendered, metadata={"title": title, "lang": "id"})
    images = rasterize_pages(raster_pdf(rendered), CAROUSEL_PX[0])
    chrome = [pack.name, pack.slogan, words.get("swipe", ""), agency.name, pack.issuer]
    chrome += [words["counter"].format(n=n, total=count) for n in range(1, count + 1)]
    name = d.carousel.get("name", d.title)
    slides = []
    alts = []
    for index, image in enumerate(images):
        number = index + 1
        text = _alt_text(checked.texts[index], chrome)
        alts.append(text)
        slides.append(Asset(
            name=slide_name(d.name, number, ext),
            kind="poster",
            design=d.name,
            format=CAROUSEL,
            data=encode_image(image, ext),
            size={"px": list(CAROUSEL_PX)},
            alt=f"Slide {number} dari {count}, {name} dari {agency.name}: {text}",
            sources=slide_sources[index],
            findings=per_slide[index],
            # the first slide's picture stays for the batch's proof thumbnail; the others are dropped
            # at once (ten pictures of 4 MB are not kept for nothing)
            image=image if index == 0 else None,
        ))
    all_findings = [f for found in per_slide for f in found] + everywhere
    document = Asset(
        name=pdf_name(d.name),
        kind="poster",
        design=d.name,
        format=CAROUSEL,
        data=pdf,
        size={"pt": [CAROUSEL_PX[0] * 0.75, CAROUSEL_PX[1] * 0.75]},
        alt=f"{name} dari {agency.name}, {count} slide. " + " ".join(
            f"({n}) {text}" for n, text in enumerate(alts, 1)),
        sources=rendered.sources,
        findings=all_findings,
    )
    return Carousel(d, slides, document)


# The carousel of the kit job being made: a kit asks for its slides and PDF file by file, and every
# one of them comes from one layout. Keyed by the jobs' set key (every input but the file name).
_SETS = Kept(2)


@register("carousel")
def build_from_request(request: Request) -> Asset:
    """One file of a carousel (a slide or the PDF, by `request.name`); the kit's poster jobs of format
    "carousel" come here through the poster builder."""
    ext = request.ext if request.ext in SLIDE_EXTENSIONS else None  # the PDF comes with slides of any kind
    made = _SETS.get(request.key) if request.key else None
    if made is None or (ext and isinstance(made, Carousel) and not made.slides[0].name.endswith(ext)):
        try:
            made = build_carousel(request.pack, request.agency, request.design, ext or ".jpg", extra=request.extra)
        except NetralError as exc:
            made = exc
        if request.key:
            _SETS.put(request.key, made)
    if isinstance(made, NetralError):
        raise made
    for asset in made.assets:
        if asset.name == request.name:
            return asset
    raise NetralError(f"Carousel {request.design} tidak punya berkas {request.name}; ada: "
                      f"{', '.join(a.name for a in made.assets)}.")
