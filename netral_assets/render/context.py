"""What a template sees: pack + design + format + agency -> the Jinja2 context (brand, content, fitted
texts, statistics with their sources, CSS variables), and the one sandboxed Jinja2 environment."""

from __future__ import annotations

from dataclasses import dataclass, field
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


def fit_boxes(pack: Pack, design: Design, fmt: str, texts: dict[str, str]) -> dict[str, Fit]:
    fits = {}
    for name, box in design.boxes(fmt).items():
        if name not in texts:
            continue
        fits[name] = fit_text(texts[name], font_file(pack, box.weight), box, keep_together(pack))
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
        "fonts_css": Markup(fonts_css(pack)),
        "vars_css": Markup(_css_vars(pack)),
        "layer": layer,
    }
    if agency is not None:
        ctx["agency"] = agency
    ctx.update({k: v for k, v in (extra or {}).items() if k != "texts"})
    return ctx


def stats_sources(ctx: dict) -> list[dict]:
    return ctx["stat"].sources()
