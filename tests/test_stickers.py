"""The WhatsApp sticker set (issue 17): 512×512 WebP with transparency under 100 KB, a white outline,
the 16-px margin, big text, the agency's short name on "Saya ASN Netral" (or cleanly left off)."""

import dataclasses
import io
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from netral_assets.assets import sticker as stickers
from netral_assets.assets.asset import BUILDERS
from netral_assets.checks import layout
from netral_assets.kit.build import write_kit
from netral_assets.kit.plan import KIT_PARTS, KitOptions, part_of, plan_kit

SET = ["tanda", "slogan", "saya-asn-netral", "tagar"]


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        return image.convert("RGBA") if image.mode != "RGBA" else image.copy()


@pytest.fixture(scope="module")
def made(pack, sleman):
    return {d.name: stickers.build_sticker(pack, sleman, d.name) for d in stickers.list_stickers(pack)}


def test_the_set_and_its_kind(pack, made):
    assert "sticker" in BUILDERS
    assert list(made) == SET
    assert [a.name for a in made.values()] == [f"stiker-{name}.webp" for name in SET]
    assert stickers.shows_agency(stickers.load_sticker(pack, "saya-asn-netral"))
    assert not any(stickers.shows_agency(stickers.load_sticker(pack, n)) for n in SET if n != "saya-asn-netral")


@pytest.mark.parametrize("name", SET)
def test_sticker_is_whatsapp_ready(made, name):
    asset = made[name]
    assert asset.findings == [], asset.findings
    assert len(asset.data) < 100 * 1024
    assert asset.size == {"px": [512, 512]} and asset.alt.startswith("Stiker WhatsApp")
    image = _open(asset.data)
    assert image.size == (512, 512) and image.mode == "RGBA"
    alpha = image.getchannel("A")
    for corner in ((0, 0), (511, 0), (0, 511), (511, 511)):
        assert alpha.getpixel(corner) == 0
    # WhatsApp's 16-px margin is fully transparent, and the sticker fills what is inside it
    left, top, right, bottom = alpha.getbbox()
    assert left >= 16 and top >= 16 and right <= 512 - 16 and bottom <= 512 - 16
    assert max(right - left, bottom - top) >= 440
    # a white die-cut outline: the first opaque pixel from the left on the middle row is white
    row = bottom - (bottom - top) // 2
    x = next(x for x in range(512) if alpha.getpixel((x, row)) >= 250)
    assert min(image.getpixel((x + 2, row))[:3]) >= 235


def test_sticker_text_is_big_enough_to_read_in_a_chat(pack, sleman, monkeypatch):
    """At ~150 px in a chat a 512-px sticker shows at 0.3×: nothing under the social floor (22 px)."""
    monkeypatch.setitem(layout.MIN_TEXT, "sticker", ("px", 22.0))
    stickers._kept.clear()
    try:
        for design in stickers.list_stickers(pack):
            assert stickers.build_sticker(pack, sleman, design.name).findings == []
    finally:
        stickers._kept.clear()


def test_longest_registry_short_name_fits(pack, registry):
    agency = max(registry, key=lambda a: len(a.short_name))
    asset = stickers.build_sticker(pack, agency, "saya-asn-netral")
    assert asset.findings == []
    assert agency.short_name in asset.alt
    assert len(asset.data) < 100 * 1024


def test_too_long_a_name_is_left_off_cleanly(pack, sleman):
    long = dataclasses.replace(sleman, short_name="Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah "
                                                  "Kabupaten Kepulauan Siau Tagulandang Biaro Provinsi Sulawesi Utara")
    asset = stickers.build_sticker(pack, long, "saya-asn-netral")
    assert asset.findings == [] and long.short_name not in asset.alt
    assert asset.alt == "Stiker WhatsApp ASN PILIH NETRAL: “Saya ASN Netral”."
    image = _open(asset.data)
    assert image.size == (512, 512) and image.getchannel("A").getpixel((0, 0)) == 0


def test_stickers_without_the_agency_are_one_file_for_all(pack, sleman, registry, made):
    other = registry.find("71.71")
    assert stickers.build_sticker(pack, other, "tanda").data == made["tanda"].data
    assert stickers.build_sticker(pack, other, "saya-asn-netral").data != made["saya-asn-netral"].data


def test_kit_lists_the_stickers(pack, sleman, registry, tmp_path):
    assert "stiker" in KIT_PARTS and "stiker" in KitOptions().only
    jobs = {j.name: j for j in plan_kit(pack, sleman, KitOptions(only=("stiker",)))}
    assert list(jobs) == [f"stiker-{name}.webp" for name in SET]
    assert jobs["stiker-saya-asn-netral.webp"].agency == sleman
    assert all(j.agency is None for n, j in jobs.items() if n != "stiker-saya-asn-netral.webp")
    # the same sticker for every agency has the same fingerprint; the agency's own does not
    others = {j.name: j for j in plan_kit(pack, registry.find("71.71"), KitOptions(only=("stiker",)))}
    assert others["stiker-tanda.webp"].fingerprint == jobs["stiker-tanda.webp"].fingerprint
    assert others["stiker-saya-asn-netral.webp"].fingerprint != jobs["stiker-saya-asn-netral.webp"].fingerprint

    result = write_kit(pack, sleman, tmp_path, KitOptions(only=("stiker",)))
    files = json.loads((result.folder / "manifest.json").read_text("utf-8"))["files"]
    assert [f["path"] for f in files] == list(jobs)
    for entry in files:
        assert entry["kind"] == "sticker" and entry["format"] == "webp" and part_of(entry) == "stiker"
        assert entry["bytes"] < 100 * 1024 and entry["findings"] == []
    again = write_kit(pack, sleman, tmp_path, KitOptions(only=("stiker",)))
    assert again.skipped == len(jobs) and again.rendered == 0


def test_sticker_command_writes_the_set(tmp_path):
    from netral_assets.cli.assets import sticker

    result = CliRunner().invoke(sticker, ["--agency", "34.04", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"stiker-{name}.webp" for name in SET)
