"""The issuing identity: a signing key and its certificate chain in a folder, made for tests or imported.

An identity folder holds

    identity.toml     what the folder is: organisation, test identity or not, optional timestamp server
    chain.pem         the signing certificate first, then any intermediates (public)
    root.pem          the root(s) the chain ends in: what verifiers put in their trust list (public)
    signing-key.pem   the private key, PKCS#8 PEM, mode 0600 (encrypted when it was imported with a password)

`init_identity` makes a *test* identity: its own root (kept only as a certificate; the root's key is
thrown away once the signing certificate is issued, so nobody can issue more under it) and a signing
certificate under it. C2PA validators refuse a self-signed signing certificate and, by default, want
the key usage digitalSignature and an extended key usage from their list (emailProtection,
documentSigning, ...); PAdES validators (pyHanko) want nonRepudiation. The signing certificate carries
all of them. Every name in a test identity says "IDENTITAS UJI", so no verifier can mistake it for the
agency's real certificate.

`import_identity` takes a real chain and key (PEM files, or one PKCS#12 file, for example as issued by
BSrE) and writes the same layout. `load_identity` reads a folder back, refusing a key file that others
can read, a corrupt certificate, a key that does not match its certificate, and an expired certificate,
each with the fix in one Indonesian sentence.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from ..errors import NetralError

CONFIG = "identity.toml"
CHAIN = "chain.pem"
ROOT = "root.pem"
KEY = "signing-key.pem"
PASSWORD_VARIABLE = "NETRAL_IDENTITY_PASSWORD"  # the key's password, when the key file is encrypted
TEST_MARK = "IDENTITAS UJI"
TEST_DAYS = 365
ROOT_DAYS = 3650

# Extended key usages the c2pa library accepts without settings (c2pa-rs's default trust config).
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")
C2PA_EKUS = {
    ExtendedKeyUsageOID.EMAIL_PROTECTION,
    DOCUMENT_SIGNING,
    ObjectIdentifier("1.3.6.1.4.1.311.76.59.1.9"),  # Microsoft C2PA signing
    ObjectIdentifier("1.3.6.1.4.1.62558.2.1"),  # c2pa-kp-claimSigning
}


@dataclass(repr=False)
class Identity:
    """A loaded identity: the key (never printed: `repr` shows only the names) and its chain."""

    folder: Path
    organisation: str
    certificate: x509.Certificate
    intermediates: list[x509.Certificate]
    roots: list[x509.Certificate]
    key: object = field(repr=False)  # a cryptography private key
    test: bool = False
    timestamp_url: str | None = None

    def __repr__(self) -> str:
        return f"Identity({self.organisation!r}, test={self.test}, folder={str(self.folder)!r})"

    @property
    def common_name(self) -> str:
        return _name_part(self.certificate.subject, NameOID.COMMON_NAME) or self.organisation

    @property
    def algorithm(self) -> str:
        """The C2PA/COSE name of the signing algorithm the key calls for."""
        return signing_algorithm(self.key)

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def chain_pem(self) -> bytes:
        """The signing certificate and its intermediates, PEM: what goes into a signature."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in [self.certificate, *self.intermediates])

    def key_pem(self) -> bytes:
        """The key as unencrypted PKCS#8 PEM, for the c2pa library (in memory only, never written)."""
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex(":").upper()


# -- making and importing ----------------------------------------------------------------------------

