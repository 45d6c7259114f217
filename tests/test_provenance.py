"""Provenance (issue 19): issuing identities, signing (C2PA, PAdES, detached CMS) and verification, with the
real libraries: c2pa-python's reader and pyHanko's validator judge what the project writes."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from PIL import Image

from netral_assets import NetralError, build_leaflet, build_poster
from netral_assets.cli.provenance import identity as identity_cli
from netral_assets.cli.provenance import verify as verify_cli
from netral_assets.provenance import (
    Identity,
    asset_claims,
    import_identity,
    init_identity,
    load_identity,
    load_trust,
    sign_bytes,
    sign_detached,
    signable,
    verify_bytes,
    verify_file,
)
from netral_assets.provenance.identity import CHAIN, KEY, ROOT, load_certificates, load_private_key
from netral_assets.provenance.sign import CAMPAIGN_LABEL, DIGITAL_CREATION, import_pyhanko

ORG = "Pemerintah Kabupaten Sleman"
IMAGES = [".png", ".jpg", ".webp"]


# -- fixtures ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ident_dir(tmp_path_factory):
    return init_identity(ORG, tmp_path_factory.mktemp("identity") / "sleman")


@pytest.fixture(scope="module")
def ident(ident_dir):
    return load_identity(ident_dir)


@pytest.fixture(scope="module")
def trust(ident_dir):
    return load_trust(ident_dir / ROOT)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory):
    """Another issuer's identity: its root is not in the trust list."""
    return load_identity(init_identity("Pemerintah Kota Palsu", tmp_path_factory.mktemp("identity") / "palsu"))


@pytest.fixture(scope="module")
def assets(pack, sleman):
    """The kit's formats: feed posters as PNG, JPEG and WebP, an A4 poster PDF, and a PDF/A leaflet."""
    built = {ext: build_poster(pack, sleman, "larangan", "feed", ext) for ext in IMAGES}
    built["poster.pdf"] = build_poster(pack, sleman, "larangan", "a4", ".pdf")
    built["leaflet.pdf"] = build_leaflet(pack, sleman, pdfa=True)
    return built


@pytest.fixture(scope="module")
def signed(assets, ident, pack, sleman):
    return {key: sign_bytes(asset.data, Path(asset.name).suffix, ident, asset_claims(asset, sleman, pack.name))
            for key, asset in assets.items()}


