"""The humas page's leader's message and announcement: the preview endpoint (good, too long with the
limit said, one character over refused, non-https links, hostile text printed as text, broken
pictures refused clearly, nothing stored), the kit job that adds the message posters to the ZIP, and
the whole form in a real Chromium at phone size."""

import io
import json
import zipfile
from pathlib import Path

import httpx
import pytest
from PIL import Image
from test_web_browser import (  # noqa: F401 - the shared fixtures
    CHROMIUM,
    PHONE,
    browser,
    open_humas_with_sleman,
    page_errors,
    server,
)

from netral_assets.model.designs import load_design
from netral_assets.web import create_app
from netral_assets.web.server import background_server

DATA = Path(__file__).parent / "data"
PORTRAIT = DATA / "eileen-collins.jpg"  # public domain (NASA): see tests/data/README.md
PREVIEW = "/api/v1/kit/messages/preview"
PESAN = {"design": "pesan", "agency": "kabupaten-sleman", "pesan.name": "Dr. Eileen Collins",
         "pesan.title": "Bupati Sleman", "pesan.quote": "ASN wajib netral. Layani semua warga dengan adil."}


@pytest.fixture(scope="module")
def client(server):  # noqa: F811 - the real server of test_web_browser's fixture
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def photo_file(data: bytes | None = None, name: str = "potret.jpg"):
    return {"pesan.photo": (name, data if data is not None else PORTRAIT.read_bytes(), "image/jpeg")}


def refused(response, status: int = 422) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()["detail"]


# -- the preview ----------------------------------------------------------------------------------------


def test_preview_is_a_small_feed_jpeg_without_the_photos_metadata(client, tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Kamera Pimpinan"  # Make
    exif[0x8825] = {2: (7.0, 46.0, 0.0)}  # a GPS block
    with Image.open(PORTRAIT) as image:
        out = io.BytesIO()
        image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    response = client.post(PREVIEW, data=PESAN, files=photo_file(out.getvalue()))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "private, no-store"
    with Image.open(io.BytesIO(response.content)) as preview:
        assert preview.size == (360, 450)  # the feed format (1080×1350), shrunk
        assert not preview.getexif()
    assert b"Kamera Pimpinan" not in response.content


def test_announcement_preview_needs_no_picture(client):
    response = client.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": "Apel siaga netralitas ASN",
                                          "pengumuman.points": ["Senin, 4 November 2024", "Halaman kantor bupati"],
                                          "pengumuman.link": "https://www.lapor.go.id"})
    assert response.status_code == 200, response.text
    assert response.content[:3] == b"\xff\xd8\xff"


def test_a_quote_one_character_over_the_limit_is_refused_with_the_limit(client, pack):
    limit = load_design(pack, "poster", "pesan").meta["limits"]["quote"]
    words = "ASN menjaga netralitas dan melayani semua warga dengan adil tanpa memihak. "
    at_limit = (words * 4)[:limit].rstrip() + "a" * (limit - len((words * 4)[:limit].rstrip()))
    assert len(at_limit) == limit
    ok = client.post(PREVIEW, data={**PESAN, "pesan.quote": at_limit}, files=photo_file())
    assert ok.status_code == 200, ok.text
    detail = refused(client.post(PREVIEW, data={**PESAN, "pesan.quote": at_limit + "a"}, files=photo_file()))
    assert "kutipan (quote)" in detail and f"batas {limit} karakter" in detail and "perpendek 1 karakter" in detail


def test_far_too_long_texts_name_their_field_and_limit(client, pack):
    limits = load_design(pack, "poster", "pengumuman").meta["limits"]
    detail = refused(client.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": "Judul " * 40}))
    assert "judul (headline)" in detail and f"batas {limits['headline']}" in detail
    points = [f"Poin {i}" for i in range(limits["points"] + 1)]
    detail = refused(client.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": "Apel",
                                                "pengumuman.points": points}))
    assert "poin (points)" in detail and f"boleh 1 sampai {limits['points']}" in detail


def test_a_missing_photo_is_named(client):
    detail = refused(client.post(PREVIEW, data=PESAN))
    assert "foto (photo)" in detail and "wajib" in detail


@pytest.mark.parametrize("link", ["http://www.lapor.go.id", "javascript:alert(1)", "https://user:sandi@lapor.go.id",
                                  "file:///etc/passwd"])
def test_a_link_that_is_not_https_is_refused(client, link):
    detail = refused(client.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": "Apel siaga",
                                                "pengumuman.points": ["Senin"], "pengumuman.link": link}))
    assert "tautan (link)" in detail


def test_hostile_text_is_printed_as_text(client, pack, sleman, tmp_path):
    """Markup, template syntax and a URL in the fields reach the poster as the characters typed: the
    preview renders (nothing is fetched, nothing evaluated) and the kit's PDF carries the literal text."""
    from conftest import pdftotext

    from netral_assets import build_poster
    from netral_assets.assets.message import make_content

    hostile = {"headline": "<img src=x> Apel {{ 7*7 }}", "points": ["{% raw %}<b>tebal</b>", "${7*7} https://x.test/a"]}
    response = client.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": hostile["headline"],
                                          "pengumuman.points": hostile["points"]})
    assert response.status_code == 200, response.text
    content = make_content(load_design(pack, "poster", "pengumuman"), hostile)
    pdf = build_poster(pack, sleman, "pengumuman", "a4", ".pdf", content=content).data
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert "<img src=x> Apel {{ 7*7 }}" in text and "{% raw %}<b>tebal</b>" in text and "${7*7}" in text


