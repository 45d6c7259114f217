"""A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temporary folder, the server
listening only on a unix socket in that folder (no TCP port), stopped and deleted on exit.

Uses Debian's binaries (/usr/lib/postgresql/<version>/bin, package `postgresql`) or any `initdb` on
PATH. PostgreSQL refuses to run as root, so under root the cluster runs as the `postgres` user the
Debian package creates.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PORT = 5432  # only names the socket file (.s.PGSQL.5432) in the private folder; no TCP


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first; None when PostgreSQL is missing."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if Path(folder, "initdb").exists():
            return Path(folder)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextlib.contextmanager
def temporary_postgres(database: str = "netral", durable: bool = False) -> Iterator[str]:
    """Yields a libpq URL for a fresh database in a fresh cluster. Not `durable` (tests): fsync and
    synchronous commit are off; benchmarks ask for PostgreSQL's defaults."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
    folder = Path(tempfile.mkdtemp(prefix="netral-pg-"))
    data = folder / "data"
    kwargs = {}
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
        kwargs = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def run(*args):
        return subprocess.run([str(bin_dir / args[0]), *args[1:]], check=True, capture_output=True, text=True,
                              cwd=folder, **kwargs)

    started = False
    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
            "--no-sync")
        options = f"-c listen_addresses='' -c unix_socket_directories='{folder}' -c port={PORT} -c max_connections=100"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w", "-t", "60", "start")
        started = True
        run("createdb", "-h", str(folder), "-p", str(PORT), "-U", "postgres", database)
        yield f"postgresql://postgres@/{database}?host={folder}&port={PORT}"
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "-t", "30", "stop")
        shutil.rmtree(folder, ignore_errors=True)
