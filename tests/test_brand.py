"""The campaign pack: colours meet WCAG AA, content points are sourced, channels are URLs."""

import tomllib
from pathlib import Path

import pytest

from netral_assets.resources import bundled_dir


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_every_declared_text_pair_meets_wcag_aa(pack):
    colors = pack.colors
    pairs = pack.config["contrast"]["pairs"]
    assert len(pairs) >= 10
    for text, background, minimum in pairs:
        assert minimum >= 3.0
        ratio = contrast(colors[text], colors[background])
        assert ratio >= minimum, f"{text} on {background}: {ratio:.2f} < {minimum}"


def test_content_points_cite_known_sources(pack):
    content = pack.content
    for section in ("about", "prohibitions", "causes", "sanctions", "report", "regulations"):
        points = content[section]["points"]
        assert points, section
        for point in points:
            assert point["sources"], point["title"]
            for sid in point["sources"]:
                assert sid in content["sources"], sid


def test_issuer_does_not_present_kasn_as_current(pack):
    assert "KASN" not in pack.issuer
    assert "BKN" in pack.issuer


def test_channels_have_https_urls(pack):
    assert {c.id for c in pack.channels} >= {"lapor", "bkn", "bawaslu"}
    assert all(c.url.startswith("https://") for c in pack.channels)


def test_user_pack_overrides_one_colour_and_keeps_the_rest(tmp_path):
    from netral_assets import load_pack

    (tmp_path / "brand.toml").write_text('[colors]\nnavy = "#003366"\n')
    pack = load_pack(tmp_path)
    assert pack.colors["navy"] == "#003366"
    assert pack.colors["red"] == "#C8102E"
    assert pack.name == "ASN PILIH NETRAL"


def test_ships_wilayah_licence_and_attribution():
    data = Path(__file__).parent.parent / "netral_assets" / "data" / "wilayah"
    assert (data / "LICENSE.md").is_file() and "Open Database License" in (data / "LICENSE.md").read_text()
    assert "idn-area-data" in (data / "SOURCE.md").read_text()
    assert (bundled_dir("fonts") / "OFL.txt").is_file()
    tomllib.loads((bundled_dir("brand") / "brand.toml").read_text())
