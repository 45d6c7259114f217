"""Files on disk, written whole or not at all: the one atomic writer, and the helpers around it.

Every file the package writes (kit files, manifests, the proof sheet, framed photos) goes through
`write_atomic` or `atomic_file`: a reader, or a run killed half way, sees the old file or the new one,
never part of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes files only the owner can read; kit files are for sharing, so they get the mode any
# new file gets (0644 with the usual umask).
FILE_MODE = 0o666 & ~_umask()
PARTIAL_GLOB = ".*.part"


@contextlib.contextmanager
def atomic_file(path: Path):
    """A binary file object whose content replaces `path` only once the block ends without error;
    it is written to a temporary `.name.*.part` beside `path` and renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_file`)."""
    with atomic_file(path) as f:
        f.write(data)


def remove_partial_files(folder: Path) -> int:
    """Delete temporary files a killed run left in `folder`; returns how many."""
    count = 0
    for tmp in Path(folder).glob(PARTIAL_GLOB):
        tmp.unlink(missing_ok=True)
        count += 1
    return count


def sha256_of(path: Path) -> str | None:
    """The file's sha256 in hex, or None when it cannot be read (missing, a folder, no permission)."""
    try:
        with Path(path).open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None
