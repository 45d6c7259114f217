"""Photos framed at the same time on threads, as the web app does (`web/state.py`: a thread pool):
Pillow's process-global LOAD_TRUNCATED_IMAGES is never written, every cut-off photo is refused and
every whole one framed, whatever the other threads are doing.

Imports only names that also existed before the photo package was split, so this file can be run
against the old code to show it fails there."""

from __future__ import annotations

import io
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from PIL import Image, ImageDraw, ImageFile

from netral_assets.assets.twibbon import load_frame
from netral_assets.errors import NetralError
from netral_assets.photo.frame import frame_photo

ROUNDS = 240
THREADS = 8


def _photo(fmt: str) -> bytes:
    image = Image.new("RGB", (320, 240), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    for x in range(0, 320, 9):
        draw.line((x, 0, 320 - x, 240), fill=(x % 250, 60, 200), width=2)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


class _Watched(types.ModuleType):
    """PIL.ImageFile with every write of LOAD_TRUNCATED_IMAGES recorded (module attribute writes
    from other modules go through the module's class)."""

    writes: list = []

    def __setattr__(self, name, value):
        if name == "LOAD_TRUNCATED_IMAGES":
            _Watched.writes.append((threading.current_thread().name, value))
        super().__setattr__(name, value)


@contextmanager
def watched_imagefile():
    _Watched.writes = []
    ImageFile.__class__ = _Watched
    try:
        yield _Watched.writes
    finally:
        ImageFile.__class__ = types.ModuleType


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_concurrent_framing_never_writes_pillows_global_and_refuses_every_cut_off_photo(
    pack, sleman, fmt
):
    frame = load_frame(pack, sleman, "bundar", "square")  # imports WeasyPrint, which sets the flag once
    whole = _photo(fmt)
    cut = whole[: len(whole) // 2]
    before = ImageFile.LOAD_TRUNCATED_IMAGES  # True here: WeasyPrint sets it when imported
    seen = set()
    start = threading.Barrier(THREADS)

    def attempt(i: int) -> tuple[int, str]:
        if i < THREADS:
            start.wait()  # all threads begin together
        seen.add(ImageFile.LOAD_TRUNCATED_IMAGES)
        try:
            frame_photo(cut if i % 2 else whole, frame, name=f"foto-{i}")
        except NetralError as exc:
            return i, str(exc)
        finally:
            seen.add(ImageFile.LOAD_TRUNCATED_IMAGES)
        return i, ""

    with watched_imagefile() as writes, ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(attempt, range(ROUNDS)))

    assert writes == [], "Pillow's process-global flag was written while framing"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is before and seen == {before}
    accepted_cut = [i for i, error in results if i % 2 and not error]
    refused_whole = [(i, error) for i, error in results if not i % 2 and error]
    assert accepted_cut == [] and refused_whole == []
    assert all("terpotong atau tidak lengkap" in error for i, error in results if i % 2)
