"""The web API on a real uvicorn server: agencies, designs, frames (cache, ETag, 304), server-side framing
and its refusals, kits as ZIPs, security headers, request limits, traversal attempts, page weight."""

import hashlib
import io
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import zipfile
import zlib

import httpx
import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw

from netral_assets.assets.twibbon import frame_image
from netral_assets.kit.plan import KitOptions, plan_kit
from netral_assets.model.designs import load_design
from netral_assets.photo.decode import LIMITS
from netral_assets.photo.frame import Frame, frame_photo
from netral_assets.photo.placement import Placement
from netral_assets.web import create_app
from netral_assets.web.security import CSP
from netral_assets.web.server import background_server


@pytest.fixture(scope="module")
def app(pack, registry):
    return create_app(pack, registry)


@pytest.fixture(scope="module")
def server(app):
    with background_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def photo_bytes(size=(900, 700), orientation=None, fmt="JPEG") -> bytes:
    image = Image.new("RGB", size, (40, 90, 160))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle([0, 0, w // 3, h // 2], fill=(220, 40, 40))
    draw.ellipse([w // 3, h // 4, 2 * w // 3, 3 * h // 4], fill=(240, 200, 120))
    draw.polygon([(w, h), (w // 2, h), (w, h // 2)], fill=(20, 160, 60))
    out = io.BytesIO()
    kwargs = {}
    if orientation:
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = orientation
        kwargs["exif"] = exif.tobytes()
    image.save(out, fmt, quality=92, **kwargs) if fmt == "JPEG" else image.save(out, fmt, **kwargs)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height; its pixel data is never reached."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def raw_request(base: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes exactly as written (no URL normalisation by a client library); status and body."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"content-length: (\d+)", head, re.I)
                if length and len(body) >= int(length.group(1)):
                    break
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def assert_security_headers(response):
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def assert_refusal(response, status, *words):
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    for word in words:
        assert word in detail, detail
    assert_security_headers(response)


# -- agencies and designs ----------------------------------------------------------------------------


def test_agency_search_finds_by_name_and_code(client):
    hits = client.get("/api/v1/agencies", params={"q": "sleman"}).json()["results"]
    assert hits[0]["slug"] == "kabupaten-sleman" and hits[0]["url"] == "/t/kabupaten-sleman"
    assert client.get("/api/v1/agencies", params={"q": "34.71"}).json()["results"][0]["name"] == "Pemerintah Kota Yogyakarta"
    assert client.get("/api/v1/agencies", params={"q": "slemen"}).json()["results"][0]["slug"] == "kabupaten-sleman"
    assert client.get("/api/v1/agencies", params={"q": ""}).json()["results"] == []
    assert len(client.get("/api/v1/agencies", params={"q": "kabupaten", "limit": 5}).json()["results"]) == 5
    assert_refusal(client.get("/api/v1/agencies", params={"q": "a", "limit": 500}), 422, "limit")


def test_agency_detail_carries_the_ready_caption(client):
    body = client.get("/api/v1/agencies/kota-batu").json()
    assert body["agency"]["name"] == "Pemerintah Kota Batu"
    assert "Pemerintah Kota Batu" in body["caption"] and "#ASNPilihNetral" in body["caption"]
    assert_refusal(client.get("/api/v1/agencies/kota-atlantis"), 404, "tidak ada")


def test_designs_list_twibbon_windows_as_in_design_toml(client, pack):
    designs = client.get("/api/v1/designs").json()["designs"]
    twibbons = {d["name"]: d for d in designs if d["kind"] == "twibbon"}
    assert {"bundar", "kotak"} <= set(twibbons)
    for name, data in twibbons.items():
        design = load_design(pack, "twibbon", name)
        for fmt in design.formats:
            assert data["windows"][fmt] == design.window(fmt).as_dict()
    assert {d["kind"] for d in client.get("/api/v1/designs", params={"kind": "poster"}).json()["designs"]} == {"poster"}
    assert_refusal(client.get("/api/v1/designs", params={"kind": "video"}), 422, "video")


# -- frames --------------------------------------------------------------------------------------------


def test_frame_png_is_rendered_once_then_cached_with_a_strong_etag(client, app, pack, sleman):
    frames = app.state.netral.frames
    url = "/frames/kotak/kabupaten-sleman.png"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    renders = frames.renders
    etag = first.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag), "a strong ETag (no W/ prefix)"
    assert "max-age" in first.headers["cache-control"]
    assert_security_headers(first)

    t0 = time.perf_counter()
    again = client.get(url)
    assert (time.perf_counter() - t0) < 0.5
    assert again.content == first.content and again.headers["etag"] == etag
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.head(url).status_code == 200
    assert frames.renders == renders, "served from the cache, not rendered again"

    with Image.open(io.BytesIO(first.content)) as image:
        assert image.size == (1080, 1080) and image.mode == "RGBA"
        window = load_design(pack, "twibbon", "kotak").window("square")
        cx, cy = (round(c) for c in window.center)
        assert image.getpixel((cx, cy))[3] == 0, "the photo window is transparent"
        assert image.getpixel((5, 5))[3] == 255
        expected = frame_image(pack, sleman, load_design(pack, "twibbon", "kotak"), "square")
        assert image.tobytes() == expected.tobytes()


def test_story_frame_and_bad_format(client):
    story = client.get("/frames/bundar/kabupaten-sleman.png", params={"format": "story"})
    with Image.open(io.BytesIO(story.content)) as image:
        assert image.size == (1080, 1920)
    assert_refusal(client.get("/frames/bundar/kabupaten-sleman.png", params={"format": "a3"}), 422, "square")


def test_frame_with_a_persons_name_on_a_design_that_has_a_name_slot(client):
    plain = client.get("/frames/pegawai/kabupaten-sleman.png")
    named = client.get("/frames/pegawai/kabupaten-sleman.png", params={"name": "Budi Santoso", "unit": "Bagian Umum"})
    assert named.status_code == 200 and named.content != plain.content
    assert named.headers["etag"] != plain.headers["etag"]
    # A design without a name slot ignores the name (one cached frame, whatever is typed).
    assert client.get("/frames/bundar/kabupaten-sleman.png", params={"name": "X"}).content == \
        client.get("/frames/bundar/kabupaten-sleman.png").content


@pytest.mark.parametrize("path", [
    "/frames/bundar/..%2f..%2fetc%2fpasswd.png",
    "/frames/bundar/../../etc/passwd.png",
    "/frames/..%2f..%2fetc/kabupaten-sleman.png",
    "/frames/bundar/kabupaten-sleman%00.png",
    "/frames/bundar/%2e%2e.png",
    "/static/..%2f..%2fapp.py",
    "/static/../../web/app.py",
    "/static/%2e%2e/%2e%2e/pack.py",
    "/previews/poster/..%2f..%2f..%2fbrand.png".replace(".png", ".jpg"),
    "/brand/..%2fbrand.svg",
    "/t/..%2f..%2fetc%2fpasswd",
])
def test_traversal_attempts_are_404(server, path):
    status, body = raw_request(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert status == 404, (path, body[:200])
    assert b"root:" not in body and b"import" not in body


def test_unknown_design_or_agency_is_404_in_indonesian(client):
    assert_refusal(client.get("/frames/segitiga/kabupaten-sleman.png"), 404, "segitiga")
    assert_refusal(client.get("/frames/bundar/kabupaten-atlantis.png"), 404, "kabupaten-atlantis")
    assert_refusal(client.get("/api/v1/tidak-ada"), 404, "tidak ditemukan")


# -- POST /api/v1/frame -------------------------------------------------------------------------------


def test_post_frame_gives_the_same_picture_as_frame_photo(client, pack, sleman):
    photo = photo_bytes(orientation=6)
    fields = {"agency": "kabupaten-sleman", "design": "bundar", "zoom": "1.4", "offset_x": "0.1",
              "offset_y": "-0.05", "rotate": "15", "output": "png"}
    response = client.post("/api/v1/frame", data=fields, files={"photo": ("foto.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    design = load_design(pack, "twibbon", "bundar")
    frame = Frame(frame_image(pack, sleman, design, "square"), design.window("square"))
    expected = frame_photo(photo, frame, Placement(1.4, (0.1, -0.05), 15)).image
    with Image.open(io.BytesIO(response.content)) as got:
        assert got.size == (1080, 1080)
        assert got.convert("RGB").tobytes() == expected.tobytes()


def test_post_frame_jpeg_story_carries_no_metadata(client):
    photo = photo_bytes(orientation=3)
    response = client.post("/api/v1/frame", data={"agency": "kota-batu", "format": "story"},
                           files={"photo": ("foto.jpg", photo, "image/jpeg")})
    assert response.status_code == 200, response.text
    with Image.open(io.BytesIO(response.content)) as got:
        assert got.format == "JPEG" and got.size == (1080, 1920)
        assert not got.getexif() and "icc_profile" not in got.info


def test_post_frame_refuses_a_file_that_is_not_a_photo(client):
    response = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"},
                           files={"photo": ("foto.jpg", b"ini bukan foto, hanya teks" * 10, "image/jpeg")})
    assert_refusal(response, 422, "bukan berkas foto")


def test_post_frame_refuses_too_many_pixels_before_decoding(client):
    response = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"},
                           files={"photo": ("besar.png", png_header_only(10_000, 8_000), "image/png")})
    assert_refusal(response, 422, "80,0 MP", "50,0 MP")


def test_post_frame_refuses_a_file_above_the_cli_byte_limit(client):
    big = b"\xff\xd8\xff" + os.urandom(LIMITS.max_bytes + 512 * 1024)
    response = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"},
                           files={"photo": ("besar.jpg", big, "image/jpeg")})
    assert_refusal(response, 413, "melebihi batas 40,0 MB")


def test_request_size_limit_refuses_before_reading_the_body(server):
    # Content-Length alone is enough: the server answers 413 without waiting for 60 MB.
    head = (f"POST /api/v1/frame HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {60 * 1024 * 1024}\r\nConnection: close\r\n\r\n").encode()
    t0 = time.perf_counter()
    status, body = raw_request(server, head)
    assert status == 413 and "40,0 MB" in json.loads(body)["detail"]
    assert time.perf_counter() - t0 < 2
    # Other routes take small bodies only.
    status, _ = raw_request(server, b"POST /api/v1/agencies HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                                    b"Connection: close\r\n\r\n")
    assert status == 413


def test_chunked_upload_above_the_limit_is_refused(server):
    # No Content-Length: the limit is counted as the body streams in.
    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"x.jpg\"\r\n\r\n"
        block = b"\0" * (1024 * 1024)
        for _ in range(48):
            yield block

    with httpx.Client(base_url=server, timeout=30) as c:
        response = c.post("/api/v1/frame", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413


@pytest.mark.parametrize("fields, words", [
    ({"zoom": "20"}, ["Zoom 20", "0,25"]),
    ({"zoom": "dua"}, ["zoom harus berupa angka"]),
    ({"offset_x": "3"}, ["Offset"]),
    ({"output": "gif"}, ["jpg, png atau webp"]),
    ({"format": "a4"}, ["square"]),
    ({"agency": "kabupaten-atlantis"}, ["Instansi"]),
    ({"design": "segitiga"}, ["segitiga"]),
])
def test_post_frame_refuses_bad_fields(client, fields, words):
    data = {"agency": "kabupaten-sleman", **fields}
    response = client.post("/api/v1/frame", data=data, files={"photo": ("f.jpg", photo_bytes((64, 48)), "image/jpeg")})
    assert_refusal(response, 422, *words)


def test_post_frame_needs_a_photo_and_multipart(client):
    assert_refusal(client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"}), 422, "photo")
    assert_refusal(client.post("/api/v1/frame", json={"agency": "x"}), 415, "multipart")


def test_uploads_are_never_written_to_disk(client):
    """Starlette spools form files above 1 MB to a temporary file; our parser keeps them in memory."""
    written = []
    watching = threading.Event()

    def audit(event, args):
        if watching.is_set() and event == "open":
            path, mode, flags = args
            writes = (mode and any(c in mode for c in "wax+")) or (flags and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if writes:
                written.append(path)

    sys.addaudithook(audit)  # cannot be removed; it only records while `watching` is set
    photo = photo_bytes((3000, 2400))
    photo += b"\0" * max(0, 3 * 1024 * 1024 - len(photo))  # trailing bytes after EOI: still a JPEG, > 1 MB
    watching.set()
    try:
        response = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"},
                               files={"photo": ("foto.jpg", photo, "image/jpeg")})
    finally:
        watching.clear()
    assert response.status_code == 200, response.text
    assert written == []


# -- kits ----------------------------------------------------------------------------------------------


def read_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_kit_zip_holds_what_netral_kit_writes(client, pack, sleman):
    fields = {"agency": "kabupaten-sleman", "parts": "twibbon,logo"}
    response = client.post("/api/v1/kit", data=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="kit-kabupaten-sleman.zip"' in response.headers["content-disposition"]
    files = read_zip(response.content)
    manifest = json.loads(files["kabupaten-sleman/manifest.json"])
    expected = [job.name for job in plan_kit(pack, sleman, KitOptions(only=("twibbon", "logo")))]
    assert [f["path"] for f in manifest["files"]] == expected
    assert set(files) == {f"kabupaten-sleman/{n}" for n in [*expected, "caption.txt", "manifest.json"]}
    assert manifest["agency"]["name"] == "Pemerintah Kabupaten Sleman" and manifest["campaign"] == "ASN PILIH NETRAL"
    for entry in manifest["files"]:
        data = files[f"kabupaten-sleman/{entry['path']}"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["bytes"]
        assert entry["fingerprint"]
    assert "Pemerintah Kabupaten Sleman" in files["kabupaten-sleman/caption.txt"].decode()


def test_kit_job_reports_progress_then_serves_the_zip_and_thumbnails(client):
    fields = {"name": "Dinas Komunikasi dan Informatika Kabupaten Sleman", "parts": ["twibbon", "poster"],
              "designs": ["twibbon/bundar", "poster/larangan"], "poster_formats": "feed.jpg",
              "twibbon_formats": ["square.png", "story.png"]}
    started = client.post("/api/v1/kit/jobs", data=fields)
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == job["status_url"]
    seen = set()
    deadline = time.monotonic() + 60
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline
        seen.add((job["done"], job["total"]))
        time.sleep(0.1)
        job = client.get(job["status_url"]).json()
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == 4  # three files and the ZIP
    paths = [f["path"] for f in job["files"]]
    assert paths == ["twibbon-bundar.png", "twibbon-bundar-story.png", "poster-larangan-feed.jpg"]
    slug = "dinas-komunikasi-dan-informatika-kabupaten-sleman"
    archive = client.get(job["zip_url"])
    assert archive.status_code == 200
    files = read_zip(archive.content)
    assert f"{slug}/manifest.json" in files and f"{slug}/poster-larangan-feed.jpg" in files
    manifest = json.loads(files[f"{slug}/manifest.json"])
    assert manifest["agency"]["level"] == "custom" and manifest["agency"]["name"].startswith("Dinas Komunikasi")
    thumb = client.get(f"/api/v1/kit/jobs/{job['id']}/thumbs/poster-larangan-feed.jpg")
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.width <= 240
    assert client.get(f"/api/v1/kit/jobs/{job['id']}/thumbs/tidak-ada.png").status_code == 404
    assert_refusal(client.get("/api/v1/kit/jobs/tidak-ada"), 404, "kedaluwarsa")


def test_kit_with_an_uploaded_logo_puts_it_on_the_posters(client):
    logo = io.BytesIO()
    Image.new("RGB", (300, 300), (0, 140, 60)).save(logo, "PNG")
    fields = {"agency": "kota-batu", "parts": "poster", "designs": "poster/larangan", "poster_formats": "feed.png"}
    plain = read_zip(client.post("/api/v1/kit", data=fields).content)["kota-batu/poster-larangan-feed.png"]
    response = client.post("/api/v1/kit", data=fields, files={"logo": ("logo.png", logo.getvalue(), "image/png")})
    assert response.status_code == 200, response.text
    with_logo = read_zip(response.content)["kota-batu/poster-larangan-feed.png"]
    assert with_logo != plain
    with Image.open(io.BytesIO(with_logo)) as image:
        r, g, b = image.convert("RGB").split()
        r, g, b = r.point(lambda v: 255 * (v < 40)), g.point(lambda v: 255 * (v > 120)), b.point(lambda v: 255 * (v < 90))
        green = ImageChops.multiply(ImageChops.multiply(r, g), b).histogram()[255]
        assert green > 500, "the green logo is on the poster"


@pytest.mark.parametrize("fields, files, words", [
    ({}, None, ["Pilih instansi"]),
    ({"agency": "kabupaten-atlantis"}, None, ["kabupaten-atlantis"]),
    ({"name": "x" * 200}, None, ["160"]),
    ({"agency": "kota-batu", "parts": "video"}, None, ["video"]),
    ({"agency": "kota-batu", "designs": "poster/tidak-ada"}, None, ["poster/tidak-ada"]),
    ({"agency": "kota-batu", "parts": "twibbon", "designs": "poster/larangan"}, None, ["twibbon"]),
    ({"agency": "kota-batu", "poster_formats": "feed.gif"}, None, ["feed.gif"]),
    ({"agency": "kota-batu"}, {"logo": ("logo.png", b"bukan gambar", "image/png")}, ["Logo logo.png", "PNG"]),
])
def test_kit_refusals(client, fields, files, words):
    assert_refusal(client.post("/api/v1/kit", data=fields or {"_": ""}, files=files), 422, *words)


# -- pages, headers, weight ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/t/kabupaten-sleman", "/humas", "/docs", "/t/kota-atlantis", "/tidak-ada"])
def test_pages_are_indonesian_with_no_inline_script_or_style(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == (404 if "atlantis" in path or "tidak-ada" in path else 200)
    assert_security_headers(response)
    html = response.text
    assert '<html lang="id">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_agency_page_names_the_agency_and_carries_the_caption(client):
    html = client.get("/t/kabupaten-sleman").text
    assert "Pemerintah Kabupaten Sleman" in html and "#NetralitasASN" in html
    assert "tidak pernah meninggalkan perangkat" in html


def test_framing_page_weighs_under_200_kb_before_the_frame(client):
    """HTML, CSS, every JS module it imports, the fonts the CSS names and the mark, uncompressed."""
    seen: dict[str, int] = {}

    def fetch(url: str) -> str:
        url = url.split("#")[0]
        if url in seen:
            return ""
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = len(response.content)
        kind = response.headers["content-type"]
        return response.text if "text" in kind or "javascript" in kind else ""

    html = fetch("/")
    for ref in re.findall(r'(?:src|href)="(/(?:static|fonts|brand)/[^"]+)"', html):
        text = fetch(ref)
        for font in re.findall(r'url\("?(/fonts/[^")]+)"?\)', text):
            fetch(font)
        queue = re.findall(r'from "\./([^"]+)"', text)
        while queue:
            module = fetch(f"/static/js/{queue.pop()}")
            queue += re.findall(r'from "\./([^"]+)"', module)
    total = sum(seen.values())
    assert any(u.startswith("/static/js/compose.js") for u in seen) and any(u.startswith("/fonts/") for u in seen)
    assert total < 200 * 1024, seen


def test_static_files_are_versioned_and_compressed(client):
    html = client.get("/").text
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(css)
    assert "immutable" in response.headers["cache-control"]
    assert response.headers.get("content-encoding") == "gzip"
    assert client.get("/static/app.css").headers["cache-control"] == "no-cache"
    assert_security_headers(response)
    font = client.get("/fonts/jakarta-800.woff2")
    assert font.headers["content-type"] == "font/woff2" and font.content[:4] == b"wOF2"


def test_openapi_describes_every_route(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/agencies", "/api/v1/designs", "/frames/{design}/{agency}.png", "/api/v1/frame",
            "/api/v1/kit", "/api/v1/kit/jobs", "/cards/{name}"} <= set(spec["paths"])
    body = spec["paths"]["/api/v1/frame"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert {"photo", "zoom", "offset_x", "offset_y", "rotate"} <= set(body["properties"])
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/js/docs.js" in docs.text


def test_a_failing_render_is_a_json_500_with_security_headers(pack, registry, monkeypatch):
    from netral_assets.web import frames

    broken = create_app(pack, registry)

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(frames, "frame_image", explode)
    with background_server(broken) as base, httpx.Client(base_url=base) as c:
        response = c.get("/frames/bundar/kota-batu.png")
    assert response.status_code == 500
    assert response.json()["detail"].startswith("Terjadi kesalahan")
    assert_security_headers(response)


def test_netral_serve_starts_the_app(tmp_path):
    import subprocess

    from netral_assets.web.server import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "netral_assets", "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read().decode()
                time.sleep(0.1)
        assert response.json() == {"status": "ok"}
        assert "server" not in response.headers, "uvicorn does not announce itself"
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output


# -- participation, health, metrics ---------------------------------------------------------------------

EVENT = {"agency": "kota-batu", "design": "kotak", "format": "story", "action": "share"}


def test_events_are_counted_and_shown_on_the_agency_page(client):
    before = client.get("/api/v1/stats/participation", params={"agency": "kota-batu"}).json()["frames"]
    assert "Belum ada bingkai" in client.get("/t/kota-batu").text or before
    for _ in range(3):
        response = client.post("/api/v1/events", json=EVENT)
        assert response.status_code == 204 and "set-cookie" not in response.headers
    stats = client.get("/api/v1/stats/participation", params={"agency": "kota-batu"}).json()
    assert stats["frames"] == before + 3 and stats["days"][-1]["frames"] >= 3
    page = client.get("/t/kota-batu").text
    assert f"{before + 3}</strong> bingkai telah dibuat untuk Pemerintah Kota Batu" in page
    assert "orang" not in page.split('id="participation"')[1].split("</p>")[0]
    province = client.get("/api/v1/stats/participation", params={"province": "35"}).json()
    assert province["province"]["slug"] == "provinsi-jawa-timur"
    assert next(a for a in province["agencies"] if a["slug"] == "kota-batu")["frames"] == before + 3


@pytest.mark.parametrize(("body", "words"), [
    ({**EVENT, "agency": "tidak-ada"}, "tidak ada di registri"),
    ({**EVENT, "design": "x"}, "Desain twibbon"),
    ({**EVENT, "format": "a4"}, "Format"),
    ({**EVENT, "action": "view"}, "Tindakan"),
    ({"agency": "kota-batu"}, "wajib diisi"),
    ([1, 2], "wajib diisi"),
])
def test_events_refuse_unknown_agencies_designs_formats_and_actions(client, body, words):
    response = client.post("/api/v1/events", json=body)
    assert response.status_code == 422 and words in response.json()["detail"]


def test_events_refuse_non_json_and_stats_refuse_bad_periods(client):
    assert client.post("/api/v1/events", content=b"agency=x").status_code == 422
    assert client.post("/api/v1/events", content=b"x" * 2000).status_code == 413
    for params, words in (({"from": "2024-13-01"}, "TTTT-BB-HH"), ({"from": "2024-02-01", "to": "2024-01-01"}, "sebelum"),
                          ({"province": "kabupaten-sleman"}, "provinsi"), ({"agency": "nope"}, "tidak ada")):
        response = client.get("/api/v1/stats/participation", params=params)
        assert response.status_code in (404, 422) and words in response.json()["detail"], params


def test_events_are_rate_limited_per_client_in_memory(pack, registry):
    with background_server(create_app(pack, registry, rates={"events": (0.01, 2)})) as base, httpx.Client(base_url=base) as c:
        codes = [c.post("/api/v1/events", json=EVENT).status_code for _ in range(3)]
    assert codes == [204, 204, 429]


def test_healthz_follows_the_store_and_metrics_are_prometheus_text(pack, registry):
    app = create_app(pack, registry)
    with background_server(app) as base, httpx.Client(base_url=base) as c:
        c.get("/t/kota-batu")
        c.get("/frames/kotak/kota-batu.png")
        text = c.get("/metrics").text
        assert 'netral_http_requests_total{method="GET",route="/t/{slug}",status="200"} 1' in text
        assert 'route="/frames/{design}/{agency}.png",le="+Inf"} 1' in text and "netral_frames_served_total 1" in text
        assert 'netral_kit_jobs{state="running"} 0' in text and "kota-batu" not in text
        assert c.get("/healthz").json() == {"status": "ok"}
        app.state.netral.store.close()  # the database goes away
        response = c.get("/healthz")
        assert response.status_code == 503 and "Basis data" in response.json()["detail"]
