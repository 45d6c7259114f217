"""Limits that keep the server serving: the framing pool's memory budget, per-client rate limits on the
expensive routes, and releasing memory to the system after a burst.

Everything here lives in memory only: nothing is written, and clients are told apart by a keyed hash
of their address that is never logged and is forgotten when their bucket refills.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import secrets
import threading
import time
from collections.abc import Callable


class Busy(Exception):
    """The server cannot take this work now (too many photos in the framing queue, or a full queue)."""


class TooLarge(Exception):
    """The work alone costs more than the whole budget."""


class MemoryBudget:
    """Bytes of memory shared by concurrent work: `reserve(cost)` waits until the cost fits, so the
    pool as a whole never holds more than `total` bytes of photos, whatever the number of cores; the
    number of photos decoded at once follows from their sizes (five 50 MP RGB photos fit in 1 GB, one
    progressive 80 MP JPEG and two small ones, ...). `on_idle` runs when the last reservation ends."""

    def __init__(self, total: int, on_idle: Callable[[], None] | None = None):
        self.total = total
        self.used = 0
        self.peak = 0  # the most reserved at once (tests, benchmarks)
        self._on_idle = on_idle
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def reserve(self, cost: int, timeout: float | None = None):
        """Hold `cost` bytes for the block; TooLarge if it can never fit, Busy after `timeout` s."""
        if cost > self.total:
            raise TooLarge
        with self._cond:
            if not self._cond.wait_for(lambda: self.used + cost <= self.total, timeout):
                raise Busy
            self.used += cost
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self._cond:
                self.used -= cost
                idle = self.used == 0
                self._cond.notify_all()
            if idle and self._on_idle is not None:
                self._on_idle()


def _libc_trim() -> Callable[[], None] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to release by hand
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


_trim = _libc_trim()


def release_memory() -> None:
    """Give freed heap memory back to the system (glibc keeps Pillow's freed 16 MB blocks in its arenas
    otherwise, and a server's RSS stays at its burst's peak)."""
    if _trim is not None:
        _trim()


class RateLimit:
    """Per-client token buckets: `rate` requests a second on average, bursts of `burst`. A client is
    a keyed hash of its address (the key is random per process; the address itself is never kept).
    At most `max_clients` buckets are kept; full buckets are forgotten first."""

    def __init__(self, rate: float, burst: int, max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._key = secrets.token_bytes(16)
        self._buckets: dict[bytes, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _client(self, address: str) -> bytes:
        return hashlib.blake2b(address.encode(), key=self._key, digest_size=12).digest()

    def allow(self, address: str) -> float:
        """0 if the client may go on (one token spent), else the seconds until it may."""
        now = self._clock()
        client = self._client(address)
        with self._lock:
            tokens, then = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1, now)
            if len(self._buckets) > self.max_clients:
                self._forget(now)
            return 0.0

    def _forget(self, now: float) -> None:
        full = [c for c, (t, then) in self._buckets.items() if t + (now - then) * self.rate >= self.burst]
        for client in full:
            del self._buckets[client]
        while len(self._buckets) > self.max_clients:  # all busy: the oldest go
            del self._buckets[min(self._buckets, key=lambda c: self._buckets[c][1])]

    def __len__(self) -> int:
        return len(self._buckets)