@pytest.mark.parametrize(("data", "said"), [
    (b"ini bukan gambar", "foto (photo)"),
    (PORTRAIT.read_bytes()[:4000], "foto (photo)"),  # a JPEG cut off after its first 4 KB
    (b"", "foto (photo)"),
])
def test_a_broken_picture_is_refused_clearly(client, data, said):
    detail = refused(client.post(PREVIEW, data=PESAN, files=photo_file(data)))
    assert said in detail
    assert "Traceback" not in detail


def test_a_tiny_picture_is_refused_with_the_smallest_size(client):
    out = io.BytesIO()
    Image.new("RGB", (120, 160), (90, 90, 90)).save(out, "PNG")
    detail = refused(client.post(PREVIEW, data=PESAN, files=photo_file(out.getvalue(), "kecil.png")))
    assert "foto (photo)" in detail and "300 px" in detail


def test_a_focus_outside_0_1_is_refused(client):
    detail = refused(client.post(PREVIEW, data={**PESAN, "pesan.focus_x": "2", "pesan.focus_y": "0.3"},
                                 files=photo_file()))
    assert "titik fokus (focus)" in detail


def test_an_unknown_design_is_refused(client):
    assert "pesan atau pengumuman" in refused(client.post(PREVIEW, data={"design": "larangan"}))


def test_previews_are_rate_limited_per_client(pack, registry):
    app = create_app(pack, registry, rates={"messages": (0.001, 2)})
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        data = {"design": "pengumuman", "pengumuman.headline": "Apel siaga"}
        assert c.post(PREVIEW, data=data).status_code == 200
        assert c.post(PREVIEW, data=data).status_code == 200
        response = c.post(PREVIEW, data=data)
        assert response.status_code == 429 and response.headers["retry-after"]
        assert "Terlalu banyak permintaan" in response.json()["detail"]


def test_a_full_render_queue_is_503_quickly(pack, registry):
    app = create_app(pack, registry, render_queue=0)
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as c:
        response = c.post(PREVIEW, data={"design": "pengumuman", "pengumuman.headline": "Apel siaga"})
        assert response.status_code == 503 and "sibuk" in response.json()["detail"]


# -- the kit -------------------------------------------------------------------------------------------


def wait_zip(client, job) -> zipfile.ZipFile:
    while job["state"] in ("queued", "running"):
        job = client.get(job["status_url"]).json()
    assert job["state"] == "done", job
    return zipfile.ZipFile(io.BytesIO(client.get(job["zip_url"]).content))


def test_kit_job_adds_both_messages_in_the_chosen_formats_with_alt_text_and_captions(client):
    data = {**PESAN, "parts": "poster,cetak", "designs": "poster/larangan",
            "poster_formats": ["feed.jpg", "a4.pdf"], "messages": ["pesan", "pengumuman"],
            "pengumuman.headline": "Apel siaga netralitas ASN", "pengumuman.body": "Seluruh ASN hadir di halaman kantor.",
            "pengumuman.link": "https://www.lapor.go.id", "pengumuman.link_label": "Laporkan pelanggaran"}
    del data["design"]
    response = client.post("/api/v1/kit/messages/jobs", data=data, files=photo_file())
    assert response.status_code == 202, response.text
    archive = wait_zip(client, response.json())
    manifest = json.loads(archive.read("kabupaten-sleman/manifest.json"))
    entries = {f["path"]: f for f in manifest["files"]}
    for design in ("pesan", "pengumuman"):
        assert {f"poster-{design}-feed.jpg", f"poster-{design}-a4.pdf", f"poster-{design}-a4-cetak.pdf"} <= set(entries)
        assert not entries[f"poster-{design}-feed.jpg"]["findings"]
        assert entries[f"poster-{design}-a4-cetak.pdf"]["print"] is True
    assert "Dr. Eileen Collins, Bupati Sleman" in entries["poster-pesan-feed.jpg"]["alt"]
    assert "ASN wajib netral" in entries["poster-pesan-feed.jpg"]["alt"]
    caption = archive.read("kabupaten-sleman/caption.txt").decode()
    assert "=== Untuk poster-pesan-feed.jpg ===" in caption and "“ASN wajib netral." in caption
    assert "Laporkan pelanggaran: https://www.lapor.go.id" in caption
    with Image.open(io.BytesIO(archive.read("kabupaten-sleman/poster-pesan-feed.jpg"))) as poster:
        assert poster.size == (1080, 1350) and not poster.getexif()
    # each message carries its own short code, printed on it and registered in the store: /cek finds it
    poster = archive.read("kabupaten-sleman/poster-pesan-feed.jpg")
    found = client.post("/api/v1/verify", files={"file": ("pesan.jpg", poster, "image/jpeg")}).json()
    assert found["matches"] and found["matches"][0]["design"] == "pesan" and found["same_file"], found
    code = found["matches"][0]["code"]
    announcement = client.post("/api/v1/verify", files={"file": ("p.jpg", archive.read(
        "kabupaten-sleman/poster-pengumuman-feed.jpg"), "image/jpeg")}).json()
    assert announcement["matches"][0]["design"] == "pengumuman" and announcement["matches"][0]["code"] != code
    assert client.get(f"/cek/{code}").status_code == 200


