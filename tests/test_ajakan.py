"""The invitation poster `ajakan`: the agency's frame shown in use, three steps, a QR code and the short
address of the agency's page (from the public URL), in every poster format; refused without an address;
the short address leads to the page; the web kit includes it."""

import io

import httpx
import pytest
from PIL import Image

from netral_assets import NetralError, build_poster
from netral_assets.checks.qr import decode_qr, decoder_available
from netral_assets.web import create_app
from netral_assets.web.kits import KitRequest
from netral_assets.web.server import background_server

PUBLIC = "https://netral.example.go.id"
FORMATS = [("square", ".png"), ("feed", ".png"), ("story", ".jpg"), ("a4", ".pdf"), ("a3", ".pdf")]


def test_refused_without_a_public_address(pack, sleman):
    with pytest.raises(NetralError, match="alamat publik aplikasi web: jalankan dengan --public-url"):
        build_poster(pack, sleman, "ajakan", "feed", ".png")


@pytest.mark.parametrize("fmt,ext", FORMATS)
def test_every_format_passes_preflight_for_the_longest_name(pack, sleman, longest, fmt, ext):
    for agency in (sleman, longest):
        asset = build_poster(pack, agency, "ajakan", fmt, ext, extra={"public_url": PUBLIC})
        assert asset.findings == [], (agency.name, fmt, asset.findings)
        assert agency.name in asset.alt


@pytest.mark.skipif(not decoder_available(), reason="zxing-cpp")
def test_qr_decodes_to_the_short_address_printed_under_it(pack, sleman):
    asset = build_poster(pack, sleman, "ajakan", "feed", ".png", extra={"public_url": PUBLIC + "/"})
    with Image.open(io.BytesIO(asset.data)) as image:
        codes = decode_qr(image.convert("RGB"))
    assert codes == [(True, f"{PUBLIC}/k/34.04")]


@pytest.mark.skipif(not decoder_available(), reason="zxing-cpp")
def test_printed_ajakan_has_one_qr_code_the_invitation_and_the_check_as_text(pack, sleman, tmp_path):
    # Its QR code is the message: the authenticity line beside it prints as text, not a second code.
    extra = {"public_url": PUBLIC, "code": "K7Q2-9XA"}
    asset = build_poster(pack, sleman, "ajakan", "a4", ".pdf", extra=extra)
    import pypdfium2

    page = pypdfium2.PdfDocument(asset.data)[0]
    image = page.render(scale=200 / 72).to_pil().convert("RGB")
    assert [text for _, text in decode_qr(image)] == [f"{PUBLIC}/k/34.04"]
    assert "netral.example.go.id/cek/K7Q2-9XA" in page.get_textpage().get_text_range()
    larangan = build_poster(pack, sleman, "larangan", "a4", ".pdf", extra=extra)  # other designs keep their QR
    larangan_page = pypdfium2.PdfDocument(larangan.data)[0].render(scale=200 / 72).to_pil().convert("RGB")
    assert [text for _, text in decode_qr(larangan_page)] == [f"{PUBLIC}/cek/K7Q2-9XA"]


def test_short_address_leads_to_the_agency_page(pack, registry):
    with background_server(create_app(pack, registry, public_url=PUBLIC)) as base, \
            httpx.Client(base_url=base, timeout=30) as c:
        r = c.get("/k/34.04")
        assert r.status_code == 308 and r.headers["location"] == "/t/kabupaten-sleman"
        assert c.get("/k/99.99", headers={"Accept": "text/html"}).status_code == 404


def test_web_kit_has_the_poster_only_with_an_address_and_a_registry_agency(tmp_path, sleman):
    from netral_assets.model.agencies import custom_agency
    from netral_assets.model.pack import load_pack

    (tmp_path / "brand.toml").write_text(f'[web]\npublic_url = "{PUBLIC}"\n')
    pack = load_pack(tmp_path)

    def designs(request):
        return {j.design for j in request.plan(pack) if j.kind == "poster"}

    parts = ("poster",)
    assert "ajakan" in designs(KitRequest(sleman, parts, public_url=PUBLIC))
    assert "ajakan" not in designs(KitRequest(sleman, parts))
    assert "ajakan" not in designs(KitRequest(custom_agency("Dinas Contoh"), parts, public_url=PUBLIC))
