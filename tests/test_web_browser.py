"""Both pages in a real headless Chromium (Debian's, driven by Playwright) against a real uvicorn server:
the framing flow on a phone compared with `frame_photo`, the humas flow to a ZIP, keyboard access to
every control, phone quirks (HEIC, in-app browsers, huge photos) and the API's refusals on the page."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from conftest import save_result
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageStat

from netral_assets.assets.twibbon import frame_image
from netral_assets.model.designs import load_design
from netral_assets.photo.frame import Frame, frame_photo
from netral_assets.photo.placement import Placement
from netral_assets.web import create_app
from netral_assets.web.server import background_server

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
INSTAGRAM_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
                "Mobile Safari/537.36 Instagram 330.0.0.0 Android")
# Mean absolute difference (0–255) allowed between the browser's canvas and Pillow's resampling.
TOLERANCE = 3.0

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (make test installs it)")


@pytest.fixture(scope="module")
def server(pack, registry):
    with background_server(create_app(pack, registry)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_errors():
    """Script errors and console errors of the page; a test that expects one clears it."""
    return []


@pytest.fixture
def phone(browser, server, page_errors):
    context = browser.new_context(base_url=server, accept_downloads=True, reduced_motion="reduce", **PHONE)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda m: page_errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert page_errors == [], page_errors


def make_photo(path: Path, size=(1200, 900), orientation=6) -> bytes:
    """An asymmetric test photo stored sideways (EXIF orientation 6), as phones save portraits."""
    w, h = size
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.merge("RGB", (image.getchannel(0), Image.new("L", size, 110), image.getchannel(0).rotate(180)))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, w // 4, h // 3], fill=(230, 30, 40))
    draw.ellipse([w // 3, h // 4, w // 3 + h // 2, 3 * h // 4], fill=(245, 205, 150))
    draw.rectangle([3 * w // 4, 2 * h // 3, w, h], fill=(20, 150, 70))
    for x in range(0, w, max(1, w // 12)):
        draw.line([(x, 0), (x + w // 10, h)], fill=(255, 255, 255), width=max(2, w // 200))
    exif = Image.Exif()
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    image.save(path, "JPEG", quality=93, exif=exif.tobytes())
    return path.read_bytes()




def choose_agency(page, term="sleman"):
    page.fill("#agency-search", term)
    page.locator("[role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#studio[data-frame=ready]").wait_for()


def open_humas_with_sleman(page):
    """The humas page with Pemerintah Kabupaten Sleman chosen from the search."""
    page.goto("/humas")
    page.fill("#agency-search", "sleman")
    page.locator("[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.locator("#agency-chosen:has-text('Pemerintah Kabupaten Sleman')").wait_for()


def set_placement(page, zoom, offset, rotate):
    for selector, value in (("#zoom", zoom), ("#offset-x", offset[0]), ("#offset-y", offset[1]), ("#rotate", rotate)):
        page.fill(selector, str(value))
        page.locator(selector).dispatch_event("change")


def download(page, button) -> bytes:
    with page.expect_download() as info:
        page.click(button)
    return Path(info.value.path()).read_bytes()


def compare(name: str, got_bytes: bytes, expected: Image.Image, tolerance: float = TOLERANCE) -> float:
    with Image.open(io.BytesIO(got_bytes)) as got:
        got = got.convert("RGB")
        assert got.size == expected.size
        diff = ImageChops.difference(got, expected.convert("RGB"))
        mean = sum(ImageStat.Stat(diff).mean) / 3
        if mean > tolerance:
            save_result(f"{name}-browser.png", got_bytes)
            out = io.BytesIO()
            expected.save(out, "PNG")
            save_result(f"{name}-python.png", out.getvalue())
        assert mean <= tolerance, f"mean abs difference {mean:.2f} (see tests/results/{name}-*.png)"
        return mean


def python_frame(pack, agency, design_name, fmt, photo, placement):
    design = load_design(pack, "twibbon", design_name)
    frame = Frame(frame_image(pack, agency, design, fmt), design.window(fmt))
    return frame_photo(photo, frame, placement).image


# -- the ASN's page ----------------------------------------------------------------------------------


def test_framing_flow_on_a_phone_matches_frame_photo(phone, pack, sleman, tmp_path):
    page = phone
    page.goto("/")
    assert "tidak pernah meninggalkan perangkat" in page.inner_text(".privacy")
    choose_agency(page)
    assert page.url.endswith("/t/kabupaten-sleman")
    photo = make_photo(tmp_path / "foto.jpg")
    page.set_input_files("#photo", str(tmp_path / "foto.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    set_placement(page, 1.3, (0.08, -0.05), 12)

    png = download(page, "#download-png")
    expected = python_frame(pack, sleman, "bundar", "square", photo, Placement(1.3, (0.08, -0.05), 12))
    compare("web-framing-square", png, expected)
    # The preview is the download: the canvas holds the same pixels.
    assert page.locator("#result-img").is_visible()

    jpeg = download(page, "#download-jpg")
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and image.size == (1080, 1080) and not image.getexif()
    compare("web-framing-square-jpeg", jpeg, expected, tolerance=TOLERANCE + 1.5)

    caption = page.input_value("#caption")
    assert "Pemerintah Kabupaten Sleman" in caption and "#ASNPilihNetral" in caption
    # Each download was counted (agency, design, format, action, day; nothing else) and the page says so.
    page.locator("#participation strong").filter(has_text="2").wait_for()
    assert page.inner_text("#participation") == "2 bingkai telah dibuat untuk Pemerintah Kabupaten Sleman."
    stats = page.request.get("/api/v1/stats/participation?agency=kabupaten-sleman").json()
    assert stats["actions"]["download"] >= 2


def test_story_with_a_huge_photo_is_downscaled_in_the_browser_and_still_matches(phone, pack, registry, tmp_path):
    page = phone
    page.goto("/t/kota-batu")
    page.check("input[name=design][value=kotak]", force=True)
    page.check("input[name=format][value=story]", force=True)
    page.locator("#studio[data-frame=ready]").wait_for()
    assert page.evaluate("document.querySelector('#canvas').height") == 1920
    photo = make_photo(tmp_path / "besar.jpg", size=(6000, 4500), orientation=8)  # 27 MP
    page.set_input_files("#photo", str(tmp_path / "besar.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    assert "diperkecil" in page.inner_text("#download-status")
    set_placement(page, 1.1, (0, 0.04), -7)
    png = download(page, "#download-png")
    expected = python_frame(pack, registry.find("kota-batu"), "kotak", "story", photo, Placement(1.1, (0, 0.04), -7))
    compare("web-framing-story-big", png, expected)



def _open_with_photo(page, tmp_path):
    """The Sleman framing page with a test photo loaded."""
    page.goto("/t/kabupaten-sleman")
    page.locator("#studio[data-frame=ready]").wait_for()
    make_photo(tmp_path / "foto.jpg")
    page.set_input_files("#photo", str(tmp_path / "foto.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()


def test_pointer_and_wheel_move_the_photo(phone, tmp_path):
    page = phone
    _open_with_photo(page, tmp_path)
    box = page.locator("#canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 40, cy + 20, steps=4)
    page.mouse.up()
    assert float(page.input_value("#offset-x")) > 0.05 and float(page.input_value("#offset-y")) > 0.02
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(50)
    assert float(page.input_value("#zoom")) > 1.2
    page.click("#reset")
    assert page.input_value("#zoom") == "1" and page.input_value("#offset-x") == "0"


def test_heic_the_browser_cannot_open_gets_a_clear_message(phone, tmp_path):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    Image.new("RGB", (120, 90), (200, 30, 30)).save(tmp_path / "IMG_0001.HEIC", "HEIF")
    page = phone
    page.goto("/t/kabupaten-sleman")
    page.set_input_files("#photo", str(tmp_path / "IMG_0001.HEIC"))
    message = page.locator("#photo-message")
    message.wait_for()
    assert "HEIC" in message.inner_text() and "Paling Kompatibel" in message.inner_text()
    (tmp_path / "catatan.jpg").write_text("bukan foto")
    page.set_input_files("#photo", str(tmp_path / "catatan.jpg"))
    page.locator("#photo-message:has-text('tidak dapat dibuka sebagai foto')").wait_for()
    assert page.locator("#download-jpg").is_disabled()


def test_in_app_browser_offers_long_press_instead_of_a_download(browser, server, tmp_path):
    context = browser.new_context(base_url=server, user_agent=INSTAGRAM_UA, **PHONE)
    page = context.new_page()
    downloads = []
    page.on("download", lambda d: downloads.append(d))
    page.goto("/t/kabupaten-sleman")
    assert page.locator("#inapp-note").is_visible()
    page.locator("#studio[data-frame=ready]").wait_for()
    make_photo(tmp_path / "foto.jpg")
    page.set_input_files("#photo", str(tmp_path / "foto.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    page.click("#download-jpg")
    page.locator("#result-img[src^='blob:']").wait_for()
    assert "Tekan lama" in page.inner_text("#download-status")
    assert downloads == []
    context.close()


def test_a_persons_name_reaches_the_frame(phone):
    page = phone
    page.goto("/t/kabupaten-sleman")
    assert not page.locator("#person").is_visible()
    page.check("input[name=design][value=pegawai]", force=True)
    page.locator("#person").wait_for()
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    # The name goes in the body of a POST, never in a URL (URLs land in access logs and caches).
    with page.expect_response(lambda r: r.request.method == "POST" and "/frames/pegawai/" in r.url
                              and "Budi" in (r.request.post_data or "") and r.status == 200) as answer:
        page.fill("#person-name", "Budi Santoso")
    assert "no-store" in answer.value.headers["cache-control"]
    page.locator("#studio[data-frame=ready]").wait_for()
    assert not [u for u in urls if "Budi" in u]


def test_a_name_too_long_for_the_frame_is_said_in_indonesian(phone, page_errors):
    page = phone
    page.goto("/t/kabupaten-sleman")
    page.check("input[name=design][value=pegawai]", force=True)
    page.locator("#person").wait_for()
    page.fill("#person-name", "W" * 80)
    page.locator("#studio[data-frame=error]").wait_for()
    assert "terlalu panjang" in page.inner_text("#stage-status")
    page_errors[:] = [e for e in page_errors if "status of 422" not in e]  # the browser's own note of the 422


# -- keyboard --------------------------------------------------------------------------------------


def tab_through(page, stop_at: str, limit: int = 120) -> list[str]:
    """Press Tab until `stop_at` has focus; the focused elements' ids (or name=value) in order."""
    page.evaluate("""() => {
        window.__focused = [];
        document.addEventListener("focusin", (event) => {
            const e = event.target;
            window.__focused.push(e.id || (e.name ? e.name + "=" + e.value : e.tagName));
        });
    }""")
    seen = []
    while len(seen) < limit:
        for _ in range(20):
            page.keyboard.press("Tab")
        seen = page.evaluate("() => window.__focused")
        if stop_at in seen:
            return seen[: seen.index(stop_at) + 1]
    raise AssertionError(f"Tab never reached {stop_at}: {seen}")


