"""Faults on a real, really full disk: a small tmpfs mounted in a user and mount namespace of its own
(`unshare -rm`, no root needed; skipped where the kernel does not allow it), and the atomic writer.

A batch on a full disk says so in one Indonesian line naming the folder, records what its kits hold
(not "0 files" for intact ones), removes the proof it could not bring up to date, and the next run,
with room again, finishes it and cleans every temporary file the failed run left."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from netral_assets.files import atomic_file, remove_partial_files, write_atomic

ROOT = Path(__file__).resolve().parent.parent
DIY = "provinsi-di-yogyakarta"


def _can_unshare() -> bool:
    if not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp && echo ok"],
                           capture_output=True, text=True)
    return probe.stdout.strip() == "ok"


SCRIPT = textwrap.dedent("""
    import json, os, subprocess, sys
    from pathlib import Path
    disk = Path(sys.argv[1])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], check=True)
    out = disk / "kits"
    batch = [sys.executable, "-m", "netral_assets", "batch", "--level", "kabkota", "--province", "34",
             "--only", "logo", "--zip", "-j", "1", "--out", str(out)]
    report = {}
    def run(name, *extra):
        done = subprocess.run(batch + list(extra), capture_output=True, text=True)
        report[name] = {"code": done.returncode, "stderr": done.stderr}
    def national():
        return {a["slug"]: a["files"] for a in json.loads((out / "manifest.json").read_text())["agencies"]}
    run("first")
    report["first"]["files"] = national()
    # Fill the disk to the last block, then make every file again.
    with open(disk / "filler", "wb", buffering=0) as f:
        for size in (1 << 20, 65536, 4096, 1):
            try:
                while True:
                    f.write(b"\\0" * size)
            except OSError:
                pass
    run("full", "--force")
    report["full"]["proof"] = (out / "proof.pdf").exists()
    report["full"]["files"] = national()
    # Temporary files a killed run would leave where the README says the next run cleans them.
    (disk / "filler").unlink()
    leftovers = [out / "{diy}" / ".kabupaten-sleman.zip.x1.part", out / ".netral" / ".state.json.x2.part",
                 out / ".netral" / "thumbs" / "7a" / ".7ae6.jpg.x3.part"]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    run("again")
    report["again"]["files"] = national()
    report["again"]["proof"] = (out / "proof.pdf").exists()
    report["again"]["leftovers"] = [str(p) for p in leftovers if p.exists()]
    report["again"]["parts"] = [str(p) for p in out.rglob("*.part")]
    print(json.dumps(report))
""").replace("{diy}", DIY)


@pytest.mark.skipif(not _can_unshare(), reason="needs user and mount namespaces (unshare -rm) to mount a small tmpfs")
def test_a_batch_on_a_full_disk_says_so_keeps_what_is_on_disk_and_the_next_run_finishes(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["unshare", "-rm", sys.executable, "-c", SCRIPT, str(disk)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    first, full, again = report["first"], report["full"], report["again"]
    assert first["code"] == 0, first["stderr"]
    assert len(first["files"]) == 5 and set(first["files"].values()) == {10}

    # The full disk: one Indonesian line naming the folder and the fix; no errno, no traceback.
    assert full["code"] == 1
    assert "Ruang disk habis saat menulis ke" in full["stderr"] and "Kosongkan ruang disk" in full["stderr"]
    for english in ("Errno", "OSError", "Traceback", "Galat tak terduga"):
        assert english not in full["stderr"], full["stderr"]
    # The kits on disk are intact and recorded as such; the proof that could not be remade is gone.
    assert full["files"] == first["files"]
    assert not full["proof"]

    # With room again, the next run finishes and cleans up after the failed one.
    assert again["code"] == 0, again["stderr"]
    assert again["files"] == first["files"] and again["proof"]
    assert again["leftovers"] == [] and again["parts"] == []


def test_the_atomic_writer_leaves_the_old_file_or_the_new_one(tmp_path):
    path = tmp_path / "a" / "file.bin"
    write_atomic(path, b"old")
    with pytest.raises(RuntimeError):
        with atomic_file(path) as f:
            f.write(b"half of the new")
            raise RuntimeError("killed half way")
    assert path.read_bytes() == b"old" and list(path.parent.iterdir()) == [path]
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and oct(path.stat().st_mode & 0o777) != "0o600"


def test_partial_files_are_removed_in_subfolders_when_asked(tmp_path):
    (tmp_path / "p" / "q").mkdir(parents=True)
    for name in ("p/.a.zip.1.part", "p/q/.b.jpg.2.part", ".c.json.3.part"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "p" / "keep.zip").write_bytes(b"x")
    assert remove_partial_files(tmp_path) == 1
    assert remove_partial_files(tmp_path, recursive=True) == 2
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["keep.zip"]


def test_a_read_only_folder_is_one_indonesian_line(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        from netral_assets.errors import NetralError

        with pytest.raises(NetralError, match=r"Tidak ada izin menulis di .*ro\. Pilih folder keluaran lain"):
            write_atomic(folder / "x.png", b"x")
    finally:
        folder.chmod(0o755)
    time.sleep(0)
