"""Units of print: the one place for millimetres, points, CSS pixels and the print bleed."""

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH  # PDF points
MM_PER_PX = MM_PER_INCH / 96  # CSS pixels
BLEED_MM = 3.0  # what a print shop trims away; edge backgrounds reach this far beyond the trim
PAPER_MM = {"A4": (210, 297), "A3": (297, 420), "A4 mendatar": (297, 210)}