def test_keyboard_reaches_and_works_every_framing_control(phone, tmp_path):
    page = phone
    _open_with_photo(page, tmp_path)
    page.focus("a.skip")
    seen = tab_through(page, "copy-link")
    for control in ["agency-change", "design=bundar", "format=square", "photo", "camera", "canvas", "zoom-out",
                    "zoom-range", "zoom-in", "zoom", "rotate-left", "rotate-range", "rotate-right", "rotate",
                    "offset-x", "offset-y", "reset", "download-jpg", "download-png", "caption", "copy-caption"]:
        assert control in seen, (control, seen)

    page.focus("#rotate-right")
    page.keyboard.press("Enter")
    assert page.input_value("#rotate") == "90"
    page.focus("#zoom-in")
    page.keyboard.press("Space")
    assert float(page.input_value("#zoom")) > 1
    page.focus("#reset")
    page.keyboard.press("Enter")
    page.focus("#canvas")
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "+", "]"):
        page.keyboard.press(key)
    assert page.input_value("#offset-x") == "0.02" and page.input_value("#offset-y") == "0.01"
    assert float(page.input_value("#zoom")) > 1 and page.input_value("#rotate") == "1"
    page.focus("input[name=design][value=bundar]")
    page.keyboard.press("ArrowDown")
    assert page.is_checked("input[name=design][value=kotak]")
    page.locator("#studio[data-frame=ready]").wait_for()
    with page.expect_download():
        page.focus("#download-png")
        page.keyboard.press("Enter")
    page.focus("#agency-change")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.id") == "agency-search"
    page.keyboard.type("kota batu")
    page.locator("[role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#agency-name:has-text('Pemerintah Kota Batu')").wait_for()


