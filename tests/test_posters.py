"""Posters: every design in every format for the shortest and the longest agency names — sizes, page
boxes, extracted text, decoded QR codes, source lines, the agency's own logo, print bleed."""

import io
import re

import pypdfium2 as pdfium
import pytest
import zxingcpp
from conftest import pdffonts, pdftotext, save_result
from PIL import Image

from netral_assets import NetralError, build_poster, list_designs
from netral_assets.model.formatting import format_date_id
from netral_assets.model.pack import Channel

DESIGNS = ("larangan", "faktor", "statistik", "lapor", "sanksi")
RASTER = {"square": (1080, 1080), "feed": (1080, 1350), "story": (1080, 1920)}
PAPER_PT = {"a4": (595.28, 841.89), "a3": (841.89, 1190.55)}
BLEED_PT = 3 * 72 / 25.4
TITLES = {"larangan": "Larangan bagi ASN", "faktor": "Lima faktor penyebab", "statistik": "Netralitas ASN dalam angka",
          "lapor": "Laporkan pelanggaran", "sanksi": "Sanksi bagi pelanggar"}


@pytest.fixture(scope="module")
def batu(registry):
    agency = registry.find("Pemerintah Kota Batu")
    assert agency.name == "Pemerintah Kota Batu"
    return agency


@pytest.fixture(scope="module")
def posters(pack, batu, longest):
    """Every design × format × (shortest, longest name), rendered once for the module."""
    out = {}
    for agency in (batu, longest):
        for design in DESIGNS:
            for fmt in (*RASTER, *PAPER_PT):
                ext = ".pdf" if fmt in PAPER_PT else ".png"
                out[(agency.code, design, fmt)] = build_poster(pack, agency, design, fmt, ext)
    return out


def _qr_texts(image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)]


def _pdf_raster(data: bytes, dpi: int = 150):
    pdf = pdfium.PdfDocument(data)
    try:
        return pdf[0].render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil()
    finally:
        pdf.close()


def test_all_five_designs_offer_all_five_formats(pack):
    designs = {d.name: d for d in list_designs(pack, "poster")}
    assert set(DESIGNS) <= set(designs)
    for name in DESIGNS:
        assert designs[name].formats == ["square", "feed", "story", "a4", "a3"]
        assert designs[name].meta.get("alt"), name


def test_every_design_and_format_has_its_size_and_no_findings(posters, batu, longest):
    for (code, design, fmt), asset in posters.items():
        name = f"{code}-{design}-{fmt}"
        if asset.findings:
            save_result(f"poster-{name}{'.pdf' if fmt in PAPER_PT else '.png'}", asset.data)
        assert asset.findings == [], (name, [str(f) for f in asset.findings])
        if fmt in RASTER:
            image = Image.open(io.BytesIO(asset.data))
            assert image.size == RASTER[fmt], name
            assert asset.size == {"px": list(RASTER[fmt])}
        else:
            pdf = pdfium.PdfDocument(asset.data)
            assert len(pdf) == 1, name
            page = pdf[0]
            for box in (page.get_mediabox(), page.get_trimbox()):
                assert box[0] == pytest.approx(0, abs=0.01) and box[1] == pytest.approx(0, abs=0.01)
                assert box[2] == pytest.approx(PAPER_PT[fmt][0], abs=0.01), name
                assert box[3] == pytest.approx(PAPER_PT[fmt][1], abs=0.01), name
            pdf.close()


def test_story_keeps_text_out_of_the_app_zones(pack, batu, longest):
    """Instagram and WhatsApp draw their own UI over the top and bottom 250 px of a story."""
    from weasyprint.formatting_structure.boxes import TextBox

    from netral_assets.checks.boxes import children, page_box
    from netral_assets.model.designs import load_design
    from netral_assets.render.document import render_design

    for agency in (batu, longest):
        for name in DESIGNS:
            rendered = render_design(pack, load_design(pack, "poster", name), "story", agency)
            texts = []

            def walk(box, texts=texts):
                if isinstance(box, TextBox) and box.text.strip():
                    texts.append((box.position_y, box.position_y + box.height, box.text))
                for child in children(box):
                    walk(child)

            walk(page_box(rendered.document.pages[0]))
            assert texts
            for top, bottom, text in texts:
                assert top >= 250 and bottom <= 1920 - 250, (name, text, top, bottom)


