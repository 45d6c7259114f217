"""Photo framing: every input kind made here with Pillow (markers show which way is up), metadata
stripping, refusals, placement maths, the frame left intact, mail-merge and the CLI."""

from __future__ import annotations

import io
import math
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import save_result
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from netral_assets.assets.twibbon import load_frame
from netral_assets.cli import cli
from netral_assets.errors import NetralError
from netral_assets.photo.decode import Limits
from netral_assets.photo.frame import Frame, encode_framed, frame_photo
from netral_assets.photo.placement import Placement, cover_scale, output_to_photo

GREY, RED, BLUE = (128, 128, 128), (220, 30, 30), (30, 60, 220)


@pytest.fixture(scope="module")
def frame(pack, sleman) -> Frame:
    return load_frame(pack, sleman, "bundar", "square")


# -- photos ---------------------------------------------------------------------------------------


def upright(width: int = 480, height: int = 640) -> Image.Image:
    """A grey photo with a red block above its centre and a blue block left of it. The blocks sit in
    the centred square the window shows at zoom 1, whatever the photo's shape."""
    image = Image.new("RGB", (width, height), GREY)
    draw = ImageDraw.Draw(image)
    m = min(width, height)
    cx, cy, half = width / 2, height / 2, 0.08 * m
    draw.rectangle([cx - half, cy - 0.3 * m - half, cx + half, cy - 0.3 * m + half], fill=RED)
    draw.rectangle([cx - 0.3 * m - half, cy - half, cx - 0.3 * m + half, cy + half], fill=BLUE)
    return image


# The stored pixels of a photo whose EXIF orientation makes it display as `image` (the inverse of
# what ImageOps.exif_transpose applies).
STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored(image: Image.Image, orientation: int) -> tuple[Image.Image, bytes]:
    """(pixels as a camera stores them, EXIF bytes with the orientation tag)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    method = STORED[orientation]
    return (image.transpose(method) if method is not None else image), exif.tobytes()


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def read(path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def mean(image: Image.Image, centre: tuple[float, float], half: int = 10) -> tuple[float, ...]:
    x, y = centre
    return tuple(ImageStat.Stat(image.convert("RGB").crop((x - half, y - half, x + half, y + half))).mean)


def close(colour, expected, tolerance: float = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def assert_upright(framed: Image.Image, frame: Frame, name: str, tolerance: float = 40) -> None:
    w = frame.window
    cx, cy = w.center
    found = {
        "top": mean(framed, (cx, cy - 0.3 * w.height)),
        "left": mean(framed, (cx - 0.3 * w.width, cy)),
        "centre": mean(framed, (cx, cy)),
        "right": mean(framed, (cx + 0.3 * w.width, cy)),
    }
    expected = {"top": RED, "left": BLUE, "centre": GREY, "right": GREY}
    if not all(close(found[k], expected[k], tolerance) for k in expected):
        save_result(f"framing-{name}.png", encode_framed(framed, ".png"))
        pytest.fail(f"{name}: markers not where they belong: {found}")


# -- every input kind -------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(frame, orientation):
    pixels, exif = stored(upright(), orientation)
    framed = frame_photo(encode(pixels, "JPEG", quality=92, exif=exif), frame)
    assert framed.photo_size == (480, 640)
    assert framed.image.size == (1080, 1080) and framed.image.mode == "RGB"
    assert_upright(framed.image, frame, f"orientation-{orientation}")


def _png16(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A 16-bit-per-channel RGB PNG, written by hand (Pillow only writes 8-bit RGB)."""
    row = b"\0" + struct.pack(">HHH", *rgb) * width
    return png_file(width, height, 16, 2, zlib.compress(row * height))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_file(width: int, height: int, depth: int, colour: int, idat: bytes) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def _animated(fmt: str) -> bytes:
    first, second = upright(), Image.new("RGB", (480, 640), (0, 200, 0))
    options = {"loop": 0} if fmt == "GIF" else {"lossless": True}
    return encode(first, fmt, save_all=True, append_images=[second], duration=100, **options)


def _palette_with_transparency() -> bytes:
    image = upright().quantize(4)
    # a fourth palette entry, black and transparent, painted along the bottom: it must come out white
    image.putpalette(image.getpalette()[:9] + [0, 0, 0])
    ImageDraw.Draw(image).rectangle([0, 600, 480, 640], fill=3)
    return encode(image, "PNG", transparency=3)


