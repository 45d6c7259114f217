"""The framing page without signal (issue 17): the web app manifest and icons, the service worker, and
in the real Chromium at phone size: visit an agency page once, go offline, reload, frame a photo and
download it. Every request the page and the worker made is checked (none carries the photo, none is a
POST), and so is everything the Cache Storage holds (no photo, no picture made from it, only GETs)."""

import hashlib
import io
import json
import re

import httpx
import pytest
import test_web_browser as web
from PIL import Image
from test_web_browser import PHONE, compare, download, make_photo, python_frame, set_placement

from netral_assets.photo.placement import Placement
from netral_assets.web import offline
from netral_assets.web.pages import load_static

# Everything in the Cache Storage: cache, request method and URL, content type, size and sha256 of the body.
CACHED = """async () => {
  const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const out = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const body = await response.arrayBuffer();
      out.push({ cache: name, method: request.method, url: request.url, type: response.headers.get("content-type"),
                 size: body.byteLength, sha256: hex(await crypto.subtle.digest("SHA-256", body)),
                 head: hex(body.slice(0, 3)) });
    }
  }
  return out;
}"""


# The browser tests' server (a real uvicorn, one per module) and Chromium.
server = web.server
browser = web.browser


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server) as c:
        yield c


def test_manifest_names_the_app_its_agency_page_and_its_icons(client):
    answer = client.get("/manifest.webmanifest?agency=kabupaten-sleman")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["start_url"] == "/t/kabupaten-sleman" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone" and manifest["lang"] == "id" and manifest["theme_color"] == "#12284C"
    assert "Kabupaten Sleman" in manifest["name"] and len(manifest["short_name"]) <= 12
    icons = {(i["sizes"], i["purpose"]): i["src"] for i in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")}
    for (sizes, purpose), src in icons.items():
        image = Image.open(io.BytesIO(client.get(src).content))
        assert image.format == "PNG" and f"{image.width}x{image.height}" == sizes
        corner = image.convert("RGBA").getpixel((1, 1))
        if purpose == "maskable":  # full bleed: launchers cut it to any shape
            assert corner[3] == 255 and abs(corner[2] - 0x4C) < 12, corner
        else:
            assert corner[3] == 0
    assert client.get("/manifest.webmanifest").json()["start_url"] == "/"
    assert client.get("/manifest.webmanifest?agency=tidak-ada").status_code == 404
    assert client.get("/icons/lain.png").status_code == 404
    page = client.get("/t/kabupaten-sleman").text
    assert '<link rel="manifest" href="/manifest.webmanifest?agency=kabupaten-sleman">' in page


def test_the_worker_is_served_at_the_root_versioned_by_the_static_files(client, pack):
    answer = client.get("/sw.js")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    config = json.loads(re.search(r"const CONFIG = (\{.*?\});", answer.text)[1])
    static = load_static()
    assert config["version"] == offline.cache_version(static, pack) and config["frames"] == 6
    assert f"static/app.css?v={static['app.css'].version}" in config["shell"]
    # Another version of any static file is another worker (and so other caches).
    changed = {**static, "app.css": type(static["app.css"])(b"/* changed */", "text/css")}
    assert offline.cache_version(changed, pack) != config["version"]
    assert client.get("/sw.js", headers={"If-None-Match": answer.headers["etag"]}).status_code == 304


def phone_context(browser, server):
    return browser.new_context(base_url=server, accept_downloads=True, reduced_motion="reduce",
                               service_workers="allow", **PHONE)


def visit_once(page, path):
    """Open `path` online and wait until the worker controls the page and has kept the page and frame."""
    page.goto(path)
    page.locator("#studio[data-frame=ready]").wait_for()
    page.locator("html[data-offline=ready]").wait_for(state="attached")
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_offline_after_one_visit_the_page_frames_a_photo_and_nothing_keeps_or_sends_it(browser, server, pack, sleman,
                                                                                        tmp_path):
    context = phone_context(browser, server)
    requests, errors = [], []
    context.on("request", lambda r: requests.append(r))  # the pages' and (in Chromium) the service worker's requests
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    visit_once(page, "/t/kabupaten-sleman")

    context.set_offline(True)
    reloaded = page.reload()
    assert reloaded.from_service_worker
    page.locator("#studio[data-frame=ready]").wait_for()
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate("fetch('/healthz').then(() => 'online', () => 'offline')") == "offline"
    assert page.inner_text("#agency-name") == "Pemerintah Kabupaten Sleman"
    assert "Tanpa sinyal" in page.inner_text("#offline-note")  # the page says so, and that it still works
    photo = make_photo(tmp_path / "foto-pribadi.jpg")
    page.set_input_files("#photo", str(tmp_path / "foto-pribadi.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    set_placement(page, 1.2, (0.05, -0.03), 7)
    png = download(page, "#download-png")
    compare("offline-framing", png, python_frame(pack, sleman, "bundar", "square", photo, Placement(1.2, (0.05, -0.03), 7)))
    jpeg = download(page, "#download-jpg")
    assert Image.open(io.BytesIO(jpeg)).size == (1080, 1080)
    page.wait_for_timeout(300)  # let any request the downloads might have caused be reported
    assert errors == []

    # Every request made: pages and worker. The worker's own requests are among them.
    assert any(r.service_worker is not None for r in requests), "the worker's requests were not seen"
    secrets = [photo[200:264], png[200:264], jpeg[200:264]]
    for request in requests:
        body = request.post_data_buffer or b""
        assert not any(s in body for s in secrets), request.url
        assert request.method == "GET", (request.method, request.url)  # offline: no count is even tried
        # Only this site; blob: URLs (the result picture shown on the page) stay inside the page.
        local = request.url.startswith(f"blob:{server}/") and request.service_worker is None
        assert request.url.startswith(f"{server}/") or local, request.url
        assert "foto-pribadi" not in request.url

    cached = page.evaluate(CACHED)
    assert cached, "the worker kept nothing"
    made = {hashlib.sha256(x).hexdigest() for x in (photo, png, jpeg)}
    version = offline.cache_version(load_static(), pack)
    for entry in cached:
        assert entry["method"] == "GET" and entry["url"].startswith(server + "/"), entry
        assert entry["sha256"] not in made and entry["head"] != "ffd8ff", entry  # no photo, no JPEG at all
        assert "foto-pribadi" not in entry["url"] and entry["cache"].endswith(version), entry
    urls = {e["url"].removeprefix(server) for e in cached}
    assert {"/t/kabupaten-sleman", "/frames/bundar/kabupaten-sleman.png", "/fonts/jakarta-400.woff2"} <= urls
    assert any(u.startswith("/static/app.css?v=") for u in urls)
    context.close()


def test_the_worker_keeps_only_the_last_six_frames_and_never_a_named_one(browser, server):
    context = phone_context(browser, server)
    page = context.new_page()
    visit_once(page, "/t/kota-batu")
    for design in ("bundar", "kotak", "pegawai"):
        for fmt in ("square", "story"):
            page.check(f"input[name=design][value={design}]", force=True)
            page.check(f"input[name=format][value={fmt}]", force=True)
            page.locator("#studio[data-frame=ready]").wait_for()
    with page.expect_response(lambda r: r.request.method == "POST" and "/frames/pegawai/" in r.url):
        page.fill("#person-name", "Budi Santoso")  # a named frame: POST, private, never kept
    page.locator("#studio[data-frame=ready]").wait_for()
    visit_once(page, "/t/kabupaten-sleman")
    frames = [e["url"].removeprefix(server) for e in page.evaluate(CACHED) if "/frames/" in e["url"]]
    assert len(frames) == offline.FRAMES_KEPT, frames
    assert "/frames/bundar/kabupaten-sleman.png" in frames
    assert "/frames/bundar/kota-batu.png" not in frames  # the oldest went first
    assert not [f for f in frames if "Budi" in f or "name=" in f]
    context.close()


def test_an_update_of_the_static_files_replaces_the_workers_caches(browser, pack, registry):
    from netral_assets.web import create_app
    from netral_assets.web.pages import StaticFile
    from netral_assets.web.server import background_server

    app = create_app(pack, registry)
    with background_server(app) as base:
        context = phone_context(browser, base)
        page = context.new_page()
        visit_once(page, "/t/kabupaten-sleman")
        before = sorted({e["cache"] for e in page.evaluate(CACHED)})
        assert len(before) == 3
        # A new release: another app.css, so another worker (its source carries the new version).
        static = dict(app.state.static)
        static["app.css"] = StaticFile(static["app.css"].data + b"\n/* rilis baru */\n", static["app.css"].media_type)
        app.state.static, app.state.offline = static, None
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        version = offline.cache_version(static, pack)
        new = sorted(f"netral-{kind}-{version}" for kind in ("frames", "pages", "shell"))
        page.wait_for_function("async (names) => JSON.stringify((await caches.keys()).sort()) === JSON.stringify(names)",
                               arg=new)
        after = page.evaluate(CACHED)
        assert any(e["url"].endswith(f"/static/app.css?v={static['app.css'].version}") for e in after)
        # What was kept stays kept: the page (fetched anew) and its frame, so it still works without signal.
        assert {f"{base}/t/kabupaten-sleman", f"{base}/frames/bundar/kabupaten-sleman.png"} <= {e["url"] for e in after}
        context.set_offline(True)
        page.reload()
        page.locator("#studio[data-frame=ready]").wait_for()
        context.close()


def test_a_count_that_cannot_be_sent_fails_quietly(browser, server, tmp_path):
    """A weak connection that the phone still calls online: the count's POST fails, the picture is made."""
    context = phone_context(browser, server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    context.route("**/api/v1/events", lambda route: route.abort())
    page.goto("/t/kabupaten-sleman")
    page.locator("#studio[data-frame=ready]").wait_for()
    make_photo(tmp_path / "foto.jpg")
    page.set_input_files("#photo", str(tmp_path / "foto.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/v1/events")) as failed:
        picture = download(page, "#download-jpg")
    assert failed.value.method == "POST" and Image.open(io.BytesIO(picture)).size == (1080, 1080)
    page.wait_for_function("() => document.querySelector('#download-status').textContent.includes('diunduh')")
    assert errors == []
    assert page.locator("#download-png").is_enabled() and page.locator("#result-img").is_visible()
    context.close()
