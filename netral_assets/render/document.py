"""Rendering: design + context -> laid-out WeasyPrint document (and its PDF bytes).

One Jinja2 sandbox (autoescape) per pack, one WeasyPrint FontConfiguration per process, and a URL
fetcher that reads only the pack's own folders and `data:` URIs: agency names are text, never markup,
and a template can reach neither the network nor the rest of the disk.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import logging
import mimetypes
import os
import re
import shutil
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlparse

from fontTools.ttLib import TTFont
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.exceptions import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..errors import NetralError
from ..model.agencies import Agency
from ..model.designs import Design, Format
from ..model.formatting import format_date_id, format_number, format_percent_id
from ..model.pack import Pack
from ..model.units import BLEED_MM
from .fitting import Fit, fit_text
from .qr import qr_svg

log = logging.getLogger(__name__)


class FetchRefused(Exception):
    """A URL the renderer may not read."""


def make_url_fetcher(roots: list[Path]):
    """A WeasyPrint URL fetcher that serves `data:` URIs and files under `roots`, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [r.resolve() for r in roots]

    class PackFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "file":
                # bytes, then the file system's decoding: a folder name that is not UTF-8 survives
                path = Path(os.fsdecode(unquote_to_bytes(parsed.path))).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise FetchRefused(f"refused to fetch {url[:80]}")

    return PackFetcher(allowed_protocols=("data", "file"))


def _remove_font_folder(config) -> None:
    folder = getattr(config, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@cache
def _font_config():
    # One per process: building it costs tens of ms and it caches shaped fonts across documents.
    from multiprocessing import util

    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    # WeasyPrint copies @font-face files into a temporary folder that only its __del__ removes, and a
    # cached object outlives that; remove it at exit (atexit in a normal process, multiprocessing's
    # finalizers in a worker, which skips atexit).
    atexit.register(_remove_font_folder, config)
    util.Finalize(None, _remove_font_folder, args=(config,), exitpriority=1)
    return config


@cache
def _font_info(path: Path) -> tuple[str, int, str]:
    with TTFont(path, lazy=True) as font:
        name = font["name"]
        family = name.getDebugName(16) or name.getDebugName(1)
        style = "italic" if font["OS/2"].fsSelection & 1 else "normal"
        return family, font["OS/2"].usWeightClass, style


def font_faces(pack: Pack) -> list[tuple[str, int, str, Path]]:
    return [(*_font_info(p), p) for p in pack.font_files()]


def font_file(pack: Pack, weight: int, family: str | None = None) -> Path:
    """The pack's font file closest to `weight` (upright) in `family` (default: the brand family)."""
    family = family or pack.config.get("fonts", {}).get("family")
    faces = [f for f in font_faces(pack) if f[2] == "normal" and (family is None or f[0] == family)]
    if not faces:
        raise NetralError(
            f"Font '{family}' tidak ada di paket (folder fonts/). Tambahkan berkas .ttf-nya "
            "atau ubah [fonts] family di brand.toml."
        )
    return min(faces, key=lambda f: abs(f[1] - weight))[3]


def _fonts_css(pack: Pack) -> str:
    rules = []
    for family, weight, style, path in font_faces(pack):
        rules.append(
            f"@font-face {{ font-family: '{family}'; font-weight: {weight}; font-style: {style}; "
            f"src: url('{path.as_uri()}'); }}"
        )
    return "\n".join(rules)


def _css_vars(pack: Pack) -> str:
    props = "; ".join(f"--color-{k}: {v}" for k, v in pack.colors.items())
    family = pack.config.get("fonts", {}).get("family", "sans-serif")
    return f":root {{ {props}; --font-family: '{family}', sans-serif }}"


@dataclass
class StatsView:
    """What templates see of the statistics: formatted figures with their source lines."""

    pack: Pack
    used: dict = field(default_factory=dict)

    def __call__(self, figure_id: str) -> dict:
        stats = self.pack.statistics
        f = stats.get(figure_id)
        self.used[f.id] = f
        base = stats.base(f)
        if base is not None:
            self.used[base.id] = base
        return {
            "id": f.id,
            "value": f.value,
            "text": f.text,
            "label": f.label,
            "period": f.period,
            "percent": stats.percent_text(f),
            "fraction": stats.fraction(f),
            "base": base and {"text": base.text, "label": base.label, "value": base.value},
            "source_line": f.source_line,
            "body": f.body,
            "as_of": format_date_id(f.as_of),
        }

    def sources(self) -> list[dict]:
        return [f.as_dict() for f in self.used.values()]


@cache
def _environment(template_roots: tuple[Path, ...]) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(r)) for r in template_roots]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent_id
    env.filters["date_id"] = format_date_id
    return env


def _inline_svg(path: Path) -> Markup:
    """Pack SVGs are trusted files of the pack; inlined so they stay vector in the PDF."""
    text = path.read_text(encoding="utf-8")
    start = text.find("<svg")
    return Markup(text[start:])


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def fit_boxes(pack: Pack, design: Design, fmt: str, texts: dict[str, str]) -> dict[str, Fit]:
    fits = {}
    for name, box in design.boxes(fmt).items():
        if name not in texts:
            continue
        fits[name] = fit_text(texts[name], font_file(pack, box.weight), box)
    return fits


def build_context(
    pack: Pack, design: Design, fmt: Format, agency: Agency | None, extra: dict | None = None,
    layer: str = "full",
) -> dict:
    """What a template sees. `layer` (see layers.py) is "full", "body" or "agency"; the body layer is
    built without the agency (no `agency`, no fitted agency texts, no `logo`), so a template that
    uses them outside its agency elements fails loudly instead of caching one agency's name."""
    texts = {} if agency is None else {"agency": agency.name, "agency_short": agency.short_name}
    texts.update((extra or {}).get("texts", {}))
    stats = StatsView(pack)
    logo_dir = "logo/"
    ctx = {
        "brand": {
            "name": pack.name,
            "slogan": pack.slogan,
            "tagline": pack.config["campaign"].get("tagline", ""),
            "hashtags": pack.hashtags,
            "issuer": pack.issuer,
            "channels": pack.channels,
            "colors": pack.colors,
        },
        "content": pack.content,
        "fit": fit_boxes(pack, design, fmt.name, texts),
        "fmt": fmt,
        "design": design.meta,
        "settings": design.settings(fmt.name),
        "window": design.window(fmt.name),
        "stat": stats,
        "qr": qr_svg,
        "mark": _inline_svg(pack.find("brand", logo_dir + "mark.svg")),
        "mark_reverse": _inline_svg(pack.find("brand", logo_dir + "mark-reverse.svg")),
        "fonts_css": Markup(_fonts_css(pack)),
        "vars_css": Markup(_css_vars(pack)),
        "layer": layer,
    }
    if agency is not None:
        ctx["agency"] = agency
    ctx.update({k: v for k, v in (extra or {}).items() if k != "texts"})
    return ctx


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
    env = _environment(tuple(pack.layers("templates")))
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
               font_config=_font_config())


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
        stylesheets=sheets, font_config=_font_config()
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


def stats_sources(ctx: dict) -> list[dict]:
    return ctx["stat"].sources()