def _c2pa_read(data: bytes, mime: str, roots: list) -> dict:
    import c2pa

    settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False},
                "trust": {"trust_anchors": "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in roots)}}
    with c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context, \
            c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
        return json.loads(reader.json())


def _flip(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def _expired_identity(folder: Path, org: str = ORG, seconds_left: float = 0) -> Identity:
    """An identity whose signing certificate ends `seconds_left` from now (or already ended), loaded
    without the checks `load_identity` makes (which refuse it)."""
    now = dt.datetime.now(dt.UTC)
    init_identity(org, folder, days=1, not_before=now - dt.timedelta(days=1) + dt.timedelta(seconds=seconds_left))
    certs = load_certificates(folder / CHAIN)
    return Identity(folder=folder, organisation=org, certificate=certs[0], intermediates=certs[1:],
                    roots=load_certificates(folder / ROOT), key=load_private_key(folder / KEY), test=True)


# -- the identity ------------------------------------------------------------------------------------

def test_test_identity_is_a_root_and_a_signing_certificate_validators_accept(ident_dir, ident):
    assert (ident_dir / KEY).stat().st_mode & 0o777 == 0o600
    leaf, root = ident.certificate, ident.roots[0]
    assert leaf.issuer == root.subject != leaf.subject  # not self-signed: C2PA refuses that
    leaf.verify_directly_issued_by(root)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert "identitas uji" in ident.common_name and ident.test and ident.organisation == ORG
    assert "IDENTITAS UJI" in (ident_dir / "identity.toml").read_text()
    assert "PRIVATE" not in repr(ident) and "key" not in repr(ident).lower().replace("key=", "")


def test_only_pictures_and_pdfs_are_signed_in_place(ident):
    assert all(signable(e) for e in (".png", ".JPG", ".jpeg", ".webp", ".pdf"))
    assert not any(signable(e) for e in (".svg", ".json", ".txt", ".zip"))
    with pytest.raises(NetralError, match="manifest.json"):
        sign_bytes(b"<svg/>", ".svg", ident)


# -- pictures: C2PA ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ext", IMAGES)
def test_pictures_carry_content_credentials_the_c2pa_reader_trusts(ext, assets, signed, trust, pack, sleman):
    mime = {".png": "image/png", ".jpg": "image/jpeg", ".webp": "image/webp"}[ext]
    store = _c2pa_read(signed[ext], mime, trust)
    assert store["validation_state"] == "Trusted", store.get("validation_status")
    manifest = store["manifests"][store["active_manifest"]]
    assert manifest["claim_generator_info"][0]["name"] == "netral-assets"
    assert manifest["signature_info"]["issuer"] == ORG
    assert "thumbnail" not in manifest
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    created = assertions["c2pa.actions.v2"]["actions"][0]
    assert created["action"] == "c2pa.created" and created["digitalSourceType"] == DIGITAL_CREATION
    assert assertions["stds.schema-org.CreativeWork"]["author"][0]["name"] == ORG
    own = assertions[CAMPAIGN_LABEL]
    assert own["campaign"] == pack.name and own["agency_code"] == sleman.code and own["test_identity"] is True
    assert own["sources"] == assets[ext].sources
    # The picture itself is untouched.
    with Image.open(io.BytesIO(signed[ext])) as after, Image.open(io.BytesIO(assets[ext].data)) as before:
        assert after.size == before.size and after.tobytes() == before.tobytes()
    report = verify_bytes(signed[ext], f"poster{ext}", trust)
    assert report.status == "valid" and report.method == "c2pa", report
    assert report.issuer == ORG and report.program.startswith("netral-assets") and report.signed_at
    assert report.message().startswith(f"poster{ext}: ASLI — diterbitkan oleh {ORG} pada ")


def test_a_poster_carries_the_sources_of_its_figures(pack, sleman, ident, trust):
    asset = build_poster(pack, sleman, "statistik", "feed", ".png")
    assert asset.sources, "the statistics poster shows figures"
    store = _c2pa_read(sign_bytes(asset.data, ".png", ident, asset_claims(asset, sleman, pack.name)), "image/png", trust)
    own = next(a["data"] for a in store["manifests"][store["active_manifest"]]["assertions"] if a["label"] == CAMPAIGN_LABEL)
    assert [s["id"] for s in own["sources"]] == [s["id"] for s in asset.sources]
    assert all(s.get("source_title") for s in own["sources"])


@pytest.mark.parametrize("ext", IMAGES)
def test_one_changed_byte_is_reported_changed(ext, signed, trust):
    data = signed[ext]
    report = verify_bytes(_flip(data, len(data) - 40), f"poster{ext}", trust)  # in the picture's last bytes
    assert report.status == "changed", report
    assert report.changes and report.message().startswith(f"poster{ext}: DIUBAH — ")


@pytest.mark.parametrize("ext", IMAGES)
def test_stripped_credentials_are_reported_missing(ext, signed, trust):
    with Image.open(io.BytesIO(signed[ext])) as picture:  # re-encoded, as a chat app does
        out = io.BytesIO()
        picture.convert("RGB").resize((800, 800)).save(out, {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}[ext])
    report = verify_bytes(out.getvalue(), f"wa{ext}", trust)
    assert report.status == "none" and "TANPA KREDENSIAL" in report.message()


def test_unknown_signer_is_untrusted(assets, stranger, trust):
    forged = sign_bytes(assets[".png"].data, ".png", stranger, {"campaign": "ASN PILIH NETRAL"})
    report = verify_bytes(forged, "palsu.png", trust)
    assert report.status == "untrusted" and report.issuer == "Pemerintah Kota Palsu", report
    assert "TIDAK TEPERCAYA" in report.message()
    assert verify_bytes(forged, "palsu.png", []).status == "untrusted"  # no trust list: nobody is trusted


def test_expired_certificate_is_reported_expired_for_pictures(assets, trust, tmp_path):
    # C2PA refuses to sign with an expired certificate, so sign just before it ends and check after.
    # On a loaded machine signing may take longer than the certificate has left: try longer windows
    # (the test never depends on how fast the machine is, only on waiting until the end of validity).
    for attempt, seconds in enumerate((3, 10, 30)):
        try:
            short = _expired_identity(tmp_path / f"short{attempt}", seconds_left=seconds)
            data = sign_bytes(assets[".png"].data, ".png", short)
        except NetralError:
            continue
        if dt.datetime.now(dt.UTC) < short.not_after:
            break
    trust = trust + short.roots
    time.sleep(max(0.0, (short.not_after - dt.datetime.now(dt.UTC)).total_seconds()) + 1.1)
    report = verify_bytes(data, "a.png", trust)
    assert report.status == "expired" and "KEDALUWARSA" in report.message(), report


# -- PDFs: PAdES -------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["poster.pdf", "leaflet.pdf"])
def test_pdf_signatures_are_incremental_and_pyhanko_accepts_them(key, assets, signed, trust):
    import_pyhanko()
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    data = signed[key]
    assert data.startswith(assets[key].data)  # an incremental update: the unsigned file, then the signature
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust]
    (embedded,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots))
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    report = verify_bytes(data, key, trust)
    assert report.status == "valid" and report.method == "pades" and report.issuer == ORG, report
    assert report.program.startswith("netral-assets")


