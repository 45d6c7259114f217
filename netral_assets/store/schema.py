"""The schema, as numbered migrations applied on open: version N runs once, in one transaction, under a
lock (PostgreSQL: an advisory lock; SQLite: BEGIN IMMEDIATE), so two replicas starting together never
both migrate. A database newer than this program is refused instead of being written by old code.

To change the schema, append a migration; never edit one that has shipped.
"""

from __future__ import annotations

from ..errors import NetralError

# (version, what it does, statements); "{blob}" is the engine's binary type.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "participation counts and kit jobs", [
        # One row per agency, design, format, action and day: the count is all there is.
        """CREATE TABLE participation (
            agency TEXT NOT NULL,       -- registry slug; '' for a kit made for a name typed by hand
            province TEXT NOT NULL,     -- the agency's province slug; '' for central agencies
            design TEXT NOT NULL,
            format TEXT NOT NULL,
            action TEXT NOT NULL,       -- download, share, kit
            day TEXT NOT NULL,          -- YYYY-MM-DD (WIB); nothing finer is kept
            count BIGINT NOT NULL,
            PRIMARY KEY (agency, design, format, action, day))""",
        "CREATE INDEX participation_day ON participation (day)",
        "CREATE INDEX participation_province ON participation (province, day)",
        # A kit job: built by one replica, followed and downloaded on any; deleted after its TTL.
        """CREATE TABLE kit_jobs (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,        -- queued, running, done, failed
            step TEXT NOT NULL DEFAULT '',
            file TEXT NOT NULL DEFAULT '',
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 1,
            error TEXT NOT NULL DEFAULT '',
            agency TEXT NOT NULL,       -- the agency as JSON (as_dict)
            files TEXT NOT NULL DEFAULT '[]',
            zip_name TEXT NOT NULL,
            zip_bytes BIGINT NOT NULL DEFAULT 0,
            created DOUBLE PRECISION NOT NULL,
            heartbeat DOUBLE PRECISION NOT NULL,  -- the building process is alive while this moves
            finished DOUBLE PRECISION,
            fetched INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX kit_jobs_finished ON kit_jobs (finished)",
        """CREATE TABLE kit_zips (
            job TEXT PRIMARY KEY REFERENCES kit_jobs (id) ON DELETE CASCADE,
            data {blob} NOT NULL)""",
    ]),
    (2, "registrations of the short codes (issue 19)", [
        # One row per published file that carries a short code: what /cek shows for a code or a
        # picture. The file's sha256 is the key: registering a kit again adds only its new files, and
        # a re-made kit's older files stay findable (printed posters do not change with the kit).
        """CREATE TABLE registrations (
            sha256 TEXT PRIMARY KEY,
            code TEXT NOT NULL,         -- "K7Q2-9XA"
            agency TEXT NOT NULL,       -- the name as printed
            agency_code TEXT NOT NULL,
            kind TEXT NOT NULL,
            design TEXT NOT NULL,
            format TEXT NOT NULL,
            file TEXT NOT NULL,         -- its name in the kit folder
            phash TEXT NOT NULL,        -- 16 hex digits (provenance.codes.perceptual_hash)
            issued TEXT NOT NULL,       -- ISO 8601 UTC
            issuer TEXT NOT NULL,
            signed INTEGER NOT NULL,
            sources TEXT NOT NULL,      -- JSON list of source lines
            thumbnail {blob} NOT NULL)""",
        "CREATE INDEX registrations_code ON registrations (code)",
    ]),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]
LOCK_KEY = 0x6E657472  # "netr": PostgreSQL advisory lock held while migrating


def migrate(engine, migrations: list | None = None) -> int:
    """Bring the database to the newest version; returns the version it is at."""
    migrations = MIGRATIONS if migrations is None else migrations
    latest = migrations[-1][0] if migrations else 0
    with engine.transaction() as tx:
        if engine.dialect == "postgresql":
            tx.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
        tx.execute("CREATE TABLE IF NOT EXISTS netral_schema (version INTEGER NOT NULL)")
        rows = tx.execute("SELECT version FROM netral_schema")
        if not rows:
            tx.execute("INSERT INTO netral_schema (version) VALUES (0)")
        version = rows[0][0] if rows else 0
        if version > latest:
            raise NetralError(f"Basis data memakai skema versi {version}, lebih baru daripada program ini "
                              f"(versi {latest}). Perbarui netral-assets.")
        for number, _what, statements in migrations:
            if number <= version:
                continue
            for statement in statements:
                tx.execute(statement.replace("{blob}", engine.blob))
            version = number
        tx.execute("UPDATE netral_schema SET version = ?", (version,))
    return version


def version_of(engine) -> int:
    with engine.transaction(write=False) as tx:
        return tx.execute("SELECT version FROM netral_schema")[0][0]
