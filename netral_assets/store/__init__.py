"""The store: what the web app remembers, in one database every replica shares -> participation
counts per agency, design, format, action and day, and kit jobs (state, progress, the finished ZIP).

`engines.py`: a URL -> an `Engine` (SQLite file in WAL mode, or in memory; PostgreSQL through psycopg 3).
`schema.py`: numbered migrations, applied on open under a lock, so replicas starting together agree.
`store.py`: `Store`, the only SQL the web app runs; `EventWriter` commits events in groups.
`throwaway.py`: a throwaway PostgreSQL cluster on a unix socket (tests and benchmarks).

Nothing personal is stored: no photo, address, cookie, user agent, and no time finer than the day in the
counts (kit jobs keep their times only to expire them, and are deleted 15 minutes after they finish).
"""

from .engines import Engine, open_engine
from .schema import SCHEMA_VERSION
from .store import EventWriter, Store, open_store, today

__all__ = ["SCHEMA_VERSION", "Engine", "EventWriter", "Store", "open_engine", "open_store", "today"]
