"""Leaflets: page boxes, marks and bleed, fonts, tags, metadata, extracted text and its order, QR codes,
long names, and the checks that catch content that does not fit."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from click.testing import CliRunner
from conftest import pdffonts, pdftotext, save_result
from PIL import ImageChops

from netral_assets import NetralError, load_pack
from netral_assets.assets.leaflet import build_leaflet, contact_details
from netral_assets.cli import cli
from netral_assets.resources import bundled_dir

PT_PER_MM = 72 / 25.4
A4_LANDSCAPE = (297 * PT_PER_MM, 210 * PT_PER_MM)
A4 = (210 * PT_PER_MM, 297 * PT_PER_MM)
BATU_CONTACT = {
    "address": "Jl. Panglima Sudirman No. 507, Pesanggrahan, Kec. Batu, Kota Batu, Jawa Timur 65313",
    "phone": "(0341) 512345",
    "email": "humas@batukota.go.id",
    "website": "batukota.go.id",
}
# As long as the contact block allows (address 160 characters).
LONG_CONTACT = {
    "address": "Gedung Utama Lt. 2, Jl. Medan Merdeka Barat No. 3, Kelurahan Gambir, Kecamatan Gambir, "
    "Kota Administrasi Jakarta Pusat, Daerah Khusus Ibukota Jakarta 10110",
    "phone": "(021) 3459444 / 3459445",
    "email": "humas.dan.protokol@kemenkopmk.go.id",
    "website": "https://www.kemenkopmk.go.id/layanan-informasi",
}


@pytest.fixture(scope="module")
def batu(registry):
    return registry.find("Kota Batu")


@pytest.fixture(scope="module")
def trifold(pack, batu):
    return build_leaflet(pack, batu, "trifold", contact=BATU_CONTACT)


@pytest.fixture(scope="module")
def trifold_print(pack, batu):
    return build_leaflet(pack, batu, "trifold", print_marks=True)


@pytest.fixture(scope="module")
def single(pack, batu):
    return build_leaflet(pack, batu, "single", contact=BATU_CONTACT)


@pytest.fixture(scope="module")
def archival(pack, batu):
    return build_leaflet(pack, batu, "single", print_marks=True, pdfa=True)


def _keep(asset, name):
    """Write the PDF where a person can look when a test fails."""
    return save_result(name, asset.data)


def _boxes(data: bytes) -> list[dict]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [
            {"media": pdf[i].get_mediabox(), "trim": pdf[i].get_trimbox(), "bleed": pdf[i].get_bleedbox()}
            for i in range(len(pdf))
        ]
    finally:
        pdf.close()


def _close(box, expected, tol=0.01):
    return all(abs(a - b) <= tol for a, b in zip(box, expected, strict=True))


def pdfinfo(data: bytes, tmp_path: Path, *args: str) -> str:
    assert shutil.which("pdfinfo"), "poppler-utils is installed by `make test` (tools/system-deps.sh)"
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfinfo", *args, str(path)], check=True, capture_output=True, text=True).stdout


def pdftotext_raw(data: bytes, tmp_path: Path, page: int | None = None) -> str:
    """Text in content-stream order (the order the page was painted: the document's order)."""
    path = tmp_path / "raw.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-raw", *pages, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _utf16(function, handle) -> str:
    size = function(handle, None, 0)
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    function(handle, buffer, size)
    return bytes(buffer)[: size - 2].decode("utf-16-le")


def struct_elements(data: bytes) -> list[tuple[int, str, str]]:
    """(page index, structure type, alternate text) of every tagged element, read with pdfium."""
    pdf = pdfium.PdfDocument(data)
    found = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]  # keep the page open while its tree is read
            tree = pdfium_c.FPDF_StructTree_GetForPage(page.raw)

            def walk(element, index=index):
                found.append(
                    (
                        index,
                        _utf16(pdfium_c.FPDF_StructElement_GetType, element),
                        _utf16(pdfium_c.FPDF_StructElement_GetAltText, element),
                    )
                )
                for k in range(pdfium_c.FPDF_StructElement_CountChildren(element)):
                    child = pdfium_c.FPDF_StructElement_GetChildAtIndex(element, k)
                    if child:
                        walk(child)

            for k in range(pdfium_c.FPDF_StructTree_CountChildren(tree)):
                walk(pdfium_c.FPDF_StructTree_GetChildAtIndex(tree, k))
            pdfium_c.FPDF_StructTree_Close(tree)
    finally:
        pdf.close()
    return found


