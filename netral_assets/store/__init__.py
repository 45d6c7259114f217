"""The store: what the web app remembers, in one database every replica shares -> participation
counts per agency, design, format, action and day, kit jobs (state, progress, the finished ZIP), and the
registrations of the short codes printed on published assets (issue 19: code, hashes, thumbnail).

`engines.py`: a URL -> an `Engine` (SQLite file in WAL mode, or in memory; PostgreSQL through psycopg 3).
`schema.py`: numbered migrations, applied on open under a lock, so replicas starting together agree.
`store.py`: `Store`, the only SQL the web app runs; `EventWriter` commits events in groups.
`index.py`: `StoreIndex(store)`, the store as a `provenance.codes.CodeIndex` (the short codes' registrations).
`throwaway.py`: a throwaway PostgreSQL cluster on a unix socket (tests and benchmarks).

Nothing personal is stored: no photo, address, cookie, user agent, and no time finer than the day in the
counts (kit jobs keep their times only to expire them, and are deleted 15 minutes after they finish).
"""

from .engines import Engine, open_engine
from .index import StoreIndex
from .schema import SCHEMA_VERSION
from .store import EventWriter, Store, open_store, today

__all__ = ["SCHEMA_VERSION", "Engine", "EventWriter", "Store", "StoreIndex", "open_engine", "open_store", "today"]
