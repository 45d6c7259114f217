"""Hardening (issue 16): memory per photo known from its header, a memory-bounded framing pool, slow
clients closed, kit jobs that do not lock the humas page out, per-client rate limits, a bounded render
queue, 4xx JSON for every client error (a walker over the app's own OpenAPI schema), personal text out
of URLs and logs, and clear answers to photos whose data ends long before their image does.

Everything runs for real (uvicorn on loopback, Pillow, sockets); nothing depends on timing beyond
deadlines the tests set themselves, or on the machine's memory."""

import io
import logging
import re
import socket
import struct
import threading
import time
import zlib

import httpx
import pytest
from PIL import Image

from netral_assets.defaults import FRAMING_MEMORY_BYTES, FRAMING_OVERHEAD_BYTES, PHOTO_MAX_DECODE_BYTES
from netral_assets.errors import NetralError
from netral_assets.kit.plan import KitOptions
from netral_assets.photo.decode import LIMITS, Limits, decode_cost, jpeg_factor, open_photo
from netral_assets.photo.frame import Frame, frame_photo
from netral_assets.web import create_app
from netral_assets.web import server as web_server
from netral_assets.web.frames import Renderer
from netral_assets.web.kits import KitJobs, KitRequest
from netral_assets.web.limits import Busy, MemoryBudget, RateLimit, TooLarge
from netral_assets.web.server import GuardedH11, PrivateAccessLog, RefusalLog, background_server

MB = 1024 * 1024