def _flat(text: str) -> str:
    return " ".join(text.split())


# -- pages and boxes ---------------------------------------------------------------------------------
def test_trifold_is_two_a4_landscape_pages(trifold):
    boxes = _boxes(trifold.data)
    assert len(boxes) == 2
    for page in boxes:
        for box in page.values():
            assert _close(box, (0, 0, *A4_LANDSCAPE)), page
    assert trifold.size == {"mm": [297, 210]}
    assert trifold.name == "leaflet-trifold.pdf"


def test_single_is_one_a4_portrait_page(single):
    boxes = _boxes(single.data)
    assert len(boxes) == 1
    assert _close(boxes[0]["trim"], (0, 0, *A4))


def test_print_trim_is_exactly_a4_with_3mm_bleed(trifold_print):
    """WeasyPrint 70 computes TrimBox without the layout's zoom (3 pt off at A4); it must be exact."""
    bleed, slug = 3 * PT_PER_MM, 10 * PT_PER_MM
    for page in _boxes(trifold_print.data):
        assert _close(page["trim"], (0, 0, *A4_LANDSCAPE)), page
        assert _close(page["bleed"], (-bleed, -bleed, A4_LANDSCAPE[0] + bleed, A4_LANDSCAPE[1] + bleed)), page
        assert _close(page["media"], (-slug, -slug, A4_LANDSCAPE[0] + slug, A4_LANDSCAPE[1] + slug)), page
    assert trifold_print.name == "leaflet-trifold-print.pdf"


def _render(data: bytes, index: int, dpi: int = 100):
    """The page as an image, and a function giving the pixel at (x, y) mm from the trim's top-left."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        left, _, _, top = page.get_mediabox()
        trim_height = page.get_trimbox()[3]
        image = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")
    finally:
        pdf.close()

    def at(x_mm: float, y_mm: float):
        x = (x_mm * PT_PER_MM - left) * dpi / 72
        y = (top - (trim_height - y_mm * PT_PER_MM)) * dpi / 72
        return image.getpixel((round(x), round(y)))

    return image, at


def _is_navy(rgb) -> bool:
    return rgb[2] > rgb[0] + 25 and max(rgb) < 110


def test_backgrounds_reach_into_the_bleed_and_stop_there(trifold_print):
    image, at = _render(trifold_print.data, 0)
    # The cover (right panel, navy) at its right edge: inside the trim, in the bleed, then white slug.
    assert _is_navy(at(296, 100)), at(296, 100)
    assert _is_navy(at(297 + 2, 100)), at(299, 100)
    assert at(297 + 4.5, 100) == (255, 255, 255)
    # And at its top edge.
    assert _is_navy(at(250, -2))
    assert at(250, -4.5) == (255, 255, 255)


def test_single_backgrounds_reach_into_the_bleed(archival):
    """The one-page leaflet's masthead (navy) and foot (mist) are not panels: they bleed too."""
    image, at = _render(archival.data, 0)
    assert _is_navy(at(105, -2)) and _is_navy(at(-2, 20)) and _is_navy(at(212, 20))
    mist = at(105, 296)
    assert mist != (255, 255, 255) and at(105, 299) == mist and at(-2, 290) == mist
    assert at(105, -4.5) == (255, 255, 255) and at(105, 301.5) == (255, 255, 255)
    assert at(212, 150) == (255, 255, 255)  # the white body does not need to bleed


