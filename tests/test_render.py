"""The render pipeline end to end: poster raster and PDF, fonts, text, and the renderer's sandbox."""

import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from conftest import pdffonts, pdftotext
from PIL import Image

from netral_assets.assets.poster import build_poster
from netral_assets.assets.twibbon import build_twibbon
from netral_assets.errors import NetralError
from netral_assets.model.agencies import custom_agency

A4_PT = (595.28, 841.89)


def test_feed_poster_png_and_jpeg_are_1080_by_1350(pack, sleman):
    for ext, mode in ((".png", "RGBA"), (".jpg", "RGB")):
        asset = build_poster(pack, sleman, "larangan", "feed", ext)
        image = Image.open(io.BytesIO(asset.data))
        assert image.size == (1080, 1350)
        assert image.mode == mode
        assert asset.findings == []
        assert asset.alt and sleman.name in asset.alt


def test_a4_pdf_page_size_fonts_and_text(pack, sleman, tmp_path):
    import pypdfium2 as pdfium

    asset = build_poster(pack, sleman, "larangan", "a4", ".pdf")
    pdf = pdfium.PdfDocument(asset.data)
    assert len(pdf) == 1
    w, h = pdf[0].get_size()
    assert w == pytest.approx(A4_PT[0], abs=0.5) and h == pytest.approx(A4_PT[1], abs=0.5)
    pdf.close()
    fonts = pdffonts(asset.data, tmp_path)
    assert fonts and all(f["emb"] == "yes" and f["sub"] == "yes" for f in fonts)
    assert all("Plus-Jakarta-Sans" in f["name"] for f in fonts)
    text = pdftotext(asset.data, tmp_path)
    assert "Pemerintah Kabupaten Sleman" in text
    assert "Larangan bagi ASN" in text


def test_print_format_refuses_raster_and_raster_refuses_print_marks(pack, sleman):
    with pytest.raises(NetralError, match="PDF"):
        build_poster(pack, sleman, "larangan", "a4", ".png")
    with pytest.raises(NetralError, match="--print"):
        build_poster(pack, sleman, "larangan", "feed", ".png", print_marks=True)


class _Counter(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = HTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _images(pdf_bytes: bytes) -> int:
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        return sum(1 for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image")


def test_hostile_names_print_as_text_and_fetch_nothing(pack, http_server, tmp_path):
    import tempfile

    short = Path(tempfile.mkdtemp(dir="/tmp"))  # a short path: the name must still fit the poster's boxes
    outside = short / "o.png"
    Image.new("RGB", (8, 8), (200, 0, 0)).save(outside)
    hostile = {
        "<img": f'<img src="{http_server}/pixel.png"> Dinas Uji',
        "<link": f'<link rel="stylesheet" href="{http_server}/x.css"> Badan Uji',
        "<style>": f"<style>@import url({http_server}/x.css)</style> Biro Uji",
        '<img src="file:': f'<img src="{outside.as_uri()}">',
    }
    plain = _images(build_poster(pack, custom_agency("Dinas Uji"), "larangan", "a4", ".pdf").data)
    for tag, name in hostile.items():
        agency = custom_agency(name)
        asset = build_poster(pack, agency, "larangan", "a4", ".pdf")
        text = " ".join(pdftotext(asset.data, tmp_path).split())
        assert tag in text, f"{name!r} is not printed as text: {text[:200]}"
        assert _images(asset.data) == plain  # nothing fetched from a file outside the pack either
        build_twibbon(pack, agency, "bundar")
    assert _Counter.hits == 0
    outside.unlink()
    short.rmdir()


def test_fetcher_refuses_files_outside_the_pack(pack):
    from weasyprint import HTML

    from netral_assets.render.fetch import make_url_fetcher

    fetcher = make_url_fetcher(pack.roots())
    with pytest.raises(Exception, match="refused"):
        fetcher("file:///etc/passwd")
    with pytest.raises(Exception, match="refused"):
        fetcher("http://127.0.0.1:9/x.png")
    font = pack.font_files()[0]
    assert fetcher(font.as_uri()).read(4) in (b"\x00\x01\x00\x00", b"OTTO", b"true")
    HTML(string="<p>x</p>", url_fetcher=fetcher).render()


def test_fetcher_reads_a_folder_whose_name_is_not_utf8(tmp_path):
    # A batch's output folder may be named in another encoding; its proof thumbnails are fetched by URL.
    import os

    from netral_assets.render.fetch import make_url_fetcher

    folder = tmp_path / os.fsdecode(b"kit-\xff 2024")
    folder.mkdir()
    (folder / "t.jpg").write_bytes(b"\xff\xd8thumb")
    fetcher = make_url_fetcher([folder])
    assert fetcher((folder / "t.jpg").as_uri()).read() == b"\xff\xd8thumb"
    with pytest.raises(Exception, match="refused"):
        fetcher((tmp_path / "t.jpg").as_uri())


def test_font_folder_is_removed_when_the_process_ends(tmp_path):
    """WeasyPrint copies @font-face files to a temporary folder; a run must not leave it behind."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = tmp_path / "p.png"
    result = subprocess.run([sys.executable, "-m", "netral_assets", "poster", "-a", "34.04", "-o", str(out)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert out.is_file()
    assert not list(tmp_path.glob("weasyprint-*"))
