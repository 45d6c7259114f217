"""`netral site` (issue 17): the static site of one province, served from a sub-folder by a plain static
file server (`python -m http.server`), in the real Chromium at phone size: the agency page frames a
photo exactly as `frame_photo` does, never calls the server's API, finds agencies from its own list, and
after one visit still frames with no signal. Then the command itself: re-running writes nothing, bad
input is one Indonesian line and exit 1, and a public address makes absolute link previews."""

import io
import json
import socket
import subprocess
import sys
import time

import pytest
import test_web_browser as web
from click.testing import CliRunner
from PIL import Image
from test_web_browser import PHONE, compare, download, make_photo, python_frame, set_placement

from netral_assets.cli import cli
from netral_assets.photo.placement import Placement
from netral_assets.web.server import free_port

browser = web.browser  # the browser tests' Chromium (Debian's, driven by Playwright)
pytestmark = web.pytestmark


def run(*args):
    return CliRunner().invoke(cli, ["site", *args])


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("host") / "netral"
    result = run("--province", "34", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def static_server(site_dir):
    """The folder's parent served by Python's plain file server: the site lives at /netral/, as in a CMS folder."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                "--directory", str(site_dir.parent)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("python -m http.server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/netral/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def phone(browser, static_server):
    context = browser.new_context(accept_downloads=True, reduced_motion="reduce", service_workers="allow", **PHONE)
    page = context.new_page()
    page.requests, page.errors = [], []
    context.on("request", lambda r: page.requests.append(r))
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()


def frame_a_photo(page, pack, agency, tmp_path, name):
    photo = make_photo(tmp_path / f"{name}.jpg")
    page.set_input_files("#photo", str(tmp_path / f"{name}.jpg"))
    page.locator("#studio[data-photo=ready]").wait_for()
    set_placement(page, 1.25, (0.06, -0.04), 9)
    png = download(page, "#download-png")
    compare(f"site-{name}", png, python_frame(pack, agency, "bundar", "square", photo, Placement(1.25, (0.06, -0.04), 9)))


def test_static_agency_page_frames_like_the_server_and_again_without_signal(phone, static_server, pack, sleman,
                                                                             tmp_path):
    page = phone
    page.goto(f"{static_server}t/kabupaten-sleman/")
    page.locator("#studio[data-frame=ready]").wait_for()
    assert page.get_attribute("body", "data-mode") == "static"
    csp = page.get_attribute("meta[http-equiv=Content-Security-Policy]", "content")
    assert "script-src 'self'" in csp and "default-src 'self'" in csp  # the host sends none: the page does
    note = page.inner_text("#static-note")
    assert "versi statis" in note and "hanya tersedia di aplikasi server" in note
    assert page.locator("#participation").count() == 0 and page.locator("a[href='/humas']").count() == 0
    frame_a_photo(page, pack, sleman, tmp_path, "online")
    # The caption and the share links carry the page's own address (built without --public-url).
    assert f"{static_server}t/kabupaten-sleman/" in page.input_value("#caption")
    assert "__PAGE_URL__" not in page.content()

    page.locator("html[data-offline=ready]").wait_for(state="attached")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    assert page.reload().from_service_worker
    page.locator("#studio[data-frame=ready]").wait_for()
    frame_a_photo(page, pack, sleman, tmp_path, "offline")

    assert page.errors == []
    assert [r.url for r in page.requests if "/api/" in r.url or r.method != "GET"] == []
    assert all(r.url.startswith((static_server, f"blob:{static_server[:-7]}")) for r in page.requests)


def test_static_home_page_finds_an_agency_in_its_own_list(phone, static_server):
    page = phone
    page.goto(static_server)
    page.fill("#agency-search", "gunung")
    page.locator("[role=option]").first.wait_for()
    assert page.locator("[role=option]").count() == 1
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{static_server}t/kabupaten-gunungkidul/"
    page.locator("#studio[data-frame=ready]").wait_for()
    page.click("#agency-change")  # the agency page's own picker searches the same list
    page.fill("#agency-search", "34.04")
    page.locator("[role=option]").first.wait_for()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == f"{static_server}t/kabupaten-sleman/"
    assert page.errors == []
    assert [r.url for r in page.requests if "/api/" in r.url] == []


def test_rerun_changes_nothing_and_a_public_address_makes_absolute_previews(site_dir, tmp_path):
    again = run("--province", "34", "--out", str(site_dir))
    assert again.exit_code == 0 and " 0 berkas ditulis" in again.output, again.output
    listing = json.loads((site_dir / "agencies.json").read_text())["agencies"]
    assert len(listing) == 6 and {"kabupaten-sleman", "kota-yogyakarta"} <= {a["slug"] for a in listing}

    out = tmp_path / "satu"
    result = run("--agency", "34.04", "--public-url", "https://contoh.go.id/netral/", "--out", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "t/kabupaten-sleman/index.html").read_text()
    assert '<meta property="og:image" content="https://contoh.go.id/netral/cards/kabupaten-sleman.png">' in html
    assert '<meta property="og:url" content="https://contoh.go.id/netral/t/kabupaten-sleman/">' in html
    assert "https://contoh.go.id/netral/t/kabupaten-sleman/" in html.split('id="caption"')[1]
    with Image.open(out / "cards/kabupaten-sleman.png") as card:
        assert card.size == (1200, 630)
    with Image.open(io.BytesIO((out / "frames/bundar/story/kabupaten-sleman.png").read_bytes())) as frame:
        assert frame.size == (1080, 1920)
    manifest = json.loads((out / "t/kabupaten-sleman/manifest.webmanifest").read_text())
    assert manifest["start_url"] == "./" and manifest["scope"] == "../../" and manifest["display"] == "standalone"


@pytest.mark.parametrize("args, words", [
    (["--agency", "Kabupaten Tidak Ada"], "tidak"),
    ([], "Pilih instansi"),
    (["--agency", "34.04", "--province", "34"], "jangan keduanya"),
])
def test_bad_choices_are_one_indonesian_line(args, words, tmp_path):
    result = run(*args, "--out", str(tmp_path / "x"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.output


def test_an_unwritable_folder_is_one_indonesian_line(tmp_path):
    (tmp_path / "berkas").write_text("bukan folder")
    for out in (tmp_path / "berkas", tmp_path / "berkas" / "situs"):
        result = run("--agency", "34.04", "--out", str(out))
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1 and "folder" in result.output.lower(), result.output