INPUTS = {
    "jpeg-baseline": lambda: encode(upright(), "JPEG", quality=90),
    "jpeg-progressive": lambda: encode(upright(), "JPEG", quality=90, progressive=True),
    "jpeg-cmyk": lambda: encode(upright().convert("CMYK"), "JPEG", quality=95),
    "png-rgb": lambda: encode(upright(), "PNG"),
    "png-palette": _palette_with_transparency,
    "png-alpha": lambda: encode(upright().convert("RGBA"), "PNG"),
    "webp": lambda: encode(upright(), "WEBP", quality=90),
    "webp-animated": lambda: _animated("WEBP"),
    "gif-animated": lambda: _animated("GIF"),
    "bmp": lambda: encode(upright(), "BMP"),
    "tiff": lambda: encode(upright(), "TIFF", compression="tiff_lzw"),
    "heic": lambda: encode(upright(), "HEIF", quality=90),
    "avif": lambda: encode(upright(), "AVIF", quality=90),
    "panorama": lambda: encode(upright(4000, 500), "JPEG", quality=90),
    "portrait-tall": lambda: encode(upright(600, 3000), "PNG"),
}


@pytest.mark.parametrize("kind", INPUTS)
def test_input_kind_is_framed_upright(frame, kind):
    data = INPUTS[kind]()
    framed = frame_photo(data, frame, name=kind)
    assert framed.warnings == []
    assert_upright(framed.image, frame, kind)


def test_heic_from_an_iphone_with_orientation(frame):
    pixels, exif = stored(upright(), 6)
    framed = frame_photo(encode(pixels, "HEIF", quality=90, exif=exif), frame, name="IMG_0001.HEIC")
    assert_upright(framed.image, frame, "heic-orientation-6")


def test_grey_photos(frame):
    cx, cy = frame.window.center
    for image in (Image.new("L", (300, 300), 90), Image.new("LA", (300, 300), (90, 255)), Image.new("1", (300, 300), 1)):
        framed = frame_photo(encode(image, "PNG"), frame, name=image.mode)
        value = 255 if image.mode == "1" else 90
        assert close(mean(framed.image, (cx, cy)), (value,) * 3, 2), image.mode


def test_16_bit_png_is_scaled_not_clipped(frame):
    cx, cy = frame.window.center
    grey16 = Image.new("I;16", (300, 300), 40000)
    framed = frame_photo(encode(grey16, "PNG"), frame, name="grey16.png")
    assert close(mean(framed.image, (cx, cy)), (156, 156, 156), 2)  # 40000 / 256
    framed = frame_photo(_png16(300, 300, (65535, 32768, 0)), frame, name="rgb16.png")
    assert close(mean(framed.image, (cx, cy)), (255, 128, 0), 2)


def test_transparent_parts_of_a_photo_become_white(frame):
    cx, cy = frame.window.center
    # the transparent band (photo rows 600–640) is hidden at zoom 1 (rows 80–560 show): move the photo up
    framed = frame_photo(_palette_with_transparency(), frame, Placement(offset=(0, -0.2)))
    assert close(mean(framed.image, (cx, cy + 0.4 * frame.window.height), 5), (255, 255, 255), 3)


def test_animated_files_give_their_first_frame(frame):
    for fmt in ("GIF", "WEBP"):
        framed = frame_photo(_animated(fmt), frame)
        assert close(mean(framed.image, frame.window.center), GREY, 10), fmt


def test_tiny_photo_is_upscaled_with_a_warning(frame):
    framed = frame_photo(encode(upright(24, 32), "PNG"), frame, name="kecil.png")
    assert framed.image.size == (1080, 1080)
    assert len(framed.warnings) == 1 and "kecil.png" in framed.warnings[0] and "diperbesar" in framed.warnings[0]
    assert_upright(framed.image, frame, "tiny", tolerance=60)


# -- colour ---------------------------------------------------------------------------------------


def _xyz(kind: bytes, x: float, y: float, z: float) -> bytes:
    return kind + b"\0" * 4 + struct.pack(">iii", *(round(v * 65536) for v in (x, y, z)))