def test_keyboard_reaches_every_humas_control(phone):
    page = phone
    page.goto("/humas")
    page.focus("a.skip")
    page.keyboard.press("Tab")  # "Bingkai foto" link
    seen = tab_through(page, "build", limit=120)
    expected = ["mode=registry", "agency-search", "logo", "parts=twibbon", "parts=logo", "parts=poster",
                "SUMMARY", "build"]
    for control in expected:
        assert control in seen, (control, seen)
    page.focus("input[name=parts][value=poster]")
    page.keyboard.press("Space")
    assert not page.is_checked("input[name=parts][value=poster]")
    page.focus("#customize > summary")
    page.keyboard.press("Enter")
    seen = tab_through(page, "build", limit=120)
    assert "designs=twibbon/bundar" in seen and "twibbon_formats=square.png" in seen


# -- the humas page ------------------------------------------------------------------------------------


def test_humas_flow_to_a_downloaded_zip(phone, tmp_path):
    page = phone
    open_humas_with_sleman(page)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (256, 256), (0, 120, 60)).save(logo)
    page.set_input_files("#logo", str(logo))
    for part in ("logo", "leaflet"):
        page.uncheck(f"input[name=parts][value={part}]")
    page.click("#customize > summary")
    for box in page.locator("input[name=designs]").all():
        value = box.get_attribute("value")
        if value.startswith("poster/") and value != "poster/larangan":
            box.uncheck()
    for box in page.locator("input[name=poster_formats]").all():
        box.uncheck()
    page.check("input[name=poster_formats][value='feed.jpg']")
    page.click("#build")
    page.locator("#progress").wait_for()
    page.locator("#kit-done").wait_for(timeout=60_000)
    assert "4 berkas" in page.inner_text("#kit-summary") or "berkas" in page.inner_text("#kit-summary")
    with page.expect_download() as info:
        page.click("#kit-download")
    assert info.value.suggested_filename == "kit-kabupaten-sleman.zip"
    with zipfile.ZipFile(info.value.path()) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("kabupaten-sleman/manifest.json"))
    files = [f["path"] for f in manifest["files"]]
    assert files == ["twibbon-bundar.png", "twibbon-kotak.png", "twibbon-pegawai.png", "card.png",
                     "poster-larangan-feed.jpg", "stiker-tanda.webp", "stiker-slogan.webp",
                     "stiker-saya-asn-netral.webp", "stiker-tagar.webp"]
    assert "kabupaten-sleman/caption.txt" in names
    assert page.locator("#kit-files img").count() == len(files)