def test_pdf_text_names_the_agency_and_the_design(posters, batu, longest, tmp_path):
    for agency in (batu, longest):
        for design in DESIGNS:
            text = " ".join(pdftotext(posters[(agency.code, design, "a4")].data, tmp_path).split())
            # the longest name wraps in the footer: compare words, not lines (a line may end after "/")
            text = text.replace("/ ", "/")
            assert agency.name in text, (design, agency.name)
            assert TITLES[design] in text
            assert "ASN PILIH NETRAL" in text and "#ASNPilihNetral" in text


def test_pdf_fonts_are_embedded_subsets(posters, batu, tmp_path):
    for design in DESIGNS:
        fonts = pdffonts(posters[(batu.code, design, "a3")].data, tmp_path)
        assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts), design


def test_statistik_prints_a_source_line_under_every_figure(posters, pack, batu, tmp_path):
    asset = posters[(batu.code, "statistik", "a4")]
    assert len(asset.sources) >= 11  # the hero and five rows of two figures
    text = pdftotext(asset.data, tmp_path, layout=True)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for figure in asset.sources:
        stat = pack.statistics.get(figure["id"])
        line = stat.source_line
        assert line == f"Sumber: {figure['body']}, {format_date_id(stat.published)}"
        assert any(line in row for row in lines), (figure["id"], line)
        assert stat.text in text, figure["id"]


def test_statistik_prints_no_number_that_is_not_a_figure(posters, pack, batu, tmp_path):
    """Numbers reach the poster only through stat(): every number printed is a figure, a percentage
    derived from two figures, a period, or a date of a source line."""
    asset = posters[(batu.code, "statistik", "a4")]
    allowed = set()
    for figure in asset.sources:
        f = pack.statistics.get(figure["id"])
        allowed |= {f.text, *re.findall(r"\d+", f.period), *re.findall(r"\d+", format_date_id(f.published))}
        if pack.statistics.percent_text(f):
            allowed.add(pack.statistics.percent_text(f).rstrip("%"))
    text = pdftotext(asset.data, tmp_path)
    # the campaign chrome's own digits (none today) would be listed here
    for token in re.findall(r"\d[\d.,]*\d|\d", text):
        assert token in allowed, f"{token!r} is printed but is not a figure from statistics.toml"


def test_statistik_alt_text_carries_its_numbers(pack, posters, batu):
    # Every figure the poster shows is in its alt text, with its percentage where it has a base.
    from netral_assets.model.formatting import format_number

    for fmt in ("feed", "story", "a4"):
        asset = posters[(batu.code, "statistik", fmt)]
        assert "Pemerintah Kota Batu" in asset.alt
        assert len(asset.sources) >= 3, fmt
        for source in asset.sources:
            figure = pack.statistics.get(source["id"])
            assert format_number(figure.value) in asset.alt, (fmt, figure.id)
            percent = pack.statistics.percent_text(figure)
            if percent:
                assert percent in asset.alt, (fmt, figure.id)
    assert "1.678" in posters[(batu.code, "statistik", "feed")].alt


def test_every_poster_has_alt_text_naming_the_agency(posters, batu, longest):
    names = {batu.code: batu.name, longest.code: longest.name}
    for (code, design, fmt), asset in posters.items():
        assert "ASN PILIH NETRAL" in asset.alt and names[code] in asset.alt, (design, fmt)