def test_crop_marks_sit_outside_the_bleed(trifold_print):
    image, at = _render(trifold_print.data, 0, dpi=300)

    def darkest(x_mm, y_mm, reach=0.3):
        # the hairline (0.25 pt) is anti-aliased over a pixel or two: look a little around the point
        steps = [i * 0.05 for i in range(-round(reach / 0.05), round(reach / 0.05) + 1)]
        return min(min(at(x_mm + dx, y_mm + dy)) for dx in steps for dy in steps)

    # Top-left corner: a mark along the trim's top edge and one along its left edge, 3–8 mm out.
    assert darkest(-5.5, 0) < 120
    assert darkest(0, -5.5) < 120
    # Nothing in the bleed at the corner, nor beyond the mark's end.
    assert darkest(-1.5, -1.5) > 240
    assert darkest(-9.3, 0, reach=0.2) > 240
    # Dashed fold marks above the folds of the outside (97 and 197 mm).
    assert darkest(97, -5.5, reach=0.6) < 160
    assert darkest(197, -5.5, reach=0.6) < 160


def test_no_marks_without_print(trifold):
    pdf = pdfium.PdfDocument(trifold.data)
    assert pdf[0].get_mediabox() == pdf[0].get_trimbox()
    pdf.close()


# -- fonts, tags, metadata ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["trifold", "single", "archival"])
def test_fonts_are_embedded_and_subset(name, request, tmp_path):
    asset = request.getfixturevalue(name)
    fonts = pdffonts(asset.data, tmp_path)
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes", font
        assert re.match(r"[A-Z]{6}\+", font["name"]), font


@pytest.mark.parametrize("name", ["trifold", "single"])
def test_tagged_pdf_ua_in_indonesian(name, request, tmp_path):
    asset = request.getfixturevalue(name)
    info = pdfinfo(asset.data, tmp_path)
    assert "Tagged:          yes" in info
    pdf = pdfium.PdfDocument(asset.data)
    try:
        assert pdfium_c.FPDFCatalog_IsTagged(pdf.raw)  # StructTreeRoot and MarkInfo /Marked true
        assert _utf16(pdfium_c.FPDFCatalog_GetLanguage, pdf.raw) == "id"
    finally:
        pdf.close()
    meta = pdfinfo(asset.data, tmp_path, "-meta")
    assert 'pdfuaid:part="1"' in meta
    assert "PDF version:     1.7" in info


@pytest.mark.parametrize("name", ["trifold", "single"])
def test_headings_lists_and_figures_are_tagged(name, request):
    elements = struct_elements(request.getfixturevalue(name).data)
    types = {t for _, t, _ in elements}
    assert {"Document", "H1", "H2", "H3", "L", "LI", "LBody", "P", "Figure"} <= types
    assert sum(t == "H1" for _, t, _ in elements) == 1
    figures = [alt for _, t, alt in elements if t == "Figure"]
    assert all(figures), "every figure has alternate text"
    assert sum(alt.startswith("Kode QR menuju https://") for alt in figures) == 3
    chart = next(alt for alt in figures if alt.startswith("Grafik batang"))
    assert "Pilkada 2020: ASN dilaporkan 2.034" in chart and "Pemilu 2024" in chart


def test_title_and_subject(trifold, tmp_path):
    info = pdfinfo(trifold.data, tmp_path)
    assert "Title:           Leaflet Netralitas ASN (lipat tiga) — Pemerintah Kota Batu" in info
    assert re.search(r"Subject:\s+Netralitas ASN dalam Pemilu dan Pilkada: .*cara melapor", info)
    assert "Author:          Pemerintah Kota Batu" in info


def test_pdfa_is_pdfa3b_and_still_pdfua(archival, tmp_path):
    meta = pdfinfo(archival.data, tmp_path, "-meta")
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    assert 'pdfuaid:part="1"' in meta
    assert "<dc:title>" in meta
    info = pdfinfo(archival.data, tmp_path)
    assert "Tagged:          yes" in info
    assert not archival.findings


