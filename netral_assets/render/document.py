"""Layout: design + context -> HTML (`design_html` -> `Source`) -> a laid-out WeasyPrint document
(`lay_out` -> `Rendered`), checked on every render.

One Jinja2 sandbox (autoescape), one WeasyPrint FontConfiguration per process (`fonts`), and a URL
fetcher that reads only the pack's own folders and `data:` URIs (`fetch`): agency names are text, never
markup, and a template can reach neither the network nor the rest of the disk.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2.exceptions import TemplateError
from markupsafe import Markup

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, Format
from ..model.pack import Pack
from ..model.units import BLEED_MM
from .context import build_context, stats_sources, template_environment
from .fetch import data_uri, make_url_fetcher  # noqa: F401 (data_uri: assets/leaflet.py, until its split lands)
from .fonts import font_config, font_file, fonts_css  # noqa: F401 (font_file: the same)

log = logging.getLogger(__name__)


@dataclass
class Rendered:
    """A laid-out document with what was used to make it."""

    document: object  # weasyprint.Document
    design: Design
    fmt: Format
    sources: list[dict]
    print_marks: bool = False
    findings: list = field(default_factory=list)


@dataclass
class Source:
    """A design's HTML for one format, before layout: the template's output and the page rule."""

    html: str
    page_css: str
    design: Design
    fmt: Format
    ctx: dict = field(repr=False)
    print_marks: bool = False

    @property
    def key(self) -> str:
        """Everything the layout depends on that is not a file of the pack."""
        h = hashlib.sha256()
        for part in (self.html, self.page_css, str(self.design.path), self.fmt.name):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()


def design_html(
    pack: Pack,
    design: Design,
    fmt_name: str,
    agency: Agency | None,
    extra: dict | None = None,
    print_marks: bool = False,
    layer: str = "full",
    template: str | None = None,
) -> Source:
    """Template (the design's own unless `template` names another) + context -> the HTML and page
    size WeasyPrint will lay out."""
    fmt = design.format(fmt_name)
    ctx = build_context(pack, design, fmt, agency, extra, layer)
    env = template_environment(tuple(pack.layers("templates")))
    name = template or design.template_name
    try:
        html = env.get_template(name).render(**ctx, print_marks=print_marks)
    except TemplateError as exc:
        where = f" (lapisan {layer})" if layer != "full" else ""
        raise NetralError(f"Templat {name} gagal{where}: {exc}") from exc
    page_css = f"@page {{ size: {fmt.width}px {fmt.height}px; margin: 0 }}"
    if print_marks:
        # The bleed expressed on the layout canvas, which is scaled to paper size on output.
        bleed = BLEED_MM / (fmt.mm[0] / fmt.width) if fmt.mm else 0
        page_css = (
            f"@page {{ size: {fmt.width}px {fmt.height}px; margin: 0; bleed: {bleed:.3f}px; marks: crop }}"
        )
    return Source(html, page_css, design, fmt, ctx, print_marks)


# A template's <style> blocks, taken out of the HTML and parsed once per process (see lay_out).
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)


@lru_cache(maxsize=128)
def _stylesheet(text: str, base_url: str, roots: tuple[Path, ...]):
    from weasyprint import CSS

    return CSS(string=text, base_url=base_url, url_fetcher=make_url_fetcher(list(roots)),
               font_config=font_config())


def lay_out(pack: Pack, source: Source) -> Rendered:
    """HTML -> a WeasyPrint document, checked by preflight.

    The templates' <style> blocks are parsed once per process and handed to WeasyPrint as
    stylesheets: parsing and preprocessing CSS was a third of a small document's layout time. They
    then have the user origin instead of the author one, which changes nothing for our CSS (no
    !important; inline style attributes still win), and keep their order after the page rule."""
    from weasyprint import HTML

    base = source.design.path.as_uri() + "/"
    roots = tuple(pack.roots())
    sheets = [_stylesheet(source.page_css, base, roots)]
    sheets += [_stylesheet(text, base, roots) for text in _STYLE_BLOCK.findall(source.html)]
    html = _STYLE_BLOCK.sub("", source.html)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=base, url_fetcher=make_url_fetcher(list(roots))).render(
        stylesheets=sheets, font_config=font_config()
    )
    rendered = Rendered(document, source.design, source.fmt, stats_sources(source.ctx), source.print_marks)
    # Every render is checked: overflow, collisions and type too small to read.
    from ..checks.layout import check_document

    rendered.findings = check_document(rendered)
    return rendered


def render_design(
    pack: Pack,
    design: Design,
    fmt_name: str,
    agency: Agency,
    extra: dict | None = None,
    print_marks: bool = False,
) -> Rendered:
    """Template + context -> a WeasyPrint document laid out at the format's canvas size."""
    return lay_out(pack, design_html(pack, design, fmt_name, agency, extra, print_marks))


def render_template(pack: Pack, template: Path, ctx: dict, fetch_roots: tuple[Path, ...] = ()):
    """A template outside the designs (the batch proof sheet) + its context -> a laid-out WeasyPrint
    document, through the same sandbox, filters, fonts and fetcher as the designs; `fetch_roots` are
    folders the fetcher may read besides the pack's."""
    from weasyprint import HTML

    env = template_environment((template.parent,))
    try:
        html = env.get_template(template.name).render(**ctx, fonts_css=Markup(fonts_css(pack)))
    except TemplateError as exc:
        raise NetralError(f"Templat {template.name} gagal: {exc}") from exc
    fetcher = make_url_fetcher([*pack.roots(), *fetch_roots])
    return HTML(string=html, url_fetcher=fetcher).render(font_config=font_config())
