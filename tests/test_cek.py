"""The public check (issue 19): `POST /api/v1/verify`, `/cek` and `/cek/<code>` on a real poster signed with a
test identity and registered in the store: valid, one changed byte, stripped credentials (found by hash),
a WhatsApp recompression (found by hash), a QR code in the picture, a typed code, an unknown code, and the
refusals; then the page in Chromium at phone size with a good, a tampered and an unsigned poster."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from netral_assets.kit.build import build, registration
from netral_assets.kit.manifest import manifest_entry
from netral_assets.kit.plan import KitOptions, plan_kit
from netral_assets.model.formatting import format_date_id
from netral_assets.photo.decode import Limits
from netral_assets.provenance import asset_claims, init_identity, load_identity, sign_bytes, verify_bytes
from netral_assets.provenance.codes import Registration, hash_distance, perceptual_hash
from netral_assets.provenance.verify import UNTRUSTED_WHY
from netral_assets.web import create_app
from netral_assets.web.server import background_server

ISSUER = "Pemerintah Kabupaten Sleman"
SCREENSHOTS = Path(__file__).parent / "results"  # kept for a person to look at (tests/results/, ignored by git)


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def identity(tmp_path_factory):
    return init_identity(ISSUER, tmp_path_factory.mktemp("cek") / "id")


def kit_file(pack, agency, design: str):
    """The kit's job for a design's feed poster (JPEG), and the poster it makes (with its code printed)."""
    jobs = plan_kit(pack, agency, KitOptions(only=("poster",)))
    job = next(j for j in jobs if (j.design, j.format, j.ext) == (design, "feed", ".jpg") and not j.print_marks)
    return job, build(job)


@pytest.fixture(scope="module")
def made(pack, sleman):
    return kit_file(pack, sleman, "statistik")


@pytest.fixture(scope="module")
def poster(made):
    return made[1]


@pytest.fixture(scope="module")
def signed(poster, identity, pack, sleman) -> bytes:
    return sign_bytes(poster.data, ".jpg", load_identity(identity), asset_claims(poster, sleman, pack.name))


@pytest.fixture(scope="module")
def other(pack, sleman):
    """Another design of the same agency, registered too: a match must pick the right one."""
    return kit_file(pack, sleman, "sanksi")


@pytest.fixture(scope="module")
def registered(made, signed, other) -> list[Registration]:
    """As the kit registers them (kit.build.registration): the signed statistik poster, the sanksi poster."""
    (job, poster), (other_job, other_poster) = made, other
    return [registration(job, signed, None, manifest_entry(poster, job).get("sources") or (), issuer=ISSUER,
                         signed=True),
            registration(other_job, other_poster.data, None, manifest_entry(other_poster, other_job).get("sources") or (),
                         issuer=ISSUER, signed=False)]


@pytest.fixture(scope="module")
def app(pack, registry, identity, registered):
    app = create_app(pack, registry, identity=identity, rates={"verify": (100.0, 1000)})
    app.state.netral.register(registered)
    yield app
    # background_server runs the lifespan, which shuts the state down


@pytest.fixture(scope="module")
def server(app):
    with background_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


def verify(client, data: bytes | None = None, name: str = "poster.jpg", code: str | None = None):
    files = {"file": (name, data, "application/octet-stream")} if data is not None else None
    return client.post("/api/v1/verify", files=files, data={"code": code} if code else None)


def with_qr(picture: Image.Image, code: str, at: tuple[int, int]) -> bytes:
    """`picture` (changed in place) with a QR code of the code's /cek address pasted at `at`, as PNG."""
    import zxingcpp

    qr = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(
        f"https://netral.example.go.id/cek/{code}", zxingcpp.BarcodeFormat.QRCode), scale=6)
    picture.paste(Image.fromarray(qr) if not isinstance(qr, Image.Image) else qr, at)
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def strip_c2pa(jpeg: bytes) -> bytes:
    """The JPEG without its APP11 (JUMBF, C2PA) segments: what a platform that strips metadata sends on."""
    assert jpeg[:2] == b"\xff\xd8"
    out, position = bytearray(b"\xff\xd8"), 2
    while position < len(jpeg):
        marker = jpeg[position + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            out += jpeg[position:]
            break
        length = int.from_bytes(jpeg[position + 2:position + 4], "big")
        if marker != 0xEB:
            out += jpeg[position:position + 2 + length]
        position += 2 + length
    return bytes(out)


def one_byte_changed(data: bytes) -> bytes:
    """One bit of one byte changed near the end of the image data: the last blocks of the poster change,
    its credentials no longer hold, and it still looks like the registered original."""
    changed = bytearray(data)
    changed[-64] ^= 0x01
    return bytes(changed)


def forged(signed: bytes) -> bytes:
    """A forger's copy: a figure painted over and the picture saved again, the original's Content
    Credentials (APP11 segments) put back where they were, hoping they still hold."""
    from PIL import ImageDraw

    image = Image.open(io.BytesIO(signed)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((70, 560, 520, 700), fill=(246, 247, 251))
    draw.text((80, 580), "99%", fill=(200, 16, 46), font_size=110)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    edited = out.getvalue()
    segments, position = [], 2
    while signed[position + 1] != 0xDA:
        length = int.from_bytes(signed[position + 2:position + 4], "big")
        if signed[position + 1] == 0xEB:
            segments.append(signed[position:position + 2 + length])
        position += 2 + length
    app0 = 2 + 2 + int.from_bytes(edited[4:6], "big")  # SOI, then the JFIF segment, as in the signed file
    return edited[:app0] + b"".join(segments) + edited[app0:]


def whatsapp(data: bytes) -> bytes:
    """As WhatsApp sends a picture on: 800 px wide, JPEG quality 50, no metadata."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((800, round(image.height * 800 / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=50)
    return out.getvalue()


# -- the API -----------------------------------------------------------------------------------------

def test_a_signed_poster_is_valid_and_shown_with_its_registered_original(client, signed, registered):
    answer = verify(client, signed)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "valid" and body["label"] == "ASLI" and body["trusted"] is True
    assert body["issuer"] == ISSUER and body["test_identity"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", body["signed_at"])
    assert body["program"].startswith("netral-assets")
    best = body["matches"][0]
    assert (best["code"], best["distance"], best["design"]) == (registered[0].code, 0, "statistik")
    assert body["same_file"] is True  # the registered file itself, byte for byte
    assert answer.headers["cache-control"] == "no-store"


def test_a_forged_figure_under_the_original_credentials_is_changed(client, signed, registered):
    body = verify(client, forged(signed), "poster-palsu.jpg").json()
    assert body["status"] == "changed" and body["changes"] == ["isi gambar berubah sejak ditandatangani"]
    assert body["matches"][0]["code"] == registered[0].code  # the original, to compare with
    assert body["matches"][0]["distance"] <= 10


def test_one_changed_byte_is_changed_and_still_finds_the_original(client, signed, registered):
    body = verify(client, one_byte_changed(signed)).json()
    assert body["status"] == "changed" and body["label"] == "DIUBAH" and body["trusted"] is False
    assert body["changes"] == ["isi gambar berubah sejak ditandatangani"]
    assert "Jangan sebarkan" in body["advice"]
    assert body["matches"][0]["code"] == registered[0].code


def test_a_stripped_copy_has_no_credentials_and_is_matched_by_hash(client, signed, registered):
    stripped = strip_c2pa(signed)
    assert len(stripped) < len(signed)
    body = verify(client, stripped).json()
    assert body["status"] == "none" and body["label"] == "TANPA KREDENSIAL" and body["trusted"] is None
    best = body["matches"][0]
    assert best["code"] == registered[0].code and best["distance"] <= 2 and best["via"] == "hash"
    assert best["agency"] == registered[0].agency and best["design"] == "statistik" and best["format"] == "feed"
    assert best["thumbnail"] == f"/cek/{registered[0].code}/feed.jpg" and best["issued"] == registered[0].issued
    assert best["sources"] == list(registered[0].sources)
    assert "tidak dapat membuktikan" in body["note"]  # a hash finds the design, it proves nothing about figures


def test_a_whatsapp_recompression_is_matched_to_its_original(client, signed, registered):
    sent_on = whatsapp(signed)
    body = verify(client, sent_on, "IMG-20261206-WA0007.jpg").json()
    assert body["status"] == "none"
    assert [m["code"] for m in body["matches"]][:1] == [registered[0].code]
    assert body["matches"][0]["distance"] <= 6
    # the other design of the same agency is not taken for it
    assert all(m["design"] != "sanksi" or m["distance"] > body["matches"][0]["distance"] for m in body["matches"])
    assert hash_distance(perceptual_hash(Image.open(io.BytesIO(sent_on))), registered[1].phash) > 10


def test_a_qr_code_in_the_picture_finds_the_registration(client, poster, registered):
    picture = Image.open(io.BytesIO(poster.data)).convert("RGB")
    body = verify(client, with_qr(picture, registered[1].code, (40, 40)), "tangkapan.png").json()
    assert body["code"] == registered[1].code and body["code_via"] == "qr"
    assert body["matches"][0]["via"] == "qr" and body["matches"][0]["design"] == "sanksi"
    assert "kode dapat disalin" in body["note"]  # a code proves which original, not that nothing was edited


def test_a_typed_code_shows_the_registration(client, registered):
    body = verify(client, code=registered[0].code.lower().replace("-", " ")).json()
    assert body["status"] == "registered" and body["label"] == "TERDAFTAR"
    assert [m["code"] for m in body["matches"]] == [registered[0].code]
    assert body["matches"][0]["via"] == "code" and body["matches"][0]["signed"] is True
    assert body["matches"][0]["design_title"] == "Statistik pelanggaran netralitas ASN"


def test_an_unknown_code_is_404_in_indonesian(client):
    answer = verify(client, code="ZZZZ-ZZZ")
    assert answer.status_code == 404 and "ZZZZ-ZZZ tidak terdaftar" in answer.json()["detail"]
    page = client.get("/cek/ZZZZ-ZZZ", headers={"accept": "text/html"})
    assert page.status_code == 404 and "TIDAK DITEMUKAN" in page.text and "ZZZZ-ZZZ" in page.text
    assert client.get("/cek/bukan-kode").status_code == 404
    assert client.get("/cek/ZZZZ-ZZZ/feed.jpg").status_code == 404
    answer = verify(client, code="bukan kode")
    assert answer.status_code == 422 and "bukan kode keaslian" in answer.json()["detail"]


def test_an_untrusted_signer_is_explained(client, poster, pack, sleman, tmp_path):
    stranger = load_identity(init_identity("Pemerintah Kota Palsu", tmp_path / "palsu"))
    body = verify(client, sign_bytes(poster.data, ".jpg", stranger, asset_claims(poster, sleman, pack.name))).json()
    assert body["status"] == "untrusted" and body["label"] == "TIDAK TEPERCAYA" and body["trusted"] is False
    assert body["issuer"] == "Pemerintah Kota Palsu"
    assert UNTRUSTED_WHY in body["notes"] and "contentcredentials.org" in UNTRUSTED_WHY


def test_refusals_are_in_indonesian(client, pack, registry):
    empty = client.post("/api/v1/verify", files={"file": ("kosong.jpg", b"", "image/jpeg")})
    assert empty.status_code == 422 and "Pilih berkas" in empty.json()["detail"]
    text = verify(client, b"Ini surat, bukan gambar.\n" * 10, "surat.txt")
    assert text.status_code == 422 and "bukan gambar atau PDF" in text.json()["detail"]
    broken = verify(client, b"\xff\xd8\xff\xe0" + b"\0" * 200, "rusak.jpg")
    assert broken.status_code == 422 and "rusak" in broken.json()["detail"]

    small = create_app(pack, registry, limits=Limits(max_bytes=100_000))
    with background_server(small) as base, httpx.Client(base_url=base, timeout=60) as tiny:
        big = Image.effect_noise((700, 700), 80).convert("RGB")
        out = io.BytesIO()
        big.save(out, "PNG")
        assert len(out.getvalue()) > 100_000
        answer = verify(tiny, out.getvalue(), "besar.png")
        assert answer.status_code == 413 and "terlalu besar" in answer.json()["detail"].lower()
        assert "Traceback" not in answer.text


def test_the_form_works_without_javascript(client, signed, registered):
    page = client.get("/cek")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text and 'action="/cek"' in page.text
    assert "/static/cek.css" in page.text
    answer = client.post("/cek", files={"file": ("poster.jpg", one_byte_changed(signed), "image/jpeg")})
    assert answer.status_code == 200
    verdict = answer.text.index('data-status="changed"')
    assert answer.text.index("Periksa materi lain") > verdict  # the verdict comes first
    assert "data:image/jpeg;base64," in answer.text and f"/cek/{registered[0].code}/feed.jpg" in answer.text
    typed = client.post("/cek", data={"code": "ZZZZ-ZZZ"})
    assert typed.status_code == 404 and "TIDAK DITEMUKAN" in typed.text and "ZZZZ-ZZZ" in typed.text and "<html" in typed.text
    fragment = client.post("/cek", data={"code": registered[0].code}, headers={"X-Cek-Fragment": "1"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "TERDAFTAR" in fragment.text


def test_the_code_page_and_its_thumbnail(client, registered):
    code = registered[0].code
    page = client.get(f"/cek/{code}")
    assert page.status_code == 200
    issued = dt.datetime.fromisoformat(registered[0].issued.replace("Z", "+00:00")).date()
    assert registered[0].sources
    for text in ("TERDAFTAR", registered[0].agency, ISSUER, format_date_id(issued), registered[0].sources[0],
                 f"/cek/{code}/feed.jpg"):
        assert text in page.text, text
    lower = client.get(f"/cek/{code.lower()}", follow_redirects=False)
    assert lower.status_code == 308 and lower.headers["location"] == f"/cek/{code}"
    thumb = client.get(f"/cek/{code}/feed.jpg")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content == registered[0].thumbnail and thumb.headers["cache-control"] == "public, max-age=86400"
    again = client.get(f"/cek/{code}/feed.jpg", headers={"if-none-match": thumb.headers["etag"]})
    assert again.status_code == 304


# -- in Chromium, at phone size ---------------------------------------------------------------------

def test_cek_in_chromium_on_a_phone(server, signed, registered, tmp_path):
    from test_web_browser import CHROMIUM, CHROMIUM_ARGS, PHONE, playwright_api

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium (make test installs it)")
    files = {"asli": signed, "diubah": forged(signed), "tanpa-kredensial": strip_c2pa(signed)}
    expected = {"asli": "ASLI", "diubah": "DIUBAH", "tanpa-kredensial": "TANPA KREDENSIAL"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    base = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base, reduced_motion="reduce", **PHONE)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        for name, data in files.items():
            path = tmp_path / f"poster-{name}.jpg"
            path.write_bytes(data)
            page.goto("/cek")
            page.set_input_files("#cek-file", str(path))
            assert page.locator("#cek-chosen").is_visible()
            page.click("#cek-submit")
            label = page.locator(".verdict-label")
            label.wait_for(timeout=30_000)
            assert label.inner_text().strip() == expected[name]
            assert page.locator(".compare-grid .side").count() == 2  # the picture and its registered original
            page.locator(".compare-grid .side.original img").evaluate("img => img.decode()")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
            page.screenshot(path=str(SCREENSHOTS / f"cek-{name}.png"), full_page=True)
        # the code printed on the poster, opened as its address
        page.goto(f"/cek/{registered[0].code}")
        assert page.locator(".verdict-label").inner_text().strip() == "TERDAFTAR"
        page.locator(".registered img").first.evaluate("img => img.decode()")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(SCREENSHOTS / "cek-kode.png"), full_page=True)
        # without JavaScript the same form answers with the whole page
        plain = browser.new_context(base_url=base, java_script_enabled=False, **PHONE).new_page()
        plain.goto("/cek")
        plain.set_input_files("#cek-file", str(tmp_path / "poster-diubah.jpg"))
        plain.click("#cek-submit")
        assert plain.locator(".verdict-label").inner_text().strip() == "DIUBAH"
        browser.close()
    assert errors == [], errors


# -- netral serve --------------------------------------------------------------------------------------

def test_serve_registers_static_indexes_and_trusts_its_own_identity(pack, registry, identity, registered, tmp_path):
    from netral_assets.cli.serve import load_indexes, register_indexes
    from netral_assets.provenance.codes import write_index

    kit = tmp_path / "kits" / "kabupaten-sleman"
    write_index(kit, registered)  # what `netral kit` leaves in keaslian/
    app = create_app(pack, registry, identity=str(identity))
    state = app.state.netral
    try:
        assert state.codes.by_code(registered[0].code) == []
        assert register_indexes(state, load_indexes([tmp_path / "kits"])) == [(str(tmp_path / "kits"), 2, 2)]
        assert register_indexes(state, load_indexes([kit])) == [(str(kit), 2, 0)]  # again: nothing twice
        found = state.codes.by_code(registered[0].code)
        assert [r.sha256 for r in found] == [registered[0].sha256] and found[0].thumbnail == registered[0].thumbnail
        assert state.signer is not None and state.signer.organisation == ISSUER
        assert any(c.subject == state.signer.roots[0].subject for c in state.trust_roots)
        assert "key" not in repr(state) and "BEGIN" not in repr(state)
    finally:
        state.shutdown()


def test_serve_refuses_a_bad_identity_or_index_in_indonesian(identity, tmp_path):
    import shutil

    from click.testing import CliRunner

    from netral_assets.cli import cli

    exposed = tmp_path / "terbuka"
    shutil.copytree(identity, exposed)
    (exposed / "signing-key.pem").chmod(0o644)
    result = CliRunner().invoke(cli, ["serve", "--identity", str(exposed), "--database", "sqlite://"])
    assert result.exit_code == 1 and "chmod 600" in result.output and "Traceback" not in result.output
    assert "PRIVATE KEY" not in result.output
    empty = tmp_path / "kosong"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["serve", "--index", str(empty), "--database", "sqlite://"])
    assert result.exit_code == 1 and "keaslian/index.json" in result.output and "Traceback" not in result.output


def test_kits_made_on_the_web_are_signed_and_registered(client, identity):
    """`netral serve --identity`: the kit ZIP's pictures and PDFs are signed, its manifest.json too, and the
    codes printed on them are registered, so /cek knows a poster from the web kit as soon as it is made."""
    import zipfile

    from netral_assets.provenance import load_trust

    form = {"agency": "kabupaten-sleman", "parts": "poster", "designs": "poster/lapor", "poster_formats": "feed.jpg,a4.pdf"}
    answer = client.post("/api/v1/kit", files={"logo": ("", b"", "application/octet-stream")}, data=form)
    assert answer.status_code == 200, answer.text
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = {Path(n).name: n for n in archive.namelist()}
    assert "manifest.json.p7s" in names
    trust = load_trust([identity])
    for name in ("poster-lapor-feed.jpg", "poster-lapor-a4.pdf"):
        assert verify_bytes(archive.read(names[name]), name, trust).status == "valid", name
    manifest = archive.read(names["manifest.json"])
    assert verify_bytes(manifest, "manifest.json", trust, signature=archive.read(names["manifest.json.p7s"])).ok
    body = verify(client, strip_c2pa(archive.read(names["poster-lapor-feed.jpg"]))).json()
    assert body["status"] == "none" and body["matches"][0]["design"] == "lapor"
    assert body["matches"][0]["signed"] is True and body["matches"][0]["issuer"] == ISSUER


def test_a_sideways_phone_photo_is_turned_upright_before_matching(client, poster, registered):
    picture = Image.open(io.BytesIO(poster.data)).convert("RGB").transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways; the viewer turns it 90° clockwise
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, exif=exif.tobytes())
    body = verify(client, out.getvalue(), "IMG_0042.jpg").json()
    assert body["status"] == "none" and body["matches"][0]["code"] == registered[0].code
    assert body["matches"][0]["distance"] <= 4


def test_a_real_code_on_a_different_picture_is_called_out(client, poster, registered):
    """A forger copies the QR code of a genuine poster onto a poster of their own: the code is real, the
    picture is not its original."""
    fake = Image.new("RGB", (1080, 1350), (250, 240, 200))
    forged = with_qr(fake, registered[0].code, (700, 1000))
    body = verify(client, forged, "poster-palsu.png").json()
    assert body["status"] == "none" and body["code"] == registered[0].code and body["code_via"] == "qr"
    assert body["code_mismatch"] is True and body["matches"][0]["code"] == registered[0].code
    assert "Jangan sebarkan" in body["advice"] and "bukan materi itu" in body["meaning"]
    page = client.post("/cek", files={"file": ("poster-palsu.png", forged, "image/png")})
    assert 'class="verdict tone-bad"' in page.text and "berbeda" in page.text


def test_the_code_in_the_signed_claims_finds_the_original_of_a_garbled_copy(client, poster, identity, pack, sleman,
                                                                             registered):
    """A poster signed with its code in the claims (as the kit signs it), one byte changed early in the image
    data so that most of the picture is garbled: the verdict is DIUBAH, and the claims' code still brings
    the registered original to compare with."""
    claims = {**asset_claims(poster, sleman, pack.name), "code": registered[0].code}
    signed_with_code = sign_bytes(poster.data, ".jpg", load_identity(identity), claims)
    assert verify_bytes(signed_with_code, "poster.jpg", []).code == registered[0].code
    start = signed_with_code.index(b"\xff\xda")  # start of scan
    garbled = bytearray(signed_with_code)
    garbled[start + 400] ^= 0xFF
    body = verify(client, bytes(garbled)).json()
    assert body["status"] == "changed" and body["code"] == registered[0].code and body["code_via"] == "credentials"
    assert body["matches"][0]["code"] == registered[0].code and body["code_mismatch"] is False
