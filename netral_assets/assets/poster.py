"""Posters: agency + poster design + format -> an `Asset` (PNG/JPEG/WebP for social formats, PDF for
print, with bleed and crop marks under `print_marks`), composed from the cached body and the agency's
layer when the design is layered."""

from __future__ import annotations

from pathlib import Path

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import CAROUSEL, Design, default_design, load_design
from ..model.formatting import format_number
from ..model.pack import Pack
from ..output.writers import encode_image, write_pdf, writer_for
from ..render.document import render_design
from .asset import Asset, Request, register, size_of
from .layers import compose_pdf, compose_raster, is_layered


def poster_alt(pack: Pack, agency: Agency, design: Design, sources: list[dict]) -> str:
    template = design.meta.get("alt", "Poster {campaign} dari {agency}.")
    stats = pack.statistics
    shown = [stats.get(s["id"]) for s in sources]
    bases = {f.of for f in shown if f.of}
    parts = []
    for f in shown:
        if f.id in bases:  # said with the figure it is the base of: "183 dari 403 (45,4%)"
            continue
        base = stats.base(f)
        value = format_number(f.value)
        if base is not None and stats.percent_text(f):
            value = f"{value} dari {format_number(base.value)} ({stats.percent_text(f)})"
        parts.append(f"{f.label} {f.period}: {value}")
    figures = "; ".join(parts)
    text = template.format(campaign=pack.name, agency=agency.name, slogan=pack.slogan)
    return f"{text} Angka: {figures}." if figures else text


def message_alt(pack: Pack, agency: Agency, design: Design, content) -> str:
    """The alt text of a message poster: the design's `alt` with the message's own words."""
    words = {"name": content.name, "title": content.title, "quote": content.quote, "headline": content.headline}
    text = design.meta.get("alt", "Poster {campaign} dari {agency}.").format(
        campaign=pack.name, agency=agency.name, slogan=pack.slogan, **words)
    more = list(content.points) or ([content.body] if content.body else [])
    if content.link:
        more.append(f"{content.link_label or 'Tautan'}: {content.link}")
    return " ".join([text, *(m if m.endswith((".", "!", "?")) else m + "." for m in more)])


def build_poster(pack: Pack, agency: Agency, design: str | None = None, fmt: str = "feed",
                 ext: str = ".png", print_marks: bool = False, extra: dict | None = None,
                 logo: str | Path | None = None, content=None) -> Asset:
    """One poster; `logo` is the agency's own PNG/JPEG/SVG, shown in the footer instead of the mark.
    `content` (assets.message.Content) is the agency's own words for the designs that show them
    (pesan, pengumuman); without it they show their design's example."""
    d = load_design(pack, "poster", design) if design else default_design(pack, "poster")
    f = d.format(fmt)
    from .message import example_content, message_context, needs_content

    if needs_content(d):
        # The words go into the body layer (keyed by its HTML, so each message is its own body);
        # the agency's footer stays the shared layer.
        content = content or example_content(d)
        extra = {**(extra or {}), "message": message_context(pack, d, fmt, content)}
    elif content is not None:
        raise NetralError(f"Desain poster {d.name} tidak memakai isi sendiri (--content); pilih desain pesan "
                          "atau pengumuman.")
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
    alt = poster_alt(pack, agency, d, sources) if content is None else message_alt(pack, agency, d, content)
    return Asset(
        name=f"poster-{d.name}-{fmt}{ext}",
        kind="poster",
        design=d.name,
        format=fmt,
        data=data,
        size=size_of(f, ext),
        alt=alt,
        sources=sources,
        findings=findings,
        image=image,
    )


@register("poster")
def _build(request: Request) -> Asset:
    if request.format == CAROUSEL:  # a slide or the PDF of the design's carousel (kit jobs)
        from .carousel import build_from_request

        return build_from_request(request)
    return build_poster(request.pack, request.agency, request.design, request.format, request.ext,
                        print_marks=request.print_marks, extra=request.extra)
