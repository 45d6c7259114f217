"""The store against both engines: SQLite (a WAL file) and a real PostgreSQL server (Debian's
`postgresql`, a throwaway cluster on a unix socket in a temporary folder, stopped at the end)."""

import threading

import pytest

from netral_assets.errors import NetralError
from netral_assets.store import SCHEMA_VERSION, EventWriter, open_engine, open_store
from netral_assets.store.schema import MIGRATIONS, migrate, version_of
from netral_assets.store.store import Event
from netral_assets.store.throwaway import binaries, temporary_postgres


@pytest.fixture(scope="module")
def postgres_url():
    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql)")
    with temporary_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite://{tmp_path / 'data' / 'netral.db'}"
    url = request.getfixturevalue("postgres_url")
    engine = open_engine(url)  # a clean database for each test
    with engine.transaction() as tx:
        tx.execute("DROP TABLE IF EXISTS registrations, kit_zips, kit_jobs, participation, netral_schema")
    engine.close()
    return url


def ev(agency="kabupaten-sleman", action="download", day="2024-11-01", design="kotak", fmt="square",
       province="provinsi-di-yogyakarta"):
    return Event(agency, province, design, fmt, action, day)


def test_the_schema_is_created_on_open_with_its_version_and_reopening_changes_nothing(url):
    store = open_store(url)
    assert store.version == SCHEMA_VERSION == version_of(store.engine)
    store.add_events([ev()])
    again = open_store(url)
    assert again.version == SCHEMA_VERSION and again.agency_frames("kabupaten-sleman") == 1
    store.close()
    again.close()


def test_a_new_migration_runs_once_and_a_newer_database_is_refused(url):
    store = open_store(url)
    added = [*MIGRATIONS, (SCHEMA_VERSION + 1, "a test column", ["ALTER TABLE participation ADD COLUMN note TEXT"])]
    assert migrate(store.engine, added) == SCHEMA_VERSION + 1
    assert migrate(store.engine, added) == SCHEMA_VERSION + 1  # not applied twice (the ALTER would fail)
    with pytest.raises(NetralError, match="lebih baru daripada program ini"):
        open_store(url)
    store.close()


def test_counts_are_aggregated_per_agency_design_format_action_and_day(url):
    store = open_store(url)
    store.add_events([ev(), ev(), ev(action="share"), ev(day="2024-11-02"), ev(agency="kota-yogyakarta"),
                      ev(agency="kota-batu", province="provinsi-jawa-timur"), ev(action="kit", design="kit", fmt="zip")])
    store.add_events([ev()])
    assert store.agency_frames("kabupaten-sleman") == 5  # downloads and shares; kits are not frames
    assert store.by_action() == {"download": 6, "share": 1, "kit": 1}
    assert store.by_day(agency="kabupaten-sleman", actions=("download", "share")) == {"2024-11-01": 4, "2024-11-02": 1}
    assert store.by_province(actions=("download",)) == {"provinsi-di-yogyakarta": 5, "provinsi-jawa-timur": 1}
    assert store.by_agency(province="provinsi-di-yogyakarta", start="2024-11-02", end="2024-11-30") == {
        "kabupaten-sleman": 1}
    rows = store.rows(agency="kabupaten-sleman", end="2024-11-01")
    assert ("2024-11-01", "provinsi-di-yogyakarta", "kabupaten-sleman", "kotak", "square", "download", 3) in \
        [tuple(r) for r in rows]
    # Only the count is stored: no column could hold a person's address, agent or time of day.
    with store.engine.transaction(write=False) as tx:
        tx.execute("SELECT * FROM participation")
        columns = [d[0] for d in tx._cursor.description]
    assert columns == ["agency", "province", "design", "format", "action", "day", "count"]
    store.close()


def test_the_event_writer_commits_concurrent_events_in_groups(url):
    store = open_store(url)
    writer = EventWriter(store)
    futures = []

    def client(n):
        for _ in range(50):
            futures.append(writer.submit(ev(agency=f"a{n}")))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futures:
        f.result(timeout=30)
    writer.close()
    assert sum(store.by_agency().values()) == 400 and store.by_agency()["a3"] == 50
    store.close()


def test_kit_jobs_cap_progress_zip_stale_and_expiry(url):
    store = open_store(url)
    agency = {"slug": "kabupaten-sleman", "name": "Pemerintah Kabupaten Sleman"}
    assert store.kit_create("a", agency, "kit-kabupaten-sleman.zip", 100.0, max_active=2, grace=60)
    assert store.kit_create("b", agency, "kit-kabupaten-sleman.zip", 100.0, max_active=2, grace=60)
    assert not store.kit_create("c", agency, "kit-kabupaten-sleman.zip", 100.0, max_active=2, grace=60)
    store.kit_progress("a", 101.0, state="running", done=2, total=5, step="poster", file="poster.png")
    job = store.kit_get("a")
    assert (job["state"], job["done"], job["total"], job["step"], job["agency"]) == ("running", 2, 5, "poster", agency)
    store.kit_done("a", 102.0, b"PK-zip", [{"path": "x.png"}], 5)
    assert store.kit_zip("a") == b"PK-zip" and store.kit_get("a")["files"] == [{"path": "x.png"}]
    assert not store.kit_create("c", agency, "z", 103.0, max_active=2, grace=60)  # done, unfetched, in grace
    store.kit_fetched("a")
    assert store.kit_create("c", agency, "z", 103.0, max_active=2, grace=60)
    # "b" stopped beating at 100: after `stale` seconds whoever looks fails it, with a message.
    store.kit_heartbeat(["c"], 140.0)
    assert store.kit_fail_stale(140.0, 30, "berhenti") == 1
    assert store.kit_get("b")["state"] == "failed" and store.kit_get("b")["error"] == "berhenti"
    assert store.kit_get("c")["state"] == "queued"
    # Finished jobs go after the TTL, with their ZIPs.
    assert store.kit_expire(102.0 + 901, 900, 10**9) == 1  # "a"; "b" failed at 140
    assert store.kit_get("a") is None and store.kit_zip("a") is None and store.kit_get("b") is not None
    assert store.kit_states() == {"failed": 1, "queued": 1}
    store.close()


def test_zips_beyond_the_byte_budget_go_oldest_first(url):
    store = open_store(url)
    for i, when in enumerate((10.0, 20.0, 30.0)):
        store.kit_create(f"j{i}", {"slug": "s"}, "z", when, max_active=9, grace=0)
        store.kit_done(f"j{i}", when, b"x" * 100, [], 1)
    assert store.kit_expire(31.0, 900, 250) == 1
    assert store.kit_get("j0") is None and store.kit_get("j1") and store.kit_get("j2")
    store.close()


def test_bad_urls_and_unreachable_servers_are_one_indonesian_line(tmp_path):
    with pytest.raises(NetralError, match="tidak dikenal"):
        open_store("mysql://x")
    with pytest.raises(NetralError, match="Tidak bisa terhubung ke PostgreSQL"):
        open_store(f"postgresql://nobody@/x?host={tmp_path}&port=1&connect_timeout=2")
    assert open_store("sqlite://").version == SCHEMA_VERSION  # in memory


def test_sqlite_uses_wal(tmp_path):
    store = open_store(f"sqlite://{tmp_path / 'n.db'}")
    with store.engine.transaction(write=False) as tx:
        assert tx.execute("PRAGMA journal_mode")[0][0] == "wal"
    store.close()