def test_kit_job_refuses_a_bad_message_before_building(client):
    data = {"agency": "kabupaten-sleman", "messages": "pesan", "pesan.name": "A", "pesan.title": "B",
            "pesan.quote": "x" * 500}
    detail = refused(client.post("/api/v1/kit/messages/jobs", data=data, files=photo_file()))
    assert "kutipan (quote)" in detail and "batas 200" in detail
    assert "tidak dikenal" in refused(client.post("/api/v1/kit/messages/jobs",
                                                  data={"agency": "kabupaten-sleman", "messages": "iklan"}))


# -- the page in Chromium at phone size -------------------------------------------------------------


@pytest.fixture
def phone(browser, server, page_errors):  # noqa: F811 - the module's own phone page, as in test_web_browser
    context = browser.new_context(base_url=server, accept_downloads=True, reduced_motion="reduce", **PHONE)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda m: page_errors.append(m.text) if m.type == "error" and "422" not in m.text else None)
    yield page
    context.close()
    assert page_errors == [], page_errors


pytestmark_browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (make test installs it)")


@pytestmark_browser
def test_pesan_form_previews_and_goes_into_the_kit_zip(phone, tmp_path):
    page = phone
    open_humas_with_sleman(page)
    page.check("input[name=messages][value=pesan]")
    page.locator("#panel-pesan").wait_for()
    page.set_input_files("#pesan-photo", str(PORTRAIT))
    page.locator("#pesan-photo-thumb:not([hidden])").wait_for()
    page.fill("#pesan-name", "Dr. Eileen Collins")
    page.fill("#pesan-title", "Bupati Sleman")
    page.fill("#pesan-quote", "ASN wajib netral. Layani semua warga dengan adil.")
    page.locator("#pesan-preview[data-state=ready]").wait_for(timeout=30_000)
    assert page.evaluate("document.querySelector('#pesan-preview').src").startswith("blob:")
    page.wait_for_function("document.querySelector('#pesan-preview').naturalWidth === 360")
    assert page.is_hidden("#pesan-error")

    # a quote over the limit: the server's refusal, with the limit, where the form is
    page.fill("#pesan-quote", "Netral. " * 30)
    page.locator("#pesan-error:not([hidden])").wait_for(timeout=30_000)
    error = page.inner_text("#pesan-error")
    assert "kutipan (quote)" in error and "batas 200 karakter" in error
    assert "kelebihan" in page.inner_text("#pesan-quote-count")
    assert page.get_attribute("#pesan-quote", "aria-invalid") == "true"
    assert "pesan-error" in page.get_attribute("#pesan-quote", "aria-describedby")
    assert page.get_attribute("#pesan-preview", "data-state") == "refused"
    page.fill("#pesan-quote", "ASN wajib netral. Layani semua warga dengan adil.")
    page.locator("#pesan-preview[data-state=ready]").wait_for(timeout=30_000)
    assert page.is_hidden("#pesan-error") and page.get_attribute("#pesan-quote", "aria-invalid") is None

    # a small kit: the posters part with one design and the feed format, plus the message
    for part in ("twibbon", "logo", "carousel", "stiker", "leaflet", "cetak"):
        page.uncheck(f"input[name=parts][value={part}]")
    page.click("#customize > summary")
    for box in page.locator("input[name=designs]").all():
        if box.get_attribute("value") not in ("poster/larangan",) and box.is_enabled():
            box.uncheck()
    for box in page.locator("input[name=poster_formats]").all():
        box.uncheck()
    page.check("input[name=poster_formats][value='feed.jpg']")
    page.check("input[name=poster_formats][value='a4.pdf']")
    page.click("#build")
    page.locator("#kit-done").wait_for(timeout=90_000)
    with page.expect_download() as info:
        page.click("#kit-download")
    with zipfile.ZipFile(info.value.path()) as archive:
        manifest = json.loads(archive.read("kabupaten-sleman/manifest.json"))
        files = {f["path"]: f for f in manifest["files"]}
        assert {"poster-pesan-feed.jpg", "poster-pesan-a4.pdf", "poster-larangan-feed.jpg"} <= set(files)
        assert "Dr. Eileen Collins" in files["poster-pesan-feed.jpg"]["alt"]
        with Image.open(io.BytesIO(archive.read("kabupaten-sleman/poster-pesan-feed.jpg"))) as poster:
            assert poster.size == (1080, 1350)
    assert page.locator("#kit-files img").count() >= 2
