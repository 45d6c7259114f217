"""Photo decoding without process-global state: cut-off photos refused in every format whatever
Pillow's LOAD_TRUNCATED_IMAGES says, and the ICC transform cache bounded over many distinct uploads."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageCms, ImageDraw, ImageFile

from netral_assets.errors import NetralError
from netral_assets.photo import decode
from netral_assets.photo.decode import open_photo, to_srgb


def _photo(fmt: str, size=(160, 120)) -> bytes:
    image = Image.new("RGB", size, (128, 128, 128))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 7):
        draw.line((x, 0, size[0] - x, size[1]), fill=(x % 250, 60, 200), width=2)
    if fmt == "GIF":
        image = image.convert("P")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    with open_photo(data, "foto") as image:
        image.load()
        return image.copy()


FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF", "AVIF"]


@pytest.mark.parametrize("flag", [True, False])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_cut_off_photo_is_refused_whatever_the_global_flag_says(monkeypatch, fmt, flag):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", flag)  # the test sets it; the code must not
    decode._decoders()
    if fmt not in Image.SAVE:
        pytest.skip(f"{fmt} cannot be written here")
    data = _photo(fmt)
    assert _decode(data).size == (160, 120)
    for cut in (len(data) // 2, len(data) - 40):
        with pytest.raises((NetralError, *decode.BROKEN_FILE)):
            _decode(data[:cut])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is flag


def test_iso_boxes_check_finds_a_cut_in_heif():
    decode._decoders()
    data = _photo("HEIF")
    assert decode._check_boxes(data)
    assert not decode._check_boxes(data[:-1])
    assert not decode._check_boxes(data[: len(data) // 2])
    with pytest.raises(NetralError, match="terpotong atau tidak lengkap"):
        open_photo(data[:-1], "potong.heic")


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _profile(n: int) -> bytes:
    """A small sRGB profile made distinct by its header's device model field (bytes 56-59)."""
    return SRGB[:56] + n.to_bytes(4, "big") + SRGB[60:]


def test_icc_transforms_kept_stay_bounded_over_many_distinct_uploads():
    decode._icc_transforms.clear()
    pixel = Image.new("RGB", (4, 4), (200, 120, 40))
    first = to_srgb(pixel, _profile(0), [], "foto").tobytes()
    for n in range(500):  # ~15 times the bound; each new profile costs a transform build (ms)
        warn: list[str] = []
        to_srgb(pixel, _profile(n), warn, f"foto-{n}")
        assert warn == []
        assert len(decode._icc_transforms) <= decode.ICC_TRANSFORMS_KEPT
    assert len(decode._icc_transforms) == decode.ICC_TRANSFORMS_KEPT
    # Evicted and built again: the same pixels.
    assert to_srgb(pixel, _profile(0), [], "foto").tobytes() == first


def test_a_profile_for_another_colour_space_is_kept_as_not_fitting():
    decode._icc_transforms.clear()
    grey = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    pixel = Image.new("RGB", (2, 2), (10, 20, 30))
    for _ in range(3):
        assert to_srgb(pixel, grey, [], "foto").tobytes() == pixel.tobytes()
    assert decode._icc_transforms.hits == 2 and len(decode._icc_transforms) == 1
