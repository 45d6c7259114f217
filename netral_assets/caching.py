"""Bounded in-memory caches: the one place the package keeps finished work for reuse.

Every cache is bounded (by a count, or by bytes through `getsizeof`), so a long-running server whose
keys come from users (names, uploads) holds a known amount of memory. Built on cachetools' `LRUCache`
(well kept, MIT) rather than a hand-written ordered dict:

- `Kept`: thread-safe get/put with hit and miss counts, for work done synchronously (agency layers,
  leaflet bodies, logo sets, layered bodies with their pixel tiers by subclassing `evicted`).
- `SingleFlight`: for the web app's thread pool, where concurrent misses for one key must share one
  computation (a `Future`) instead of rendering the same frame N times.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from cachetools import LRUCache


class _LRU(LRUCache):
    """An LRUCache that tells its owner what it evicts (cachetools' documented hook is `popitem`)."""

    def __init__(self, maxsize, getsizeof, on_evict):
        super().__init__(maxsize, getsizeof)
        self._on_evict = on_evict

    def popitem(self):
        key, value = super().popitem()
        self._on_evict(key, value)
        return key, value


class Kept:
    """Finished work kept by key, least recently used dropped first; thread-safe, counting hits and
    misses. `limit` counts entries, or bytes when `getsizeof` is given (a value larger than the whole
    limit is not kept). None is never a kept value: `get` returns it for a miss."""

    def __init__(self, limit: int, getsizeof: Callable | None = None):
        self.limit = limit
        self.lock = threading.RLock()
        self.items = _LRU(limit, getsizeof, self.evicted)
        self.hits = self.misses = 0

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
            return value

    def put(self, key, value) -> None:
        with self.lock:
            if key in self.items:
                return
            try:
                self.items[key] = value
            except ValueError:  # larger than the whole cache: not kept
                pass

    def evicted(self, key, value) -> None:
        """Called (under the lock) for each entry dropped to make room; for subclasses."""

    @property
    def size(self) -> int:
        """What the entries weigh: bytes with `getsizeof`, else their count."""
        return int(self.items.currsize)

    def clear(self) -> None:
        with self.lock:
            while self.items:
                self.items.popitem()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self.items)


class SingleFlight:
    """A bounded LRU of finished results with single-flight: concurrent misses for one key share one
    `Future`. `max_bytes` bounds the results by `size(value)`; `max_items` by their count."""

    def __init__(self, max_bytes: int | None = None, max_items: int | None = None, size: Callable = len):
        if max_items is not None:
            self._items: LRUCache = LRUCache(max_items)
        else:
            self._items = LRUCache(max_bytes, getsizeof=size)
        self._pending: dict = {}
        self._lock = threading.Lock()

    def get_or_start(self, key, start: Callable[[], Future]) -> Future:
        """The finished result for `key` (as a done Future), the computation already running for it,
        or a new one from `start()`; its result is kept when it succeeds."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                done: Future = Future()
                done.set_result(value)
                return done
            if key in self._pending:
                return self._pending[key]
            future = start()
            self._pending[key] = future

        def store(f: Future) -> None:
            with self._lock:
                self._pending.pop(key, None)
                if f.cancelled() or f.exception() is not None:
                    return
                try:
                    self._items[key] = f.result()
                except ValueError:  # larger than the whole cache: served, not kept
                    pass

        future.add_done_callback(store)
        return future

    def __len__(self) -> int:
        return len(self._items)
