"""The store as a `provenance.codes.CodeIndex`: what `/cek` looks codes and pictures up in when the web
app has a database (`StoreIndex(store)`); a kit without a server has its static index instead
(`provenance.codes.StaticIndex`). Filled by `netral register` from kit and batch folders."""

from __future__ import annotations

from ..provenance.codes import MAX_DISTANCE, CodeIndex, Registration
from .store import Store


class StoreIndex(CodeIndex):
    """`by_code` and `nearest` over a `Store`'s registrations table (SQLite or PostgreSQL)."""

    def __init__(self, store: Store):
        self.store = store

    def by_code(self, code: str) -> list[Registration]:
        return self.store.registrations_by_code(code)

    def nearest(self, phash: str, limit: int = 3, max_distance: int = MAX_DISTANCE) -> list[tuple[int, Registration]]:
        return self.store.nearest_registrations(phash, limit, max_distance)