def jpeg(size=(640, 480), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(out, "JPEG", **options)
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, colour: int = 2, rows: int = 1) -> bytes:
    """A PNG whose header claims width×height but whose data holds `rows` rows, then IEND."""
    channels = {0: 1, 2: 3, 6: 4}[colour]
    raw = (b"\0" + b"\x80" * (width * channels)) * rows
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small, valid JPEG whose frame header is rewritten to claim width×height."""
    data = bytearray(jpeg((64, 64)))
    at = data.find(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture(scope="module")
def frame():
    image = Image.new("RGBA", (400, 400), (0, 40, 120, 255))
    from netral_assets.model.designs import Window

    window = Window(x=50, y=50, width=300, height=300, shape="rect", radius=0)
    return Frame(image, window)


# -- photos: clear answers, memory from the header ---------------------------------------------------


def test_a_jpeg_whose_data_ends_long_before_its_image_is_refused(frame):
    data = jpeg_claiming(12000, 12000)
    assert len(data) < 2000
    with pytest.raises(NetralError, match=r"liar\.jpg: berkas JPEG hanya .* 12000×12000; datanya berakhir jauh"):
        frame_photo(data, frame, name="liar.jpg")


def test_a_png_whose_rows_end_long_before_its_image_is_refused(frame):
    with pytest.raises(NetralError, match=r"liar\.png: data gambar PNG 3000×3000 .* terlalu sedikit"):
        frame_photo(png_claiming(3000, 3000), frame, name="liar.png")
    # A whole PNG, however flat (deflate's best is 1032:1), is not refused.
    assert frame_photo(png(Image.new("RGB", (3000, 3000), (9, 9, 9))), frame).image.size == (400, 400)


def test_memory_is_estimated_from_the_header_by_mode_and_pixels():
    def opened(data):
        return Image.open(io.BytesIO(data))

    rgb = opened(png_claiming(7000, 7000, colour=2))
    rgba = opened(png_claiming(7000, 7000, colour=6))
    assert decode_cost(rgb) == 4 * 7000 * 7000 <= PHOTO_MAX_DECODE_BYTES  # the worst accepted PNG
    assert decode_cost(rgba) == 8 * 7000 * 7000 > PHOTO_MAX_DECODE_BYTES  # flattening a transparent one costs twice
    # A progressive JPEG holds every coefficient of every component at full size (2 bytes each),
    # whatever scale it is decoded at: 12000×12000 at 4:2:0 is 432 MB.
    progressive = opened(jpeg((64, 64), progressive=True))
    baseline = opened(jpeg((64, 64)))
    assert decode_cost(progressive) - decode_cost(baseline) == 2 * 64 * (64 * 64 + 2 * 32 * 32) // 64


def test_a_photo_over_the_memory_budget_is_refused_before_decoding(frame):
    data = png(Image.new("RGBA", (300, 300), (1, 2, 3, 128)))
    with pytest.raises(NetralError, match=r"butuh memori sekitar 0,7 MB, melebihi batas 0,5 MB"):
        frame_photo(data, frame, name="a.png", limits=Limits(max_decode_bytes=MB // 2))
    assert frame_photo(data, frame, limits=Limits(max_decode_bytes=MB)).image.mode == "RGB"
    big = jpeg((1200, 1200), progressive=True)
    with pytest.raises(NetralError, match=r"JPEG progresif .* simpan ulang sebagai JPEG biasa \(baseline\)"):
        open_photo(big, "p.jpg", Limits(max_decode_bytes=2 * MB))
    # Where the format allows, the photo is decoded smaller rather than refused: at half size its
    # 1.4 MP cost 5.8 MB with the coefficients, within a 6 MB budget.
    limits = Limits(max_decode_bytes=6 * MB)
    with open_photo(big, "p.jpg", limits) as image:
        assert jpeg_factor(image, limits) == 2 and decode_cost(image, limits) <= 6 * MB
    assert frame_photo(big, frame, limits=limits).image.size == (400, 400)


def test_a_damaged_exif_block_is_one_indonesian_warning(frame):
    image = Image.new("RGB", (64, 48), (10, 20, 30))
    # Orientation 6, then a Make tag whose data lies past the end of the block.
    tiff = (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 2) + struct.pack(">HHII", 0x0112, 3, 1, 6 << 16)
            + struct.pack(">HHII", 0x010F, 2, 400, 9999) + struct.pack(">I", 0))
    out = io.BytesIO()
    image.save(out, "JPEG", exif=b"Exif\x00\x00" + tiff)
    # pytest turns any Python warning into an error here (pyproject's filterwarnings).
    framed = frame_photo(out.getvalue(), frame, name="exif.jpg")
    assert [w for w in framed.warnings if "EXIF" in w] == [
        "exif.jpg: data EXIF foto rusak dan dilewati; bila foto tampak miring, putar fotonya."]


# -- the framing pool's memory budget -----------------------------------------------------------------


def test_the_memory_budget_holds_work_until_it_fits():
    idle = []
    budget = MemoryBudget(1000, on_idle=lambda: idle.append(True))
    with budget.reserve(600):
        with pytest.raises(Busy):
            with budget.reserve(600, timeout=0):
                pass
        with budget.reserve(400, timeout=0):
            assert budget.used == 1000
        released = threading.Event()

        def later():
            with budget.reserve(700, timeout=30):
                released.set()

        waiter = threading.Thread(target=later)
        waiter.start()
        assert not released.wait(0.05)
    waiter.join(10)
    assert released.is_set() and budget.used == 0 and budget.peak == 1000 and idle
    with pytest.raises(TooLarge):
        with budget.reserve(1001):
            pass


def test_the_servers_framing_pool_follows_a_memory_budget_not_the_cores(pack, registry):
    app = create_app(pack, registry)
    state = app.state.netral
    assert state.budget.total == FRAMING_MEMORY_BYTES == 1024 * MB
    worst = LIMITS.max_decode_bytes + FRAMING_OVERHEAD_BYTES + LIMITS.max_bytes
    assert state.budget.total // worst >= 3  # three worst photos at once, more smaller ones
    state.shutdown()


def test_a_photo_larger_than_the_framing_budget_gets_503(pack, registry):
    app = create_app(pack, registry, framing_memory=16 * MB)  # less than one photo's overhead
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        answer = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman"},
                             files={"photo": ("a.jpg", jpeg(), "image/jpeg")})
        assert answer.status_code == 503 and "sibuk" in answer.json()["detail"]
        assert answer.headers["retry-after"]


def test_the_render_queue_is_bounded():
    renderer = Renderer(max_waiting=1)
    gate = threading.Event()
    try:
        first = renderer.submit(gate.wait, 30, bounded=True)
        with pytest.raises(Busy):
            renderer.submit(gate.wait, 30, bounded=True)
        unbounded = renderer.submit(lambda: "kit file")  # kits and previews are bounded elsewhere
        gate.set()
        assert first.result(10) and unbounded.result(10) == "kit file"
        assert renderer.submit(lambda: "again", bounded=True).result(10) == "again"
    finally:
        gate.set()
        renderer.shutdown()


# -- rate limits ----------------------------------------------------------------------------------------


def test_rate_limits_are_per_client_in_memory_and_refill():
    now = [0.0]
    limit = RateLimit(rate=1.0, burst=2, max_clients=3, clock=lambda: now[0])
    assert limit.allow("10.0.0.1") == 0 and limit.allow("10.0.0.1") == 0
    assert limit.allow("10.0.0.1") == pytest.approx(1.0)
    assert limit.allow("10.0.0.2") == 0  # another client is not affected
    now[0] += 1.0
    assert limit.allow("10.0.0.1") == 0
    # Clients are kept by a keyed hash, never by their address; the table stays bounded.
    assert not any(b"10.0.0" in key for key in limit._buckets)
    for i in range(10):
        limit.allow(f"10.1.0.{i}")
    assert len(limit) <= 3


def test_a_flood_of_framing_requests_gets_429_with_retry_after(pack, registry):
    app = create_app(pack, registry, rates={"framing": (0.01, 2)})
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        codes = [client.post("/api/v1/frame", data={"agency": "x"}, files={"photo": ("a.jpg", b"x", "image/jpeg")})
                 for _ in range(3)]
        assert [c.status_code for c in codes] == [422, 422, 429]
        assert "Terlalu banyak permintaan" in codes[2].json()["detail"] and int(codes[2].headers["retry-after"]) >= 1


# -- slow clients -------------------------------------------------------------------------------------


def test_connections_whose_headers_never_arrive_are_closed_and_logged_once(pack, registry, monkeypatch, caplog):
    """300 such connections used to exhaust the descriptors and grow the error log by 200 MB in 15 s."""
    monkeypatch.setattr(GuardedH11, "header_timeout", 0.5)
    monkeypatch.setattr(GuardedH11, "body_timeout", 0.5)
    monkeypatch.setattr(web_server, "refusals", RefusalLog())
    app = create_app(pack, registry)
    with background_server(app) as base, caplog.at_level(logging.WARNING, logger="netral.web"):
        host, port = base.removeprefix("http://").split(":")
        slow = []
        for i in range(40):
            s = socket.create_connection((host, int(port)), timeout=10)
            # Half the headers, or whole headers and half a body.
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" if i % 2 else
                      b"POST /frames/pegawai/kota-batu.png HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab")
            slow.append(s)
        # A normal visitor is served meanwhile.
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        for s in slow:
            assert s.recv(100) == b""  # closed by the server (recv waits up to the socket's 10 s otherwise)
            s.close()
        assert web_server.refusals.total == {"request body not received within 0.5 s": 20,
                                             "request headers not received within 0.5 s": 20}
        assert len([r for r in caplog.records if r.name == "netral.web"]) <= 2  # once per reason, not per connection
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback per closed body
        # Keep-alive still works: two requests on one connection.
        with httpx.Client(base_url=base) as client:
            assert client.get("/healthz").status_code == 200 and client.get("/healthz").status_code == 200


def test_the_access_log_carries_no_query_and_no_address():
    record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("10.1.2.3:5555", "GET", "/frames/pegawai/x.png?name=Budi+Santoso", "1.1", 200), None)
    PrivateAccessLog().filter(record)
    line = record.getMessage()
    assert "Budi" not in line and "10.1.2.3" not in line and "/frames/pegawai/x.png" in line


# -- kit jobs -----------------------------------------------------------------------------------------


def test_finished_kit_jobs_free_their_place_when_fetched_or_after_a_grace(pack, sleman):
    now = [0.0]
    renderer = Renderer()
    jobs = KitJobs(pack, renderer, max_active=1, grace=60, clock=lambda: now[0])
    request = KitRequest(sleman, parts=("logo",))
    assert request.options() == KitOptions(only=("logo",), twibbon_formats=request.twibbon_formats,
                                           poster_formats=request.poster_formats)

    def finish(job):
        deadline = time.monotonic() + 120
        while job.finished is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job.state == "done", job.error

    try:
        first = jobs.start(request)
        with pytest.raises(Exception, match="banyak kit"):
            jobs.start(request)  # one is running
        finish(first)
        with pytest.raises(Exception, match="banyak kit"):
            jobs.start(request)  # finished, not yet fetched, within the grace
        jobs.fetched(first)
        second = jobs.start(request)  # the fetched one no longer holds a place
        finish(second)
        now[0] += 61
        third = jobs.start(request)  # the unfetched one's grace is over
        assert jobs.get(first.id) is not None  # still downloadable
        finish(third)
    finally:
        renderer.shutdown()


# -- every route answers a client's mistakes with 4xx JSON ----------------------------------------------

EDGE_STRINGS = ["", " ", "x" * 300, "../../etc/passwd", "%00", "\u202eevil", "名前", "0", "-1", "1e309", "NaN"]


def test_every_route_answers_edge_values_with_4xx_json_never_500(pack, registry):
    """A small walker over the app's own OpenAPI schema: every path and query parameter, and every
    form field of the request bodies it declares, with edge values (schemathesis in spirit)."""
    app = create_app(pack, registry, rates={"framing": (100, 1000), "personal": (100, 1000), "kits": (100, 1000)})
    schema = app.openapi()
    seen = 0
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        for path, methods in schema["paths"].items():
            for method, operation in methods.items():
                params = operation.get("parameters", [])
                body = operation.get("requestBody", {}).get("content", {})
                fields = next(iter(body.values()), {}).get("schema", {}).get("properties", {})
                for value in EDGE_STRINGS:
                    url = path
                    query = {}
                    for p in params:
                        if p["in"] == "path":
                            url = url.replace("{" + p["name"] + "}", value.replace("/", "%2F") or "x")
                        elif p["in"] == "query":
                            query[p["name"]] = value
                    data = {name: value for name, spec in fields.items() if spec.get("format") != "binary"}
                    files = {name: ("f.jpg", value.encode(), "image/jpeg") for name, spec in fields.items()
                             if spec.get("format") == "binary"}
                    if "kit" in path and method == "post":
                        data.pop("agency", None)  # a valid slug would build a whole kit; names are edge values
                    kwargs = {"params": query}
                    if method == "post":
                        kwargs.update(data=data, files=files or None)
                    answer = client.request(method.upper(), url, **kwargs)
                    seen += 1
                    assert answer.status_code < 500 or answer.status_code == 503, (method, url, query, answer.text)
                    if answer.status_code >= 400:
                        assert answer.headers["content-type"].startswith("application/json"), (method, url)
                        detail = answer.json()["detail"]
                        assert isinstance(detail, str) and "Traceback" not in detail
    assert seen > 100


def test_a_pegawai_frame_with_an_80_character_name_is_a_422_in_indonesian(pack, registry):
    app = create_app(pack, registry)
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        name = "Wahyuningsih " * 7
        got = client.get("/frames/pegawai/kabupaten-sleman.png", params={"name": name[:80]})
        assert got.status_code == 422 and "terlalu panjang" in got.json()["detail"]
        posted = client.post("/frames/pegawai/kabupaten-sleman.png", data={"name": name[:80]})
        assert posted.status_code == 422 and "Nama" in posted.json()["detail"]
        framed = client.post("/api/v1/frame", data={"agency": "kabupaten-sleman", "design": "pegawai",
                                                    "name": name[:80]}, files={"photo": ("a.jpg", jpeg(), "image/jpeg")})
        assert framed.status_code == 422 and "terlalu panjang" in framed.json()["detail"]


def test_personal_frames_are_posted_and_never_public(pack, registry):
    app = create_app(pack, registry)
    with background_server(app) as base, httpx.Client(base_url=base, timeout=60) as client:
        posted = client.post("/frames/pegawai/kabupaten-sleman.png", data={"name": "Budi Santoso", "unit": "Umum"})
        assert posted.status_code == 200 and posted.headers["content-type"] == "image/png"
        assert posted.headers["cache-control"] == "private, no-store"
        got = client.get("/frames/pegawai/kabupaten-sleman.png", params={"name": "Budi Santoso", "unit": "Umum"})
        assert got.content == posted.content and "public" not in got.headers["cache-control"]
        plain = client.get("/frames/pegawai/kabupaten-sleman.png")
        assert plain.headers["cache-control"].startswith("public")


# -- agency logos: outside references and bombs, in Indonesian ------------------------------------------

SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'


@pytest.mark.parametrize(("svg", "words"), [
    (SVG_HEAD + '<style>@import url("https://x.test/a.css");</style><rect width="9" height="9"/></svg>', "@import"),
    (SVG_HEAD + '<style>@font-face { font-family: A; src: url(https://x.test/a.woff) }</style></svg>', "@font-face"),
    (SVG_HEAD + '<style>rect { fill: url(https://x.test/p.svg#g) }</style><rect width="9" height="9"/></svg>', "url(https"),
    (SVG_HEAD + '<rect width="9" height="9" style="fill: url(\'file:///etc/passwd\')"/></svg>', "url(file"),
    (SVG_HEAD + '<rect width="9" height="9" fill="url(https://x.test/p.svg#g)"/></svg>', "url(https"),
    ('<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://x.test/svg11.dtd">' + SVG_HEAD
     + "</svg>", "DTD luar"),
    ('<?xml-stylesheet href="https://x.test/a.css"?>' + SVG_HEAD + "</svg>", "xml-stylesheet"),
])
def test_svg_logos_that_reach_outside_through_css_or_a_dtd_are_refused(svg, words):
    from netral_assets.assets.agency_logo import logo_from_bytes

    with pytest.raises(NetralError, match=re.escape(words)) as refused:
        logo_from_bytes(svg.encode(), "logo.svg")
    assert str(refused.value).startswith("Logo logo.svg ")


def test_svg_logos_with_their_own_references_are_kept():
    from netral_assets.assets.agency_logo import logo_from_bytes

    own = (SVG_HEAD + '<defs><linearGradient id="g"/></defs><style>rect { fill: url(#g) }</style>'
           '<rect width="9" height="9" fill="url(#g)" style="stroke: url( \'#g\' )"/>'
           '<image href="data:image/png;base64,AAAA"/></svg>')
    assert logo_from_bytes(own.encode(), "logo.svg")["mime"] == "image/svg+xml"


def test_logo_bombs_and_broken_logos_are_refused_in_indonesian():
    from netral_assets.assets.agency_logo import logo_from_bytes

    for data, words in ((png_claiming(20000, 20000), "terlalu besar"), (png_claiming(3000, 3000), "rusak"),
                        (png_claiming(200, 200)[:-30], "rusak")):
        with pytest.raises(NetralError, match=words) as refused:
            logo_from_bytes(data, "logo.png")
        message = str(refused.value)
        assert message.startswith("Logo logo.png ") and not re.search(r"pixels|exceeds|decompression|truncated", message)
