"""Checks of finished files (`netral check FILE…`): an output file already on disk -> a `FileReport`.

The layout is gone by then; the check re-derives what the file itself shows (size, page boxes,
embedded fonts, QR codes through the one decoder in `qr`, printed source lines) and reads the findings
recorded at render time from the manifest.json written beside the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.units import BLEED_MM, PAPER_MM, PT_PER_MM
from . import Finding, source_line, stale_figures
from .qr import PRINT_QR_DPI, decode_qr

BOX_TOLERANCE_PT = 0.05


@dataclass
class FileReport:
    path: object  # pathlib.Path
    kind: str  # "pdf", "png", "jpeg", "webp" or "?"
    facts: list  # what was found, for the person reading the report
    findings: list  # Finding

    @property
    def ok(self) -> bool:
        return not self.findings


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "?"


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


def check_file(path, pack=None) -> FileReport:
    """Check an output file already on disk. With its manifest.json entry and the campaign `pack`,
    the file's design says how many QR codes it prints (`qr_codes` in design.toml); without them,
    only the codes found are checked."""
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
        _check_raster(data, report, entry, expected_qr)
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


def _check_raster(data, report, entry, expected_qr):
    import io

    from PIL import Image, UnidentifiedImageError

    name = report.path.name
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        report.findings.append(Finding(name, "format", f"gambar rusak ({exc}); buat ulang"))
        return
    report.facts.append(f"{image.width}×{image.height} px, {image.mode}")
    want = (entry or {}).get("size", {}).get("px")
    if want and list(image.size) != list(want):
        report.findings.append(Finding(name, "size", f"ukuran {image.width}×{image.height} px, manifest mencatat "
                                                     f"{want[0]}×{want[1]} px"))
    background = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(background, image.convert("RGBA")).convert("RGB")
    _check_qr(decode_qr(flat), report, expected_qr)


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
            # as a cheap office printer would see it
            image = page.render(scale=PRINT_QR_DPI / 72, fill_color=(255, 255, 255, 255)).to_pil()
            _check_qr(decode_qr(image), report, expected_qr if number == 0 else None, text)
    finally:
        pdf.close()


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
