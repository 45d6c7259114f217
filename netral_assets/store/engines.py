"""A database URL -> an `Engine`: one small interface over SQLite (stdlib sqlite3, WAL mode) and
PostgreSQL (psycopg 3), so the store's SQL is written once.

URLs: `sqlite:///abs/path.db` or `sqlite://relative.db` (a file; its folder is created), `sqlite://`
(memory: one process only, for tests and `create_app()` without a database), `postgresql://…` or
`postgres://…` (any libpq connection string psycopg accepts, e.g. `postgresql:///netral?host=/run/pg`).

SQL uses `?` placeholders; the PostgreSQL engine turns them into psycopg's `%s` (no `%` or `?` may
appear in the SQL text otherwise).
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import NetralError

POOL_SIZE = 4  # PostgreSQL connections per process (threads wait for one; the writer batches)
BUSY_TIMEOUT_MS = 10_000  # SQLite: how long a writer waits for another process's write


class Engine:
    """`transaction()` yields an object with `execute(sql, params)` -> rows (list of tuples) and
    `executemany(sql, rows)`; it commits on leaving the block and rolls back on an exception."""

    dialect = ""
    blob = "BLOB"
    url = ""

    def transaction(self, write: bool = True) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return self.dialect


class _Tx:
    def __init__(self, cursor, convert=lambda sql: sql):
        self._cursor = cursor
        self._convert = convert

    def execute(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        self._cursor.execute(self._convert(sql), params)
        return self._cursor.fetchall() if self._cursor.description else []

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            self._cursor.executemany(self._convert(sql), rows)


def _hamming(a, b) -> int | None:
    try:
        return (int(a, 16) ^ int(b, 16)).bit_count()
    except (TypeError, ValueError):
        return None


class SQLiteEngine(Engine):
    """One writer connection and one reader connection per process, each behind a lock (sqlite3
    objects are not for concurrent threads). WAL lets other processes read while one writes;
    `BEGIN IMMEDIATE` takes the write lock up front so two processes never deadlock on an upgrade."""

    dialect = "sqlite"
    # SQL of the Hamming distance between a column of 16 hex digits and a parameter of 16 hex digits
    hamming = "netral_hamming({column}, ?)"

    def __init__(self, path: str):
        self.path = path
        self.url = f"sqlite://{'' if path == ':memory:' else path}"
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise NetralError(f"Folder basis data {Path(path).parent} tidak bisa dibuat: {exc.strerror}.") from None
        self._writer = self._connect()
        # In memory there is one database per connection: reads go through the writer's.
        self._reader = self._writer if path == ":memory:" else self._connect()
        self._write_lock = threading.Lock()
        self._read_lock = self._write_lock if self._reader is self._writer else threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
            if self.path != ":memory:":
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if mode.lower() != "wal":
                    raise NetralError(f"Basis data SQLite {self.path} tidak bisa memakai mode WAL ({mode}).")
            conn.execute("PRAGMA synchronous=NORMAL")  # in WAL: durable against a crash of the process
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys=ON")
            # the Hamming distance of two hex perceptual hashes (PostgreSQL: bit_count, `hamming`)
            conn.create_function("netral_hamming", 2, _hamming, deterministic=True)
        except sqlite3.Error as exc:
            raise NetralError(f"Basis data SQLite {self.path} tidak bisa dibuka: {exc}.") from None
        return conn

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[_Tx]:
        conn, lock = (self._writer, self._write_lock) if write else (self._reader, self._read_lock)
        with lock:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _Tx(conn.cursor())
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        for conn in {id(self._writer): self._writer, id(self._reader): self._reader}.values():
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def describe(self) -> str:
        return f"sqlite ({'memori' if self.path == ':memory:' else self.path})"


def _percent_s(sql: str) -> str:
    return sql.replace("?", "%s")


class PostgresEngine(Engine):
    """A small pool of psycopg connections in autocommit mode; each block is one explicit
    transaction. A connection that broke (server restarted) is dropped and replaced on next use."""

    dialect = "postgresql"
    blob = "BYTEA"
    hamming = "bit_count(CAST('x' || {column} AS bit(64)) # CAST('x' || ? AS bit(64)))"

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        try:
            import psycopg
        except ImportError:
            raise NetralError("PostgreSQL perlu paket psycopg: pip install 'psycopg[binary]'.") from None
        self._psycopg = psycopg
        self.url = url
        self._pool: queue.LifoQueue = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._put(self._connect())  # fail now, with a clear message, if the server is not there

    def _connect(self):
        try:
            return self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except self._psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise NetralError(f"Tidak bisa terhubung ke PostgreSQL: {first}") from None

    def _put(self, conn) -> None:
        self._pool.put(conn)

    @contextlib.contextmanager
    def transaction(self, write: bool = True) -> Iterator[_Tx]:
        with self._slots:
            try:
                conn = self._pool.get_nowait()
            except queue.Empty:
                conn = self._connect()
            if conn.closed or conn.broken:
                conn = self._connect()
            try:
                with conn.transaction(), conn.cursor() as cursor:
                    yield _Tx(cursor, _percent_s)
            except self._psycopg.OperationalError:
                conn.close()
                raise
            except BaseException:
                if conn.broken:
                    conn.close()
                else:
                    self._put(conn)
                raise
            self._put(conn)

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    def describe(self) -> str:
        return "postgresql"


def open_engine(url: str | None) -> Engine:
    """URL -> Engine; None or 'sqlite://' is an in-memory SQLite database."""
    url = (url or "sqlite://").strip()
    if url.startswith("sqlite:"):
        rest = url[len("sqlite:"):].removeprefix("//")
        return SQLiteEngine(rest if rest and rest != ":memory:" else ":memory:")
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(url)
    raise NetralError(f"Alamat basis data tidak dikenal: '{url[:40]}'. Pakai sqlite:///PATH atau postgresql://….")
