"""`Store`: every query the web app runs, over one `Engine`. Participation counts (added in groups by
`EventWriter`, read as totals, by province, agency and day) and kit jobs (created under a cap shared by
every replica, progress, the finished ZIP, failure of jobs whose builder stopped, expiry).
"""

from __future__ import annotations

import datetime as dt
import json
import queue
import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass

from .engines import Engine, open_engine
from .schema import migrate

# Days are counted in Western Indonesian Time, the campaign's clock, whatever the server's zone.
WIB = dt.timezone(dt.timedelta(hours=7), "WIB")
FRAME_ACTIONS = ("download", "share")  # a framed picture made: what the pages count
ACTIONS = (*FRAME_ACTIONS, "kit")
WRITER_BATCH = 500  # events committed together at most


def today() -> str:
    return dt.datetime.now(WIB).date().isoformat()


@dataclass(frozen=True)
class Event:
    agency: str
    province: str
    design: str
    format: str
    action: str
    day: str

    def key(self) -> tuple:
        return (self.agency, self.province, self.design, self.format, self.action, self.day)


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        try:
            self.version = migrate(engine)
        except BaseException:
            engine.close()
            raise

    def close(self) -> None:
        self.engine.close()

    def ping(self) -> bool:
        with self.engine.transaction(write=False) as tx:
            return tx.execute("SELECT 1")[0][0] == 1

    # -- participation ----------------------------------------------------------------------------

    def add_events(self, events: Iterable[Event]) -> int:
        """Count events in one transaction (same key -> one upsert); returns how many."""
        counts: dict[tuple, int] = {}
        for event in events:
            counts[event.key()] = counts.get(event.key(), 0) + 1
        rows = [(*key, n) for key, n in sorted(counts.items())]  # a fixed order: no deadlocks between replicas
        with self.engine.transaction() as tx:
            tx.executemany(
                "INSERT INTO participation (agency, province, design, format, action, day, count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agency, design, format, action, day) "
                "DO UPDATE SET count = participation.count + excluded.count", rows)
        return sum(counts.values())

    @staticmethod
    def _where(agency=None, province=None, start=None, end=None, actions=None) -> tuple[str, list]:
        clauses, params = [], []
        for column, value in (("agency", agency), ("province", province)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if start:
            clauses.append("day >= ?")
            params.append(start)
        if end:
            clauses.append("day <= ?")
            params.append(end)
        if actions:
            clauses.append(f"action IN ({', '.join('?' * len(actions))})")
            params.extend(actions)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _grouped(self, columns: str, **filters) -> list[tuple]:
        where, params = self._where(**filters)
        with self.engine.transaction(write=False) as tx:
            return tx.execute(f"SELECT {columns}, SUM(count) FROM participation{where} "
                              f"GROUP BY {columns} ORDER BY {columns}", params)

    def agency_frames(self, slug: str) -> int:
        """Framed pictures made for one agency, ever (the agency page's figure)."""
        where, params = self._where(agency=slug, actions=FRAME_ACTIONS)
        with self.engine.transaction(write=False) as tx:
            return int(tx.execute(f"SELECT COALESCE(SUM(count), 0) FROM participation{where}", params)[0][0])

    def by_action(self, **filters) -> dict[str, int]:
        return {action: int(n) for action, n in self._grouped("action", **filters)}

    def by_day(self, **filters) -> dict[str, int]:
        return {day: int(n) for day, n in self._grouped("day", **filters)}

    def by_province(self, **filters) -> dict[str, int]:
        return {province: int(n) for province, n in self._grouped("province", **filters)}

    def by_agency(self, **filters) -> dict[str, int]:
        return {agency: int(n) for agency, n in self._grouped("agency", **filters)}

    def rows(self, **filters) -> list[tuple]:
        """Every count row (day, province, agency, design, format, action, count), for the CSV."""
        where, params = self._where(**filters)
        with self.engine.transaction(write=False) as tx:
            return tx.execute("SELECT day, province, agency, design, format, action, count FROM participation"
                              f"{where} ORDER BY day, province, agency, design, format, action", params)

    # -- kit jobs ---------------------------------------------------------------------------------

    _JOB_COLUMNS = ("id, state, step, file, done, total, error, agency, files, zip_name, zip_bytes, created, "
                    "heartbeat, finished, fetched")

    def kit_create(self, job_id: str, agency: dict, zip_name: str, now: float, *, max_active: int,
                   grace: float) -> bool:
        """Insert a queued job unless `max_active` jobs already hold a place (building, waiting, or
        finished within `grace` and not yet fetched), counted across every replica; False if full."""
        with self.engine.transaction() as tx:
            if self.engine.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(?)", (0x6B697473,))  # "kits": one count at a time
            active = tx.execute(
                "SELECT COUNT(*) FROM kit_jobs WHERE finished IS NULL "
                "OR (state = 'done' AND fetched = 0 AND finished >= ?)", (now - grace,))[0][0]
            if active >= max_active:
                return False
            tx.execute("INSERT INTO kit_jobs (id, state, agency, zip_name, created, heartbeat) "
                       "VALUES (?, 'queued', ?, ?, ?, ?)", (job_id, json.dumps(agency), zip_name, now, now))
        return True

    def kit_active(self, now: float, grace: float) -> int:
        with self.engine.transaction(write=False) as tx:
            return tx.execute("SELECT COUNT(*) FROM kit_jobs WHERE finished IS NULL "
                              "OR (state = 'done' AND fetched = 0 AND finished >= ?)", (now - grace,))[0][0]

    def kit_progress(self, job_id: str, now: float, **fields) -> None:
        """Update state, step, file, done, total (any of them) and the heartbeat."""
        names = [n for n in ("state", "step", "file", "done", "total") if n in fields]
        sets = "".join(f", {n} = ?" for n in names)
        with self.engine.transaction() as tx:
            tx.execute(f"UPDATE kit_jobs SET heartbeat = ?{sets} WHERE id = ? AND finished IS NULL",
                       (now, *(fields[n] for n in names), job_id))

    def kit_heartbeat(self, job_ids: list[str], now: float) -> None:
        if not job_ids:
            return
        with self.engine.transaction() as tx:
            tx.execute(f"UPDATE kit_jobs SET heartbeat = ? WHERE finished IS NULL AND id IN "
                       f"({', '.join('?' * len(job_ids))})", (now, *job_ids))

    def kit_done(self, job_id: str, now: float, zip_data: bytes, files: list[dict], total: int) -> None:
        with self.engine.transaction() as tx:
            tx.execute("INSERT INTO kit_zips (job, data) VALUES (?, ?)", (job_id, zip_data))
            tx.execute("UPDATE kit_jobs SET state = 'done', step = 'zip', file = '', done = ?, total = ?, "
                       "files = ?, zip_bytes = ?, finished = ?, heartbeat = ? WHERE id = ?",
                       (total, total, json.dumps(files), len(zip_data), now, now, job_id))

    def kit_failed(self, job_id: str, now: float, error: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE kit_jobs SET state = 'failed', error = ?, finished = ? WHERE id = ? "
                       "AND finished IS NULL", (error, now, job_id))

    def kit_fail_stale(self, now: float, stale: float, error: str) -> int:
        """Jobs whose builder stopped beating (its replica crashed or was killed) -> failed."""
        with self.engine.transaction() as tx:
            rows = tx.execute("SELECT id FROM kit_jobs WHERE finished IS NULL AND heartbeat < ?", (now - stale,))
            for (job_id,) in rows:
                tx.execute("UPDATE kit_jobs SET state = 'failed', error = ?, finished = ? WHERE id = ? "
                           "AND finished IS NULL", (error, now, job_id))
        return len(rows)

    def kit_expire(self, now: float, ttl: float, max_bytes: int) -> int:
        """Delete jobs finished more than `ttl` seconds ago, then the oldest finished ones while their
        ZIPs together exceed `max_bytes`."""
        with self.engine.transaction() as tx:
            old = [r[0] for r in tx.execute("SELECT id FROM kit_jobs WHERE finished < ?", (now - ttl,))]
            kept = tx.execute("SELECT id, zip_bytes FROM kit_jobs WHERE finished >= ? ORDER BY finished, id",
                              (now - ttl,))
            total = sum(n for _, n in kept)
            for job_id, size in kept:
                if total <= max_bytes:
                    break
                old.append(job_id)
                total -= size
            for job_id in old:
                tx.execute("DELETE FROM kit_zips WHERE job = ?", (job_id,))
                tx.execute("DELETE FROM kit_jobs WHERE id = ?", (job_id,))
        return len(old)

    def kit_get(self, job_id: str) -> dict | None:
        with self.engine.transaction(write=False) as tx:
            rows = tx.execute(f"SELECT {self._JOB_COLUMNS} FROM kit_jobs WHERE id = ?", (job_id,))
        if not rows:
            return None
        row = dict(zip([c.strip() for c in self._JOB_COLUMNS.split(",")], rows[0], strict=True))
        row["agency"] = json.loads(row["agency"])
        row["files"] = json.loads(row["files"])
        row["fetched"] = bool(row["fetched"])
        return row

    def kit_zip(self, job_id: str) -> bytes | None:
        with self.engine.transaction(write=False) as tx:
            rows = tx.execute("SELECT data FROM kit_zips WHERE job = ?", (job_id,))
        return bytes(rows[0][0]) if rows else None

    def kit_fetched(self, job_id: str) -> None:
        with self.engine.transaction() as tx:
            tx.execute("UPDATE kit_jobs SET fetched = 1 WHERE id = ?", (job_id,))

    def kit_states(self) -> dict[str, int]:
        with self.engine.transaction(write=False) as tx:
            return {state: int(n) for state, n in tx.execute("SELECT state, COUNT(*) FROM kit_jobs GROUP BY state")}


    # -- registrations of the short codes (issue 19) ------------------------------------------------

    _REG_COLUMNS = ("sha256, code, agency, agency_code, kind, design, format, file, phash, issued, issuer, signed, "
                    "sources, thumbnail")

    def register(self, registrations) -> int:
        """Add registrations (provenance.codes.Registration) in one transaction; a file already
        registered (same sha256) keeps its first record. Returns how many were new."""
        rows = [(r.sha256, r.code, r.agency, r.agency_code, r.kind, r.design, r.format, r.file, r.phash.lower(),
                 r.issued, r.issuer, 1 if r.signed else 0, json.dumps(list(r.sources), ensure_ascii=False),
                 r.thumbnail) for r in registrations]
        rows.sort()  # a fixed order: no deadlocks between replicas
        with self.engine.transaction() as tx:
            before = tx.execute("SELECT COUNT(*) FROM registrations")[0][0]
            tx.executemany(f"INSERT INTO registrations ({self._REG_COLUMNS}) VALUES "
                           f"({', '.join('?' * 14)}) ON CONFLICT (sha256) DO NOTHING", rows)
            after = tx.execute("SELECT COUNT(*) FROM registrations")[0][0]
        return int(after) - int(before)

    def registrations_by_code(self, code: str) -> list:
        """The registrations of a code (as typed or read from a QR: normalised first), by file."""
        from ..provenance.codes import normalize_code

        normal = normalize_code(code)
        if normal is None:
            return []
        with self.engine.transaction(write=False) as tx:
            rows = tx.execute(f"SELECT {self._REG_COLUMNS} FROM registrations WHERE code = ? ORDER BY format, file, "
                              "sha256", (normal,))
        return [_registration(row) for row in rows]

    def nearest_registrations(self, phash: str, limit: int = 3, max_distance: int | None = None) -> list[tuple]:
        """The registrations nearest to a perceptual hash, (distance, Registration), nearest first (then
        by code, format and file), at most `limit`, none farther than `max_distance`
        (provenance.codes.MAX_DISTANCE by default). The distance is computed in the database."""
        from ..provenance.codes import MAX_DISTANCE, hash_distance

        max_distance = MAX_DISTANCE if max_distance is None else max_distance
        try:
            hash_distance(phash, phash)
        except (TypeError, ValueError):
            return []
        if len(phash) != 16 or limit <= 0:
            return []
        distance = self.engine.hamming.format(column="phash")
        with self.engine.transaction(write=False) as tx:
            rows = tx.execute(f"SELECT * FROM (SELECT {distance} AS distance, {self._REG_COLUMNS} FROM registrations) "
                              "AS scored WHERE distance <= ? ORDER BY distance, code, format, file LIMIT ?",
                              (phash.lower(), max_distance, limit))
        return [(int(row[0]), _registration(row[1:])) for row in rows]

    def registration_count(self) -> int:
        with self.engine.transaction(write=False) as tx:
            return int(tx.execute("SELECT COUNT(*) FROM registrations")[0][0])


def _registration(row):
    from ..provenance.codes import Registration

    (sha256, code, agency, agency_code, kind, design, fmt, file, phash, issued, issuer, signed, sources,
     thumbnail) = row
    return Registration(code=code, agency=agency, agency_code=agency_code, kind=kind, design=design, format=fmt,
                        file=file, sha256=sha256, phash=phash, issued=issued, issuer=issuer, signed=bool(signed),
                        sources=tuple(json.loads(sources)), thumbnail=bytes(thumbnail))


class EventWriter:
    """Events counted in groups: `submit` queues one and returns a Future that is resolved when its
    transaction has committed, so an answered request is a counted event, and a burst of many clients
    costs one commit per batch instead of one each."""

    def __init__(self, store: Store, batch: int = WRITER_BATCH):
        self.store = store
        self.batch = batch
        self.written = 0
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="netral-events", daemon=True)
        self._thread.start()

    def submit(self, event: Event) -> Future:
        future: Future = Future()
        self._queue.put((event, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            items = [item]
            while len(items) < self.batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                items.append(more)
            try:
                self.store.add_events(event for event, _ in items)
                self.written += len(items)
            except Exception as exc:  # noqa: BLE001 - every waiting request hears about it
                for _, future in items:
                    future.set_exception(exc)
                continue
            for _, future in items:
                future.set_result(None)


def open_store(url: str | None) -> Store:
    """URL -> a migrated Store (see engines.py for the URLs)."""
    return Store(open_engine(url))