def icc_rgb_profile(red, green, blue) -> bytes:
    """A minimal ICC v2 RGB display profile (matrix + gamma 2.2) with the given D50 primaries."""
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, 0x0233) + b"\0\0"
    desc_text = b"swapped test profile\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(desc_text)) + desc_text + b"\0" * 12 + b"\0" * 67
    desc += b"\0" * (-len(desc) % 4)
    tags = [
        (b"desc", desc),
        (b"wtpt", _xyz(b"XYZ ", 0.9642, 1.0, 0.8249)),
        (b"rXYZ", _xyz(b"XYZ ", *red)),
        (b"gXYZ", _xyz(b"XYZ ", *green)),
        (b"bXYZ", _xyz(b"XYZ ", *blue)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = struct.pack(">I", len(tags)), b""
    for sig, data in tags:
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I4sI4s4s4s", size, b"\0" * 4, 0x02100000, b"mntr", b"RGB ", b"XYZ ")
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += struct.pack(">iii", round(0.9642 * 65536), 65536, round(0.8249 * 65536))
    header += b"\0" * (128 - len(header))
    return header + table + body


def test_embedded_colour_profile_is_converted_to_srgb(frame):
    # A profile whose red and blue primaries are swapped: stored red means blue, so sRGB output is blue.
    srgb_d50 = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))
    swapped = icc_rgb_profile(srgb_d50[2], srgb_d50[1], srgb_d50[0])
    photo = Image.new("RGB", (800, 800), (255, 0, 0))
    framed = frame_photo(encode(photo, "JPEG", quality=95, icc_profile=swapped), frame)
    r, g, b = mean(framed.image, frame.window.center)
    assert b > 200 and r < 60, (r, g, b)
    assert framed.warnings == []


def test_broken_colour_profile_is_ignored_with_a_warning(frame):
    photo = encode(Image.new("RGB", (800, 800), GREY), "JPEG", icc_profile=b"not a profile" * 20)
    framed = frame_photo(photo, frame, name="profil.jpg")
    assert close(mean(framed.image, frame.window.center), GREY, 6)
    assert any("profil warna" in w for w in framed.warnings)


# -- metadata ---------------------------------------------------------------------------------------

SECRET = "Jl-Rahasia-No-7"


