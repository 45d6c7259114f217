import io
import xml.etree.ElementTree as ET

from PIL import Image

from netral_assets.assets.logo import build_logo_assets

SVG = "{http://www.w3.org/2000/svg}"


def _by_name(assets):
    return {a.name: a for a in assets}


def test_mark_and_lockups_in_every_format(pack, sleman, tmp_path):
    from conftest import pdftotext

    assets = _by_name(build_logo_assets(pack, sleman))
    assert set(assets) == {
        "logo-mark.svg", "logo-mark.pdf", "logo-mark-512.png", "logo-mark-1024.png",
        "logo-horizontal.svg", "logo-horizontal.pdf", "logo-horizontal.png",
        "logo-stacked.svg", "logo-stacked.pdf", "logo-stacked.png",
    }
    for px in (512, 1024):
        image = Image.open(io.BytesIO(assets[f"logo-mark-{px}.png"].data))
        assert image.size == (px, px) and image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0  # transparent corner
        assert image.getpixel((px // 2, px // 4))[3] == 255  # the badge
    for name in ("logo-horizontal.png", "logo-stacked.png"):
        image = Image.open(io.BytesIO(assets[name].data))
        assert image.mode == "RGBA" and image.getpixel((1, 1))[3] == 0
    # the PDF lockup is vector with its text as outlines; the mark PDF is one page
    assert assets["logo-mark.pdf"].data.startswith(b"%PDF")
    assert "Sleman" not in pdftotext(assets["logo-horizontal.pdf"].data, tmp_path)


def test_svg_parses_and_needs_no_font(pack, registry):
    agency = registry.find("kemenko-pmk")
    for asset in build_logo_assets(pack, agency, formats=("svg",)):
        root = ET.fromstring(asset.data)
        assert root.tag == f"{SVG}svg"
        # text is outlined: no <text>, no font references, no external links
        assert root.find(f".//{SVG}text") is None
        assert b"font-family" not in asset.data and b"href" not in asset.data
        assert root.find(f"{SVG}title") is not None
        if b"stacked" in asset.name.encode() or b"horizontal" in asset.name.encode():
            assert agency.name in root.find(f"{SVG}title").text
            assert len(root.findall(f".//{SVG}path")) >= 3


def test_lockup_svg_matches_its_png(pack, sleman):
    """PNG and PDF are drawn from the same SVG: the PNG has ink where the SVG puts the name."""
    assets = _by_name(build_logo_assets(pack, sleman, formats=("png",)))
    image = Image.open(io.BytesIO(assets["logo-horizontal.png"].data))
    assert image.size == (1800, 480)
    name_band = image.crop((540, 214, 1760, 330)).getchannel("A")
    assert name_band.getextrema()[1] == 255
