"""Frames for the web: (design, agency, format) -> the rendered twibbon as PNG bytes with a strong ETag,
and as a decoded `framing.Frame` for server-side framing; design previews for the humas page.

Rendering runs on one dedicated thread: pdfium (which rasterizes every design) must never be called
from two threads at once, and a single renderer keeps WeasyPrint's font cache warm. Its queue is by
priority, so a visitor's frame is never stuck behind a kit or the humas page's previews.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from PIL import Image

from ..assets.poster import build_poster
from ..assets.twibbon import frame_image, load_frame
from ..caching import SingleFlight
from ..defaults import DECODED_FRAMES, FRAME_PNG_CACHE_BYTES, RENDER_QUEUE
from ..model.agencies import Agency, custom_agency
from ..model.designs import Design
from ..model.pack import Pack
from ..output.thumbnails import thumbnail
from ..output.writers import encode_image
from ..photo.frame import Frame
from .limits import Busy

# Frames are ~100–400 KB of PNG each (the cache keeps a few hundred agencies' frames warm); decoded
# frames cost ~15 MB each at story size, so only a few are kept (sizes in defaults.py).
PNG_CACHE_BYTES = FRAME_PNG_CACHE_BYTES
PREVIEW_WIDTH = 360
PREVIEW_BOX = (PREVIEW_WIDTH, PREVIEW_WIDTH * 2)
PREVIEW_TINT = (228, 234, 244)  # the page's light tint
PREVIEW_AGENCY = "Nama Instansi Anda"
PREVIEW_ADDRESS = "https://alamat-aplikasi.go.id"
# Link cards (1200×630, ~150 KB as PNG): the agencies being shared at the moment stay warm.
CARD_CACHE_BYTES = 48 * 1024 * 1024
CARD_MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}
HOME_CARD_AGENCY = "Semua Instansi Pemerintah"


def preview_format(design: Design) -> str:
    """The format a design's preview shows: feed for posters, the first one otherwise."""
    return "feed" if "feed" in design.formats else design.formats[0]


@dataclass(frozen=True)
class CachedImage:
    data: bytes = field(repr=False)
    media_type: str = "image/png"

    @property
    def etag(self) -> str:
        return f'"{hashlib.sha256(self.data).hexdigest()[:32]}"'


# Render priorities: a visitor waiting for a frame goes first, then kit files, then design previews.
FRAME, KIT, PREVIEW = 0, 1, 2


class Renderer:
    """The one thread that renders designs, taking the most urgent work first (see FRAME, KIT, PREVIEW).
    Renders a visitor can ask for without limit (frames with a person's name) are `bounded`: at most
    `max_waiting` of them wait at once, and one more raises `Busy` at once (the handler answers 503)."""

    def __init__(self, max_waiting: int = RENDER_QUEUE):
        self.max_waiting = max_waiting
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._order = itertools.count()
        self._waiting = 0  # bounded renders queued or running
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._work, name="netral-render", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            future, fn, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits the future
                    future.set_exception(exc)

    def submit(self, fn: Callable, *args, priority: int = FRAME, bounded: bool = False) -> Future:
        future: Future = Future()
        if bounded:
            with self._lock:
                if self._waiting >= self.max_waiting:
                    raise Busy
                self._waiting += 1
            future.add_done_callback(self._finished)
        self._queue.put((priority, next(self._order), (future, fn, args)))
        return future

    def _finished(self, _future: Future) -> None:
        with self._lock:
            self._waiting -= 1

    @property
    def waiting(self) -> int:
        return self._waiting

    async def run(self, fn: Callable, *args, priority: int = FRAME):
        return await asyncio.wrap_future(self.submit(fn, *args, priority=priority))

    def shutdown(self) -> None:
        self._queue.put((-1, -1, None))