def init_identity(organisation: str, out_dir: str | Path, *, days: int = TEST_DAYS,
                  not_before: dt.datetime | None = None, force: bool = False) -> Path:
    """Make a test identity for `organisation` in `out_dir` (its own root and a signing certificate
    valid `days` days from `not_before`, default now); returns the folder. Refuses to overwrite a key."""
    folder = _prepare(out_dir, force)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"Root uji netral-assets, {organisation}", organisation)
    root = (
        _builder(root_name, root_name, root_key.public_key(), start, start + dt.timedelta(days=max(days, ROOT_DAYS)))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        _builder(_name(f"{organisation} ({TEST_MARK.lower()})", organisation), root_name, key.public_key(),
                 start, start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    del root_key  # the test root issues exactly one certificate
    _write(folder, organisation, [leaf], [root], key, test=True)
    return folder


def import_identity(out_dir: str | Path, *, cert: str | Path | None = None, key: str | Path | None = None,
                    chain: str | Path | None = None, root: str | Path | None = None,
                    pkcs12_file: str | Path | None = None, password: str | None = None,
                    organisation: str | None = None, force: bool = False) -> Path:
    """Import a real identity: `cert` + `key` (PEM or DER; `chain` and `root` optional PEM bundles), or
    one `pkcs12_file` (with its `password`). The key is written encrypted with `password` when there is
    one (load it with NETRAL_IDENTITY_PASSWORD), else unencrypted, mode 0600. Returns the folder."""
    if pkcs12_file is not None:
        path = Path(pkcs12_file)
        data = _read_key_file(path)
        try:
            private, leaf, extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
        except ValueError as exc:
            if not password:
                raise NetralError(f"Berkas PKCS#12 {path} dilindungi kata sandi. Berikan kata sandinya "
                                  f"(--password-env NAMA_VARIABEL, atau ketik saat diminta).") from None
            raise NetralError(f"Berkas PKCS#12 {path} tidak dapat dibuka: kata sandi salah atau berkas rusak "
                              f"({exc}). Periksa kata sandi, atau ekspor ulang dari CA Anda.") from None
        if private is None or leaf is None:
            raise NetralError(f"Berkas PKCS#12 {path} tidak berisi kunci privat dan sertifikatnya. "
                              "Ekspor ulang beserta kunci privatnya.")
        others = list(extra or [])
    else:
        if cert is None or key is None:
            raise NetralError("Berikan --cert dan --key (PEM/DER), atau satu berkas --pkcs12.")
        certs = load_certificates(Path(cert))
        leaf, others = certs[0], certs[1:]
        private = load_private_key(Path(key), password)
    if chain is not None:
        others += load_certificates(Path(chain))
    if root is not None:
        others += load_certificates(Path(root))
    roots = [c for c in others if _self_signed(c)]
    intermediates = [c for c in others if not _self_signed(c) and c != leaf]
    if not roots:
        raise NetralError("Rantai sertifikat tidak memuat root (sertifikat CA teratas). "
                          "Berikan root dari CA Anda dengan --root FILE.")
    org = organisation or _name_part(leaf.subject, NameOID.ORGANIZATION_NAME) or _name_part(leaf.subject, NameOID.COMMON_NAME)
    if not org:
        raise NetralError("Sertifikat tidak menyebut organisasi (O). Berikan namanya dengan --organisation.")
    check_signing_certificate(leaf, private, intermediates, roots)
    folder = _prepare(out_dir, force)
    _write(folder, org, [leaf, *intermediates], roots, private, test=TEST_MARK in leaf.subject.rfc4514_string().upper(),
           password=password)
    return folder


# -- loading -----------------------------------------------------------------------------------------

def load_identity(path: str | Path, password: str | None = None) -> Identity:
    """The identity in folder `path`, checked (key permissions, chain, key match, validity).
    An encrypted key's password comes from `password` or the NETRAL_IDENTITY_PASSWORD variable."""
    folder = Path(path)
    if not (folder / CONFIG).is_file():
        raise NetralError(f"{folder} bukan folder identitas ({CONFIG} tidak ada). "
                          "Buat dengan `netral identity init` atau `netral identity import`.")
    try:
        with (folder / CONFIG).open("rb") as f:
            config = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"Berkas {folder / CONFIG} tidak valid (TOML): {exc}. Perbaiki sintaksnya.") from None
    certs = load_certificates(folder / CHAIN)
    roots = load_certificates(folder / ROOT)
    key = load_private_key(folder / KEY, password if password is not None else os.environ.get(PASSWORD_VARIABLE))
    leaf, intermediates = certs[0], certs[1:]
    check_signing_certificate(leaf, key, intermediates, roots)
    return Identity(folder=folder, organisation=str(config.get("organisation") or ""), certificate=leaf,
                    intermediates=intermediates, roots=roots, key=key, test=bool(config.get("test", False)),
                    timestamp_url=config.get("timestamp_url") or None)


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle or one DER file; refuses a missing, empty or corrupt file."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise NetralError(f"Berkas sertifikat {path} tidak ada. Periksa jalurnya.") from None
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise NetralError(f"Sertifikat {path} rusak atau bukan PEM/DER. "
                          "Ekspor ulang sertifikatnya dari CA Anda (PEM).") from None
    if not certs:
        raise NetralError(f"Berkas {path} tidak berisi sertifikat. Ekspor ulang sertifikatnya (PEM).")
    return certs


def load_private_key(path: Path, password: str | None = None):
    """The private key in `path` (PEM or DER), refusing a file others can read."""
    data = _read_key_file(Path(path))
    secret = password.encode() if password else None
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, secret)
        else:
            key = serialization.load_der_private_key(data, secret)
    except TypeError:
        if secret is None:
            raise NetralError(f"Kunci {path} terenkripsi. Isi variabel {PASSWORD_VARIABLE} "
                              "dengan kata sandinya.") from None
        raise NetralError(f"Kunci {path} tidak terenkripsi, tetapi kata sandi diberikan. "
                          f"Kosongkan {PASSWORD_VARIABLE}.") from None
    except ValueError:
        raise NetralError(f"Kunci {path} rusak, bukan kunci privat, atau kata sandinya salah. "
                          "Periksa kata sandi, atau ekspor ulang kuncinya (PEM).") from None
    signing_algorithm(key)
    return key


