"""Leaflets: agency + variant (+ contact details, print choices) -> a print-ready, accessible PDF `Asset`.

`trifold` is two A4 landscape pages, six panels for a letter fold; `single` is one A4 portrait page for
sharing on phones. Every PDF is tagged PDF/UA-1 (language `id`, title and subject, headings and lists
tagged) with its fonts embedded and subset; `pdfa` makes it PDF/A-3b as well. `print_marks` adds 3 mm
of bleed, crop marks and fold marks, with TrimBox exactly the paper size.

This module is the builder: the template's context (contact details checked here, QR codes from
`render.qr.leaflet_qr`, the chart labels' baselines), then the pipeline's stages:
- `render.splice.lay_out_leaflet`: the layout, layered (a body laid out once per process with the
  agency's slots spliced in) or whole, every page checked (`checks.pages`);
- `output.pdf_finish.write_leaflet_pdf`: WeasyPrint's PDF with the finisher's corrections for print
  and for assistive technology;
- `checks.pages.check_qr_codes`: the QR codes decoded back from that PDF.
"""

from __future__ import annotations

import re
from functools import partial

from .._version import __version__
from ..checks.pages import check_qr_codes
from ..errors import NetralError
from ..model.agencies import CONTACT_FIELDS, Agency
from ..model.designs import Design, load_design
from ..model.pack import Pack
from ..model.units import BLEED_MM, PT_PER_MM
from ..output.pdf_finish import SLUG_MM, write_leaflet_pdf
from ..render.fonts import baseline_in_line, font_file
from ..render.qr import leaflet_qr
from ..render.splice import clear_cache, lay_out_leaflet
from .asset import Asset, Request, register

__all__ = ["build_leaflet", "clear_cache", "contact_details", "leaflet_alt", "leaflet_context"]

# Longest value accepted for each contact field (the contact block has room for about this much).
CONTACT_LIMITS = {"address": 160, "phone": 40, "email": 80, "website": 80}
CONTACT_LABELS = {"address": "alamat", "phone": "telepon", "email": "surel", "website": "laman"}


def contact_details(agency: Agency, overrides: dict | None = None) -> dict[str, str]:
    """The agency's contact fields from the registry, with `overrides` (--contact key=value) on top.

    An empty override removes a field. Returns the fields in CONTACT_FIELDS order.
    """
    details = {k: v for k, v in agency.contact.items() if k in CONTACT_FIELDS}
    for key, value in (overrides or {}).items():
        if key not in CONTACT_FIELDS:
            raise NetralError(
                f"Kolom kontak '{key}' tidak dikenal. Pilih: {', '.join(CONTACT_FIELDS)} "
                '(contoh: --contact phone="(0341) 512345").'
            )
        details[key] = " ".join(str(value).split())
    for key, value in details.items():
        if len(value) > CONTACT_LIMITS[key]:
            raise NetralError(
                f"Kontak {CONTACT_LABELS[key]} terlalu panjang ({len(value)} karakter, paling banyak "
                f"{CONTACT_LIMITS[key]}). Persingkat isinya."
            )
        if key == "email" and value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise NetralError(f"Alamat surel '{value}' tidak valid. Contoh: humas@batukota.go.id")
        if key == "website" and " " in value:
            raise NetralError(f"Alamat laman '{value}' tidak boleh berisi spasi. Contoh: batukota.go.id")
    return {k: details[k] for k in CONTACT_FIELDS if details.get(k)}


def _baselines(pack: Pack):
    """`baseline(weight)` for the chart macro, in the pack's face for that weight (looked up once per
    weight and leaflet: finding the font file lists the pack's fonts)."""
    found: dict[int, float] = {}

    def baseline(weight: int) -> float:
        if weight not in found:
            found[weight] = baseline_in_line(font_file(pack, weight))
        return found[weight]

    return baseline


def leaflet_alt(pack: Pack, agency: Agency, design: Design) -> str:
    template = design.meta.get("alt", "Leaflet {campaign} dari {agency}.")
    return template.format(campaign=pack.name, agency=agency.name)


def leaflet_context(pack: Pack, agency: Agency, design: Design, print_marks: bool = False,
                    contact: dict | None = None) -> tuple[dict, dict]:
    """The leaflet template's context beyond `build_context`: what every layer sees, and what is the
    agency's own (a benchmark renders the same HTML with another engine from these)."""
    fmt = design.format(design.formats[0])
    if not fmt.is_print:
        raise NetralError(f"Desain leaflet {design.name} harus berukuran cetak (mm) di design.toml.")
    px_per_mm = fmt.width / fmt.mm[0]
    common = {
        "qr": partial(leaflet_qr, color=pack.colors.get("ink", "#0B1A33")),
        "font_family": pack.config.get("fonts", {}).get("family", "sans-serif"),
        "baseline": _baselines(pack),
        "unit": {
            "mm": px_per_mm,
            "pt": px_per_mm / PT_PER_MM,
            "bleed": BLEED_MM * px_per_mm if print_marks else 0,
            "slug": SLUG_MM * px_per_mm,
        },
    }
    return common, {"texts": {"contact_name": agency.name}, "contact": contact_details(agency, contact)}


def build_leaflet(
    pack: Pack,
    agency: Agency,
    variant: str = "trifold",
    print_marks: bool = False,
    pdfa: bool = False,
    contact: dict | None = None,
    extra: dict | None = None,
) -> Asset:
    """Render one leaflet variant for `agency` as a PDF Asset (findings from every page attached).
    `extra`: the kit's context; its `code` and `public_url` print the authenticity line in the agency's
    contact block (a slot: the body stays shared)."""
    design = load_design(pack, "leaflet", variant)
    fmt = design.format(design.formats[0])
    common, own = leaflet_context(pack, agency, design, print_marks, contact)
    own.update({k: v for k, v in (extra or {}).items() if k in ("code", "public_url")})
    metadata = {
        "title": f"{design.title} — {agency.name}",
        "description": design.meta.get("subject", design.meta.get("description", "")),
        "authors": [agency.name],
        "keywords": [pack.name, *pack.hashtags],
        "generator": f"netral-assets {__version__}",
        "lang": "id",
    }

    def write(checked) -> bytes:
        return write_leaflet_pdf(checked.rendered, metadata, print_marks=print_marks, pdfa=pdfa, marks=checked.marks)

    checked, data = lay_out_leaflet(pack, design, fmt, agency, common, own, print_marks, write)
    rendered = checked.rendered
    rendered.findings = checked.findings()
    rendered.findings.extend(check_qr_codes(rendered, data, checked.qr_boxes()))
    suffix = "-print" if print_marks else ""
    return Asset(
        name=f"leaflet-{design.name}{suffix}.pdf",
        kind="leaflet",
        design=design.name,
        format=fmt.name,
        data=data,
        size={"mm": list(fmt.mm)},
        alt=leaflet_alt(pack, agency, design),
        sources=rendered.sources,
        findings=rendered.findings,
    )


@register("leaflet")
def _build(request: Request) -> Asset:
    return build_leaflet(request.pack, request.agency, request.design, print_marks=request.print_marks,
                         extra=request.extra)
