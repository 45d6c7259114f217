"""Verification: a file -> a `Report`: who issued it and when, with what program, and one status.

Statuses, worst first:
  changed      the bytes differ from what was signed (or a file differs from the signed manifest);
               `changes` says what
  expired      the signing certificate is no longer (or not yet) valid
  untrusted    intact, but the chain does not end in a root of the trust list
  valid        intact, in time, and trusted
  none         no credentials at all (social networks and WhatsApp strip them on upload)
  unreadable   the file cannot be read

Only `valid` is good (`Report.ok`). Each format is checked by the library that signed it: pictures by
the c2pa library's reader (trust anchors given in its settings; no remote manifests, no OCSP: checking
works offline and a forged file cannot make the checker fetch an address), PDFs and detached signatures
(`<name>.p7s`, used for manifest.json) by pyHanko's validator. A file with no credentials of its own
(an SVG, a stripped picture) is looked up in the signed `manifest.json` of its folder by sha256.
Verification time is now: there is no trusted time without a timestamp server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import io
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ..files import sniff
from .codes import normalize_code
from .identity import ROOT, TEST_MARK, load_certificates
from .sign import CAMPAIGN_LABEL, IMAGE_TYPES, SIDECAR, import_pyhanko

MANIFEST = "manifest.json"
CODE_IN_REASON = "kode keaslian "  # sign._sign_pdf's /Reason ends ", kode keaslian K7Q2-9XA"
TRUST_DIR = "trust"  # brand/trust/: the campaign's trusted roots (PEM), bundled and per pack
TRUST_SUFFIXES = (".pem", ".crt", ".cer")
# Why a certificate shows as untrusted: said by `netral verify` and by /cek.
UNTRUSTED_WHY = ("Sertifikat instansi (dari BSrE, atau identitas uji) belum tercantum di daftar validator C2PA publik "
                 "seperti contentcredentials.org, sehingga di sana pun tampil tidak tepercaya; yang menentukan adalah "
                 "root-nya ada di daftar tepercaya kampanye (brand/trust/ atau --trust).")
STATUSES = ("valid", "changed", "expired", "untrusted", "none", "unreadable")
LABELS = {"valid": "ASLI", "changed": "DIUBAH", "expired": "KEDALUWARSA", "untrusted": "TIDAK TEPERCAYA",
          "none": "TANPA KREDENSIAL", "unreadable": "TIDAK TERBACA"}
# c2pa status codes that are not about the bytes: trust and time.
C2PA_UNTRUSTED = {"signingCredential.untrusted", "signingCredential.invalid", "signingCredential.revoked"}
C2PA_EXPIRED = {"signingCredential.expired", "claimSignature.outsideValidity"}
C2PA_CONTENT = ("assertion.dataHash.mismatch", "assertion.boxesHash.mismatch", "assertion.bmffHash.mismatch",
                "assertion.collectionHash.mismatch")


@dataclass
class Report:
    """What `verify_file` found in one file."""

    path: str
    status: str  # one of STATUSES
    method: str | None = None  # "c2pa", "pades", "cms" (a .p7s beside the file), "manifest" (listed in a signed manifest.json)
    issuer: str | None = None  # the signing certificate's organisation (O)
    signer: str | None = None  # the signing certificate's common name (CN)
    agency: str | None = None  # the agency the signed claims name, when it is not the issuer
    test_identity: bool = False
    signed_at: str | None = None  # ISO 8601, UTC: as the signer's clock said (a timestamp server's when there is one)
    program: str | None = None
    valid_until: str | None = None
    code: str | None = None  # the short code the signed claims name (codes.py): where /cek finds the original
    changes: list[str] = field(default_factory=list)  # what changed, in Indonesian
    notes: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # the validating library's own codes, for machines

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    def as_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok, "message": self.message()}

    def message(self) -> str:
        """One Indonesian line: the verdict, and what to do about it."""
        name = Path(self.path).name
        issuer = self.issuer or "penerbit yang tidak dikenal"
        who = issuer + (f" untuk {self.agency}" if self.agency and self.agency != self.issuer else "")
        when = f" pada {_when(self.signed_at)}" if self.signed_at else ""
        program = f" dengan {self.program}" if self.program else ""
        via = f" (lewat {MANIFEST} yang ditandatangani)" if self.method == "manifest" else ""
        test = " Perhatian: identitas uji, bukan untuk publikasi." if self.test_identity else ""
        head = f"{name}: {LABELS[self.status]} —"
        if self.status == "valid":
            return f"{head} diterbitkan oleh {who}{when}{program}{via}; utuh dan penanda tangannya tepercaya.{test}"
        if self.status == "changed":
            return (f"{head} {'; '.join(self.changes) or 'isi berubah sejak ditandatangani'}. Jangan disebarkan; "
                    f"ambil berkas asli dari {issuer}.")
        if self.status == "expired":
            until = f" (berlaku sampai {_when(self.valid_until)})" if self.valid_until else ""
            return (f"{head} ditandatangani oleh {who}{when}, tetapi sertifikatnya tidak berlaku lagi{until}. "
                    "Minta berkas yang ditandatangani ulang.")
        if self.status == "untrusted":
            return (f"{head} ditandatangani oleh {who}{when}{via}, tetapi root sertifikatnya tidak ada di daftar "
                    f"tepercaya. {UNTRUSTED_WHY} Periksa lagi dengan --trust berisi root resmi penerbit.{test}")
        if self.status == "none":
            return (f"{head} berkas tidak membawa tanda tangan digital (media sosial dan WhatsApp menghapusnya). "
                    "Cocokkan dengan berkas asli dari situs penerbit.")
        return f"{head} {'; '.join(self.notes) or 'berkas tidak dapat dibaca'}. Periksa jalur dan berkasnya."


# -- the trust list ----------------------------------------------------------------------------------

def load_trust(paths=(), *, pack=None, bundled: bool = True) -> list[x509.Certificate]:
    """Trusted roots from PEM bundles / DER files, or identity folders (their root.pem), plus (unless
    `bundled` is False) the campaign's own list: every `*.pem` / `*.crt` / `*.cer` in `brand/trust/` of the
    bundled pack and of `pack`'s own brand folder (a pack adds roots, it cannot remove the campaign's)."""
    roots: list[x509.Certificate] = []
    for path in [paths] if isinstance(paths, (str, Path)) else (paths or []):
        path = Path(path)
        roots += load_certificates(path / ROOT if path.is_dir() else path)
    if bundled:
        roots += campaign_roots(pack)
    unique: dict[bytes, x509.Certificate] = {}
    for cert in roots:
        unique.setdefault(cert.fingerprint(hashes.SHA256()), cert)
    return list(unique.values())


def trust_folders(pack=None) -> list[Path]:
    """The folders the campaign's trust list is read from: `brand/trust/` of each layer of the pack
    (the user's pack first), or the bundled one."""
    from ..resources import bundled_dir

    layers = pack.layers("brand") if pack is not None else [bundled_dir("brand")]
    if bundled_dir("brand") not in layers:
        layers = [*layers, bundled_dir("brand")]
    return [layer / TRUST_DIR for layer in layers if (layer / TRUST_DIR).is_dir()]


def campaign_roots(pack=None) -> list[x509.Certificate]:
    """The roots in the campaign's trust folders (`trust_folders`)."""
    roots: list[x509.Certificate] = []
    for folder in trust_folders(pack):
        for path in sorted(folder.iterdir()):
            if path.suffix.lower() in TRUST_SUFFIXES and path.is_file():
                roots += load_certificates(path)
    return roots


# -- verifying ---------------------------------------------------------------------------------------

def verify_file(path: str | Path, trust: list[x509.Certificate] | None = None) -> Report:
    """Check one file on disk against the trust list `trust` (see `load_trust`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Report(str(path), "unreadable", notes=[f"tidak dapat dibaca ({exc.strerror or exc})"])
    sidecar = path.with_name(path.name + SIDECAR)
    signature = sidecar.read_bytes() if sidecar.is_file() else None
    report = verify_bytes(data, path.name, trust, signature=signature)
    report.path = str(path)
    if report.method == "cms" and path.name == MANIFEST and report.status != "changed":
        _check_listed(report, data, path.parent)
    if report.status == "none":
        report = _through_manifest(path, data, trust) or report
    return report


def verify_bytes(data: bytes, name: str = "berkas", trust: list[x509.Certificate] | None = None,
                 signature: bytes | None = None) -> Report:
    """Check bytes without a folder (the web's uploads): embedded credentials, or a detached
    `signature` (a .p7s) when one is given."""
    trust = list(trust or [])
    with _quiet():
        if signature is not None:
            return _verify_cms(data, signature, name, trust)
        kind = sniff(data)
        if kind == ".pdf":
            return _verify_pdf(data, name, trust)
        if kind in IMAGE_TYPES:
            return _verify_c2pa(data, IMAGE_TYPES[kind], name, trust)
    return Report(name, "none")


# -- pictures: C2PA ----------------------------------------------------------------------------------

def _verify_c2pa(data: bytes, mime: str, name: str, trust: list) -> Report:
    import c2pa

    settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust:
        settings["trust"] = {"trust_anchors": _pem(trust)}
    try:
        with c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context, \
                c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError.ManifestNotFound:
        return Report(name, "none")
    except c2pa.C2paError as exc:
        return Report(name, "changed", "c2pa", changes=["kredensial C2PA di dalam berkas rusak"],
                      codes=[type(exc).__name__])
    manifest = store.get("manifests", {}).get(store.get("active_manifest"), {})
    info = manifest.get("signature_info") or {}
    assertions = {a.get("label"): a.get("data") or {} for a in manifest.get("assertions", [])}
    own = assertions.get(CAMPAIGN_LABEL, {})
    created = next((a for a in (assertions.get("c2pa.actions.v2") or assertions.get("c2pa.actions") or {})
                    .get("actions", []) if a.get("action") == "c2pa.created"), {})
    generator = (manifest.get("claim_generator_info") or [{}])[0]
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = results.get("failure") if results else store.get("validation_status") or []
    codes = [f.get("code", "") for f in failures or []]
    report = Report(
        name, "valid", "c2pa", issuer=info.get("issuer"), signer=info.get("common_name"),
        agency=own.get("agency"), signed_at=_iso(info.get("time") or created.get("when")),
        program=" ".join(p for p in (generator.get("name"), generator.get("version")) if p) or None,
        test_identity=bool(own.get("test_identity")) or TEST_MARK.lower() in (info.get("common_name") or "").lower(),
        code=normalize_code(own["code"]) if isinstance(own.get("code"), str) else None, codes=codes)
    for failure in failures or []:
        code = failure.get("code", "")
        if code in C2PA_UNTRUSTED or code in C2PA_EXPIRED:
            continue
        if code in C2PA_CONTENT:
            report.changes.append("isi gambar berubah sejak ditandatangani")
        elif code == "assertion.hashedURI.mismatch":
            label = (failure.get("url") or "").rsplit("/", 1)[-1]
            report.changes.append(f"keterangan kredensial berubah ({label})")
        elif code == "claimSignature.mismatch":
            report.changes.append("tanda tangan tidak cocok dengan isi kredensial")
        else:
            report.changes.append(f"kredensial tidak sah ({code})")
    if report.changes:
        report.status = "changed"
    elif any(c in C2PA_EXPIRED for c in codes):
        report.status = "expired"
    elif any(c in C2PA_UNTRUSTED for c in codes) or store.get("validation_state") != "Trusted":
        report.status = "untrusted"
    return report


# -- PDFs: PAdES -------------------------------------------------------------------------------------

def _verify_pdf(data: bytes, name: str, trust: list) -> Report:
    import_pyhanko()
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:
        if b"/ByteRange" in data:
            return Report(name, "changed", "pades", changes=["PDF bertanda tangan ini rusak atau diubah"])
        return Report(name, "unreadable", notes=["PDF rusak"])
    if not signatures:
        return Report(name, "none")
    embedded = signatures[-1]
    report = Report(name, "valid", "pades")
    try:
        status = validate_pdf_signature(embedded, ValidationContext(trust_roots=_asn1(trust), allow_fetching=False))
    except Exception as exc:
        report.status = "changed"
        report.changes.append("tanda tangan PDF tidak dapat diperiksa (rusak)")
        report.codes.append(type(exc).__name__)
        return report
    _signer_facts(report, status)
    reason = str(embedded.sig_object.get("/Reason", ""))
    if CODE_IN_REASON in reason:
        report.code = normalize_code(reason.rsplit(CODE_IN_REASON, 1)[1].split(",")[0])
    props = embedded.sig_object.get("/Prop_Build", {}).get("/App", {})
    if props.get("/Name"):
        report.program = " ".join(str(p).lstrip("/") for p in (props.get("/Name"), props.get("/REx")) if p)
    report.codes = [f"intact={status.intact}", f"valid={status.valid}", f"trusted={status.trusted}",
                    f"coverage={status.coverage.name if status.coverage else None}",
                    f"modification={status.modification_level.name if status.modification_level else None}"]
    if not (status.intact and status.valid):
        report.changes.append("isi PDF berubah sejak ditandatangani")
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        report.changes.append(_after_signing(status))
    _settle(report, status)
    return report


def _after_signing(status) -> str:
    """What a revision appended after the signature did. Our signatures cover the whole file, so any
    later revision is a change; pyHanko's diff analysis says whether it touched only metadata and
    validation data (which it allows in long-term archiving) or the document itself."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    if status.modification_level == ModificationLevel.LTA_UPDATES and status.docmdp_ok is not False:
        return "metadata atau data validasi PDF ditambah setelah ditandatangani"
    return "isi PDF ditambah atau diubah setelah ditandatangani"


# -- detached signatures: CMS ------------------------------------------------------------------------

def _verify_cms(data: bytes, signature: bytes, name: str, trust: list) -> Report:
    import_pyhanko()
    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    report = Report(name, "valid", "cms")
    try:
        signed = cms.ContentInfo.load(signature)["content"]
        status = asyncio.run(async_validate_detached_cms(
            data, signed, signer_validation_context=ValidationContext(trust_roots=_asn1(trust), allow_fetching=False)))
    except Exception as exc:
        report.status = "changed"
        report.changes.append(f"tanda tangan {name}{SIDECAR} rusak")
        report.codes.append(type(exc).__name__)
        return report
    _signer_facts(report, status)
    report.codes = [f"intact={status.intact}", f"valid={status.valid}", f"trusted={status.trusted}"]
    if not (status.intact and status.valid):
        report.changes.append(f"isi {name} berubah sejak ditandatangani")
    if name == MANIFEST:
        with contextlib.suppress(ValueError, AttributeError):
            report.program = json.loads(data).get("generator") or None
    _settle(report, status)
    return report


def _check_listed(report: Report, data: bytes, folder: Path) -> None:
    """A signed manifest: every file it lists that is in the folder has its recorded sha256."""
    from ..files import sha256_of

    try:
        files = json.loads(data)["files"]
    except (ValueError, KeyError, TypeError):
        return
    for entry in files:
        path = folder / str(entry.get("path", ""))
        if not path.is_file():
            report.notes.append(f"{entry.get('path')} tidak ada di folder")
        elif sha256_of(path) != entry.get("sha256"):
            report.changes.append(f"{entry.get('path')} berbeda dari yang tercatat di {MANIFEST}")
    if report.changes:
        report.status = "changed"


def _through_manifest(path: Path, data: bytes, trust: list) -> Report | None:
    """A file without credentials of its own, covered by the signed manifest.json of its folder (or
    the folder above): the manifest's verdict when the file's sha256 is the recorded one."""
    import hashlib

    for folder in (path.parent, path.parent.parent):
        manifest, sidecar = folder / MANIFEST, folder / (MANIFEST + SIDECAR)
        if not (manifest.is_file() and sidecar.is_file()) or manifest == path:
            continue
        relative = path.resolve().relative_to(folder.resolve()).as_posix()
        manifest_data = manifest.read_bytes()
        try:
            entry = next((f for f in json.loads(manifest_data)["files"] if f.get("path") == relative), None)
        except (ValueError, KeyError, TypeError):
            entry = None
        if entry is None:
            continue
        with _quiet():
            report = _verify_cms(manifest_data, sidecar.read_bytes(), MANIFEST, trust)
        report.path, report.method = str(path), "manifest"
        if report.status != "changed" and hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            report.status = "changed"
            report.changes.append(f"{relative} berbeda dari sha256 yang tercatat di {MANIFEST}")
        elif report.status == "changed":
            report.changes = [f"{MANIFEST} yang mencatat berkas ini berubah sejak ditandatangani"]
        return report
    return None


# -- shared ------------------------------------------------------------------------------------------

def _signer_facts(report: Report, status) -> None:
    cert = status.signing_cert
    subject = cert.subject.native
    report.issuer = subject.get("organization_name") or subject.get("common_name")
    report.signer = subject.get("common_name")
    report.test_identity = TEST_MARK in cert.subject.human_friendly.upper()
    report.valid_until = cert.not_valid_after.isoformat()
    when = status.signer_reported_dt
    if getattr(status, "timestamp_validity", None) is not None:
        when = status.timestamp_validity.timestamp
    report.signed_at = when.astimezone(dt.UTC).isoformat(timespec="seconds") if when else None


def _settle(report: Report, status) -> None:
    """changed > expired > untrusted > valid."""
    now = dt.datetime.now(dt.UTC)
    cert = status.signing_cert
    if report.changes:
        report.status = "changed"
    elif cert.not_valid_after < now or cert.not_valid_before > now:
        report.status = "expired"
    elif not status.trusted:
        report.status = "untrusted"


def _pem(certs: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in certs)


def _asn1(certs: list[x509.Certificate]) -> list:
    from asn1crypto import x509 as asn1_x509

    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs]


def _iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC).isoformat(timespec="seconds")
    except ValueError:
        return None


def _when(iso: str) -> str:
    """'2026-12-06T03:24:25+00:00' -> '6 Desember 2026 pukul 03.24 UTC'."""
    from ..model.formatting import format_date_id

    moment = dt.datetime.fromisoformat(iso).astimezone(dt.UTC)
    return f"{format_date_id(moment.date())} pukul {moment:%H.%M} UTC"


@contextlib.contextmanager
def _quiet():
    """pyHanko logs every failed path validation with its traceback; a verdict is what users see."""
    loggers = [logging.getLogger(n) for n in ("pyhanko", "pyhanko_certvalidator")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)