def check_signing_certificate(leaf: x509.Certificate, key, intermediates: list[x509.Certificate],
                              roots: list[x509.Certificate], now: dt.datetime | None = None) -> None:
    """Refuse a chain validators would refuse: key not the certificate's, expired, self-signed or CA
    signing certificate, missing key usages, or a chain that does not end in one of `roots`."""
    now = now or dt.datetime.now(dt.UTC)
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise NetralError("Kunci privat bukan pasangan sertifikat penandatangan. Pakai kunci yang diterbitkan "
                          "bersama sertifikat itu.")
    if leaf.not_valid_after_utc < now:
        raise NetralError(f"Sertifikat penandatangan kedaluwarsa pada {leaf.not_valid_after_utc:%Y-%m-%d}. "
                          "Perbarui sertifikatnya (identitas uji: jalankan lagi `netral identity init`).")
    if leaf.not_valid_before_utc > now:
        raise NetralError(f"Sertifikat penandatangan baru berlaku pada {leaf.not_valid_before_utc:%Y-%m-%d}. "
                          "Periksa jam komputer, atau tunggu sampai sertifikat berlaku.")
    if _self_signed(leaf):
        raise NetralError("Sertifikat penandatangan ditandatangani sendiri; validator C2PA menolaknya. "
                          "Pakai sertifikat yang diterbitkan oleh root/CA (identitas uji: `netral identity init`).")
    try:
        if leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise NetralError("Sertifikat penandatangan adalah sertifikat CA. Minta sertifikat penandatangan "
                              "(end-entity) dari CA Anda.")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            raise NetralError("Sertifikat penandatangan tidak mengizinkan tanda tangan digital (key usage "
                              "digitalSignature). Minta sertifikat penandatangan dokumen dari CA Anda.")
    except x509.ExtensionNotFound:
        pass
    try:
        ekus = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        ekus = set()
    if not ekus & C2PA_EKUS:
        raise NetralError("Sertifikat penandatangan tidak memuat extended key usage yang diterima C2PA "
                          "(emailProtection atau documentSigning). Minta sertifikat dengan EKU itu dari CA Anda.")
    issuer = leaf
    for _ in range(len(intermediates) + 1):
        parent = next((c for c in roots if c.subject == issuer.issuer), None)
        if parent is not None:
            _check_issued(issuer, parent)
            return
        parent = next((c for c in intermediates if c.subject == issuer.issuer and c != issuer), None)
        if parent is None:
            break
        _check_issued(issuer, parent)
        issuer = parent
    raise NetralError("Rantai sertifikat tidak sampai ke root yang diberikan. Sertakan sertifikat perantara "
                      "(--chain) dan root (--root) dari CA Anda.")


