"""Print page boxes: a WeasyPrint PDF being written -> TrimBox exactly the paper size, BleedBox 3 mm
beyond it (clipped to the MediaBox), for print shops that impose by the boxes.

WeasyPrint 70 derives TrimBox from the CSS bleed scaled by 0.75 instead of by the PDF zoom, so with
zoom != 1 (our paper formats are laid out on a 1080 px canvas and zoomed to A4/A3) the TrimBox is off
by a fraction of a point; and it places BleedBox "at most 10 pt" from the trim, whatever the CSS says.
The poster templates also widen the CSS bleed into a slug for crop marks, so the PDF's BleedBox must
be set apart from the MediaBox. This finisher rewrites both boxes from the layout itself.
"""

from __future__ import annotations

import pydyf

from ..model.units import BLEED_MM, PT_PER_MM


def print_boxes(zoom: float, bleed_mm: float = BLEED_MM):
    """A `write_pdf(finisher=…)` callable setting TrimBox and BleedBox on every page."""

    def finish(document, pdf) -> None:
        scale = 0.75 * zoom  # PDF points per layout px
        bleed = bleed_mm * PT_PER_MM
        kids = pdf.pages["Kids"][::3]  # [number, 0, "R", …]
        for page, number in zip(document.pages, kids, strict=True):
            pdf_page = pdf.objects[number]
            media = [float(v) for v in pdf_page["MediaBox"]]
            # The content stream puts the page box's bottom-left corner at the origin.
            trim = [0.0, 0.0, page.width * scale, page.height * scale]
            box = [
                max(media[0], trim[0] - bleed),
                max(media[1], trim[1] - bleed),
                min(media[2], trim[2] + bleed),
                min(media[3], trim[3] + bleed),
            ]
            pdf_page["TrimBox"] = pydyf.Array([round(v, 4) for v in trim])
            pdf_page["BleedBox"] = pydyf.Array([round(v, 4) for v in box])

    return finish
