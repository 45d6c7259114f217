"""What the web handlers share: the pack, the registry (looked up by exact slug only), the frame
store, the database store (participation counts, kit jobs, registered codes), the kit jobs, the photo
limits, the issuing identity that signs the kits made here and the trust list `/cek` checks against.
Built once by `create_app`.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import hashes

from ..defaults import (
    FRAMING_MEMORY_BYTES,
    FRAMING_QUEUE,
    RATE_FRAMING,
    RATE_KITS,
    RATE_PERSONAL_FRAMES,
    RENDER_QUEUE,
)
from ..model.agencies import Agency, Registry
from ..model.designs import Design, list_designs
from ..model.pack import Pack
from ..photo.decode import Limits
from ..provenance.verify import load_trust
from ..store import EventWriter, Store, open_store
from ..store.store import Event
from .frames import FrameStore, Renderer
from .kits import KitJobs, kit_event
from .limits import Busy, MemoryBudget, RateLimit, release_memory
from .links import base_url
from .metrics import Metrics

__all__ = ["Busy", "WebState"]

# Participation events: a person makes a few pictures, not hundreds (the store keeps counts, never who).
RATE_EVENTS = (2.0, 30)
RATE_LOGIN = (0.2, 5)  # the dashboard's login form: a token is not guessed at 1 try in 5 s
# /cek and POST /api/v1/verify: a person checks a few pictures; each upload is decoded like a photo.
RATE_VERIFY = (0.5, 15)
# The humas page's message previews: one per pause in typing (debounced), each a poster render.
RATE_MESSAGES = (2.0, 30)
RATES = {"framing": RATE_FRAMING, "personal": RATE_PERSONAL_FRAMES, "kits": RATE_KITS, "events": RATE_EVENTS,
         "login": RATE_LOGIN, "verify": RATE_VERIFY, "messages": RATE_MESSAGES}


@dataclass
class WebState:
    pack: Pack
    registry: Registry
    limits: Limits
    # Server-side framing (POST /api/v1/frame): at most `framing_queue` photos wait or run at once, and
    # those running share `framing_memory` bytes (defaults.py), whatever the number of cores.
    framing_memory: int = FRAMING_MEMORY_BYTES
    framing_queue: int = FRAMING_QUEUE
    render_queue: int = RENDER_QUEUE
    rates: dict = field(default_factory=dict)  # route -> (per second, burst), over RATES
    kit_jobs: dict = field(default_factory=dict)  # KitJobs' limits, for tests
    # The address the world reaches the app at (links.py); None: each request's own host.
    public_url: str | None = None
    # The store: a Store, or its URL (None: SQLite in memory, this process only).
    database: Store | str | None = None
    # The dashboard's token (None or "": no dashboard).
    admin_token: str | None = None
    # The issuing identity (`netral identity init|import`): a folder, or a loaded provenance Identity;
    # None: kits made here are not signed. Its key stays in memory, never in a log or a response.
    identity: object = field(default=None, repr=False)
    # Extra trusted roots for /cek (PEM files or identity folders), over the campaign's brand/trust/.
    trust: tuple = ()
    store: Store = field(init=False)
    events: EventWriter = field(init=False, repr=False)
    metrics: Metrics = field(init=False, repr=False)
    renderer: Renderer = field(init=False)
    frames: FrameStore = field(init=False)
    jobs: KitJobs = field(init=False)
    by_slug: dict[str, Agency] = field(init=False, repr=False)
    by_code: dict[str, Agency] = field(init=False, repr=False)
    framer: ThreadPoolExecutor = field(init=False, repr=False)
    budget: MemoryBudget = field(init=False, repr=False)
    limiters: dict[str, RateLimit] = field(init=False, repr=False)
    signer: object = field(init=False, repr=False)  # the loaded Identity, or None
    trust_roots: list = field(init=False, repr=False)
    _framing_now: int = 0
    _framing_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.signer = _load_identity(self.identity)
        self.trust_roots = load_trust(list(self.trust), pack=self.pack)
        if self.signer is not None:  # what this server signs, it trusts (its own root, if nobody listed it)
            known = {c.fingerprint(hashes.SHA256()) for c in self.trust_roots}
            self.trust_roots += [c for c in self.signer.roots if c.fingerprint(hashes.SHA256()) not in known]
        self.store = self.database if isinstance(self.database, Store) else open_store(self.database)
        self.events = EventWriter(self.store)
        self.metrics = Metrics()
        self.renderer = Renderer(max_waiting=self.render_queue)
        self.frames = FrameStore(self.pack, self.renderer)
        self.jobs = KitJobs(self.pack, self.renderer, store=self.store, on_done=self.count_kit, **self.kit_jobs)
        self.by_slug = {a.slug: a for a in self.registry}
        self.by_code = {a.code: a for a in self.registry if a.code}
        # Threads only wait on the budget; how many photos decode at once follows from their sizes.
        workers = min(self.framing_queue, max(2, os.cpu_count() or 2))
        self.framer = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netral-frame")
        self.budget = MemoryBudget(self.framing_memory, on_idle=release_memory)
        self.limiters = {name: RateLimit(rate, burst) for name, (rate, burst) in {**RATES, **self.rates}.items()}

    @property
    def codes(self):
        """Where /cek finds registered originals: the store's registrations (`CodeIndex`)."""
        from ..store import StoreIndex

        return StoreIndex(self.store)

    def register(self, registrations) -> int:
        """Add registrations (a kit made here, or the static indexes of `netral serve --index`) to the store."""
        return self.store.register(list(registrations))

    def agency(self, slug: str | None) -> Agency | None:
        return self.by_slug.get(slug or "")

    def base_url(self, request) -> str:
        """Absolute links start here: the public URL, else the request's own scheme and host."""
        return base_url(self.public_url, request)

    def designs(self, kind: str) -> dict[str, Design]:
        return {d.name: d for d in list_designs(self.pack, kind)}

    def twibbon(self, name: str | None) -> Design | None:
        designs = self.designs("twibbon")
        if not name:
            return next(iter(designs.values()), None)
        return designs.get(name)

    def framing_slot(self):
        state = self

        class _Slot:
            def __enter__(self):
                with state._framing_lock:
                    if state._framing_now >= state.framing_queue:
                        raise Busy
                    state._framing_now += 1

            def __exit__(self, *exc):
                with state._framing_lock:
                    state._framing_now -= 1

        return _Slot()

    def warm_up(self) -> None:
        design = self.twibbon(None)
        agency = next(iter(self.registry), None)
        if design is not None and agency is not None:
            self.frames.png_future(design, agency, "square")

    def count_kit(self, request) -> None:
        """A finished kit (page or API) is counted as participation; a failing count never fails the kit."""
        self.events.submit(kit_event(request.agency))

    def event(self, agency: Agency, design: str, fmt: str, action: str, day: str) -> Event:
        return Event(agency.slug, agency.province or "", design, fmt, action, day)

    def shutdown(self) -> None:
        self.jobs.shutdown()
        self.events.close()
        self.renderer.shutdown()
        self.frames.shutdown()
        self.framer.shutdown(wait=False, cancel_futures=True)


def _load_identity(identity):
    """A folder -> the loaded Identity (refused with one Indonesian line if its key or certificate is
    bad); an Identity as it is; None."""
    if identity is None or identity == "":
        return None
    if isinstance(identity, (str, Path)):
        from ..provenance import load_identity

        return load_identity(identity)
    return identity