def photo_with_everything() -> bytes:
    """A JPEG carrying EXIF (with GPS position, camera, owner), XMP, an ICC profile and a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Telepon"
    exif[ExifTags.Base.Artist] = SECRET
    exif[ExifTags.Base.ImageDescription] = SECRET
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (7.0, 46.0, 30.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (110.0, 21.0, 12.25)
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="{SECRET}"/></rdf:RDF></x:xmpmeta>'
    ).encode()
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pixels, _ = stored(upright(), 6)
    return encode(pixels, "JPEG", quality=90, exif=exif.tobytes(), xmp=xmp, icc_profile=srgb, comment=SECRET)


def _png_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunks.append(kind)
        pos += 12 + length
    return chunks


def test_input_really_carries_metadata():
    with Image.open(io.BytesIO(photo_with_everything())) as image:
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert "xmp" in image.info and "icc_profile" in image.info and image.info.get("comment")


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp"])
def test_all_metadata_is_stripped(frame, ext):
    framed = frame_photo(photo_with_everything(), frame, name="metadata.jpg")
    assert_upright(framed.image, frame, "metadata")
    data = encode_framed(framed.image, ext)
    for needle in (SECRET.encode(), b"Exif", b"GPS", b"Telepon", b"xmp", b"XMP", b"ICC_PROFILE", b"acsp", b"iCCP"):
        assert needle not in data, (ext, needle)
    with Image.open(io.BytesIO(data)) as out:
        assert not out.getexif()
        assert not set(out.info) & {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"}, out.info
    if ext == ".png":
        assert _png_chunks(data) == [b"IHDR", b"IDAT", b"IEND"] or set(_png_chunks(data)) <= {b"IHDR", b"IDAT", b"IEND"}
    if ext == ".jpg":
        markers = _jpeg_markers(data)
        assert not {0xE1, 0xE2, 0xFE} & set(markers), [hex(m) for m in markers]  # APP1, APP2 (ICC), COM
    if ext == ".webp":
        assert not {b"EXIF", b"XMP ", b"ICCP"} & set(_riff_chunks(data))


def _jpeg_markers(data: bytes) -> list[int]:
    markers, pos = [], 2
    while pos < len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        markers.append(marker)
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def _riff_chunks(data: bytes) -> list[bytes]:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.append(kind)
        pos += 8 + size + (size & 1)
    return chunks


# -- refusals --------------------------------------------------------------------------------------


def _refusal(photo, frame, **kwargs) -> str:
    with pytest.raises(NetralError) as info:
        frame_photo(photo, frame, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_decompression_bomb_is_refused_from_its_header_fast_and_flat(frame, tmp_path):
    bomb = tmp_path / "bom.png"
    # 100000×100000 declared; the tiny IDAT would inflate to 30 GB if anyone decoded it.
    bomb.write_bytes(png_file(100_000, 100_000, 8, 2, zlib.compress(b"\0" * 300_001 * 4)))
    frame_photo(encode(upright(8, 8), "PNG"), frame)  # decoders registered: time only the refusal
    tracemalloc.start()
    started = time.perf_counter()
    message = _refusal(bomb, frame)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert str(bomb) in message and "MP" in message
    assert elapsed < 0.1, elapsed
    assert peak < 5 * 1024 * 1024, peak


def test_pixel_limit_is_checked_before_decoding(frame):
    message = _refusal(encode(upright(), "PNG"), frame, name="besar.png", limits=Limits(max_pixels=100_000))
    assert message.startswith("besar.png:") and "480×640" in message


def test_byte_limit(frame, tmp_path):
    path = tmp_path / "foto.jpg"
    path.write_bytes(encode(upright(), "JPEG"))
    message = _refusal(path, frame, limits=Limits(max_bytes=1000))
    assert str(path) in message and "MB" in message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_truncated_file_is_refused(frame, tmp_path, fmt):
    data = encode(upright(), fmt)
    path = tmp_path / f"potong.{fmt.lower()}"
    path.write_bytes(data[: len(data) // 2])
    message = _refusal(path, frame)
    assert str(path) in message and "rusak" in message


@pytest.mark.parametrize(
    "content", [b"Ini bukan foto, hanya teks.\n" * 10, b"%PDF-1.4\n" + b"0" * 200, b"\xff\xd8\xff" + b"\0" * 50, b""]
)
def test_non_images_are_refused_whatever_the_extension(frame, tmp_path, content):
    path = tmp_path / "foto.jpg"
    path.write_bytes(content)
    message = _refusal(path, frame)
    assert str(path) in message


def test_a_folder_or_missing_file_is_refused(frame, tmp_path):
    assert "tidak ada" in _refusal(tmp_path / "hilang.jpg", frame)
    assert "bukan berkas foto" in _refusal(tmp_path, frame)


@pytest.mark.parametrize(
    "placement", [Placement(zoom=0), Placement(zoom=50), Placement(offset=(5, 0)), Placement(rotate=math.nan)]
)
def test_nonsense_placement_is_refused(frame, placement):
    with pytest.raises(NetralError):
        frame_photo(encode(upright(), "PNG"), frame, placement)


# -- placement maths --------------------------------------------------------------------------------


def test_cover_scale_at_zoom_one(frame):
    w = frame.window  # 640×640
    assert cover_scale((800, 600), w, 0) == pytest.approx(640 / 600)
    assert cover_scale((600, 800), w, 90) == pytest.approx(640 / 600)
    # rotated 45°, the square window needs a photo √2 times its side
    assert cover_scale((640, 640), w, 45) == pytest.approx(math.sqrt(2))


@pytest.mark.parametrize("rotate", [0, 10, 45, 90, 135, 200, 333])
@pytest.mark.parametrize("size", [(800, 600), (600, 800), (3000, 400)])
def test_zoom_one_exactly_covers_the_window_at_any_rotation(frame, rotate, size):
    w = frame.window
    m = output_to_photo(size, w, Placement(rotate=rotate))
    corners = [(x, y) for x in (w.x, w.x + w.width) for y in (w.y, w.y + w.height)]
    mapped = [(m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]) for x, y in corners]
    slack = min(min(px, size[0] - px, py, size[1] - py) for px, py in mapped)
    assert slack == pytest.approx(0, abs=1e-6)  # inside the photo, touching its edge


def test_window_centre_maps_to_photo_centre_and_offset_moves_it(frame):
    w = frame.window
    cx, cy = w.center
    m = output_to_photo((800, 600), w, Placement())
    assert (m[0] * cx + m[1] * cy + m[2], m[3] * cx + m[4] * cy + m[5]) == pytest.approx((400, 300))
    # offset (0.25, 0.1): the photo's centre lands a quarter window right and a tenth down
    m = output_to_photo((800, 600), w, Placement(offset=(0.25, 0.1)))
    qx, qy = cx + 0.25 * w.width, cy + 0.1 * w.height
    assert (m[0] * qx + m[1] * qy + m[2], m[3] * qx + m[4] * qy + m[5]) == pytest.approx((400, 300))


def _target() -> bytes:
    """800×800: a red middle half (200–600) on blue."""
    image = Image.new("RGB", (800, 800), BLUE)
    ImageDraw.Draw(image).rectangle([200, 200, 599, 599], fill=RED)
    return encode(image, "PNG")


def test_zoom_two_shows_the_middle(frame):
    w = frame.window
    cx, cy = w.center
    probe = (cx - 0.4 * w.width, cy)  # photo x = 400 - 0.4 * 800 / zoom
    assert close(mean(frame_photo(_target(), frame).image, probe, 4), BLUE, 5)
    zoomed = frame_photo(_target(), frame, Placement(zoom=2)).image
    assert close(mean(zoomed, probe, 4), RED, 5)
    # at zoom 2 the red square fills the whole window
    for dx, dy in ((-0.45, 0), (0.45, 0), (0, -0.45), (0, 0.45)):
        assert close(mean(zoomed, (cx + dx * w.width, cy + dy * w.height), 3), RED, 5)


def test_offset_moves_the_photo_the_right_way(frame):
    w = frame.window
    cx, cy = w.center
    right = frame_photo(_target(), frame, Placement(offset=(0.25, 0))).image
    # the red square moved right: its left edge is now at the window's centre
    assert close(mean(right, (cx - 0.1 * w.width, cy), 4), BLUE, 5)
    assert close(mean(right, (cx + 0.4 * w.width, cy), 4), RED, 5)
    down = frame_photo(_target(), frame, Placement(offset=(0, 0.25))).image
    assert close(mean(down, (cx, cy - 0.1 * w.height), 4), BLUE, 5)
    assert close(mean(down, (cx, cy + 0.4 * w.height), 4), RED, 5)


def test_rotation_is_clockwise(frame):
    w = frame.window
    cx, cy = w.center
    turned = frame_photo(encode(upright(600, 600), "PNG"), frame, Placement(rotate=90)).image
    assert close(mean(turned, (cx + 0.3 * w.width, cy)), RED, 10)  # top went right
    assert close(mean(turned, (cx, cy - 0.3 * w.height)), BLUE, 10)  # left went up


def test_same_numbers_give_the_same_picture(frame):
    placement = Placement(zoom=1.7, offset=(0.12, -0.08), rotate=17.5)
    photo = photo_with_everything()
    first = frame_photo(photo, frame, placement).image
    second = frame_photo(photo, frame, placement).image
    assert first.tobytes() == second.tobytes()


@pytest.fixture(scope="module")
def kotak(pack, sleman) -> Frame:
    return load_frame(pack, sleman, "kotak", "square")  # a wide rounded-rectangle window


@pytest.mark.parametrize("design", ["bundar", "kotak"])
@pytest.mark.parametrize("orientation", [1, 6])
def test_placement_matches_an_independent_crop_and_resize(request, design, orientation):
    """zoom 1.3, offset (0.1, -0.05) is the crop box a careful person would compute by hand."""
    frame = request.getfixturevalue("frame" if design == "bundar" else "kotak")
    photo = Image.linear_gradient("L").resize((1200, 900)).convert("RGB")
    ImageDraw.Draw(photo).ellipse([400, 250, 800, 650], fill=(200, 120, 40), outline=(20, 20, 90), width=30)
    pixels, exif = stored(photo, orientation)
    zoom, ox, oy = 1.3, 0.1, -0.05
    w = frame.window
    framed = frame_photo(encode(pixels, "JPEG", quality=95, exif=exif), frame, Placement(zoom=zoom, offset=(ox, oy))).image
    s = zoom * max(w.width / 1200, w.height / 900)
    left = 600 - w.width / 2 / s - ox * w.width / s
    top = 450 - w.height / 2 / s - oy * w.height / s
    box = (left, top, left + w.width / s, top + w.height / s)
    expected = photo.resize((int(w.width), int(w.height)), Image.Resampling.BICUBIC, box=box)
    # compare the middle 60% of the window, inside the window whatever its shape
    crop = (int(0.2 * w.width), int(0.2 * w.height), int(0.8 * w.width), int(0.8 * w.height))
    ours = framed.crop((int(w.x) + crop[0], int(w.y) + crop[1], int(w.x) + crop[2], int(w.y) + crop[3]))
    diff = ImageStat.Stat(ImageChops.difference(ours, expected.crop(crop))).mean
    if max(diff) >= 3:
        save_result(f"framing-crop-{design}-{orientation}.png", encode_framed(framed, ".png"))
        pytest.fail(f"differs from the hand-computed crop: {diff}")


def test_auto_without_a_face_centres_the_photo_and_says_so(frame):
    pytest.importorskip("cv2")
    framed = frame_photo(encode(upright(), "JPEG"), frame, Placement(auto=True), name="tanpa-wajah.jpg")
    assert framed.placement == Placement()
    assert framed.warnings == ["tanpa-wajah.jpg: wajah tidak terdeteksi; foto dipasang di tengah."]
    assert_upright(framed.image, frame, "auto-no-face")


# -- the frame ----------------------------------------------------------------------------------------


def test_opaque_parts_of_the_frame_are_unchanged(frame):
    framed = frame_photo(encode(upright(), "JPEG"), frame, Placement(zoom=0.5, offset=(0.4, 0.3), rotate=30))
    out = read(io.BytesIO(encode_framed(framed.image, ".png")))
    opaque = frame.image.getchannel("A").point(lambda a: 255 if a == 255 else 0)
    diff = ImageChops.difference(out, frame.image.convert("RGB"))
    assert Image.composite(diff, Image.new("RGB", out.size), opaque).getbbox() is None
    # and the window shows the photo (and white where a small zoom leaves it uncovered)
    assert frame.image.getpixel(tuple(map(int, frame.window.center)))[3] == 0


def test_story_format(pack, sleman):
    from netral_assets.model.designs import load_design

    if "story" not in load_design(pack, "twibbon", "bundar").formats:
        pytest.skip("the bundar design has no story format yet")
    story = load_frame(pack, sleman, "bundar", "story")
    framed = frame_photo(encode(upright(), "JPEG"), story)
    assert framed.image.size == (1080, 1920)
    assert_upright(framed.image, story, "story")


# -- auto (face) ----------------------------------------------------------------------------------


def test_auto_without_the_face_extra_says_what_to_install(frame):
    try:
        import cv2  # noqa: F401
    except ImportError:
        message = _refusal(encode(upright(), "JPEG"), frame, placement=Placement(auto=True))
        assert "netral-assets[face]" in message
    else:
        pytest.skip("opencv is installed: the face tests below run instead")


def test_auto_centres_on_a_face(frame):
    pytest.importorskip("cv2")
    from netral_assets.photo.face import find_face

    face = _face_photo()
    found = find_face(face)
    if found is None:
        pytest.skip("the Haar cascade does not see the drawn face")
    pixels, exif = stored(face, 6)
    framed = frame_photo(encode(pixels, "JPEG", quality=92, exif=exif), frame, Placement(auto=True))
    used = framed.placement
    assert used.auto and framed.warnings == []
    assert used.zoom > 1 and used.offset[0] > 0.05  # the face sits left of centre: the photo moved right
    w = frame.window
    m = output_to_photo(framed.photo_size, w, used)
    cx, cy = w.center[0], w.center[1] - 0.06 * w.height
    fx, fy = m[0] * cx + m[1] * cy + m[2], m[3] * cx + m[4] * cy + m[5]
    assert abs(fx - (found[0] + found[2] / 2)) < found[2] * 0.25
    assert abs(fy - (found[1] + found[3] / 2)) < found[3] * 0.25


def _face_photo() -> Image.Image:
    """A drawn, softened face left of centre in a 1600×1200 photo: dark eye sockets and brows, a bright
    nose bridge, which is what the frontal-face cascade looks for."""
    grey = Image.new("L", (1600, 1200), 150)
    draw = ImageDraw.Draw(grey)
    cx, cy, r = 560, 520, 170
    draw.ellipse([cx - r, cy - 1.25 * r, cx + r, cy + 1.25 * r], fill=200)
    draw.ellipse([cx - r - 10, cy - 1.45 * r, cx + r + 10, cy - 0.55 * r], fill=40)  # hair
    draw.ellipse([cx - r * 0.95, cy - 1.0 * r, cx + r * 0.95, cy - 0.35 * r], fill=200)  # forehead
    for ex in (cx - 0.42 * r, cx + 0.42 * r):
        draw.ellipse([ex - 35, cy - 35, ex + 35, cy + 5], fill=60)
        draw.rectangle([ex - 45, cy - 62, ex + 45, cy - 48], fill=60)
    draw.rectangle([cx - 14, cy - 30, cx + 14, cy + 60], fill=225)
    draw.ellipse([cx - 35, cy + 55, cx + 35, cy + 80], fill=150)
    draw.ellipse([cx - 70, cy + 110, cx + 70, cy + 145], fill=90)  # mouth
    return ImageOps.colorize(grey.filter(ImageFilter.GaussianBlur(4)), (35, 22, 15), (250, 222, 200))


# -- CLI ------------------------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(cli, ["frame", *map(str, args)], catch_exceptions=False)


def test_cli_one_photo_to_one_file(tmp_path):
    photo = tmp_path / "IMG_0001.JPG"
    photo.write_bytes(photo_with_everything())
    for name, fmt in (("hasil.jpg", "JPEG"), ("hasil.png", "PNG"), ("hasil.webp", "WEBP")):
        result = run(photo, "-a", "34.04", "-o", tmp_path / name)
        assert result.exit_code == 0, result.output
        with Image.open(tmp_path / name) as out:
            assert out.format == fmt and out.size == (1080, 1080)
    assert not list(tmp_path.glob(".*"))  # no temporary files left behind


def test_cli_folder_run_continues_past_failures(tmp_path):
    folder = tmp_path / "foto"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(encode(upright(), "JPEG"))
    (folder / "b.heic").write_bytes(encode(upright(), "HEIF"))
    (folder / "rusak.jpg").write_bytes(encode(upright(), "JPEG")[:500])
    (folder / "teks.png").write_text("bukan gambar")
    (folder / "catatan.txt").write_text("dilewati")
    (folder / "kecil.png").write_bytes(encode(upright(20, 20), "PNG"))
    out = tmp_path / "hasil"
    result = run(folder, "-a", "Kabupaten Sleman", "-o", out, "--ext", "webp")
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["a.webp", "b.webp", "kecil.webp"]
    assert "Gagal:" in result.stderr and "rusak.jpg" in result.stderr and "teks.png" in result.stderr
    assert "kecil.png" in result.stderr and "diperbesar" in result.stderr
    assert "catatan.txt" in result.stderr
    assert "Selesai: 3 dari 5" in result.stdout
    assert "2 foto gagal" in result.stderr
    assert "Traceback" not in result.output


def test_cli_one_bad_photo_exits_non_zero_with_one_line(tmp_path):
    bad = tmp_path / "foto.jpg"
    bad.write_text("halo")
    result = run(bad, "-a", "34.04", "-o", tmp_path / "out.jpg")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and str(bad) in result.stderr
    assert not (tmp_path / "out.jpg").exists()


def test_cli_never_writes_over_the_original(tmp_path):
    photo = tmp_path / "foto.jpg"
    original = encode(upright(), "JPEG")
    photo.write_bytes(original)
    result = run(photo, "-a", "34.04", "-o", photo)
    assert result.exit_code == 1 and "menimpa" in result.stderr
    result = run(tmp_path, "-a", "34.04", "-o", tmp_path)
    assert result.exit_code == 1 and photo.read_bytes() == original


def test_cli_placement_options_and_story(tmp_path, pack):
    from netral_assets.model.designs import load_design

    photo = tmp_path / "p.png"
    photo.write_bytes(_target())
    out = tmp_path / "z.png"
    result = run(photo, "-a", "34.04", "--zoom", "2", "--offset", "0", "0", "--rotate", "0", "-o", out)
    assert result.exit_code == 0, result.output
    zoomed = read(out)
    assert close(mean(zoomed, (540 - 0.45 * 640, 504), 3), RED, 5)
    if "story" in load_design(pack, "twibbon", "bundar").formats:
        result = run(photo, "-a", "34.04", "--format", "story", "-o", tmp_path / "s.jpg")
        assert result.exit_code == 0, result.output
        assert read(tmp_path / "s.jpg").size == (1080, 1920)


# -- mail-merge -----------------------------------------------------------------------------------

NAME_DESIGN = """
title = "Dengan nama"
formats = ["square"]

