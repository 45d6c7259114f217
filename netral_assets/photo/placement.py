"""Placement maths: a photo's size + the frame's window + zoom, offset and rotation -> the affine map
from output px to photo px (the one formula the CLI, the API and the web page share).

Placement (the same numbers mean the same picture here and on the web page)
-------------------------------------------------------------------------
All lengths are in output px of the frame; coordinates are continuous, y pointing down, pixel centres
at half-integers (as in Pillow's transforms and the HTML canvas).

    P = (pw, ph)        the photo's size after its EXIF orientation is applied
    W = (wx, wy, ww, wh) the bounding box of the frame's window; its centre (cx, cy)
    t                    rotation in degrees, clockwise on screen, about the photo's centre
    cover(t) = max((ww*|cos t| + wh*|sin t|) / pw, (ww*|sin t| + wh*|cos t|) / ph)
                         the smallest scale at which the photo, rotated by t and centred on the
                         window, covers the window's bounding box (at t = 0: max(ww/pw, wh/ph))
    s = zoom * cover(t)  output px per photo px; zoom 1 covers the window exactly, zoom 2 shows the
                         middle half of that
    C = (cx + ox*ww, cy + oy*wh)
                         where the photo's centre lands: the offset (ox, oy) is a fraction of the
                         window's width and height; positive moves the photo right and down

A photo point p lands at  q = C + s * R(t) * (p - P/2),  R(t) = [[cos t, -sin t], [sin t, cos t]].

On a canvas of the frame's size: fill white, clip to the window's bounding box, then
`translate(Cx, Cy); rotate(t * PI / 180); scale(s, s); drawImage(photo, -pw / 2, -ph / 2)`, and draw
the frame on top. Whatever the photo does not cover stays white.

How it is made fast (in `frame.py`): the inverse of that map (output px -> photo px, `output_to_photo`)
is composed with the EXIF orientation (`orientation_map`), the JPEG's reduced-scale decoding (`draft`,
1/2 to 1/8, chosen from the resolution the window needs), the crop of the part the window shows and an
integer `reduce`; Pillow then resamples once (bicubic) into the window's bounding box only, and the
frame is laid over at output size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..errors import NetralError
from ..model.designs import Window
from ..model.formatting import format_number

ZOOM_RANGE = (0.25, 8.0)
OFFSET_LIMIT = 2.0  # window widths/heights


@dataclass(frozen=True)
class Placement:
    """Zoom, offset (fractions of the window) and clockwise rotation in degrees; see the module doc."""

    zoom: float = 1.0
    offset: tuple[float, float] = (0.0, 0.0)
    rotate: float = 0.0
    auto: bool = False  # centre and scale on the detected face (zoom and offset are then computed)

    def check(self) -> Placement:
        lo, hi = ZOOM_RANGE
        values = (self.zoom, *self.offset, self.rotate)
        if not all(math.isfinite(v) for v in values):
            raise NetralError("Zoom, offset dan rotasi harus berupa angka.")
        if not lo <= self.zoom <= hi:
            raise NetralError(f"Zoom {_g(self.zoom)} di luar batas {_g(lo)}–{_g(hi)} (1 = foto pas menutupi jendela).")
        if any(abs(v) > OFFSET_LIMIT for v in self.offset):
            raise NetralError(
                f"Offset {_g(self.offset[0])} {_g(self.offset[1])} di luar batas ±{_g(OFFSET_LIMIT)} "
                "(satuannya lebar dan tinggi jendela foto)."
            )
        return replace(self, rotate=self.rotate % 360)


# The default placement: zoom 1, centred, upright.
CENTRED = Placement()


def _g(value: float) -> str:
    return format_number(value)


def cover_scale(photo_size: tuple[float, float], window: Window, rotate: float) -> float:
    """Output px per photo px at zoom 1: the rotated photo just covers the window's bounding box."""
    pw, ph = photo_size
    c, s = abs(math.cos(math.radians(rotate))), abs(math.sin(math.radians(rotate)))
    return max((window.width * c + window.height * s) / pw, (window.width * s + window.height * c) / ph)


def matmul(a: tuple, b: tuple) -> tuple:
    """Product of two affine maps stored as (a, b, c, d, e, f): x' = a x + b y + c, y' = d x + e y + f."""
    return (
        a[0] * b[0] + a[1] * b[3],
        a[0] * b[1] + a[1] * b[4],
        a[0] * b[2] + a[1] * b[5] + a[2],
        a[3] * b[0] + a[4] * b[3],
        a[3] * b[1] + a[4] * b[4],
        a[3] * b[2] + a[4] * b[5] + a[5],
    )


def apply(m: tuple, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]


def output_to_photo(photo_size: tuple[float, float], window: Window, placement: Placement) -> tuple:
    """The affine map output px -> oriented photo px (the inverse of the module doc's formula)."""
    pw, ph = photo_size
    t = math.radians(placement.rotate)
    s = placement.zoom * cover_scale(photo_size, window, placement.rotate)
    cx, cy = window.center
    ox, oy = placement.offset
    centre_x, centre_y = cx + ox * window.width, cy + oy * window.height
    cos, sin = math.cos(t) / s, math.sin(t) / s
    # p = P/2 + R(-t) (q - C) / s
    return (
        cos,
        sin,
        pw / 2 - cos * centre_x - sin * centre_y,
        -sin,
        cos,
        ph / 2 + sin * centre_x - cos * centre_y,
    )


def orientation_map(orientation: int, raw_size: tuple[int, int]) -> tuple:
    """Oriented (displayed) photo px -> stored px, for EXIF orientation 1–8."""
    w, h = raw_size
    return {
        1: (1, 0, 0, 0, 1, 0),
        2: (-1, 0, w, 0, 1, 0),  # mirrored left-right
        3: (-1, 0, w, 0, -1, h),  # upside down
        4: (1, 0, 0, 0, -1, h),  # mirrored top-bottom
        5: (0, 1, 0, 1, 0, 0),  # transposed
        6: (0, 1, 0, -1, 0, h),  # stored turned 90° anticlockwise: display turns it clockwise
        7: (0, -1, w, -1, 0, h),  # transversed
        8: (0, -1, w, 1, 0, 0),  # stored turned 90° clockwise
    }[orientation]
