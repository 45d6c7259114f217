"""Layered rendering (layers.py): the composed poster is the poster, pixel for pixel and in PDF
structure; the body is laid out once and reused; both layers are preflighted."""

import pypdfium2 as pdfium
import pytest
from conftest import pdffonts, pdftotext
from PIL import ImageChops

from netral_assets import NetralError, build_poster, load_pack
from netral_assets.assets.layers import cache_stats, clear_cache, compose_raster, is_layered
from netral_assets.model.designs import load_design
from netral_assets.model.pack import Channel
from netral_assets.output.pdfboxes import print_boxes
from netral_assets.output.writers import rasterize, write_pdf
from netral_assets.render.document import design_html, render_design

DESIGNS = ("larangan", "faktor", "statistik", "lapor", "sanksi")


def _max_diff(a, b) -> int:
    assert a.size == b.size and a.mode == b.mode
    return max(high for _, high in ImageChops.difference(a, b).getextrema())


def _pdf_image(data: bytes, scale: float = 1.5):
    pdf = pdfium.PdfDocument(data)
    try:
        return pdf[0].render(scale=scale, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
    finally:
        pdf.close()


def test_every_bundled_poster_is_layered(pack):
    assert all(is_layered(load_design(pack, "poster", name)) for name in DESIGNS)


@pytest.mark.parametrize("design", DESIGNS)
def test_composed_raster_matches_the_single_document_render(pack, sleman, longest, design):
    d = load_design(pack, "poster", design)
    for agency in (sleman, longest):
        # square first: its footer layer is the feed's too (same band), placed by each canvas's height
        for fmt in ("square", "feed", "story"):
            full = rasterize(render_design(pack, d, fmt, agency))
            composed = compose_raster(pack, d, fmt, agency).product
            # identical but for anti-aliasing rounding where the layers meet
            assert _max_diff(full, composed) <= 2, (design, agency.code, fmt)


@pytest.mark.parametrize("print_marks", [False, True])
def test_composed_pdf_matches_the_single_document_render(pack, longest, tmp_path, print_marks):
    d = load_design(pack, "poster", "statistik")
    asset = build_poster(pack, longest, "statistik", "a3", ".pdf", print_marks=print_marks)
    rendered = render_design(pack, d, "a3", longest, print_marks=print_marks)
    options = {"finisher": print_boxes(d.format("a3").zoom)} if print_marks else {}
    full = write_pdf(rendered, **options)
    assert _max_diff(_pdf_image(asset.data), _pdf_image(full)) <= 4
    doc, ref = pdfium.PdfDocument(asset.data), pdfium.PdfDocument(full)
    try:
        for box in ("get_mediabox", "get_trimbox", "get_bleedbox"):
            assert getattr(doc[0], box)() == pytest.approx(getattr(ref[0], box)(), abs=0.01)
        assert doc.get_metadata_dict()["Title"] == f"{d.title} — {longest.name}"
    finally:
        doc.close()
        ref.close()
    text = " ".join(pdftotext(asset.data, tmp_path).split()).replace("/ ", "/")  # a name may break after a slash
    assert " ".join(longest.name.split()) in text and "Sumber: KASN" in text
    # every font embedded, and each subset under its own tag (the two layers' subsets differ)
    fonts = pdffonts(asset.data, tmp_path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)
    assert len({f["name"] for f in fonts}) == len(fonts), fonts


def test_the_body_is_laid_out_once_for_every_agency(pack, registry):
    clear_cache()
    agencies = [registry.find(code) for code in ("34.04", "11.01", "35.79", "31.71")]
    for agency in agencies:
        asset = build_poster(pack, agency, "larangan", "feed", ".jpg")
        assert not asset.findings
    stats = cache_stats()
    assert (stats["misses"], stats["hits"]) == (1, 3)
    body = design_html(pack, load_design(pack, "poster", "larangan"), "feed", None, layer="body")
    assert all(a.name not in body.html for a in agencies)


def test_one_footer_layer_serves_every_poster_design(pack, sleman, longest):
    clear_cache()
    for agency in (sleman, longest):
        for design in DESIGNS:
            for fmt, ext in (("square", ".png"), ("feed", ".jpg"), ("story", ".jpg"), ("a3", ".pdf")):
                build_poster(pack, agency, design, fmt, ext)
    stats = cache_stats()
    # bodies: one per design and format; footers: per agency one for square and feed, one for
    # story (its bottom safe zone), one for A3 — whatever the design
    assert (stats["misses"], stats["layer_misses"]) == (20, 6), stats


def test_kept_pixels_and_redrawn_pdf_give_the_same_file(pack, sleman):
    from netral_assets.assets.layers import PIXEL_BYTES, limit_pixels

    clear_cache()
    try:
        limit_pixels(0)  # no raw pixels: drawn from the PDF once, then unpacked
        redrawn = [build_poster(pack, sleman, "faktor", "story", ".jpg").data for _ in range(2)]
        assert cache_stats()["pixel_bytes"] == 0 and 0 < cache_stats()["packed_bytes"] < 1080 * 1920 * 3 / 10
        clear_cache()
        limit_pixels(PIXEL_BYTES / 2**20)
        kept = [build_poster(pack, sleman, "faktor", "story", ".jpg").data for _ in range(2)]
        assert cache_stats()["pixel_bytes"] == 1080 * 1920 * 3
    finally:
        limit_pixels(PIXEL_BYTES / 2**20)
    assert len(set(redrawn + kept)) == 1


def test_a_different_channel_is_a_different_body(pack, sleman):
    import zxingcpp
    from PIL import Image

    clear_cache()
    own = Channel(id="inspektorat", name="Inspektorat Sleman", url="https://inspektorat.slemankab.go.id/lapor")
    default = build_poster(pack, sleman, "lapor", "feed", ".png")
    custom = build_poster(pack, sleman, "lapor", "feed", ".png", extra={"channel": own})
    import io

    def decoded(asset):
        image = Image.open(io.BytesIO(asset.data)).convert("L")
        return {r.text for r in zxingcpp.read_barcodes(image)}

    assert decoded(custom) == {own.url}
    assert decoded(default) != decoded(custom)
    assert cache_stats()["misses"] == 2


LAYERED = """\
{% import "base/macros.html.j2" as m with context %}
<!doctype html><html lang="id"><head>{{ m.head("uji") }}
<style>
  body { width: {{ fmt.width }}px; height: {{ fmt.height }}px; position: relative; }
  {% if layer != "agency" %}body { background: #fff; }{% endif %}
  .pale { position: absolute; left: 60px; top: 100px; font-size: 22px; color: #A0A8B8; }
  .name { position: absolute; left: 60px; bottom: 60px; width: 200px; white-space: nowrap; font-size: 30px; }
</style></head><body>
{% if layer != "agency" %}<div class="pale" data-box="isi">BODYTEXT</div>{% endif %}
{% if layer != "body" %}<div class="name" data-box="nama">{{ agency.name }}</div>{% endif %}
</body></html>
"""


@pytest.fixture(scope="module")
def layered_pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("pack")
    for name, body_text in (("uji-lapis", "Abu-abu muda di atas putih"), ("uji-bocor", "{{ agency.name }}")):
        folder = root / "templates" / "poster" / name
        folder.mkdir(parents=True)
        (folder / "design.toml").write_text('title = "Uji"\nlayered = true\nformats = ["square", "a4"]\n', "utf-8")
        (folder / "template.html.j2").write_text(LAYERED.replace("BODYTEXT", body_text), "utf-8")
    return load_pack(root)


def test_both_layers_are_preflighted_and_body_findings_survive_the_cache(layered_pack, sleman, longest):
    clear_cache()
    for ext, fmt in ((".png", "square"), (".pdf", "a4")):
        for agency in (longest, sleman, longest):  # the second and third reuse the body
            asset = build_poster(layered_pack, agency, "uji-lapis", fmt, ext)
            rules = {(f.element, f.rule) for f in asset.findings}
            assert ("isi", "contrast") in rules, asset.findings  # the body's
            assert ("nama", "overflow") in rules, asset.findings  # the agency layer's (nowrap, 200 px)


def test_a_body_that_uses_the_agency_fails_loudly(layered_pack, sleman):
    with pytest.raises(NetralError, match="lapisan body"):
        build_poster(layered_pack, sleman, "uji-bocor", "square", ".png")