[window]
shape = "circle"
x = 240
y = 120
width = 600
height = 600

[fit.name]
width = 900
height = 90
max_size = 56
min_size = 24
max_lines = 1
weight = 800

[fit.unit]
width = 900
height = 60
max_size = 34
min_size = 18
max_lines = 1
weight = 600
"""

NAME_TEMPLATE = """{% import "base/macros.html.j2" as m with context %}
<!doctype html>
<html lang="id"><head>{{ m.head(brand.name) }}
<style>
  body { width: 1080px; height: 1080px; position: relative; margin: 0; color: white; }
  .frame { position: absolute; inset: 0; }
  .name { position: absolute; left: 90px; top: 760px; width: 900px; height: 90px; text-align: center; }
  .unit { position: absolute; left: 90px; top: 860px; width: 900px; height: 60px; text-align: center; }
  .agency { position: absolute; left: 90px; top: 960px; width: 900px; font-size: 30px; text-align: center; }
</style></head>
<body>
<svg class="frame" width="1080" height="1080" viewBox="0 0 1080 1080" xmlns="http://www.w3.org/2000/svg">
  <path fill-rule="evenodd" fill="{{ brand.colors['navy'] }}" d="{{ m.window_path(window, 1080, 1080) }}"/>
</svg>
{% if 'name' in fit %}<div class="name">{{ m.fitted("name") }}</div>{% endif %}
{% if 'unit' in fit %}<div class="unit">{{ m.fitted("unit") }}</div>{% endif %}
<div class="agency">{{ agency.short_name }}</div>
</body></html>
"""


@pytest.fixture
def name_pack(tmp_path):
    design = tmp_path / "paket" / "templates" / "twibbon" / "nama"
    design.mkdir(parents=True)
    (design / "design.toml").write_text(NAME_DESIGN, encoding="utf-8")
    (design / "template.html.j2").write_text(NAME_TEMPLATE, encoding="utf-8")
    return tmp_path / "paket"


def test_mail_merge_puts_each_name_on_its_frame(tmp_path, name_pack):
    photos = tmp_path / "humas"
    photos.mkdir()
    (photos / "budi.jpg").write_bytes(encode(upright(), "JPEG"))
    (photos / "siti.png").write_bytes(encode(upright(600, 600), "PNG"))
    (photos / "rusak.jpg").write_bytes(b"\xff\xd8\xff\xe0 nope")
    people = photos / "orang.csv"
    people.write_text(
        "photo,name,unit\n"
        "budi.jpg,Budi Santoso,Bagian Umum\n"
        "siti.png,Siti Nurhaliza S.Kom.,Dinas Kominfo\n"
        "budi.jpg,Budi Santoso,Sekretariat\n"
        "rusak.jpg,Rusak Sekali,\n",
        encoding="utf-8",
    )
    out = tmp_path / "hasil"
    result = run("--people", people, "--brand", name_pack, "--design", "nama", "-a", "34.04", "-o", out)
    assert result.exit_code == 1  # one photo is broken; the others are still written
    assert sorted(p.name for p in out.iterdir()) == ["budi-santoso-2.jpg", "budi-santoso.jpg", "siti-nurhaliza-s-kom.jpg"]
    assert "Rusak Sekali" not in result.stdout and "rusak.jpg" in result.stderr
    budi = read(out / "budi-santoso.jpg").convert("L")
    siti = read(out / "siti-nurhaliza-s-kom.jpg").convert("L")
    # the name line differs person by person; the name band is white text on navy
    name_band = (90, 760, 990, 850)
    assert ImageStat.Stat(ImageChops.difference(budi.crop(name_band), siti.crop(name_band))).mean[0] > 3
    assert ImageStat.Stat(budi.crop(name_band)).extrema[0][1] > 200
    # the same name with another unit: same name line, different unit line
    budi2 = read(out / "budi-santoso-2.jpg").convert("L")
    assert ImageStat.Stat(ImageChops.difference(budi.crop(name_band), budi2.crop(name_band))).mean[0] < 2
    unit_band = (90, 860, 990, 920)
    assert ImageStat.Stat(ImageChops.difference(budi.crop(unit_band), budi2.crop(unit_band))).mean[0] > 2


def test_mail_merge_needs_a_design_with_a_name_slot(tmp_path):
    (tmp_path / "a.jpg").write_bytes(encode(upright(), "JPEG"))
    people = tmp_path / "orang.csv"
    people.write_text("photo,name\na.jpg,Budi\n", encoding="utf-8")
    result = run("--people", people, "--design", "bundar", "-a", "34.04", "-o", tmp_path / "hasil")
    assert result.exit_code == 1 and "tempat nama" in result.stderr


def test_mail_merge_csv_must_have_photo_and_name(tmp_path):
    people = tmp_path / "orang.csv"
    people.write_text("foto,nama\na.jpg,Budi\n", encoding="utf-8")
    result = run("--people", people, "-a", "34.04", "-o", tmp_path / "hasil")
    assert result.exit_code == 1 and "kolom photo dan name" in result.stderr


def test_frame_with_a_name_renders_through_the_library(pack, sleman, name_pack):
    from netral_assets.model.pack import load_pack

    user_pack = load_pack(name_pack)
    plain = load_frame(user_pack, sleman, "nama")
    named = load_frame(user_pack, sleman, "nama", name="Budi Santoso", unit="Bagian Umum")
    assert plain.window == named.window and named.size == (1080, 1080)
    assert ImageChops.difference(plain.image.convert("RGB"), named.image.convert("RGB")).getbbox() is not None
    with pytest.raises(NetralError, match="tempat nama"):
        load_frame(pack, sleman, "bundar", name="Budi")
    assert Path(name_pack).is_dir()
