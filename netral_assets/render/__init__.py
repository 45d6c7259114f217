"""Rendering: a design (template + design.toml) and its context -> a laid-out WeasyPrint document.

`context` builds what a template sees, `fitting` fits texts to their boxes, `fonts` and `fetch` are
what WeasyPrint reads, `qr` draws QR codes, and `document` lays the HTML out (`lay_out` -> `Rendered`)
and has every render checked by `checks`.
"""