# -- text and its order ------------------------------------------------------------------------------
def test_reading_order_follows_the_fold(trifold, tmp_path):
    """The tag tree reads cover, flap, the three inside panels, then the back, though the back is
    printed on page 1; panels are the Document's own children."""
    tree = pdfinfo(trifold.data, tmp_path, "-struct-text")
    top = [line.strip() for line in tree.splitlines() if re.match(r"^  \S", line)]
    assert top == ["Sect"] * 6, top
    headings = re.findall(r"^\s+H[12] \(block\)\n(?:\s+\S.*\n)*?\s+\"(.+?)\"", tree, re.M)
    headings = [" ".join(h.split()) for h in headings]  # no-break spaces keep a title's last words together
    assert headings == [
        "Netralitas",
        "Apa itu netralitas ASN?",
        "Angka pelanggaran",
        "Dasar hukum netralitas ASN",
        "Lima faktor penyebab pelanggaran",
        "Larangan bagi ASN",
        "Sanksi bagi pelanggar",
        "Laporkan pelanggaran",
    ], headings


def test_text_extracts_panel_by_panel(trifold, pack, tmp_path):
    """Each page's text comes out a panel at a time in document order (cover first), in Indonesian."""
    outside = _flat(pdftotext_raw(trifold.data, tmp_path, 1))
    inside = _flat(pdftotext_raw(trifold.data, tmp_path, 2))
    order = [
        outside.index(s)
        for s in (
            "ASN PILIH NETRAL",
            "Netralitas ASN",
            "Pemerintah Kota Batu",
            "Apa itu netralitas ASN?",
            "Angka pelanggaran",
            "Laporkan pelanggaran",
            "Kontak instansi".upper(),
        )
    ]
    assert order == sorted(order), outside[:400]
    order = [
        inside.index(s)
        for s in (
            "Dasar hukum netralitas ASN",
            "Lima faktor penyebab pelanggaran",
            "Larangan bagi ASN",
            "Sanksi bagi pelanggar",
            "1.678",
            "Netral itu profesional. ASN pilih netral!",
        )
    ]
    assert order == sorted(order)
    # Whole paragraphs, never lines of two panels interleaved; Indonesian punctuation and numbers intact.
    text = outside + " " + inside
    content = pack.content
    for key in ("about", "regulations", "prohibitions", "sanctions"):
        for point in content[key]["points"]:
            assert _flat(point["body"]) in text, point["title"]
    for needle in (
        "Rp12.000.000,00",
        "78,5% dari 2.034",
        "Pasal 9 ayat (2): “Pegawai ASN",
        "Menu Pelaporan Publik → Netralitas",
        "(0341) 512345",
        "humas@batukota.go.id",
    ):
        assert needle in text


def test_default_pdftotext_keeps_paragraphs_whole(trifold, pack, tmp_path):
    text = _flat(pdftotext(trifold.data, tmp_path))
    for key in ("regulations", "prohibitions", "sanctions"):
        for point in pack.content[key]["points"]:
            assert _flat(point["body"]) in text, point["title"]


def test_single_reads_top_to_bottom(single, tmp_path):
    text = _flat(pdftotext_raw(single.data, tmp_path))
    order = [
        text.index(s)
        for s in (
            "Netralitas ASN",
            "Apa itu netralitas ASN?",
            "Larangan bagi ASN",
            "Sanksi bagi pelanggar",
            "Angka pelanggaran",
            "Dasar hukum",
            "Laporkan pelanggaran",
            "KONTAK INSTANSI",
        )
    ]
    assert order == sorted(order)