def test_lapor_qr_decodes_to_the_default_channel_in_every_format(posters, pack, batu, longest, tmp_path):
    url = pack.channels[0].url
    for agency in (batu, longest):
        for fmt in RASTER:
            image = Image.open(io.BytesIO(posters[(agency.code, "lapor", fmt)].data))
            assert _qr_texts(image) == [url], fmt
        for fmt in PAPER_PT:
            data = posters[(agency.code, "lapor", fmt)].data
            assert _qr_texts(_pdf_raster(data)) == [url], fmt
            assert "www.lapor.go.id" in pdftotext(data, tmp_path)


def test_lapor_uses_the_agency_channel_when_given(pack, batu):
    channel = Channel("pemkot", "Layanan Pengaduan Kota Batu", "https://lapor.batukota.go.id/netralitas")
    asset = build_poster(pack, batu, "lapor", "square", ".png", extra={"channel": channel})
    assert asset.findings == []
    assert _qr_texts(Image.open(io.BytesIO(asset.data))) == [channel.url]


def test_lapor_channel_from_a_user_pack(tmp_path, batu):
    from netral_assets import load_pack

    (tmp_path / "brand.toml").write_text(
        '[[channels]]\nid = "bkd"\nname = "BKD Kota Batu"\nurl = "https://bkd.batukota.go.id/lapor"\n', "utf-8")
    asset = build_poster(load_pack(tmp_path), batu, "lapor", "feed", ".png")
    assert _qr_texts(Image.open(io.BytesIO(asset.data))) == ["https://bkd.batukota.go.id/lapor"]


# -- print --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["a4", "a3"])
def test_print_trimbox_is_the_paper_not_off_by_the_zoom_and_bleed_is_3_mm(pack, batu, fmt, tmp_path):
    # WeasyPrint 70 scales the CSS bleed by 0.75 instead of the PDF zoom: its TrimBox was 0.3 pt off
    asset = build_poster(pack, batu, "statistik", fmt, ".pdf", print_marks=True)
    assert asset.findings == []
    pdf = pdfium.PdfDocument(asset.data)
    page = pdf[0]
    trim, bleed, media = page.get_trimbox(), page.get_bleedbox(), page.get_mediabox()
    w, h = PAPER_PT[fmt]
    assert trim == pytest.approx((0, 0, w, h), abs=0.01)
    assert bleed == pytest.approx((-BLEED_PT, -BLEED_PT, w + BLEED_PT, h + BLEED_PT), abs=0.01)
    # the sheet carries a slug outside the bleed for the crop marks
    assert media[0] < bleed[0] - 10 and media[2] > bleed[2] + 10
    pdf.close()
    fonts = pdffonts(asset.data, tmp_path)
    assert fonts and all(f["emb"] == "yes" for f in fonts)


def test_print_backgrounds_reach_into_the_bleed_and_marks_sit_outside_it(pack, batu):
    asset = build_poster(pack, batu, "larangan", "a4", ".pdf", print_marks=True)
    pdf = pdfium.PdfDocument(asset.data)
    page = pdf[0]
    media = page.get_mediabox()
    dpi = 144
    image = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
    pdf.close()

    def px(x_pt, y_pt_from_top):  # page coordinates (trim origin, y down) -> pixel
        return image.getpixel((round((x_pt - media[0]) * dpi / 72), round((y_pt_from_top - media[1]) * dpi / 72)))

    navy = (0x12, 0x28, 0x4C)
    w, h = PAPER_PT["a4"]
    mm = 72 / 25.4
    # 1.5 mm outside the trim, beside the header band: navy, top-left and top-right
    for x, y in ((-1.5 * mm, 20), (w + 1.5 * mm, 20), (100, -1.5 * mm)):
        assert max(abs(a - b) for a, b in zip(px(x, y), navy, strict=True)) < 12, (x, y, px(x, y))
    # beside the body (paper colour, not white) and below the footer stripe
    assert px(-1.5 * mm, h / 2) != (255, 255, 255)
    assert px(w / 4, h + 1.5 * mm) != (255, 255, 255)
    # 5 mm out, the slug is white except for the crop marks on the trim lines
    assert px(-5 * mm, h / 2) == (255, 255, 255)
    def darkest(x, y):  # hairlines are anti-aliased: look one pixel either side
        return min(sum(px(x + dx, y + dy)) for dx in (-0.5, 0, 0.5) for dy in (-0.5, 0, 0.5))

    assert darkest(0, -7 * mm) < 500 and darkest(-7 * mm, 0) < 500  # crop marks on the trim lines
    assert px(3 * mm, -7 * mm) == (255, 255, 255)


