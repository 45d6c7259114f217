"""Looking a picture up: uploaded bytes (and the picture decoded from them), or a typed code -> a `Lookup`:
the verdict on its embedded credentials, and the registered original(s) to show beside it.

The answer comes in this order (issue 19):
  1. valid embedded credentials (`verify_bytes`: C2PA on pictures, PAdES on PDFs);
  2. else the short code the person typed, or the one decoded from a QR code in the picture
     (`checks.qr`, the one QR decoder) -> the registration(s) under that code;
  3. else the registered originals nearest by perceptual hash.
Whatever the verdict, the registered original(s) found by 2 or 3 travel with it, because a person
must compare the two pictures: a perceptual hash finds the design (and a code the agency's file), but
neither can prove that no figure, name or word was edited. Social networks and WhatsApp strip embedded
credentials, so "no credentials" plus a close match is the common answer for a genuine forwarded poster.

Decoding is the caller's: `photo.decode` (the guards on bytes, pixels and memory) sits above this stage,
so the web (which also holds the memory budget and the thread pool) decodes the upload and hands the
picture in. This module only reads bytes that are already checked, and imports plumbing, `checks` and
its own package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .codes import (
    MAX_DISTANCE,
    CodeIndex,
    Registration,
    find_originals,
    hash_distance,
    normalize_code,
    perceptual_hash,
)
from .verify import LABELS, UNTRUSTED_WHY, Report, verify_bytes

# Perceptual hashes this close (of 64 bits) are taken for the same design: codes.MAX_DISTANCE.
MATCH_DISTANCE = MAX_DISTANCE
MATCH_LIMIT = 3

# How the registered original was found.
BY_CODE, BY_CREDENTIALS, BY_QR, BY_HASH = "code", "credentials", "qr", "hash"

HASH_CAVEAT = ("Kemiripan gambar menemukan desainnya, tetapi tidak dapat membuktikan bahwa tidak ada angka, "
               "nama atau kata yang diubah. Bandingkan gambar Anda dengan versi asli di sampingnya.")
VALID_NOTE = ("Tanda tangan digital membuktikan bahwa berkas Anda utuh; versi asli yang terdaftar ditampilkan sebagai "
              "rujukan.")
CODE_CAVEAT = ("Kode keaslian menunjukkan berkas asli yang terdaftar; kode dapat disalin ke gambar palsu, jadi "
               "bandingkan isi gambar Anda dengan versi asli di sampingnya.")


@dataclass(frozen=True)
class Match:
    """A registered original found for the picture: how (code, qr, hash) and how far (hash bits)."""

    registration: Registration
    via: str
    distance: int | None = None


@dataclass
class Lookup:
    """What `look_up` found: the credentials' `report` (None when only a code was given), the code read
    (typed or from a QR), and the registered originals to show side by side."""

    status: str  # a verify status (valid, changed, expired, untrusted, none, unreadable), or "registered" / "unknown"
    report: Report | None = None
    code: str | None = None
    code_via: str | None = None  # BY_CODE (typed) or BY_QR
    matches: list[Match] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    same_file: bool = False  # the upload is, byte for byte, the first match's registered file
    # The picture looks like none of its code's registered originals: a real code (typed, or a QR copied
    # from a genuine poster) on a different picture, which is how a forgery borrows an original's code.
    code_mismatch: bool = False

    @property
    def label(self) -> str:
        return {**LABELS, "registered": "TERDAFTAR", "unknown": "TIDAK DITEMUKAN"}[self.status]

    @property
    def trusted(self) -> bool | None:
        """True only for valid credentials, False for credentials that do not hold, None without any."""
        if self.report is None or self.status in ("none", "unreadable"):
            return None
        return self.status == "valid"

    @property
    def by_hash(self) -> bool:
        return any(m.via == BY_HASH for m in self.matches)

    def meaning(self) -> str:
        """What the verdict means, in one or two plain Indonesian sentences."""
        r = self.report
        issuer = (r.issuer if r else None) or "penerbit yang tidak dikenal"
        if self.status == "valid":
            return (f"Berkas ini ditandatangani secara digital oleh {issuer} dan tidak berubah sedikit pun sejak "
                    "ditandatangani.")
        if self.status == "changed":
            what = "; ".join(r.changes) if r and r.changes else "isinya berubah sejak ditandatangani"
            return f"Berkas ini membawa tanda tangan digital {issuer}, tetapi tanda tangan itu tidak lagi cocok: {what}."
        if self.status == "expired":
            return f"Berkas ini ditandatangani oleh {issuer}, tetapi sertifikatnya sudah tidak berlaku."
        if self.status == "untrusted":
            return (f"Berkas ini utuh dan ditandatangani atas nama {issuer}, tetapi root sertifikatnya tidak ada di "
                    "daftar tepercaya kampanye.")
        if self.status == "registered":
            return "Kode ini terdaftar untuk materi resmi kampanye berikut."
        if self.status == "unknown":
            if self.report is None and self.code:
                return f"Tidak ada materi resmi yang terdaftar dengan kode {self.code}."
            return "Tidak ada materi terdaftar dengan kode ini, dan tidak ada yang mirip dengan gambar ini."
        if self.status == "unreadable":
            return "Berkas ini tidak dapat dibaca sebagai gambar atau PDF."
        if self.code_mismatch:
            return (f"Gambar ini berbeda dari materi resmi yang terdaftar dengan kode {self.code}: kodenya asli, "
                    "tetapi gambarnya bukan materi itu.")
        if self.matches:
            return ("Berkas ini tidak membawa tanda tangan digital (WhatsApp dan media sosial menghapusnya saat "
                    "diunggah), tetapi cocok dengan materi resmi yang terdaftar.")
        return ("Berkas ini tidak membawa tanda tangan digital dan tidak cocok dengan materi resmi mana pun yang "
                "terdaftar di sini.")

    def advice(self) -> str:
        """What to do now."""
        if self.status == "valid":
            return ("Aman dibagikan. Tetap pastikan nama instansi di gambar sama dengan penerbit yang tertulis di "
                    "sini.")
        if self.status == "changed":
            return ("Jangan sebarkan berkas ini. Ambil versi asli dari kanal resmi instansi"
                    + (", atau bandingkan dengan versi asli di bawah." if self.matches else ".")
                    + " Bila menemukan pemalsuan, laporkan lewat SP4N-LAPOR!")
        if self.status == "expired":
            return "Minta berkas yang ditandatangani ulang dari instansi penerbitnya."
        if self.status == "untrusted":
            return ("Jangan anggap resmi sebelum yakin: bandingkan dengan versi asli dari kanal resmi instansi, atau "
                    "tanyakan kepada humas instansinya.")
        if self.code_mismatch and self.status != "valid":
            return ("Jangan sebarkan gambar ini: kemungkinan besar kode keasliannya disalin dari materi lain. "
                    "Bandingkan dengan versi asli di bawah, dan laporkan pemalsuan lewat SP4N-LAPOR!")
        if self.status == "unknown" and self.report is None:
            return ("Periksa lagi huruf dan angkanya (7 tanda, seperti K7Q2-9XA), atau unggah gambar materinya. Materi "
                    "yang kodenya tidak terdaftar jangan dianggap resmi.")
        if self.status in ("none", "unknown") and not self.matches:
            return ("Perlakukan sebagai tidak resmi sampai terbukti sebaliknya. Ketik kode keaslian yang tercetak di "
                    "materi (mis. K7Q2-9XA), atau minta berkas asli dari humas instansinya.")
        if self.status == "unreadable":
            return "Unggah gambar (JPEG, PNG, WebP) atau PDF, atau ketik kode keaslian yang tercetak di materi."
        return ("Bandingkan gambar Anda dengan versi asli di bawah, bagian demi bagian: nama instansi, angka, "
                "tanggal dan kalimatnya. Bila ada yang berbeda, jangan sebarkan dan laporkan lewat SP4N-LAPOR!")

    def note(self) -> str:
        """The caveat that travels with the originals: why the person must still compare."""
        if self.matches and self.status == "valid":
            return VALID_NOTE
        if self.by_hash:
            return HASH_CAVEAT
        if self.matches and self.status != "valid":
            return CODE_CAVEAT
        return ""


def look_up(data: bytes | None, name: str = "berkas", *, index: CodeIndex | None, trust, typed_code: str | None = None,
            picture=None, limit: int = MATCH_LIMIT, max_distance: int = MATCH_DISTANCE) -> Lookup:
    """Look up an upload (`data`, with `picture` the caller decoded from it with `photo.decode`'s
    guards; None when it is not a picture or a PDF's page was not rendered) and/or a `typed_code`
    (a code or a /cek/<code> address) in `index` (None: credentials only), against `trust` (roots)."""
    lookup = Lookup("unknown")
    if data:
        lookup.report = verify_bytes(data, name, trust)
        lookup.status = lookup.report.status
        if lookup.status == "untrusted":
            lookup.notes.append(UNTRUSTED_WHY)
    code, via = _code(typed_code, picture, lookup.report)
    if typed_code and code is None:
        lookup.notes.append(f"“{typed_code.strip()[:40]}” bukan kode keaslian (bentuknya seperti K7Q2-9XA).")
    lookup.code, lookup.code_via = code, via
    if index is None:
        return lookup
    if code is not None:
        found = index.by_code(code)
        lookup.matches = [Match(r, via) for r in found]
        if picture is not None and found:
            lookup.matches = _by_distance(lookup.matches, perceptual_hash(picture))
            # a code read from the picture or typed is checked against it (the signed claims' code is not:
            # when the bytes changed the picture may be garbled, and the verdict already says DIUBAH)
            lookup.code_mismatch = via != BY_CREDENTIALS and lookup.matches[0].distance > max_distance
        if not found and data:
            lookup.notes.append(f"Kode {code} ({'dari kode QR di gambar' if via == BY_QR else 'yang Anda ketik'}) "
                                "tidak terdaftar.")
    if not lookup.matches and picture is not None:
        # screenshots too: find_originals also hashes the picture without a status bar or a bottom bar
        lookup.matches = [Match(r, BY_HASH, d) for d, r in
                          find_originals(index, picture, limit=limit, max_distance=max_distance)]
    if data and lookup.matches:
        # the registered file itself (same bytes) before its look-alikes (the same poster in A3 and A4)
        digest = hashlib.sha256(data).hexdigest()
        lookup.matches.sort(key=lambda m: m.registration.sha256 != digest)
        lookup.same_file = lookup.matches[0].registration.sha256 == digest
    if not data:
        lookup.status = "registered" if lookup.matches else "unknown"
    return lookup


def _code(typed: str | None, picture, report: Report | None = None) -> tuple[str | None, str | None]:
    """The typed code if it is one, else the code the signed claims name (even when the bytes changed
    since: it still points at the original to compare with), else the first QR code in the picture that
    is a /cek/ address or a code."""
    if typed and typed.strip():
        code = normalize_code(typed)
        if code is not None:
            return code, BY_CODE
    if report is not None and report.code:
        return report.code, BY_CREDENTIALS
    if picture is not None:
        from ..checks.qr import decoded_texts

        for text in decoded_texts(picture):
            code = normalize_code(text)
            if code is not None:
                return code, BY_QR
    return None, None


def _by_distance(matches: list[Match], phash: str) -> list[Match]:
    """A code's registrations (one per format) with the picture's distance to each, nearest first:
    the format the picture is comes first."""
    ranked = [Match(m.registration, m.via, hash_distance(phash, m.registration.phash)) for m in matches]
    return sorted(ranked, key=lambda m: m.distance)