def test_humas_shows_the_servers_refusal_of_a_bad_logo(phone, page_errors, tmp_path):
    page = phone
    page.goto("/humas")
    page.check("input[name=mode][value=custom]", force=True)
    page.fill("#custom-name", "Dinas Kominfo Kabupaten Sleman")
    bad = tmp_path / "logo.png"
    bad.write_text("ini bukan gambar")
    page.set_input_files("#logo", str(bad))
    page.click("#build")
    error = page.locator("#kit-error")
    error.wait_for()
    assert "Logo logo.png" in error.inner_text() and "PNG" in error.inner_text()
    assert page_errors == ["Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"]
    page_errors.clear()
    # And the page's own check before anything is sent.
    page.check("input[name=mode][value=registry]", force=True)
    page.click("#build")
    page.locator("#kit-error:has-text('Pilih instansi')").wait_for()


# -- sharing (issue 17) ------------------------------------------------------------------------------

# What the page hands the OS is only visible through a stand-in for the Web Share API, installed before
# the page's scripts run: it records the files it is given (as base64) and the call's other fields.
SHARE_STUB = """
(() => {
  window.__shared = null;
  const read = (file) => new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, type: file.type, data: reader.result.split(",")[1] });
    reader.readAsDataURL(file);
  });
  Object.defineProperty(Navigator.prototype, "canShare", { configurable: true,
    value: (data) => Boolean(data && data.files && data.files.length && data.files.every((f) => /^image\\//.test(f.type))) });
  Object.defineProperty(Navigator.prototype, "share", { configurable: true,
    value: async (data) => { window.__shared = { files: await Promise.all(data.files.map(read)),
                                                  text: data.text ?? null, url: data.url ?? null };
                                 document.documentElement.dataset.shared = "yes"; } });
})();
"""
NO_SHARE = """
(() => {
  for (const name of ["share", "canShare"]) {
    try { delete Navigator.prototype[name]; } catch {}
    Object.defineProperty(Navigator.prototype, name, { configurable: true, value: undefined });
  }
})();
"""


