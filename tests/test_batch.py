"""`netral batch` as a coordinator runs it: real worker processes, real rendering, real kills.

Kept small for speed: DI Yogyakarta (the province and its 5 regencies/cities) or one agency, with
`--only twibbon,logo`, two workers.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import pdftotext
from PIL import Image

from netral_assets.batch import agency_folder, select_agencies
from netral_assets.errors import NetralError
from netral_assets.model.agencies import load_registry, slugify

DIY = "provinsi-di-yogyakarta"
DIY_SLUGS = {"provinsi-di-yogyakarta", "kabupaten-kulon-progo", "kabupaten-bantul", "kabupaten-gunungkidul",
             "kabupaten-sleman", "kota-yogyakarta"}
SMALL = ["--only", "twibbon,logo", "-j", "2"]


def netral(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "netral_assets", *args], capture_output=True, text=True,
                          timeout=timeout)


def national(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text("utf-8"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_whole(path: Path) -> None:
    """A file that was written completely: it parses as what its extension says."""
    suffix = path.suffix
    if suffix in (".png", ".jpg"):
        with Image.open(path) as image:
            image.load()
    elif suffix == ".pdf":
        assert len(pdfium.PdfDocument(path)) >= 1
    elif suffix == ".svg":
        ET.fromstring(path.read_bytes())
    elif suffix == ".json":
        json.loads(path.read_text("utf-8"))
    elif suffix == ".zip":
        assert zipfile.ZipFile(path).testzip() is None
    else:
        assert path.read_bytes()


def visible_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)]


@pytest.fixture(scope="module")
def diy(tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "kits"
    result = netral("batch", "--level", "semua", "--province", "34", "--zip", "--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    return out, result


# -- selection ---------------------------------------------------------------------------------------

def test_selection_by_level_and_province():
    registry = load_registry()
    assert len(select_agencies(registry, "provinsi")[0]) == 38
    assert len(select_agencies(registry, "kabkota")[0]) == 514
    diy_regencies, errors = select_agencies(registry, "kabkota", "34")
    assert errors == []
    assert {a.slug for a in diy_regencies} == DIY_SLUGS - {DIY}
    everything_in_diy = select_agencies(registry, "semua", "DI Yogyakarta")[0]
    assert [a.slug for a in everything_in_diy][0] == DIY  # the province first, then its regencies
    assert {a.slug for a in everything_in_diy} == DIY_SLUGS
    central = select_agencies(registry, "pusat")[0]
    assert central and all(agency_folder(a).startswith("pusat/") for a in central)
    assert all(agency_folder(a) == f"{DIY}/{a.slug}" for a in everything_in_diy)


def test_selection_from_a_csv_keeps_good_rows_and_reports_bad_ones(tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("name,province\nDinas Kominfo Kabupaten Sleman,34\n,34\nBadan Kepegawaian Daerah,\n"
                   f"{'Sangat Panjang ' * 12},34\n", encoding="utf-8")
    agencies, errors = select_agencies(load_registry(), agencies_csv=csv)
    assert [a.name for a in agencies] == ["Dinas Kominfo Kabupaten Sleman", "Badan Kepegawaian Daerah"]
    assert agency_folder(agencies[0]) == f"{DIY}/dinas-kominfo-kabupaten-sleman"
    assert agency_folder(agencies[1]) == "lainnya/badan-kepegawaian-daerah"
    assert len(errors) == 2 and "baris 3" in errors[0]["message"] and "160" in errors[1]["message"]
    # with a level, the CSV's units come in addition, and --province filters both
    both = select_agencies(load_registry(), "kabkota", "34", csv)[0]
    assert len(both) == 6


def test_selection_mistakes_are_clear():
    registry = load_registry()
    with pytest.raises(NetralError, match="--level"):
        select_agencies(registry)
    with pytest.raises(NetralError, match="harus sebuah provinsi"):
        select_agencies(registry, "kabkota", "34.04")
    with pytest.raises(NetralError, match="Tidak ada instansi"):
        select_agencies(registry, "pusat", "34")


# -- one run -----------------------------------------------------------------------------------------

def test_batch_writes_every_kit_in_its_province_folder(diy):
    out, result = diy
    assert {p.name for p in (out / DIY).iterdir() if p.is_dir()} == DIY_SLUGS
    for slug in DIY_SLUGS:
        folder = out / DIY / slug
        kit = json.loads((folder / "manifest.json").read_text("utf-8"))
        assert kit["agency"]["slug"] == slug
        names = {f["path"] for f in kit["files"]}
        assert {"twibbon-bundar.png", "logo-mark.svg", "logo-horizontal.pdf", "logo-stacked.png"} <= names
        for entry in kit["files"]:
            assert sha(folder / entry["path"]) == entry["sha256"]
            assert len(entry["fingerprint"]) == 64
        assert "Pemerintah" in (folder / "caption.txt").read_text("utf-8")
        # the short codes' index (the link card carries one), listed with its thumbnails, travels in the ZIP
        index = {r["path"] for r in kit["keaslian"]}
        assert "keaslian/index.json" in index and all(sha(folder / r["path"]) == r["sha256"] for r in kit["keaslian"])
        assert {p.relative_to(folder).as_posix() for p in (folder / "keaslian").iterdir()} == index
        with zipfile.ZipFile(out / DIY / f"{slug}.zip") as archive:
            assert {f"{slug}/{n}" for n in names | index | {"manifest.json", "caption.txt"}} == set(archive.namelist())
    assert not list(out.rglob("*.part"))
    # files are for sharing: readable by others, like any file the user makes (not mkstemp's 0600)
    assert (out / DIY / "kabupaten-sleman" / "twibbon-bundar.png").stat().st_mode & 0o044 == 0o044
    assert "6 instansi" in result.stdout and "dilewati" in result.stdout


def test_national_manifest_lists_every_file_with_sha_sources_and_findings(diy):
    out, _ = diy
    data = national(out)
    assert data["summary"]["agencies"] == 6 and data["summary"]["errors"] == 0
    assert data["summary"]["rendered"] == data["summary"]["files"] == len(data["files"])
    assert data["selection"]["province"] == "34" and data["selection"]["only"] == ["twibbon", "logo"]
    # (each kit's keaslian/ index is listed by its own manifest.json: test_batch_writes_every_kit…)
    on_disk = {p.relative_to(out).as_posix() for p in visible_files(out)
               if p.suffix not in (".zip",) and p.name not in ("manifest.json", "caption.txt", "proof.pdf")
               and p.parent.name != "keaslian"}
    assert {f["path"] for f in data["files"]} == on_disk
    for entry in data["files"]:
        assert sha(out / entry["path"]) == entry["sha256"]
        assert entry["agency"] in DIY_SLUGS and entry["agency_name"].startswith("Pemerintah")
        assert entry["kind"] in ("twibbon", "card", "logo") and entry["design"] and entry["format"]
        assert isinstance(entry["sources"], list) and isinstance(entry["findings"], list)
        assert all(s in data["sources"] for s in entry["sources"])
    for agency in data["agencies"]:
        assert agency["status"] in ("ok", "temuan") and agency["errors"] == []
        assert sha(out / agency["zip"]["path"]) == agency["zip"]["sha256"]
    assert data["proof"]["sha256"] == sha(out / "proof.pdf")


def test_proof_sheet_shows_every_agency(diy, tmp_path):
    out, _ = diy
    pdf = (out / "proof.pdf").read_bytes()
    document = pdfium.PdfDocument(pdf)
    assert len(document) == national(out)["proof"]["pages"] >= 2
    width, height = document[0].get_size()
    assert width > height  # A4 landscape
    text = pdftotext(pdf, tmp_path)
    assert "Lembar periksa" in text
    for name in ("Pemerintah Kabupaten Sleman", "Pemerintah Kota Yogyakarta", "Pemerintah Kabupaten Kulon Progo",
                 "Pemerintah Daerah Daerah Istimewa Yogyakarta"):
        assert name in text
    assert "Twibbon" in text and "Logo" in text
    # the cover names the selection in words, and only the parts chosen (not the default whole kit)
    assert "semua instansi; DI Yogyakarta; bagian twibbon, logo" in " ".join(text.split())


def test_proof_lists_each_finding_once_with_the_pictures_that_have_it(tmp_path):
    # A brand colour too light for text flags every poster: the proof numbers each distinct finding
    # once, says which pictures have it, lists a few and points to the manifest for the rest.
    from netral_assets.batch.proof import PROOF_MAX_NOTES

    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "brand.toml").write_text('[colors]\nmuted = "#B8C0D0"\n')
    out = tmp_path / "kits"
    result = netral("batch", "--level", "provinsi", "--province", "34", "--brand", str(brand), "--only", "poster",
                    "--out", str(out), "-j", "1")
    assert result.returncode == 1 and "temuan preflight" in result.stderr
    findings = {f for entry in json.loads((out / DIY / DIY / "manifest.json").read_text("utf-8"))["files"]
                for f in entry["findings"]}
    assert len(findings) > PROOF_MAX_NOTES
    text = " ".join(pdftotext((out / "proof.pdf").read_bytes(), tmp_path).split())
    assert f"dan {len(findings) - PROOF_MAX_NOTES} temuan lain" in text
    assert "— Poster larangan (feed, story, A4, A3)" in text  # one finding, four pictures
    listed = [f for f in findings if " ".join(f.split()) in text]
    assert len(listed) == PROOF_MAX_NOTES


def test_a_province_asked_by_name_is_named_on_the_cover_beside_units_that_share_it(tmp_path):
    # The user's own units may contain the province's name: the run must not trip over it afterwards.
    csv = tmp_path / "units.csv"
    csv.write_text("name,province\nDinas Kesehatan Provinsi Jawa Tengah,33\n", encoding="utf-8")
    out = tmp_path / "kits"
    result = netral("batch", "--province", "Jawa Tengah", "--agencies", str(csv), "--only", "logo",
                    "--out", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    assert national(out)["summary"]["agencies"] == 1
    text = " ".join(pdftotext((out / "proof.pdf").read_bytes(), tmp_path).split())
    assert "Jawa Tengah; unit dari units.csv; bagian logo" in text
    # The national manifest names the CSV and its sha256, never the operator's path (their username).
    selection = national(out)["selection"]
    assert selection["agencies_csv"] == "units.csv" and selection["agencies_csv_sha256"] == sha(csv)
    assert str(tmp_path) not in (out / "manifest.json").read_text("utf-8")


def test_selection_text_says_what_was_chosen():
    from netral_assets.batch import selection_text
    from netral_assets.kit.plan import KIT_PARTS

    assert selection_text({"level": "kabkota", "province": "33", "province_name": "Jawa Tengah",
                           "only": list(KIT_PARTS)}) == "pemerintah kabupaten/kota; Jawa Tengah"
    assert selection_text({"level": "pusat", "only": ["poster"]}) == "instansi pusat; bagian poster"


def test_rerun_with_nothing_changed_makes_nothing(diy):
    out, _ = diy
    before = national(out)
    result = netral("batch", "--level", "semua", "--province", "34", "--zip", "--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    after = national(out)
    assert after["summary"]["rendered"] == 0
    assert after["summary"]["skipped"] == after["summary"]["files"] == before["summary"]["files"]
    assert [a["zip"]["sha256"] for a in after["agencies"]] == [a["zip"]["sha256"] for a in before["agencies"]]
    assert after["proof"] == before["proof"]


# -- resume, change detection, errors ----------------------------------------------------------------

def _recorded(out: Path) -> dict[str, dict]:
    """Files the agency manifests say are done, by path relative to out."""
    done = {}
    for kit in out.glob("*/*/manifest.json"):
        for entry in json.loads(kit.read_text("utf-8"))["files"]:
            done[f"{kit.parent.relative_to(out).as_posix()}/{entry['path']}"] = entry
    return done


def _workers_of(out: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(out).encode() in (proc / "cmdline").read_bytes():
                pids.append(int(proc.name))
        except OSError:
            pass
    return pids


def test_a_run_killed_with_sigkill_resumes_without_redoing_finished_files(tmp_path):
    out = tmp_path / "kits"
    args = [sys.executable, "-m", "netral_assets", "batch", "--level", "semua", "--province", "34",
            "--out", str(out), *SMALL]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _recorded(out) and time.monotonic() < deadline:  # kill as soon as the first file is done
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while _workers_of(out) and time.monotonic() < deadline:  # the workers die with the batch process
        time.sleep(0.05)
    assert not _workers_of(out)
    assert not (out / "manifest.json").exists(), "the run finished before it could be killed"

    recorded = _recorded(out)
    assert recorded
    for path in visible_files(out):  # whole files only; temporary .part files may remain
        assert_whole(path)
    for rel, entry in recorded.items():
        assert sha(out / rel) == entry["sha256"]

    result = netral("batch", "--level", "semua", "--province", "34", "--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    summary = national(out)["summary"]
    assert summary["skipped"] == len(recorded)
    assert summary["rendered"] == summary["files"] - len(recorded)
    assert summary["agencies"] == 6
    assert not list(out.rglob("*.part"))
    # the renderer's scratch files (fonts copied by WeasyPrint) live under DIR and are gone, the killed
    # run's too
    assert not list(out.rglob("weasyprint-*"))
    for rel, entry in _recorded(out).items():
        assert sha(out / rel) == entry["sha256"]


def test_ctrl_c_stops_the_run_cleanly_and_the_next_run_finishes_it(tmp_path):
    # Deterministic: with the test hook set, each worker holds after the first file of a kit until the
    # hold file exists, so the run cannot finish before Ctrl-C; the hold is released only once the batch
    # says it is stopping.
    out, hold = tmp_path / "kits", tmp_path / "release"
    args = [sys.executable, "-m", "netral_assets", "batch", "--level", "semua", "--province", "34",
            "--out", str(out), *SMALL]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "NETRAL_TEST_HOLD": str(hold)})
    deadline = time.monotonic() + 120
    while not _recorded(out) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert _recorded(out), "no file was made"
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends the batch process (its workers ignore it)
    lines = []
    for line in process.stderr:  # the batch acknowledges at once, before the workers finish their kits
        lines.append(line)
        if "Menghentikan" in line:
            break
    hold.touch()
    stdout, rest = process.communicate(timeout=120)
    stderr = "".join(lines) + rest
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Dihentikan" in stderr and "jalankan lagi" in stderr
    assert "Selesai" not in stdout and not (out / "manifest.json").exists()
    assert not _workers_of(out)
    assert not list(out.rglob("*.part"))
    for path in visible_files(out):
        assert_whole(path)
    recorded = _recorded(out)
    result = netral("batch", "--level", "semua", "--province", "34", "--out", str(out), *SMALL)
    assert result.returncode == 0, result.stderr
    assert national(out)["summary"]["skipped"] == len(recorded) > 0


def test_changed_inputs_re_render_only_what_they_touch(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "brand.toml").write_text('[colors]\nred = "#C8102E"\n')
    out = tmp_path / "kits"
    args = ["batch", "--level", "provinsi", "--province", "34", "--brand", str(pack), "--out", str(out),
            "--no-proof", *SMALL]
    assert netral(*args).returncode == 0
    first = _recorded(out)

    # a brand colour: every asset that shows brand colours, not the mark (a fixed SVG of its own)
    (pack / "brand.toml").write_text('[colors]\nred = "#B0102A"\n')
    result = netral(*args)
    assert result.returncode == 0, result.stderr
    second = _recorded(out)
    changed = {rel for rel in second if second[rel]["fingerprint"] != first[rel]["fingerprint"]}
    marks = {rel for rel in second if "/logo-mark" in rel}
    assert changed == set(second) - marks and len(marks) == 4
    summary = national(out)["summary"]
    assert summary["rendered"] == len(changed) and summary["skipped"] == len(marks)

    # one design overridden in the pack: only that design's file
    shutil.copytree(Path(__file__).parent.parent / "templates" / "twibbon" / "kotak", pack / "templates" / "twibbon" / "kotak")
    template = pack / "templates" / "twibbon" / "kotak" / "template.html.j2"
    template.write_text(template.read_text("utf-8") + "\n{# a designer's note #}\n", "utf-8")
    assert netral(*args).returncode == 0
    summary = national(out)["summary"]
    assert summary["rendered"] == 1 and summary["skipped"] == summary["files"] - 1
    third = _recorded(out)
    assert [rel for rel in third if third[rel]["fingerprint"] != second[rel]["fingerprint"]] == [
        f"{DIY}/{DIY}/twibbon-kotak.png"]


def test_one_bad_agency_does_not_stop_the_others(tmp_path):
    hostile = '<img src="http://example.invalid/x.png"> Dinas "Kominfo" & Co ../../etc'
    unfittable = " ".join(["Badan Koordinasi Penanggulangan Bencana dan Pengelolaan Lingkungan Hidup"] * 2)
    csv = tmp_path / "units.csv"
    csv.write_text(
        "name,province\n"
        f'"{hostile.replace(chr(34), chr(34) * 2)}",34\n'
        f"{'X' * 200},34\n"
        f"{unfittable},34\n"
        "Dinas Komunikasi dan Informatika Kota Yogyakarta,34\n", encoding="utf-8")
    out = tmp_path / "kits"
    result = netral("batch", "--agencies", str(csv), "--out", str(out), *SMALL)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "galat" in result.stderr.lower()
    data = national(out)
    by_slug = {a["slug"]: a for a in data["agencies"]}
    # the good units are complete
    for slug in (slugify(hostile), "dinas-komunikasi-dan-informatika-kota-yogyakarta"):
        assert by_slug[slug]["status"] in ("ok", "temuan") and by_slug[slug]["files"] >= 13
        assert (out / DIY / slug / "twibbon-bundar.png").is_file()
    # the name that cannot fit fails where it does not fit, with the reason, and the rest of its kit is made
    failed = by_slug[slugify(unfittable)]
    assert failed["status"] == "galat" and failed["errors"]
    assert any("terlalu panjang" in e["message"] for e in failed["errors"])
    assert failed["files"] >= 4  # at least the campaign mark
    # the row that could not be read is an error of the run, not of an agency
    assert any(e["agency"] is None and "160" in e["message"] for e in data["errors"])
    assert data["summary"]["errors"] == len(data["errors"]) >= 2
    # the hostile name is text in the proof, and the renderer fetched nothing
    text = pdftotext((out / "proof.pdf").read_bytes(), tmp_path)
    assert '<img src="http://example.invalid/x.png"> Dinas' in text
    assert not list(out.rglob("*.part"))


def test_workers_are_replaced_without_losing_an_agency(monkeypatch, pack, tmp_path):
    # Workers are replaced every WORKER_AGENCIES kits to keep memory flat; every agency is still made once.
    from netral_assets.batch import BatchOptions, run_batch, workers
    from netral_assets.kit.plan import KitOptions

    monkeypatch.setattr(workers, "WORKER_AGENCIES", 1)
    agencies = select_agencies(load_registry(), "kabkota", "34")[0]
    done = []
    result = run_batch(pack, agencies, tmp_path / "kits", BatchOptions(KitOptions(only=("logo",)), workers=2,
                                                                       proof=False),
                       progress=lambda r, n, total: done.append(r.agency["slug"]))
    assert not result.errors
    assert sorted(done) == sorted(a.slug for a in agencies)
    assert result.rendered == result.files == 5 * 10


def test_a_worker_that_dies_costs_only_the_agency_that_killed_it(monkeypatch, pack, tmp_path):
    # A worker killed mid-kit (out of memory, a crash in a C library) is replaced; the agencies it had
    # in flight are tried again; one that kills every worker it runs on ends as an error of its own.
    import os

    from netral_assets.batch import BatchOptions, agency, run_batch
    from netral_assets.kit.plan import KitOptions

    agencies = select_agencies(load_registry(), "kabkota", "34")[0]
    once, always = agencies[1].slug, agencies[3].slug
    marker = tmp_path / "died-once"
    real_write_kit = agency.write_kit

    def dying(pack, unit, *args, **kwargs):
        if unit.slug == always or (unit.slug == once and not marker.exists()):
            marker.touch()
            os._exit(9)  # the worker process dies at once, as with SIGKILL
        return real_write_kit(pack, unit, *args, **kwargs)

    monkeypatch.setattr(agency, "write_kit", dying)  # workers are forked: they run this
    result = run_batch(pack, agencies, tmp_path / "kits", BatchOptions(KitOptions(only=("logo",)), workers=2,
                                                                       proof=False))
    failed = {r.agency["slug"]: r.errors for r in result.agencies if r.errors}
    assert list(failed) == [always]
    assert "Proses pekerja berhenti mendadak" in failed[always][0]["message"]
    assert result.rendered == 10 * (len(agencies) - 1)  # the logo set: 10 files an agency


def test_bodies_are_laid_out_before_the_workers_fork_only_when_there_is_work(diy, monkeypatch, pack, tmp_path):
    # In a run long enough that workers are replaced, the parent lays out the layered bodies once before
    # forking (as PDF: no pixels), and only when the first kit has something to make.
    from netral_assets.assets.layers import cache_stats, clear_cache
    from netral_assets.batch import BatchOptions, run_batch, workers
    from netral_assets.kit.plan import KitOptions

    monkeypatch.setattr(workers, "WORKER_AGENCIES", 1)
    agencies = select_agencies(load_registry(), "semua", "34")[0][:2]
    options = BatchOptions(KitOptions(only=("twibbon", "logo")), workers=1, proof=False)
    done = tmp_path / "done"
    shutil.copytree(diy[0], done)  # every kit made already
    clear_cache()
    assert run_batch(pack, agencies, done, options).rendered == 0
    assert cache_stats()["entries"] == 0
    result = run_batch(pack, agencies, tmp_path / "new", BatchOptions(KitOptions(only=("twibbon",)), workers=1,
                                                                       proof=False))
    assert result.rendered == result.files == 2 * 4 and not result.errors  # three twibbons and the link card
    stats = cache_stats()
    assert stats["entries"] == 3 and stats["pixel_bytes"] == 0  # the three twibbon bodies, as PDF


def test_proof_shows_each_agency_name_as_printed(diy):
    # a readable crop of the name as set (twibbon, footer, lockup) under each agency's registry name
    import pypdfium2 as pdfium

    out, _ = diy
    strips = list((out / ".netral" / "thumbs" / "names").glob("*.jpg"))
    assert len(strips) == 6, strips  # one per agency of the run
    with Image.open(strips[0]) as strip:
        assert strip.height == 120 and strip.width > 600
    pdf = pdfium.PdfDocument(out / "proof.pdf")
    try:
        text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    assert text.count("Nama tercetak") == 6
