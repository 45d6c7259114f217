"""Checks of finished files (`netral check FILE…`): an output file already on disk -> a `FileReport`.

The layout is gone by then; the check re-derives what the file itself shows (size, page boxes,
embedded fonts, QR codes through the one decoder in `qr`, printed source lines) and reads the findings
recorded at render time from the manifest.json written beside the file.

Hostile files are checked within a bounded memory. A picture is opened by `open_picture` (the CLI
passes the photo decoder's `open_photo`: byte, pixel and truncation checks and the memory budget, all
from the header, before any pixel is decoded; this package sits below `photo` and cannot import it);
without one, a plain header check refuses more than CHECK_MAX_PIXELS.
A refused picture is one finding naming the file and the fix. JPEGs with more pixels than
CHECK_MAX_PIXELS are decoded at 1/2, 1/4 or 1/8 (libjpeg's DCT scaling), other pictures are reduced
before they are flattened, and PDF pages are rendered at a lower resolution when PRINT_QR_DPI would
take more than CHECK_MAX_PIXELS: QR codes are read at that size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..files import sniff
from ..model.units import BLEED_MM, PAPER_MM, PT_PER_MM
from . import Finding, source_line, stale_figures
from .qr import PRINT_QR_DPI, decode_qr

BOX_TOLERANCE_PT = 0.05
# The most pixels a check decodes or renders to read QR codes (25 MP: 100 MB as RGBA, 25 MB in grey
# for the decoder). netral's own pictures are at most a few MP and an A3 page with its slug at
# PRINT_QR_DPI is 4.9 MP, so only foreign or hostile files are ever read at a reduced size.
CHECK_MAX_PIXELS = 25_000_000
# Pillow's decoders for the formats `_sniff` lets through (no other decoder sees a file here).
PICTURE_FORMATS = ("PNG", "JPEG", "WEBP")
FIX = "Buat ulang berkas ini dengan netral, atau periksa dari mana asalnya"


@dataclass
class FileReport:
    path: object  # pathlib.Path
    kind: str  # "pdf", "png", "jpeg", "webp" or "?"
    facts: list  # what was found, for the person reading the report
    findings: list  # Finding

    @property
    def ok(self) -> bool:
        return not self.findings


KINDS = {".pdf": "pdf", ".png": "png", ".jpg": "jpeg", ".webp": "webp"}


def _sniff(data: bytes) -> str:
    return KINDS.get(sniff(data), "?")


def _manifest_entry(path):
    import json

    manifest = path.parent / "manifest.json"
    if not manifest.is_file():
        return None, None
    try:
        data = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        return None, Finding("manifest.json", "manifest", f"tidak dapat dibaca ({exc}); buat ulang kit")
    for entry in data.get("files", []):
        if entry.get("path") == path.name:
            return entry, None
    return None, None


def _bare(url: str) -> str:
    return url.split("://", 1)[-1].rstrip("/")


def check_file(path, pack=None, open_picture=None) -> FileReport:
    """Check an output file already on disk. With its manifest.json entry and the campaign `pack`,
    the file's design says how many QR codes it prints (`qr_codes` in design.toml); without them,
    only the codes found are checked.

    `open_picture(data, name)` opens a PNG, JPEG or WebP lazily (header only) after its guards, or
    raises NetralError with the reason (`cli.check.open_picture`: the photo decoder's); by default a
    header check against CHECK_MAX_PIXELS."""
    import hashlib
    from pathlib import Path

    path = Path(path)
    data = path.read_bytes()
    kind = _sniff(data)
    report = FileReport(path, kind, [], [])
    name = path.name
    if kind == "?" and path.suffix.lower() in (".json", ".txt", ".csv", ".md"):
        report.kind = "lewati"
        report.facts.append("bukan aset gambar atau PDF; dilewati")
        return report
    if kind == "?" and b"<svg" in data[:4096]:
        report.kind = "svg"
        _check_svg(data, report)
        return report
    if kind == "?":
        report.findings.append(Finding(name, "format", "bukan PDF, PNG, JPEG, WebP atau SVG; periksa berkasnya"))
        return report
    entry, problem = _manifest_entry(path)
    if problem:
        report.findings.append(problem)
    if entry:
        report.facts.append(f"manifest: {entry.get('kind')}/{entry.get('design')} {entry.get('variant')}")
        if entry.get("sha256") and entry["sha256"] != hashlib.sha256(data).hexdigest():
            report.findings.append(Finding(name, "changed", "isi berkas berbeda dari yang tercatat di manifest.json "
                                                            "(diubah setelah dibuat); buat ulang atau periksa manual"))
        for recorded in entry.get("findings", []):
            report.findings.append(Finding(name, "manifest", f"tercatat saat dibuat: {recorded}"))
        # stale data is a warning, not a fault of the file: said, never failed on
        for warning in stale_figures(entry.get("sources", [])):
            report.facts.append(f"peringatan: {warning}")
    expected_qr = _expected_qr(pack, entry)
    if kind == "pdf":
        _check_pdf(data, report, entry, expected_qr)
    else:
        _check_raster(data, report, entry, expected_qr, open_picture or _open_lazily)
    return report


def _expected_qr(pack, entry) -> int | None:
    if pack is None or not entry or not entry.get("kind") or not entry.get("design"):
        return None
    from ..errors import NetralError
    from ..model.designs import load_design

    try:
        return load_design(pack, entry["kind"], entry["design"]).meta.get("qr_codes")
    except NetralError:
        return None


def _check_qr(found, report, expected_qr, page_text=None):
    name = report.path.name
    if found is None:
        report.facts.append("kode QR tidak diperiksa (zxing-cpp tidak terpasang)")
        return
    good = [text for valid, text in found if valid]
    for text in good:
        report.facts.append(f"kode QR: {text}")
        if page_text is not None and _bare(text) not in page_text:
            report.findings.append(Finding(name, "qr", f"alamat kode QR {text} tidak tercetak sebagai teks di "
                                                       "dekatnya; cetak URL-nya agar bisa diketik"))
    if len(good) < len(found):
        report.findings.append(Finding(name, "qr", "ada kode QR yang terdeteksi tetapi tidak terbaca; "
                                                   "perbesar kode atau perbaiki kontrasnya"))
    if expected_qr and len(good) < expected_qr:
        report.findings.append(Finding(name, "qr", f"desain ini mencetak {expected_qr} kode QR, terbaca {len(good)}; "
                                                   "buat ulang berkasnya"))


def _check_svg(data, report):
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        report.findings.append(Finding(report.path.name, "format", f"SVG rusak ({exc}); buat ulang"))
        return
    report.facts.append(f"SVG {root.get('viewBox') or ''}".strip())
    if root.findall(".//{http://www.w3.org/2000/svg}text"):
        report.findings.append(Finding(report.path.name, "fonts", "SVG memuat <text> yang bergantung pada huruf "
                                                                  "terpasang; ubah teks menjadi kurva"))


def _refusal(name: str, reason: str) -> Finding:
    """A picture refused before decoding -> one finding: the guard's reason (without its label, and
    without a fix meant for a photo to be framed) and the fix for a finished file."""
    reason = reason.removeprefix(f"{name}: ").strip()
    reason = re.split(r"(?<=[.)])\s+(?=[A-Z])", reason)[0].rstrip(".")  # the first sentence: what is wrong
    if "butuh memori" in reason:  # the memory budget's own fix (save as baseline JPEG) is for photos
        reason = reason.rsplit("; ", 1)[0]
    if "tidak didekode" not in reason:
        reason += "; tidak didekode"
    return Finding(name, "format", f"{reason}. {FIX}")


def _open_lazily(data, name):
    """The default guard: Pillow opens the header only; more than CHECK_MAX_PIXELS is refused before any
    pixel is decoded (the photo decoder's guards, which the CLI passes, also read larger JPEGs at a
    reduced size and refuse files whose data ends long before their image)."""
    import io
    import warnings

    from PIL import Image

    from ..errors import NetralError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=PICTURE_FORMATS)
        except Image.DecompressionBombError:
            raise NetralError(f"{name}: ukuran gambar di header melebihi batas pemeriksaan") from None
        except Exception as exc:  # noqa: BLE001 - a hostile header may make any decoder raise anything
            raise NetralError(f"{name}: gambar rusak ({_why(exc)})") from None
    width, height = image.size
    if width * height > CHECK_MAX_PIXELS or width < 1 or height < 1:
        image.close()
        raise NetralError(f"{name}: gambar {width}×{height} melebihi batas pemeriksaan "
                          f"{CHECK_MAX_PIXELS // 1_000_000} MP")
    return image


def _why(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "terpotong atau tidak lengkap" if "truncated" in text.lower() else text[:80]


def _reduce_for_check(image, report):
    """Decode `image` (lazily opened) with at most CHECK_MAX_PIXELS: a JPEG through libjpeg's DCT
    scaling (never decoded whole), anything else decoded and then reduced before it is flattened."""
    width, height = image.size
    factor = 1
    while width * height > CHECK_MAX_PIXELS * factor**2:
        factor += 1
    if factor == 1:
        image.load()
        return image
    if image.format == "JPEG":
        scale = next((f for f in (2, 4, 8) if f >= factor), 8)
        image.draft(image.mode, (-(-width // scale), -(-height // scale)))
        image.load()
        report.facts.append(f"didekode pada 1/{round(width / image.width)} ukuran untuk membaca kode QR")
        return image
    image.load()
    reduced = _plain(image).reduce(factor)
    image.close()
    report.facts.append(f"diperkecil 1/{factor} untuk membaca kode QR")
    return reduced


def _plain(image):
    """Any Pillow mode -> L, RGB, CMYK or RGBA (16-bit scaled to 8, palettes expanded)."""
    mode = image.mode
    if mode in ("L", "RGB", "CMYK", "RGBA"):
        return image
    if mode.startswith("I;16") or mode == "I":
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if mode in ("1", "F"):
        return image.convert("L")
    return image.convert("RGBA")


def _grey_on_white(image):
    """A decoded picture -> grey ("L") over white, for the QR decoder, one copy at a time."""
    from PIL import Image

    image = _plain(image)
    if image.mode != "RGBA":
        return image.convert("L")
    rgba = image
    out = Image.new("RGB", rgba.size, (255, 255, 255))
    out.paste(rgba, (0, 0), rgba)
    del rgba
    return out.convert("L")


def _check_raster(data, report, entry, expected_qr, open_picture):
    from ..errors import NetralError

    name = report.path.name
    try:
        image = open_picture(data, name)
    except NetralError as exc:
        report.findings.append(_refusal(name, str(exc)))
        return
    report.facts.append(f"{image.width}×{image.height} px, {image.mode}")
    want = (entry or {}).get("size", {}).get("px")
    if want and list(image.size) != list(want):
        report.findings.append(Finding(name, "size", f"ukuran {image.width}×{image.height} px, manifest mencatat "
                                                     f"{want[0]}×{want[1]} px"))
    try:
        decoded = _reduce_for_check(image, report)
        grey = _grey_on_white(decoded)
    except MemoryError:
        report.findings.append(Finding(name, "format", f"memori tidak cukup untuk membaca gambar ini. {FIX}"))
        return
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file may make its decoder raise anything
        report.findings.append(Finding(name, "format", f"gambar rusak ({_why(exc)}). {FIX}"))
        return
    finally:
        image.close()
    del decoded
    _check_qr(decode_qr(grey), report, expected_qr)


def _check_pdf(data, report, entry, expected_qr):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    name = report.path.name
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        report.findings.append(Finding(name, "format", f"PDF rusak ({exc}); buat ulang"))
        return
    try:
        report.facts.append(f"{len(pdf)} halaman")
        for number in range(len(pdf)):
            page = pdf[number]
            where = f"{name} hlm. {number + 1}" if len(pdf) > 1 else name
            _check_boxes(page, where, report, entry)
            _check_fonts(page, where, report, raw)
            text = " ".join(page.get_textpage().get_text_bounded().split())
            for figure in (entry or {}).get("sources", []):
                if figure.get("as_of") and figure.get("body") and source_line(figure) not in text:
                    report.findings.append(Finding(where, "unsourced", f"angka {figure.get('id')} tanpa baris "
                                                                       f"\"{source_line(figure)}\""))
            # as a cheap office printer would see it, within CHECK_MAX_PIXELS whatever the page's size
            scale = _render_scale(page.get_size())
            if scale < PRINT_QR_DPI / 72:
                report.facts.append(f"{where}: dirender {scale * 72:.0f} dpi (bukan {PRINT_QR_DPI}) karena "
                                    "halamannya sangat besar")
            image = page.render(scale=scale, fill_color=(255, 255, 255, 255), grayscale=True).to_pil()
            _check_qr(decode_qr(image), report, expected_qr if number == 0 else None, text)
            del image
    finally:
        pdf.close()


def _render_scale(size) -> float:
    """Pixels per PDF point to render a page of `size` (points) at: PRINT_QR_DPI, or less when that
    would take more than CHECK_MAX_PIXELS."""
    width, height = (max(v, 1.0) for v in size)
    return min(PRINT_QR_DPI / 72, (CHECK_MAX_PIXELS / (width * height)) ** 0.5)


def _check_boxes(page, where, report, entry):
    media = page.get_mediabox()
    trim = page.get_trimbox()
    bleed = page.get_bleedbox()
    w, h = trim[2] - trim[0], trim[3] - trim[1]
    mm = (w / PT_PER_MM, h / PT_PER_MM)
    paper = next((n for n, (pw, ph) in PAPER_MM.items()
                  if abs(w - pw * PT_PER_MM) <= BOX_TOLERANCE_PT and abs(h - ph * PT_PER_MM) <= BOX_TOLERANCE_PT), None)
    report.facts.append(f"TrimBox {w:.2f}×{h:.2f} pt ({mm[0]:.1f}×{mm[1]:.1f} mm{', ' + paper if paper else ''})")
    want = (entry or {}).get("size", {}).get("mm")
    if want and (abs(w - want[0] * PT_PER_MM) > BOX_TOLERANCE_PT or abs(h - want[1] * PT_PER_MM) > BOX_TOLERANCE_PT):
        report.findings.append(Finding(where, "size", f"TrimBox {mm[0]:.1f}×{mm[1]:.1f} mm, manifest mencatat "
                                                      f"{want[0]}×{want[1]} mm"))
    is_print = any(abs(a - b) > BOX_TOLERANCE_PT for a, b in zip(media, trim, strict=True))
    if not is_print:
        return
    need = BLEED_MM * PT_PER_MM - BOX_TOLERANCE_PT
    sides = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    report.facts.append(f"BleedBox {min(sides) / PT_PER_MM:.1f} mm di luar TrimBox")
    if min(sides) < need:
        report.findings.append(Finding(where, "bleed", f"bleed hanya {min(sides) / PT_PER_MM:.1f} mm, kurang dari "
                                                       f"{BLEED_MM:g} mm; buat ulang dengan --print"))
    if paper is None and not want:
        report.findings.append(Finding(where, "size", f"TrimBox {mm[0]:.1f}×{mm[1]:.1f} mm bukan ukuran kertas "
                                                      "yang dikenal (A4, A3)"))


def _check_fonts(page, where, report, raw):
    import ctypes

    missing = set()
    count = 0
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
        font = raw.FPDFTextObj_GetFont(obj.raw)
        if not font:
            continue
        count += 1
        if not raw.FPDFFont_GetIsEmbedded(font):
            size = raw.FPDFFont_GetBaseFontName(font, None, 0)
            buf = ctypes.create_string_buffer(size)
            raw.FPDFFont_GetBaseFontName(font, buf, size)
            missing.add(buf.value.decode("latin-1", "replace"))
    if count:
        report.facts.append("semua huruf tertanam" if not missing else f"{len(missing)} huruf tidak tertanam")
    for font in sorted(missing):
        report.findings.append(Finding(where, "fonts", f"huruf {font} tidak tertanam; percetakan akan menggantinya. "
                                                       "Buat ulang PDF dengan netral"))