class FrameStore:
    def __init__(self, pack: Pack, renderer: Renderer):
        self.pack = pack
        self.renderer = renderer
        self._png = SingleFlight(PNG_CACHE_BYTES, size=lambda c: len(c.data))
        self._frames = SingleFlight(max_items=DECODED_FRAMES)
        self._previews = SingleFlight(16 * 1024 * 1024, size=lambda c: len(c.data))
        self._cards = SingleFlight(CARD_CACHE_BYTES, size=lambda c: len(c.data))
        # Decoding a cached PNG needs no pdfium, so it stays off the render thread.
        self._decoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="netral-decode")
        self.renders = 0  # how many frames were rendered (the rest came from the cache)

    def _render_png(self, design: Design, agency: Agency, fmt: str, name: str, unit: str) -> CachedImage:
        self.renders += 1
        pack = self.pack.for_agency(agency)  # the province's and the agency's overrides, as in the kit
        if name:
            image = load_frame(pack, agency, design, fmt, name, unit or None).image
        else:
            image = frame_image(pack, agency, design, fmt)
        return CachedImage(encode_image(image, ".png"))

    def png_future(self, design: Design, agency: Agency, fmt: str, name: str = "", unit: str = "") -> Future:
        key = (design.name, agency.slug, fmt, name, unit)
        return self._png.get_or_start(
            key, lambda: self.renderer.submit(self._render_png, design, agency, fmt, name, unit, bounded=bool(name)))

    async def png(self, design: Design, agency: Agency, fmt: str, name: str = "", unit: str = "") -> CachedImage:
        """The frame as PNG; `name` and `unit` fill the design's name slot (designs that have one)."""
        return await asyncio.wrap_future(self.png_future(design, agency, fmt, name, unit))

    async def frame(self, design: Design, agency: Agency, fmt: str, name: str = "", unit: str = "") -> Frame:
        """The decoded frame for `framing.frame_photo` (from the PNG cache when it is there)."""
        cached = await self.png(design, agency, fmt, name, unit)

        def decode() -> Frame:
            with Image.open(io.BytesIO(cached.data)) as image:
                rgba = image.convert("RGBA")
            return Frame(rgba, design.window(fmt), design.name, fmt)

        key = (design.name, agency.slug, fmt, name, unit)
        future = self._frames.get_or_start(key, lambda: self._decoder.submit(decode))
        return await asyncio.wrap_future(future)

    def _render_card(self, agency: Agency | None, ext: str) -> CachedImage:
        from ..assets.card import build_card

        self.renders += 1
        who = agency or custom_agency(HOME_CARD_AGENCY)
        return CachedImage(build_card(self.pack.for_agency(who), who, ext=ext).data, CARD_MEDIA_TYPES[ext])

    def card_future(self, agency: Agency | None, ext: str = ".png") -> Future:
        key = (agency.slug if agency else "", ext)
        return self._cards.get_or_start(key, lambda: self.renderer.submit(self._render_card, agency, ext, priority=KIT))

    async def card(self, agency: Agency | None, ext: str = ".png") -> CachedImage:
        """The agency's link card (assets/card.py), or the home page's card for no agency."""
        return await asyncio.wrap_future(self.card_future(agency, ext))

    def _render_preview(self, design: Design, fmt: str) -> CachedImage:
        # Made the way the kit makes the file, for a placeholder agency, then shrunk.
        agency = custom_agency(PREVIEW_AGENCY)
        if design.kind == "twibbon":
            # The window shows as the page's light tint instead of a checkerboard.
            made = thumbnail(None, ".png", PREVIEW_BOX, image=frame_image(self.pack, agency, design, fmt),
                             background=PREVIEW_TINT)
        elif design.kind == "poster":
            # A design that prints the page's address shows a placeholder one in its preview.
            extra = {"public_url": PREVIEW_ADDRESS} if design.meta.get("requires") == "public_url" else None
            asset = build_poster(self.pack, agency, design.name, fmt, ".png", extra=extra)
            made = thumbnail(asset.data, ".png", PREVIEW_BOX, background=(255, 255, 255))
        else:
            from ..assets.leaflet import build_leaflet

            made = thumbnail(build_leaflet(self.pack, agency, design.name).data, ".pdf", PREVIEW_BOX)
        return CachedImage(*made)

    async def preview(self, design: Design, fmt: str) -> CachedImage:
        key = (design.kind, design.name, fmt)
        future = self._previews.get_or_start(
            key, lambda: self.renderer.submit(self._render_preview, design, fmt, priority=PREVIEW))
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._decoder.shutdown(wait=False, cancel_futures=True)