def _sharing_phone(browser, server, script):
    context = browser.new_context(base_url=server, accept_downloads=True, reduced_motion="reduce", **PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    context.add_init_script(script)
    return context


def test_bagikan_shares_the_framed_picture_file_with_the_caption_copied_first(browser, server, tmp_path):
    import base64

    context = _sharing_phone(browser, server, SHARE_STUB)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _open_with_photo(page, tmp_path)
    assert page.get_attribute("#studio", "data-share") == "files"
    assert page.locator("#share").is_visible() and page.locator("#share").is_enabled()
    set_placement(page, 1.2, (0.05, 0), 8)
    page.click("#share")
    page.locator("html[data-shared=yes]").wait_for(state="attached")
    page.locator("#download-status:has-text('Caption sudah disalin')").wait_for()
    shared = page.evaluate("window.__shared")
    assert len(shared["files"]) == 1 and shared["text"] is None and shared["url"] is None  # the file alone
    file = shared["files"][0]
    assert file["type"] == "image/jpeg" and file["name"] == "twibbon-kabupaten-sleman-bundar.jpg"
    data = base64.b64decode(file["data"])
    assert data == download(page, "#download-jpg")  # the shared file is the downloaded picture
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (1080, 1080)
    caption = page.input_value("#caption")
    assert "/t/kabupaten-sleman" in caption
    assert page.evaluate("navigator.clipboard.readText()") == caption
    save_result("web-share-phone.png", page.screenshot(full_page=False))
    assert errors == []
    context.close()


def test_without_file_sharing_the_fallback_controls_appear_and_work(browser, server, tmp_path):
    context = _sharing_phone(browser, server, NO_SHARE)
    page = context.new_page()
    _open_with_photo(page, tmp_path)
    assert page.get_attribute("#studio", "data-share") == "links"
    assert page.locator("#share").is_hidden()
    # download
    with Image.open(io.BytesIO(download(page, "#download-jpg"))) as image:
        assert image.size == (1080, 1080)
    # copy the caption
    page.click("#copy-caption")
    page.locator("#copy-status:has-text('Caption disalin')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == page.input_value("#caption")
    # share links for the page: plain links, no script of theirs on the page
    links = page.locator("#share-links a")
    assert links.count() == 4 and page.locator("#share-links").is_visible()
    page_url = f"{server}/t/kabupaten-sleman".replace(":", "%3A").replace("/", "%2F")
    hrefs = {links.nth(i).get_attribute("data-share"): links.nth(i).get_attribute("href") for i in range(4)}
    assert hrefs["whatsapp"].startswith("https://wa.me/?text=") and page_url in hrefs["whatsapp"]
    assert hrefs["telegram"].startswith("https://t.me/share/url?url=" + page_url)
    assert hrefs["facebook"] == "https://www.facebook.com/sharer/sharer.php?u=" + page_url
    assert hrefs["x"].startswith("https://x.com/intent/post?url=" + page_url)
    assert all(links.nth(i).get_attribute("rel") == "noopener noreferrer" for i in range(4))
    scripts = page.evaluate("[...document.scripts].map((s) => s.src)")
    assert all(src.startswith(server) for src in scripts), scripts
    page.click("#copy-link")
    page.locator("#copy-status:has-text('Tautan disalin')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == f"{server}/t/kabupaten-sleman"
    context.close()


def test_share_links_follow_the_agency_chosen_on_the_home_page(phone):
    page = phone
    page.goto("/")
    assert page.locator("#share-links").is_hidden()
    choose_agency(page, "kota batu")
    page.locator("#share-links:not([hidden]) [data-share=facebook][href*=kota-batu]").wait_for()
    assert "kota-batu" in page.get_attribute("#share-links [data-share=facebook]", "href")
