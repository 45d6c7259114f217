"""--auto: an upright photo -> the largest frontal face in it -> the zoom and offset that put that face
near the window's centre with the window still covered. Needs the optional `face` extra (OpenCV).
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from pathlib import Path

from PIL import Image

from ..errors import NetralError
from ..model.designs import Window
from .decode import flatten
from .placement import Placement, cover_scale

FACE_EXTRA = "pip install 'netral-assets[face]'"
# The face's width as a fraction of the window's width (head and shoulders in a round window),
# and where the face's centre sits (fraction of the window height above the centre).
FACE_WIDTH = 0.42
FACE_LIFT = 0.06
AUTO_MAX_ZOOM = 3.0
# The long sides (px) detection runs at, in turn, until a face is found.
DETECT_SIDES = (640, 1000)


@cache
def _face_detector():
    try:
        import cv2
    except ImportError:
        raise NetralError(f"--auto butuh pendeteksi wajah yang belum terpasang. Pasang dengan: {FACE_EXTRA}") from None
    cascade = Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(str(cascade))
    if detector.empty():
        raise NetralError(f"Model wajah OpenCV tidak ditemukan di {cascade}. Pasang ulang: {FACE_EXTRA}")
    return cv2, detector


def find_face(image: Image.Image) -> tuple[float, float, float, float] | None:
    """The largest frontal face in an upright `image` as (x, y, width, height) in its px, or None.

    Detection runs on a reduced copy (faster, and the cascade's window sizes suit ~640 px); a face
    the cascade misses there (it is sensitive to the reduction's scale) is looked for once more at
    ~1000 px before the photo is said to have none."""
    import numpy as np

    cv2, detector = _face_detector()
    grey = image.convert("L")
    tried = set()
    for side in DETECT_SIDES:
        shrink = max(1, math.ceil(max(grey.size) / side))
        if shrink in tried:
            continue
        tried.add(shrink)
        small = grey.reduce(shrink) if shrink > 1 else grey
        faces = detector.detectMultiScale(
            cv2.equalizeHist(np.asarray(small)),
            scaleFactor=1.1,
            minNeighbors=5,
            minSize=(max(24, min(small.size) // 12),) * 2,
        )
        if len(faces):
            x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
            return (float(x * shrink), float(y * shrink), float(w * shrink), float(h * shrink))
    return None


# The transposition that shows a stored image upright, per EXIF orientation. The same table as inside
# ImageOps.exif_transpose, which Pillow does not export and which reads the orientation from the image's
# own EXIF: here it turns a reduced, flattened copy whose orientation is already known.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def auto_placement(image, orientation: int, factor: int, photo_size, window: Window, placement: Placement) -> Placement:
    """Zoom and offset that put the largest face near the window's centre, photo still covering it."""
    _face_detector()  # the message about the missing extra comes before any decoding
    image.load()
    upright = flatten(image)
    shrink = max(1, max(upright.size) // 1280)
    if shrink > 1:
        upright = upright.reduce(shrink)
    if orientation in _UPRIGHT:
        upright = upright.transpose(_UPRIGHT[orientation])
    face = find_face(upright)
    if face is None:
        return replace(placement, auto=False)
    # upright decoded px -> oriented photo px
    k = factor * shrink
    x, y, w, _ = (v * k for v in face)
    fx, fy = x + w / 2, y + face[3] * k / 2
    cover = cover_scale(photo_size, window, placement.rotate)
    zoom = min(AUTO_MAX_ZOOM, max(1.0, FACE_WIDTH * window.width / (w * cover)))
    s = zoom * cover
    t = math.radians(placement.rotate)
    cos, sin = math.cos(t), math.sin(t)
    # The face's centre a little above the window's centre, then moved the least to keep the window covered.
    target = (window.center[0], window.center[1] - FACE_LIFT * window.height)
    dx, dy = fx - photo_size[0] / 2, fy - photo_size[1] / 2
    centre = (target[0] - s * (cos * dx - sin * dy), target[1] - s * (sin * dx + cos * dy))
    centre = _clamp_cover(centre, photo_size, window, s, t)
    offset = ((centre[0] - window.center[0]) / window.width, (centre[1] - window.center[1]) / window.height)
    return Placement(zoom=round(zoom, 4), offset=(round(offset[0], 4), round(offset[1], 4)), rotate=placement.rotate, auto=True)


def _clamp_cover(centre, photo_size, window: Window, s: float, t: float) -> tuple[float, float]:
    """Move the photo's centre the least so that the window box stays inside the rotated photo."""
    cos, sin = math.cos(t), math.sin(t)
    pw, ph = photo_size
    # The window box's corners in photo px relative to the photo's centre: R(-t) (q - C) / s.
    xs, ys = [], []
    for qx in (window.x, window.x + window.width):
        for qy in (window.y, window.y + window.height):
            rx, ry = qx - centre[0], qy - centre[1]
            xs.append((cos * rx + sin * ry) / s)
            ys.append((-sin * rx + cos * ry) / s)
    shift_x = max(0.0, -pw / 2 - min(xs)) - max(0.0, max(xs) - pw / 2)
    shift_y = max(0.0, -ph / 2 - min(ys)) - max(0.0, max(ys) - ph / 2)
    # Moving the window by (shift) in photo px is moving the photo by -s R(t) (shift) on the output.
    return (centre[0] - s * (cos * shift_x - sin * shift_y), centre[1] - s * (sin * shift_x + cos * shift_y))