# -- agency logo ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def logo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("logos")
    from PIL import ImageDraw

    shield = Image.new("RGBA", (400, 480), (0, 0, 0, 0))
    ImageDraw.Draw(shield).polygon([(200, 10), (390, 80), (360, 380), (200, 470), (40, 380), (10, 80)],
                                   fill=(20, 140, 60, 255))
    shield.save(folder / "logo.png")
    shield.convert("RGB").save(folder / "logo.jpg", quality=92)
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120">'
        '<path d="M50 2 L98 20 L90 95 L50 118 L10 95 L2 20Z" fill="#148C3C"/></svg>', "utf-8")
    return folder


@pytest.mark.parametrize("name", ["logo.png", "logo.jpg", "logo.svg"])
def test_agency_logo_replaces_the_mark_in_the_footer(pack, batu, logo_files, name):
    asset = build_poster(pack, batu, "sanksi", "feed", ".png", logo=logo_files / name)
    assert asset.findings == []
    image = Image.open(io.BytesIO(asset.data)).convert("RGB")
    # the footer emblem box is 76 px at (72, 1350 - 150 + 24); its centre is the logo's green
    r, g, b = image.getpixel((72 + 38, 1200 + 24 + 38))
    assert g > 110 and r < 60 and b < 90, (name, (r, g, b))


def test_agency_logo_in_print_pdf_stays_inside_the_page(pack, batu, logo_files):
    asset = build_poster(pack, batu, "faktor", "a3", ".pdf", print_marks=True, logo=logo_files / "logo.svg")
    assert asset.findings == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "kosong"),
        (b"GIF89a\x01\x00\x01\x00", "bukan PNG, JPEG atau SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "rusak"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><image href="https://x.test/a.png"/></svg>',
         "alamat luar"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>', "viewBox"),
        (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "ENTITY"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 9 9'><rect", "bukan SVG yang valid"),
    ],
)
def test_bad_logo_files_get_a_clear_message(pack, batu, tmp_path, content, message):
    path = tmp_path / "logo.bin"
    path.write_bytes(content)
    with pytest.raises(NetralError, match=re.escape(message)):
        build_poster(pack, batu, "larangan", "feed", ".png", logo=path)


def test_too_small_and_missing_logos_are_refused(pack, batu, tmp_path):
    Image.new("RGB", (40, 40), "green").save(tmp_path / "tiny.png")
    with pytest.raises(NetralError, match="terlalu kecil"):
        build_poster(pack, batu, "larangan", "feed", ".png", logo=tmp_path / "tiny.png")
    with pytest.raises(NetralError, match="tidak ada"):
        build_poster(pack, batu, "larangan", "feed", ".png", logo=tmp_path / "nothing.png")


def test_poster_command_takes_a_logo_and_reports_a_bad_one(logo_files, tmp_path):
    from click.testing import CliRunner

    from netral_assets.cli import cli

    runner = CliRunner()
    ok = runner.invoke(cli, ["poster", "-a", "35.79", "-d", "lapor", "--format", "square",
                             "--logo", str(logo_files / "logo.svg"), "-o", str(tmp_path / "p.png")])
    assert ok.exit_code == 0, ok.output
    (tmp_path / "bad.png").write_bytes(b"not an image")
    bad = runner.invoke(cli, ["poster", "-a", "35.79", "--logo", str(tmp_path / "bad.png"), "-o", str(tmp_path / "q.png")])
    assert bad.exit_code == 1 and "bukan PNG, JPEG atau SVG" in bad.output and "Traceback" not in bad.output