@pytest.mark.parametrize("key", ["poster.pdf", "leaflet.pdf"])
def test_pdf_changes_missing_and_untrusted(key, assets, signed, trust, stranger):
    data = signed[key]
    assert verify_bytes(_flip(data, len(assets[key].data) // 2), key, trust).status == "changed"
    assert verify_bytes(assets[key].data, key, trust).status == "none"
    forged = sign_bytes(assets[key].data, ".pdf", stranger)
    assert verify_bytes(forged, key, trust).status == "untrusted"
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo["/Title"] = "Poster palsu"
        out = io.BytesIO()
        pdf.save(out)  # rewritten whole: the signature no longer covers the file
    assert verify_bytes(out.getvalue(), key, trust).status == "changed"


def test_revisions_appended_after_signing_are_changes(signed, trust):
    """An incremental update after the signature leaves the signed bytes intact; it is still a change,
    whether it draws on a page or only retitles the document."""
    import_pyhanko()
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    def appended(edit) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(signed["poster.pdf"]))
        edit(writer)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    def draw(writer):
        page = writer.root["/Pages"]["/Kids"][0]
        ref = writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 0 0 100 100 re f"))
        contents = page.raw_get("/Contents")
        page[generic.NameObject("/Contents")] = generic.ArrayObject(
            [*contents, ref] if isinstance(contents, generic.ArrayObject) else [contents, ref])
        writer.update_container(page)

    def retitle(writer):
        info = writer.trailer["/Info"]
        info[generic.NameObject("/Title")] = generic.TextStringObject("Poster palsu")
        writer.update_container(info)

    drawn = verify_bytes(appended(draw), "poster.pdf", trust)
    assert drawn.status == "changed" and drawn.changes == ["isi PDF ditambah atau diubah setelah ditandatangani"]
    retitled = verify_bytes(appended(retitle), "poster.pdf", trust)
    assert retitled.status == "changed" and "metadata" in retitled.changes[0], retitled


def test_expired_certificate_is_reported_expired_for_pdfs_and_manifests(assets, trust, tmp_path):
    old = _expired_identity(tmp_path / "old", seconds_left=-3600)
    with pytest.raises(NetralError, match="kedaluwarsa"):
        load_identity(tmp_path / "old")
    trust = trust + old.roots
    pdf = sign_bytes(assets["poster.pdf"].data, ".pdf", old)
    assert verify_bytes(pdf, "poster.pdf", trust).status == "expired"
    manifest = b'{"files": []}'
    report = verify_bytes(manifest, "manifest.json", trust, signature=sign_detached(manifest, old))
    assert report.status == "expired" and "KEDALUWARSA" in report.message()


def test_the_leaflet_stays_tagged_pdf_ua_and_pdf_a_after_signing(assets, signed, tmp_path):
    before, after = assets["leaflet.pdf"].data, signed["leaflet.pdf"]
    with pikepdf.open(io.BytesIO(before)) as pdf:
        sections_before = [str(k.S) for k in pdf.Root.StructTreeRoot.K[0].K]
    with pikepdf.open(io.BytesIO(after)) as pdf:
        root = pdf.Root
        assert root.MarkInfo.Marked and str(root.Lang) == "id"
        tree = root.StructTreeRoot
        document = tree.K[0]
        assert str(document.S) == "/Document"
        kids = [str(k.S) for k in document.K]
        assert kids == sections_before + ["/Form"]  # the reading order is kept; the signature comes last
        form = document.K[-1]
        widget = form.K.Obj
        assert str(form.K.Type) == "/OBJR" and str(widget.Subtype) == "/Widget" and str(widget.FT) == "/Sig"
        assert str(form.Alt).startswith("Tanda tangan digital") and str(widget.TU) == str(form.Alt)
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        assert parents[int(widget.StructParent)].objgen == form.objgen
        assert int(tree.ParentTreeNextKey) == int(widget.StructParent) + 1
        assert str(widget.P.Tabs) == "/S"
        assert list(widget.Rect) == [0, 0, 0, 0]  # no appearance on the page
        assert int(widget.F) & 4 and not int(widget.F) & 2  # Print set (PDF/A), Hidden not (PDF/A forbids it)
        xmp = root.Metadata.read_bytes().decode()
        assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp and 'pdfuaid:part="1"' in xmp
        producer = re.search(r'pdf:Producer="([^"]*)"', xmp).group(1)
        assert str(pdf.docinfo["/Producer"]) == producer  # Info and XMP agree (PDF/A)
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(after)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info and "PDF version:     1.7" in info  # PDF/UA-1 is PDF 1.7


# -- manifest.json and what it covers ----------------------------------------------------------------

def _kit_folder(folder: Path, ident: Identity, signed: dict) -> Path:
    folder.mkdir()
    files = {"logo.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>', "poster.png": signed[".png"]}
    import hashlib

    for name, data in files.items():
        (folder / name).write_bytes(data)
    manifest = json.dumps({"generator": "netral-assets 0.1.0", "files": [
        {"path": n, "sha256": hashlib.sha256(d).hexdigest()} for n, d in files.items()]}, indent=2).encode()
    (folder / "manifest.json").write_bytes(manifest)
    (folder / "manifest.json.p7s").write_bytes(sign_detached(manifest, ident))
    return folder


def test_the_signed_manifest_covers_svgs_and_the_kit(ident, signed, trust, tmp_path):
    folder = _kit_folder(tmp_path / "kit", ident, signed)
    report = verify_file(folder / "manifest.json", trust)
    assert report.status == "valid" and report.method == "cms" and report.program == "netral-assets 0.1.0", report
    svg = verify_file(folder / "logo.svg", trust)
    assert svg.status == "valid" and svg.method == "manifest" and svg.issuer == ORG, svg
    assert "lewat manifest.json" in svg.message()
    assert verify_file(folder / "poster.png", trust).method == "c2pa"
    (folder / "logo.svg").write_bytes(b'<svg xmlns="http://www.w3.org/2000/svg"><text>palsu</text></svg>')
    assert verify_file(folder / "logo.svg", trust).status == "changed"
    kit = verify_file(folder / "manifest.json", trust)
    assert kit.status == "changed" and any("logo.svg" in c for c in kit.changes), kit
    (folder / "manifest.json").write_bytes((folder / "manifest.json").read_bytes().replace(b"netral", b"Netral"))
    assert verify_file(folder / "manifest.json", trust).status == "changed"
    (folder / "manifest.json.p7s").unlink()
    assert verify_file(folder / "manifest.json", trust).status == "none"


# -- refusals ----------------------------------------------------------------------------------------

def test_a_key_file_others_can_read_is_refused_with_the_fix(ident_dir, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("identity.toml", CHAIN, ROOT, KEY):
        (copy / name).write_bytes((ident_dir / name).read_bytes())
    os.chmod(copy / KEY, 0o644)
    with pytest.raises(NetralError, match=r"dapat dibaca pengguna lain \(izin 0644\).*chmod 600"):
        load_identity(copy)
    os.chmod(copy / KEY, 0o600)
    assert load_identity(copy).organisation == ORG


def test_a_corrupt_certificate_is_refused(ident_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in ("identity.toml", ROOT, KEY):
        (bad / name).write_bytes((ident_dir / name).read_bytes())
    os.chmod(bad / KEY, 0o600)
    pem = (ident_dir / CHAIN).read_text()
    (bad / CHAIN).write_text(pem[:200] + pem[300:])  # a piece cut out: no longer DER
    with pytest.raises(NetralError, match="rusak atau bukan PEM/DER"):
        load_identity(bad)
    at = pem.index("-----END") - 12  # inside the issuer's signature value
    (bad / CHAIN).write_text(pem[:at] + ("B" if pem[at] == "A" else "A") + pem[at + 1:])
    with pytest.raises(NetralError, match="tidak ditandatangani oleh"):
        load_identity(bad)


def test_pkcs12_import_needs_its_password_and_keeps_the_key_encrypted(ident, tmp_path, monkeypatch):
    p12 = tmp_path / "sleman.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"sleman", ident.key, ident.certificate, ident.roots, serialization.BestAvailableEncryption(b"rahasia-123")))
    os.chmod(p12, 0o600)
    with pytest.raises(NetralError, match="dilindungi kata sandi"):
        import_identity(tmp_path / "imported", pkcs12_file=p12)
    with pytest.raises(NetralError, match="kata sandi salah"):
        import_identity(tmp_path / "imported", pkcs12_file=p12, password="salah")
    folder = import_identity(tmp_path / "imported", pkcs12_file=p12, password="rahasia-123")
    assert b"ENCRYPTED PRIVATE KEY" in (folder / KEY).read_bytes()
    monkeypatch.delenv("NETRAL_IDENTITY_PASSWORD", raising=False)
    with pytest.raises(NetralError, match="terenkripsi.*NETRAL_IDENTITY_PASSWORD"):
        load_identity(folder)
    monkeypatch.setenv("NETRAL_IDENTITY_PASSWORD", "rahasia-123")
    loaded = load_identity(folder)
    assert loaded.organisation == ORG and loaded.certificate == ident.certificate


def test_pem_import_and_its_checks(ident, ident_dir, stranger, tmp_path):
    key = tmp_path / "key.pem"
    key.write_bytes(ident.key_pem())
    os.chmod(key, 0o600)
    folder = import_identity(tmp_path / "pem", cert=ident_dir / CHAIN, key=key, root=ident_dir / ROOT)
    assert load_identity(folder).fingerprint() == ident.fingerprint()
    with pytest.raises(NetralError, match="root"):
        import_identity(tmp_path / "noroot", cert=ident_dir / CHAIN, key=key)
    other = tmp_path / "other.pem"
    other.write_bytes(stranger.key_pem())
    os.chmod(other, 0o600)
    with pytest.raises(NetralError, match="bukan pasangan"):
        import_identity(tmp_path / "mismatch", cert=ident_dir / CHAIN, key=other, root=ident_dir / ROOT)


def test_keys_never_reach_the_outputs(ident, signed, tmp_path):
    der = ident.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    scalar = ident.key.private_numbers().private_value.to_bytes(32, "big")
    for data in [*signed.values(), sign_detached(b"{}", ident)]:
        assert scalar not in data and der not in data and b"PRIVATE KEY" not in data


# -- the commands ------------------------------------------------------------------------------------

def test_cli_init_and_verify(signed, stranger, tmp_path):
    runner = CliRunner()
    out = tmp_path / "id"
    result = runner.invoke(identity_cli, ["init", "--agency", "34.04", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Identitas uji Pemerintah Kabupaten Sleman" in result.output and "PRIVATE" not in result.output
    again = runner.invoke(identity_cli, ["init", "--agency", "34.04", "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output and "Traceback" not in again.output
    shown = runner.invoke(identity_cli, ["show", str(out)])
    assert shown.exit_code == 0 and "identitas UJI" in shown.output

    new = load_identity(out)
    good, forged = tmp_path / "asli.png", tmp_path / "palsu.png"
    good.write_bytes(sign_bytes(_unsigned_png(), ".png", new))
    forged.write_bytes(sign_bytes(_unsigned_png(), ".png", stranger))
    ok = runner.invoke(verify_cli, [str(good), "--trust", str(out)])
    assert ok.exit_code == 0 and ok.output.startswith("asli.png: ASLI — ") and len(ok.output.splitlines()) == 1
    bad = runner.invoke(verify_cli, [str(good), str(forged), "--trust", str(out / ROOT), "--json"])
    assert bad.exit_code == 1
    lines = [json.loads(line) for line in bad.output.splitlines()]
    assert [r["status"] for r in lines] == ["valid", "untrusted"] and lines[0]["ok"] and not lines[1]["ok"]
    missing = runner.invoke(verify_cli, [str(tmp_path / "tidak-ada.png")])
    assert missing.exit_code == 1 and "TIDAK TERBACA" in missing.output and "Traceback" not in missing.output
    corrupt = tmp_path / "rusak.pem"
    corrupt.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    refused = runner.invoke(verify_cli, [str(good), "--trust", str(corrupt)])
    assert refused.exit_code == 1 and "rusak" in refused.output and "Traceback" not in refused.output


def _unsigned_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (18, 40, 76)).save(out, "PNG")
    return out.getvalue()


def test_the_campaigns_trust_list_is_read_from_brand_trust(ident_dir, stranger, assets, tmp_path):
    from netral_assets.model.pack import load_pack
    from netral_assets.provenance.verify import UNTRUSTED_WHY, campaign_roots, trust_folders
    from netral_assets.resources import bundled_dir

    bundled = bundled_dir("brand") / "trust"
    assert (bundled / "README.md").is_file() and bundled in trust_folders()
    assert "BSrE" in (bundled / "README.md").read_text("utf-8")
    # a pack adds its own roots in <brand>/trust/; the bundled list stays
    user = tmp_path / "paket"
    (user / "trust").mkdir(parents=True)
    (user / "trust" / "provinsi-root.pem").write_bytes((ident_dir / ROOT).read_bytes())
    (user / "trust" / "BACA.txt").write_text("bukan sertifikat", "utf-8")
    pack = load_pack(user)
    assert trust_folders(pack)[0] == user / "trust" and bundled in trust_folders(pack)
    roots = load_trust([], pack=pack)
    assert [c.subject for c in roots] == [c.subject for c in load_certificates(ident_dir / ROOT)]
    assert load_trust([], pack=pack, bundled=False) == []
    assert len(load_trust([ident_dir], pack=pack)) == 1  # the same root twice counts once
    assert campaign_roots(pack) == roots
    # a signature by a root the pack trusts is valid without --trust; any other signer untrusted, and why
    signed_here = sign_bytes(assets[".png"].data, ".png", load_identity(ident_dir), asset_claims(assets[".png"]))
    assert verify_bytes(signed_here, "poster.png", roots).status == "valid"
    forged = sign_bytes(assets[".png"].data, ".png", stranger, asset_claims(assets[".png"]))
    report = verify_bytes(forged, "palsu.png", roots)
    assert report.status == "untrusted" and UNTRUSTED_WHY in report.message()
    assert "contentcredentials.org" in UNTRUSTED_WHY and "brand/trust/" in UNTRUSTED_WHY
    # a damaged PEM in the trust folder is refused in Indonesian, naming the file
    (user / "trust" / "rusak.pem").write_text("-----BEGIN CERTIFICATE-----\nrusak\n-----END CERTIFICATE-----\n")
    with pytest.raises(NetralError, match="rusak.pem"):
        load_trust([], pack=pack)


def test_the_short_code_in_the_signed_claims_is_reported(assets, ident, trust, pack, sleman):
    claims = {**asset_claims(assets[".png"], sleman, pack.name), "code": "K7Q2-9XA"}
    assert verify_bytes(sign_bytes(assets[".png"].data, ".png", ident, claims), "p.png", trust).code == "K7Q2-9XA"
    pdf = sign_bytes(assets["poster.pdf"].data, ".pdf", ident, {**claims, "issuer": ORG})
    report = verify_bytes(pdf, "poster.pdf", trust)
    assert report.status == "valid" and report.code == "K7Q2-9XA"
    assert verify_bytes(assets[".png"].data, "p.png", trust).code is None