@pytest.mark.parametrize("name", ["trifold", "single"])
def test_every_figure_prints_its_source_line(name, request, tmp_path):
    asset = request.getfixturevalue(name)
    text = _flat(pdftotext(asset.data, tmp_path))
    assert asset.sources, "the leaflet prints statistics"
    for figure in asset.sources:
        assert f"{figure['value']:,}".replace(",", ".") in text or figure["value"] < 1000
        assert figure["source_title"]
    assert "Sumber: KASN, 6 Februari 2024." in text  # under the chart
    for value in ("2.034", "1.597", "1.450", "403", "183", "97"):
        assert value in text


# -- QR codes, long names, contact ---------------------------------------------------------------------
def test_qr_codes_decode_to_the_channels(trifold, pack):
    import zxingcpp

    image, _ = _render(trifold.data, 0, dpi=200)
    found = {r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    assert found == {c.url for c in pack.channels}


@pytest.mark.parametrize("variant", ["trifold", "single"])
def test_longest_names_and_contact_fit(pack, longest, registry, variant):
    for agency in (longest, registry.find("Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan")):
        asset = build_leaflet(pack, agency, variant, contact=LONG_CONTACT)
        if asset.findings:
            _keep(asset, f"leaflet-{variant}-{agency.slug}.pdf")
        assert asset.findings == [], asset.findings


def test_clean_leaflets_have_no_findings(trifold, single, trifold_print):
    for asset in (trifold, single, trifold_print):
        assert asset.findings == [], asset.findings


def test_contact_details_merge_and_validate(batu):
    assert contact_details(batu) == {}
    merged = contact_details(batu, {"phone": " (0341)   512345 ", "email": "humas@batukota.go.id"})
    assert merged == {"phone": "(0341) 512345", "email": "humas@batukota.go.id"}
    assert list(contact_details(batu, {"website": "a.id", "address": "Jl. A"})) == ["address", "website"]
    with pytest.raises(NetralError, match="tidak dikenal"):
        contact_details(batu, {"fax": "123"})
    with pytest.raises(NetralError, match="surel"):
        contact_details(batu, {"email": "bukan-surel"})
    with pytest.raises(NetralError, match="terlalu panjang"):
        contact_details(batu, {"address": "x" * 200})


def test_contact_from_the_agencies_csv_and_an_empty_override_removes_it(pack, tmp_path):
    from netral_assets import load_registry

    csv = tmp_path / "units.csv"
    csv.write_text("name,short_name,phone,email\nBagian Humas Setda Kota Batu,Humas Batu,(0341) 111,humas@batu.go.id\n")
    unit = load_registry(csv).find("Bagian Humas Setda Kota Batu")
    assert contact_details(unit) == {"phone": "(0341) 111", "email": "humas@batu.go.id"}
    assert contact_details(unit, {"phone": ""}) == {"email": "humas@batu.go.id"}


# -- preflight ---------------------------------------------------------------------------------------
def _pack_with_more_points(tmp_path: Path, key: str, extra: int) -> Path:
    """A user pack whose `key` section has `extra` more points than the bundled one."""
    brand = tmp_path / "brand"
    (brand / "content").mkdir(parents=True)
    source = (bundled_dir("brand") / "content" / "netralitas.toml").read_text("utf-8")
    data = tomllib.loads(source)
    point = data[key]["points"][0]
    sources = ", ".join(f'"{s}"' for s in point["sources"])
    added = "".join(
        f'\n[[{key}.points]]\ntitle = "{point["title"]} ({i})"\nbody = "{point["body"]}"\nsources = [{sources}]\n'
        for i in range(extra)
    )
    (brand / "content" / "netralitas.toml").write_text(source + added, "utf-8")
    return brand


def test_panel_overflow_is_reported(tmp_path, batu):
    pack = load_pack(_pack_with_more_points(tmp_path, "regulations", 3))
    asset = build_leaflet(pack, batu, "trifold")
    assert any(f.rule in ("overflow", "collision") and "inside-1" in f.element for f in asset.findings), asset.findings


def test_single_overflow_is_reported_not_dropped(tmp_path, batu):
    """The one-page leaflet's foot once vanished silently, text and all, when the content above it grew:
    WeasyPrint dropped the flex item that ran off the fixed-size sheet, so no text check saw it. Now
    the foot sits on the sheet's edge and content that runs into it is a finding."""
    pack = load_pack(_pack_with_more_points(tmp_path, "about", 3))
    asset = build_leaflet(pack, batu, "single")
    assert any(f.rule in ("overflow", "collision") and "foot" in f.element for f in asset.findings), asset.findings
    text = _flat(pdftotext(asset.data, tmp_path))
    assert "Laporkan pelanggaran" in text and "KONTAK INSTANSI" in text


def test_unknown_variant_names_the_available_ones(pack, batu):
    with pytest.raises(NetralError, match="trifold, single"):
        build_leaflet(pack, batu, "bifold")


# -- command line ------------------------------------------------------------------------------------
def test_cli_leaflet_writes_the_pdf(tmp_path):
    out = tmp_path / "leaflet.pdf"
    result = CliRunner().invoke(
        cli,
        [
            "leaflet",
            "--agency",
            "Kota Batu",
            "--variant",
            "single",
            "--contact",
            "phone=(0341) 512345",
            "--contact",
            "website=batukota.go.id",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "210×297 mm" in result.output
    text = _flat(pdftotext(out.read_bytes(), tmp_path))
    assert "(0341) 512345" in text and "batukota.go.id" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "leaflet.png"], "hanya dibuat sebagai PDF"),
        (["--contact", "phone", "-o", "x.pdf"], "kunci=nilai"),
        (["--contact", "fax=1", "-o", "x.pdf"], "tidak dikenal"),
        (["--variant", "bifold", "-o", "x.pdf"], "trifold, single"),
    ],
)
def test_cli_leaflet_bad_input_is_a_clear_message(args, message, tmp_path):
    result = CliRunner().invoke(cli, ["leaflet", "--agency", "Kota Batu", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("variant,print_marks", [("trifold", False), ("single", False), ("trifold", True)])
def test_layered_leaflet_is_the_whole_leaflet(pack, sleman, longest, tmp_path, monkeypatch, caplog, variant, print_marks):
    """The layered layout (a cached body with the agency's slots spliced in, render/splice.py) against
    the same leaflet laid out whole: same pixels, same text, same findings. This guards the splice,
    which works on WeasyPrint's layout boxes, across WeasyPrint upgrades. The whole layout is the
    one an untested WeasyPrint gets (the version gate in checks/boxes.py)."""
    import logging

    from netral_assets.assets.leaflet import clear_cache
    from netral_assets.checks import boxes
    from netral_assets.model.designs import load_design

    def pages(data: bytes) -> list:
        pdf = pdfium.PdfDocument(data)
        try:
            return [page.render(scale=1.5, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB") for page in pdf]
        finally:
            pdf.close()

    assert load_design(pack, "leaflet", variant).meta.get("slots")
    clear_cache()
    said = []
    for agency in (sleman, longest):
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            layered = build_leaflet(pack, agency, variant, print_marks=print_marks)
        # every way a slotted design ends up laid out whole says so: silence means the layers were used
        assert not caplog.records, caplog.text
        with monkeypatch.context() as m, caplog.at_level(logging.WARNING):
            m.setattr(boxes, "TESTED_WEASYPRINT", ())
            whole = build_leaflet(pack, agency, variant, print_marks=print_marks)
        said += [r.getMessage() for r in caplog.records]
        ours, theirs = pages(layered.data), pages(whole.data)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert max(high for _, high in ImageChops.difference(a, b).getextrema()) <= 2, (variant, agency.code)
        assert pdftotext(layered.data, tmp_path) == pdftotext(whole.data, tmp_path)
        assert [str(f) for f in layered.findings] == [str(f) for f in whole.findings]
    assert len(said) == 1 and "ditata utuh" in said[0], said  # the fallback speaks, once per process
