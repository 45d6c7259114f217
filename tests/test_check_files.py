"""`netral check` on hostile pictures: the photo decoder's header guards before any pixel is decoded
(a PNG decompression bomb, a JPEG whose header claims far more than its data holds), large JPEGs
decoded at a reduced size to read their QR codes, and always one Indonesian line, never a traceback.

Memory is asserted through the decode path, not RSS: `ImageFile.load` is watched, and a decode of
more pixels than a check may take fails the test before it allocates them."""

import io
import struct
import zlib

import pytest
from click.testing import CliRunner
from PIL import Image, ImageFile

from netral_assets.checks import files as check_files
from netral_assets.cli import cli

# The most pixels any decode may reach in these tests (the files claim 144 MP to 10 GP).
DECODE_CEILING = check_files.CHECK_MAX_PIXELS if hasattr(check_files, "CHECK_MAX_PIXELS") else 25_000_000


@pytest.fixture
def decodes(monkeypatch):
    """Every decode (ImageFile.load) as (width, height); one above DECODE_CEILING fails at once."""
    seen = []
    load = ImageFile.ImageFile.load

    def watched(self):
        seen.append(self.size)
        if self.size[0] * self.size[1] > DECODE_CEILING:
            raise AssertionError(f"decoded at full size {self.size}")
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", watched)
    return seen


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int, rows: int = 64) -> bytes:
    """A small PNG (grey, 8 bit) whose header claims width × height; only `rows` rows of zeros."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * ((width + 1) * rows), 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny real JPEG whose SOF header is rewritten to claim width × height."""
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _refused_in_one_line(result, name: str):
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Error" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("  - ")]
    assert len(lines) == 1, result.output
    line = lines[0]
    assert name in line and "buat ulang" in line.lower(), line
    return line


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (9_000, 9_000)])
def test_check_refuses_a_png_decompression_bomb_from_its_header(tmp_path, decodes, width, height):
    path = tmp_path / "bom.png"
    path.write_bytes(png_bomb(width, height))
    assert path.stat().st_size < 200_000
    result = CliRunner().invoke(cli, ["check", str(path)])
    line = _refused_in_one_line(result, "bom.png")
    assert "melebihi batas" in line
    assert decodes == []  # refused from the header: not one pixel decoded


def test_check_refuses_a_jpeg_whose_header_claims_12000_by_12000(tmp_path, decodes):
    path = tmp_path / "besar.jpg"
    path.write_bytes(jpeg_claiming(12_000, 12_000))
    assert path.stat().st_size < 2_000
    result = CliRunner().invoke(cli, ["check", str(path)])
    line = _refused_in_one_line(result, "besar.jpg")
    assert "12000×12000" in line
    assert decodes == []


def test_check_reads_a_large_jpeg_at_reduced_size(pack, sleman, tmp_path, decodes, monkeypatch):
    """A JPEG larger than a check may decode is decoded at 1/2, 1/4 or 1/8 (libjpeg's DCT scaling),
    and its QR code is still read there."""
    from netral_assets import build_poster

    poster = Image.open(io.BytesIO(build_poster(pack, sleman, "lapor", "feed", ".png").data))
    big = poster.convert("RGB").resize((2160, 2160), Image.Resampling.NEAREST)
    path = tmp_path / "besar.jpg"
    big.save(path, "JPEG", quality=92)
    monkeypatch.setattr(check_files, "CHECK_MAX_PIXELS", 1_200_000)
    decodes.clear()
    report = check_files.check_file(path, pack, open_picture=_photo_opener())
    assert decodes and max(w * h for w, h in decodes) <= 1_200_000, decodes
    assert decodes[-1] == (1080, 1080)
    assert any("2160×2160" in fact for fact in report.facts)
    assert any("1/2" in fact for fact in report.facts), report.facts
    assert any(fact.startswith("kode QR: ") for fact in report.facts), report.facts
    assert report.ok, report.findings


def _photo_opener():
    from netral_assets.cli.check import open_picture

    return open_picture


def test_check_renders_a_huge_pdf_page_within_the_pixel_budget(tmp_path, monkeypatch):
    """A page of 5 × 5 m (the most PDF allows) is not rendered at 150 dpi (3.6 GB of pixels) but at
    the resolution that fits CHECK_MAX_PIXELS, and says so."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument.new()
    pdf.new_page(14_400, 14_400)
    path = tmp_path / "raksasa.pdf"
    pdf.save(str(path))
    pdf.close()
    rendered = []
    render = pdfium.PdfPage.render

    def watched(self, **kwargs):
        width, height = self.get_size()
        rendered.append(width * height * kwargs["scale"] ** 2)
        return render(self, **kwargs)

    monkeypatch.setattr(pdfium.PdfPage, "render", watched)
    report = check_files.check_file(path)
    assert rendered and max(rendered) <= check_files.CHECK_MAX_PIXELS * 1.01
    assert any("dpi (bukan 150)" in fact for fact in report.facts), report.facts
