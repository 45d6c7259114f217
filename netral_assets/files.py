"""Files on disk, written whole or not at all: the one atomic writer, and the helpers around it.

Every file the package writes (kit files, manifests, the proof sheet, framed photos) goes through
`write_atomic` or `atomic_file`: a reader, or a run killed half way, sees the old file or the new one,
never part of one. The data is flushed to the disk (`fsync`) before the rename and the folder after it,
so a power cut leaves the old file or the new one too, not an empty one (ext4 and XFS may otherwise
commit the rename before the data). A full disk, a read-only folder or a folder without write
permission is a `NetralError` naming the folder and what to do, not an OSError.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path

from .errors import NetralError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# mkstemp makes files only the owner can read; kit files are for sharing, so they get the mode any
# new file gets (0644 with the usual umask).
FILE_MODE = 0o666 & ~_umask()
PARTIAL_GLOB = ".*.part"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def disk_error(exc: OSError, folder: Path) -> NetralError | None:
    """The Indonesian line for an OSError of writing into `folder`, or None if it is not about the disk."""
    if exc.errno in NO_SPACE:
        what = "Ruang disk habis" if exc.errno == errno.ENOSPC else "Kuota disk habis"
        return NetralError(f"{what} saat menulis ke {folder}. Kosongkan ruang disk atau pilih folder keluaran lain, "
                           "lalu jalankan perintah yang sama lagi (berkas yang sudah selesai tidak dibuat ulang).")
    if exc.errno == errno.EROFS:
        return NetralError(f"Folder {folder} hanya bisa dibaca (read-only). Pilih folder keluaran lain.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return NetralError(f"Tidak ada izin menulis di {folder}. Pilih folder keluaran lain atau periksa izinnya.")
    return None


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (its directory entry). Not every system can open a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(path: Path):
    """A binary file object whose content replaces `path` only once the block ends without error;
    it is written to a temporary `.name.*.part` beside `path`, flushed to the disk and renamed over it,
    and the folder is flushed after the rename."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        fsync_folder(path.parent)
    except OSError as exc:
        plain = disk_error(exc, path.parent)
        if plain is None:
            raise
        raise plain from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_file`)."""
    with atomic_file(path) as f:
        f.write(data)


def remove_partial_files(folder: Path, recursive: bool = False) -> int:
    """Delete temporary files a killed run left in `folder` (and its subfolders, if `recursive`);
    returns how many."""
    count = 0
    folder = Path(folder)
    for tmp in folder.rglob(PARTIAL_GLOB) if recursive else folder.glob(PARTIAL_GLOB):
        if tmp.is_file():
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


def sniff(data: bytes) -> str | None:
    """What a finished file is, by its first bytes, not its name: ".png", ".jpg", ".webp" or ".pdf"
    (a PDF header may follow a little junk, as the PDF spec allows), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    if b"%PDF-" in data[:1024]:
        return ".pdf"
    return None
