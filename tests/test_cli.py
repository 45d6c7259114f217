"""The command line as a user runs it: real subprocesses, exit codes and messages."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def netral(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "netral_assets", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_kit_command_end_to_end(tmp_path):
    result = netral("kit", "--agency", "Kabupaten Sleman", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "kabupaten-sleman" in result.stdout
    manifest = json.loads((tmp_path / "kabupaten-sleman" / "manifest.json").read_text())
    kinds = {f["kind"] for f in manifest["files"]}
    # the command's default is the whole kit (a regression: leaflets were once left out)
    assert kinds == {"twibbon", "card", "logo", "poster", "sticker", "leaflet"}


@pytest.mark.parametrize(
    "args, message",
    [
        (["kit", "--agency", "slemen"], "Kabupaten Sleman (34.04)"),
        (["poster", "--agency", "34.04", "-o", "x.gif"], "Ekstensi '.gif'"),
        (["poster", "--agency", "34.04", "--format", "a5", "-o", "x.pdf"], "tidak punya format 'a5'"),
        (["poster", "--agency", "34.04", "--design", "tidakada", "-o", "x.png"], "tidak ada"),
        (["twibbon", "--agency", "34.04", "-o", "x.jpg"], "transparan"),
        (["kit", "--agency", "34.04", "--brand", "/tidak/ada"], "tidak ada"),
        (["kit", "--agency", "34.04", "--agencies", "/tidak/ada.csv"], "tidak ada"),
        (["kit", "--agency", "34.04", "--only", "video"], "tidak dikenal"),
    ],
)
def test_bad_input_gets_a_clear_message_and_non_zero_exit(args, message, tmp_path):
    result = netral(*args, cwd=tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("x.*"))


def test_broken_brand_file_is_reported_not_a_traceback(tmp_path):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "brand.toml").write_text("[colors\nnavy = 1")
    result = netral("twibbon", "--agency", "34.04", "--brand", str(tmp_path / "pack"), "-o", str(tmp_path / "t.png"))
    assert result.returncode == 1 and "brand.toml" in result.stderr and "Traceback" not in result.stderr


def test_missing_font_is_reported(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "brand.toml").write_text('[fonts]\nfamily = "Tidak Ada Sans"\n')
    result = netral("twibbon", "--agency", "34.04", "--brand", str(pack), "-o", str(tmp_path / "t.png"))
    assert result.returncode == 1 and "Tidak Ada Sans" in result.stderr


def test_stats_check_reports_seed_inconsistency_and_exits_non_zero():
    result = netral("stats", "--check")
    assert result.returncode == 1
    assert "kasn-2022-ditindaklanjuti" in result.stdout and "62,5%" in result.stdout
    listing = netral("stats")
    assert listing.returncode == 0 and "1.678" in listing.stdout and "43,8%" in listing.stdout


def test_agencies_search_and_designs():
    result = netral("agencies", "search", "sleman")
    assert result.returncode == 0 and "34.04" in result.stdout
    designs = netral("designs")
    assert "twibbon" in designs.stdout and "poster" in designs.stdout and "lockup" in designs.stdout


def test_single_poster_and_twibbon_commands(tmp_path):
    for args in (["poster", "-a", "34.71", "--format", "feed", "-o", str(tmp_path / "p.jpg")],
                 ["poster", "-a", "34.71", "--format", "a4", "-o", str(tmp_path / "p.pdf")],
                 ["twibbon", "-a", "34.71", "--design", "kotak", "-o", str(tmp_path / "t.png")],
                 ["logo", "-a", "34.71", "-o", str(tmp_path / "logo")]):
        result = netral(*args)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.jpg").stat().st_size > 10_000
    assert (tmp_path / "logo" / "logo-stacked.svg").is_file()


def test_kit_says_how_to_fill_an_empty_leaflet_contact_block(tmp_path):
    result = netral("kit", "-a", "34.04", "--only", "leaflet", "--out", str(tmp_path))
    assert "kontak instansi di leaflet kosong" in result.stderr and "--contact" in result.stderr
