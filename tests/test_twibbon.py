import io

import pytest
from conftest import save_result
from PIL import Image

from netral_assets.assets.twibbon import build_twibbon
from netral_assets.errors import NetralError
from netral_assets.model.designs import list_designs


def _designs(pack):
    return [d.name for d in list_designs(pack, "twibbon")]


def test_at_least_two_designs_with_round_and_square_windows(pack):
    shapes = {d.window().shape for d in list_designs(pack, "twibbon")}
    assert shapes >= {"circle", "rect"}


@pytest.mark.parametrize("fmt, size", [("square", (1080, 1080)), ("story", (1080, 1920))])
def test_frame_is_transparent_inside_window_and_opaque_outside(pack, registry, fmt, size):
    for design in list_designs(pack, "twibbon"):
        if fmt not in design.formats:
            continue
        asset = build_twibbon(pack, registry.find("kemenko-pmk"), design.name, fmt=fmt)
        image = Image.open(io.BytesIO(asset.data))
        assert image.size == size and image.mode == "RGBA"
        assert asset.findings == []
        w = design.window(fmt)
        alpha = image.getchannel("A")
        cx, cy = w.center
        inset = 3
        probes = [(cx, cy), (w.x + inset + w.radius, cy), (cx, w.y + inset + w.radius / 2 + 1),
                  (w.x + w.width - inset - w.radius, cy), (cx, w.y + w.height - inset - 2)]
        for x, y in probes:
            assert alpha.getpixel((int(x), int(y))) == 0, (design.name, fmt, x, y)
        # the whole window's interior is empty: no artwork leaks into the photo
        inner = alpha.crop((int(w.x + w.width * 0.2), int(w.y + w.height * 0.2),
                            int(w.x + w.width * 0.8), int(w.y + w.height * 0.8)))
        assert inner.getextrema() == (0, 0)
        # just outside the window the frame is opaque
        assert alpha.getpixel((int(cx), int(w.y - 30))) == 255
        assert alpha.getpixel((5, 5)) == 255
        # the edge is anti-aliased: some partial alpha values along the boundary
        edge = alpha.crop((int(w.x) - 2, int(cy) - 40, int(w.x) + 40, int(cy) + 40)) if w.shape == "circle" else \
            alpha.crop((int(w.x) - 2, int(w.y) - 2, int(w.x + w.radius) + 2, int(w.y + w.radius) + 2))
        assert sum(edge.histogram()[1:255]) > 0
        save_result(f"twibbon-{design.name}-{fmt}.png", asset.data)


def test_twibbon_refuses_formats_without_transparency(pack, sleman):
    with pytest.raises(NetralError, match="transparan"):
        build_twibbon(pack, sleman, None, ".jpg")


def test_pegawai_design_prints_a_person_and_falls_back_to_the_slogan(pack, registry, tmp_path):
    from conftest import pdftotext

    from netral_assets.model.designs import load_design
    from netral_assets.render.document import render_design

    design = load_design(pack, "twibbon", "pegawai")
    agency = registry.find("kemenko-pmk")
    texts = {"name": "Dr. Siti Nurhaliza Rahmawati, S.H., M.Si.", "unit": "Biro Hukum dan Hubungan Masyarakat"}
    for fmt in design.formats:
        with_name = render_design(pack, design, fmt, agency, extra={"texts": texts})
        assert with_name.findings == []
        without = render_design(pack, design, fmt, agency)
        assert without.findings == []
    named = pdftotext(with_name.document.write_pdf(), tmp_path)
    assert "Siti Nurhaliza" in named and pack.slogan not in named
    assert pack.slogan in pdftotext(without.document.write_pdf(), tmp_path)