def signing_algorithm(key) -> str:
    """ES256/ES384/ES512 (EC), PS256 (RSA: C2PA allows only RSA-PSS) or Ed25519."""
    if isinstance(key, ec.EllipticCurvePrivateKey):
        curves = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name in curves:
            return curves[key.curve.name]
        raise NetralError(f"Kurva kunci {key.curve.name} tidak didukung C2PA. Pakai P-256, P-384 atau P-521.")
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise NetralError("Kunci RSA kurang dari 2048 bit. Minta kunci minimal 2048 bit.")
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise NetralError("Jenis kunci tidak didukung untuk tanda tangan. Pakai kunci EC (P-256) atau RSA.")


# -- internals ---------------------------------------------------------------------------------------

def _read_key_file(path: Path) -> bytes:
    """A key file's bytes, refused when group or others may read or write it (POSIX)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NetralError(f"Berkas kunci {path} tidak ada. Periksa jalurnya.") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise NetralError(f"Berkas kunci {path} dapat dibaca pengguna lain (izin {stat.S_IMODE(mode):04o}). "
                          f"Batasi dulu: chmod 600 {path}")
    return path.read_bytes()


def _check_issued(child: x509.Certificate, parent: x509.Certificate) -> None:
    try:
        child.verify_directly_issued_by(parent)
    except Exception as exc:  # InvalidSignature, ValueError (wrong issuer), TypeError (unsupported key)
        raise NetralError(f"Sertifikat “{_label(child)}” tidak ditandatangani oleh “{_label(parent)}” "
                          f"({type(exc).__name__}): rusak atau rantainya salah. Ekspor ulang rantai sertifikatnya.") from None


def _label(cert: x509.Certificate) -> str:
    return _name_part(cert.subject, NameOID.COMMON_NAME) or cert.subject.rfc4514_string()


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
        return True
    except Exception:
        return False


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{TEST_MARK}, bukan untuk publikasi"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])


def _name_part(name: x509.Name, oid) -> str:
    parts = name.get_attributes_for_oid(oid)
    return str(parts[0].value) if parts else ""


def _builder(subject, issuer, public_key, start, end) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end))


def _key_usage(sign: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign,
                         encipher_only=False, decipher_only=False)


def _prepare(out_dir: str | Path, force: bool) -> Path:
    folder = Path(out_dir)
    if (folder / KEY).exists() and not force:
        raise NetralError(f"{folder} sudah berisi kunci ({KEY}). Pilih folder lain, atau timpa dengan --force.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write(folder: Path, organisation: str, chain: list, roots: list, key, *, test: bool,
           password: str | None = None) -> None:
    """Write the layout; the key first to a 0600 file created with that mode (never briefly readable)."""
    from ..files import write_atomic

    encryption = (serialization.BestAvailableEncryption(password.encode()) if password
                  else serialization.NoEncryption())
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    tmp = folder / f".{KEY}.part"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    os.replace(tmp, folder / KEY)
    pem = serialization.Encoding.PEM
    write_atomic(folder / CHAIN, b"".join(c.public_bytes(pem) for c in chain))
    write_atomic(folder / ROOT, b"".join(c.public_bytes(pem) for c in roots))
    label = ("# IDENTITAS UJI: hanya untuk mencoba. Sertifikat ini tidak diterbitkan CA mana pun;\n"
             "# publikasi resmi memakai sertifikat dari CA (mis. BSrE): `netral identity import`.\n") if test else ""
    escaped = organisation.replace("\\", "\\\\").replace('"', '\\"')
    write_atomic(folder / CONFIG, (
        f"{label}organisation = \"{escaped}\"\ntest = {'true' if test else 'false'}\n"
        f"created = \"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\"\n"
        "# timestamp_url = \"https://…\"  # optional RFC 3161 timestamp server; signing works offline without\n"
    ).encode())
