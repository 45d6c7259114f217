"""What a template sees: pack + design + format + agency -> the Jinja2 context (brand, content, fitted
texts, statistics with their sources, CSS variables), and the one sandboxed Jinja2 environment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..model.agencies import Agency
from ..model.designs import Design, Format
from ..model.formatting import format_date_id, format_number, format_percent_id
from ..model.pack import Pack
from .fitting import Fit, fit_text
from .fonts import font_file, fonts_css
from .qr import qr_svg


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
def template_environment(template_roots: tuple[Path, ...]) -> SandboxedEnvironment:
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


def keep_together(pack: Pack) -> tuple[str, ...]:
    """Phrases a fitted line never breaks inside (brand.toml `[typesetting] keep_together`)."""
    return tuple(pack.config.get("typesetting", {}).get("keep_together", ()))


def fit_boxes(pack: Pack, design: Design, fmt: str, texts: dict[str, str], narrower: dict[str, float] | None = None
              ) -> dict[str, Fit]:
    """The fitted texts of the design's boxes; `narrower` takes px off a box's width (the footer's agency
    name beside the authenticity QR code on print)."""
    fits = {}
    for name, box in design.boxes(fmt).items():
        if narrower and name in narrower:
            box = replace(box, width=box.width - narrower[name])
        if name not in texts:
            continue
        fits[name] = fit_text(texts[name], font_file(pack, box.weight), box, keep_together(pack))
    return fits


# The authenticity line (issue 19) of every published poster, carousel (closing slide), leaflet and
# link card: "Cek keaslian: <address>/cek/K7Q2-9XA", or without a public address "Kode keaslian:
# K7Q2-9XA"; on print (and with an address) also a QR code of that address, beside the agency's name,
# whose fitted box is narrowed by CHECK_QR_ROOM px (the code and its gap). The code itself comes from
# the kit's plan (`extra["code"]`, provenance.codes.short_code); without one nothing is printed.
CHECK_QR_SIZE = 120  # px of the 1080 canvas, quiet zone included: 23 mm on A4, 33 mm on A3 (footer.css)
CHECK_QR_ROOM = 128  # the agency's box beside it: 830 -> 702 px (footer.css: .foot-qr .who)
# The poster footer's rows (footer.css): the band's room above the stripe, and the two small lines.
FOOT_ROOM = 138
FOOT_LINE = 22 * 1.2  # the issuer and the authenticity line: 22 px, line-height 1.2
FOOT_GAP = 2
CHECK_PATH = "/cek/"  # the public address of a code: <public_url>/cek/<code> (provenance.codes reads it here)


def check_line(code: str | None, public_url: str | None, print_format: bool) -> dict | None:
    """What the templates print to check an asset (`check` in the context): the code, the line's label
    and text, the address (None without a public address) and whether a QR code is drawn."""
    if not code:
        return None
    if not public_url:
        return {"code": code, "label": "Kode keaslian:", "text": code, "url": None, "qr": False}
    url = f"{public_url.rstrip('/')}{CHECK_PATH}{code}"
    # printed without the scheme, as people type it (checks/files.py finds a QR's address by it)
    return {"code": code, "label": "Cek keaslian:", "text": url.split("://", 1)[-1], "url": url,
            "qr": print_format}


def _footer_rows(check: dict, fit: Fit | None) -> dict:
    """Where the poster footer puts its rows when it prints the authenticity line: the agency's block
    (`who_top`) centred above the stripe, and the line itself (`line_top`) absolutely under the issuer,
    so the footer and the line's own layer (poster/check.html.j2, layers.py) place it alike."""
    if fit is None:
        return check
    agency_h = fit.size * fit.line_height * len(fit.lines)
    who_top = round(max(6.0, (FOOT_ROOM - agency_h - 2 * FOOT_LINE - FOOT_GAP) / 2), 2)
    return {**check, "who_top": who_top, "line_top": round(who_top + agency_h + FOOT_GAP + FOOT_LINE, 2)}


@cache
def check_qr(url: str) -> Markup:
    """The authenticity QR code as a PNG of its modules (one pixel each, drawn without smoothing):
    WeasyPrint draws it far faster than the SVG path of `render.qr.qr_svg`, which matters in a layer
    laid out per design and agency. `data-qr` lets preflight decode it back."""
    import io

    from PIL import Image

    from .fetch import data_uri
    from .qr import qr_matrix

    matrix = qr_matrix(url)
    image = Image.new("1", (len(matrix), len(matrix)), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    src = data_uri(out.getvalue(), "image/png")
    return Markup('<img class="qr" src="{}" data-qr="{}" alt="Kode QR: {}">').format(src, url, url)


def build_context(
    pack: Pack, design: Design, fmt: Format, agency: Agency | None, extra: dict | None = None,
    layer: str = "full",
) -> dict:
    """What a template sees. `layer` (see layers.py) is "full", "body" or "agency"; the body layer is
    built without the agency (no `agency`, no fitted agency texts, no `logo`), so a template that
    uses them outside its agency elements fails loudly instead of caching one agency's name."""
    texts = {} if agency is None else {"agency": agency.name, "agency_short": agency.short_name}
    texts.update((extra or {}).get("texts", {}))
    # a design whose own QR code is its message (ajakan) prints the check as text only: one code to scan
    check = None if agency is None else check_line((extra or {}).get("code"), (extra or {}).get("public_url"),
                                                     fmt.is_print and design.meta.get("check_qr", True))
    # the poster footer's agency name beside the QR code (footer.css)
    narrower = {"agency": CHECK_QR_ROOM} if check and check["qr"] and design.kind == "poster" else None
    fits = fit_boxes(pack, design, fmt.name, texts, narrower)
    if check:
        check = _footer_rows(check, fits.get("agency"))
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
        "fit": fits,
        "fmt": fmt,
        "design": design.meta,
        "settings": design.settings(fmt.name),
        "window": design.window(fmt.name),
        "stat": stats,
        "local_rows": local_rows(pack),
        "qr": qr_svg,
        "check_qr": check_qr,
        "mark": _inline_svg(pack.find("brand", logo_dir + "mark.svg")),
        "mark_reverse": _inline_svg(pack.find("brand", logo_dir + "mark-reverse.svg")),
        "fonts_css": Markup(fonts_css(pack)),
        "vars_css": Markup(_css_vars(pack)),
        "layer": layer,
        "check": check,
    }
    if agency is not None:
        ctx["agency"] = agency
    ctx.update({k: v for k, v in (extra or {}).items() if k not in ("texts", "code")})
    return ctx


def local_rows(pack: Pack) -> list[list[str]]:
    """The figures a province's or agency's override adds, as [base, part] pairs (a part names its base
    with `of`), in their file's order: designs that show figure pairs put these first (statistik)."""
    figures = pack.statistics.figures
    return [[figures[fid].of, fid] for fid in pack.local_figures if figures[fid].of in figures]


def stats_sources(ctx: dict) -> list[dict]:
    return ctx["stat"].sources()
