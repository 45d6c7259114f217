"""Signing: finished bytes + their extension + an identity -> the same file, signed.

- PNG, JPEG, WebP: a C2PA manifest (Content Credentials, c2pa-python) embedded in the file: the
  issuing organisation (schema.org CreativeWork author, and our campaign assertion), the generator and
  its version (claim_generator_info), a `c2pa.created` action with its digitalSourceType
  (digitalCreation: made with software by people, no generative model) and its time, the campaign, and
  the sources of every figure the picture shows. No thumbnail: it would cost ~100 ms and ~27 KB a file
  and shows nothing the picture does not.
- PDF: a PAdES B-B signature (pyHanko) appended as an incremental update: the bytes before it are the
  unsigned file, unchanged, so a leaflet's PDF/UA-1 tag tree and PDF/A-3b identification stay as they
  were; the update sets the XMP modification date and the Producer (Info and XMP alike, as PDF/A asks),
  and keeps the PDF version (1.7: see `_pdf_signer_class`). The signature
  field has no appearance: its widget is zero-sized with the Print flag (PDF/A forbids the Hidden flag
  and wants Print), and in a tagged PDF it is tagged as PDF/UA-1 asks of a widget (7.18.4): a `Form`
  structure element at the end of the Document, holding the widget as an object reference, with
  alternative text, the widget's `/TU` and `/StructParent`, the parent tree entry, and `/Tabs /S` on
  its page. (pyHanko's other ways out, the Hidden flag or a box outside the crop box, each break one of
  the two standards for some validators; a tagged widget satisfies both.)
- manifest.json (and any other file): a detached CMS signature (CAdES, pyHanko), written beside it as
  `<name>.p7s`. The manifest lists every file of the kit with its sha256, so SVGs and other files
  without room for a signature of their own are covered through it.

Keys stay in memory: they are handed to the libraries, never written into outputs or messages.
pyHanko runs its own event loop (`asyncio.run`): call these from a thread, not from inside a running
loop (the web app's sync endpoints run in a thread pool already).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import warnings

from .._version import __version__
from ..errors import NetralError
from .identity import Identity

GENERATOR = "netral-assets"
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
SIDECAR = ".p7s"  # detached CMS signature beside the file it signs: manifest.json -> manifest.json.p7s
CAMPAIGN_LABEL = "org.netral-assets.campaign"  # our C2PA assertion: campaign, issuer, sources
DIGITAL_CREATION = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCreation"
SIGNATURE_FIELD = "Tanda tangan penerbit"
C2PA_SIGN_SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"verify_after_sign": False, "remote_manifest_fetch": False, "ocsp_fetch": False},
}


def import_pyhanko() -> None:
    """Import pyHanko once with its import-time DSA deprecation warning silenced (it imports the DSA key
    class for type checks; the project turns warnings into errors in its tests)."""
    from cryptography.utils import CryptographyDeprecationWarning

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)
        import pyhanko.sign.signers.pdf_cms  # noqa: F401
        import pyhanko.sign.validation  # noqa: F401


def signable(ext: str) -> bool:
    """Whether `sign_bytes` embeds a signature in files with this extension (PNG, JPEG, WebP, PDF)."""
    return ext.lower() in IMAGE_TYPES or ext.lower() == ".pdf"


def sign_bytes(data: bytes, ext: str, identity: Identity, claims: dict | None = None) -> bytes:
    """The file `data` (a `.png`, `.jpg`, `.webp` or `.pdf`) signed by `identity`, with `claims`
    (see `asset_claims`: campaign, title, kind, design, agency, agency_code, sources, when). The issuer
    is always the identity's organisation; `agency` is the agency named on the asset, which a national
    identity may sign for."""
    ext = ext.lower()
    claims = {**(claims or {}), "issuer": identity.organisation}
    if ext in IMAGE_TYPES:
        return _sign_c2pa(data, IMAGE_TYPES[ext], identity, claims)
    if ext == ".pdf":
        return _sign_pdf(data, identity, claims)
    raise NetralError(f"Berkas {ext} tidak ditandatangani langsung: tanda tangannya ada di manifest.json "
                      f"(sign_detached). Tandatangani manifest kit-nya.")


def sign_detached(data: bytes, identity: Identity) -> bytes:
    """A detached CMS (CAdES) signature of `data`, DER: write it to `<name>.p7s` beside the file."""
    import_pyhanko()
    signer = _pyhanko_signer(identity)

    async def sign():
        return await signer.async_sign_general_data(data, "sha256", detached=True, use_cades=True,
                                                    timestamper=_timestamper(identity))

    try:
        return asyncio.run(sign()).dump()
    except NetralError:
        raise
    except Exception as exc:
        raise NetralError(f"Tanda tangan terpisah gagal dibuat ({type(exc).__name__}). "
                          "Periksa identitas: netral identity show DIR.") from None


def asset_claims(asset, agency=None, campaign: str | None = None) -> dict:
    """The claims of a built asset (duck-typed: `name`, `kind`, `design`, `sources`), its agency
    (`name`, `code`) and the campaign's name: what `sign_bytes` records of it."""
    claims = {
        "title": getattr(asset, "name", None),
        "kind": getattr(asset, "kind", None),
        "design": getattr(asset, "design", None),
        "sources": list(getattr(asset, "sources", None) or []),
    }
    if agency is not None:
        claims["agency"] = agency.name
        claims["agency_code"] = getattr(agency, "code", None)
    if campaign:
        claims["campaign"] = campaign
    return {k: v for k, v in claims.items() if v not in (None, "")}


# -- images: C2PA ------------------------------------------------------------------------------------

def c2pa_manifest(claims: dict, mime: str, test: bool = False) -> dict:
    """The C2PA manifest definition `sign_bytes` embeds in a picture."""
    when = claims.get("when") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    agent = {"name": GENERATOR, "version": __version__}
    issuer = claims["issuer"]
    own = {
        "issuer": issuer,
        "agency": claims.get("agency"),
        "campaign": claims.get("campaign"),
        "agency_code": claims.get("agency_code"),
        "kind": claims.get("kind"),
        "design": claims.get("design"),
        "code": claims.get("code"),  # the short code printed on it (codes.py), when it carries one
        "test_identity": test,
        "sources": claims.get("sources") or [],
    }
    work = {"@context": "https://schema.org", "@type": "CreativeWork", "inLanguage": "id",
            "author": [{"@type": "Organization", "name": issuer}]}
    if claims.get("title"):
        work["name"] = claims["title"]
    if claims.get("campaign"):
        work["about"] = claims["campaign"]
    manifest = {
        "claim_generator_info": [agent],
        "format": mime,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": [{
                "action": "c2pa.created", "when": when, "digitalSourceType": DIGITAL_CREATION,
                "softwareAgent": agent}]}},
            {"label": "stds.schema-org.CreativeWork", "data": work, "kind": "Json"},
            {"label": CAMPAIGN_LABEL, "data": {k: v for k, v in own.items() if v is not None}},
        ],
    }
    if claims.get("title"):
        manifest["title"] = claims["title"]
    return manifest


def _sign_c2pa(data: bytes, mime: str, identity: Identity, claims: dict) -> bytes:
    import c2pa

    try:
        info = c2pa.C2paSignerInfo(identity.algorithm.encode(), identity.chain_pem(), identity.key_pem(),
                                   identity.timestamp_url)
        context = c2pa.Context(settings=c2pa.Settings.from_dict(C2PA_SIGN_SETTINGS), signer=c2pa.Signer.from_info(info))
        with context, c2pa.Builder(c2pa_manifest(claims, mime, identity.test), context=context) as builder:
            out = io.BytesIO()
            builder.sign(mime, io.BytesIO(data), out)
            return out.getvalue()
    except c2pa.C2paError as exc:
        raise NetralError(f"Kredensial C2PA tidak dapat dibuat: {_first_line(exc)}. "
                          "Periksa sertifikat identitasnya (netral identity show DIR).") from None


# -- PDF: PAdES --------------------------------------------------------------------------------------

def _sign_pdf(data: bytes, identity: Identity, claims: dict) -> bytes:
    import_pyhanko()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_byterange import BuildProps

    issuer, agency, campaign = claims["issuer"], claims.get("agency"), claims.get("campaign")
    reason = (f"Diterbitkan oleh {issuer}" + (f" untuk {agency}" if agency and agency != issuer else "")
              + (f", kampanye {campaign}" if campaign else "")
              + (f", kode keaslian {claims['code']}" if claims.get("code") else ""))
    description = f"Tanda tangan digital {issuer}: bukti asal dokumen ini"
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        fields.append_signature_field(writer, fields.SigFieldSpec(
            SIGNATURE_FIELD, on_page=0, box=None, readable_field_name=description))
        _tag_widget(writer, description)
        _align_producer(writer)
        meta = signers.PdfSignatureMetadata(
            field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
            name=issuer, reason=reason, app_build_props=BuildProps(name=GENERATOR, revision=__version__))
        out = io.BytesIO()
        _pdf_signer_class()(meta, signer=_pyhanko_signer(identity), timestamper=_timestamper(identity)).sign_pdf(
            writer, output=out, bytes_reserved=_reserve(identity))
        return out.getvalue()
    except PdfError as exc:
        raise NetralError(f"PDF tidak dapat ditandatangani: {_first_line(exc)}. Buat ulang PDF-nya.") from None
    except NetralError:
        raise
    except Exception as exc:  # pyHanko's signing errors have no common base; none may reach users raw
        raise NetralError(f"PDF tidak dapat ditandatangani ({type(exc).__name__}: {_first_line(exc)}). "
                          "Periksa identitasnya (netral identity show DIR) dan PDF-nya.") from None


def _pdf_signer_class():
    """pyHanko's PdfSigner, keeping the file's PDF version for ECDSA keys.

    pyHanko registers the ISO/TS 32002 extension for ECDSA signatures and with it raises the document to
    PDF 2.0; a PDF/UA-1 leaflet must stay PDF 1.7 (PDF/A-3 is also built on 1.7). ECDSA in PAdES on PDF
    1.7 is what ETSI EN 319 142-1 and the ESIC extension (still registered) describe, and what Acrobat
    validates; other key types keep pyHanko's behaviour."""
    from pyhanko.pdf_utils import misc
    from pyhanko.sign import signers
    from pyhanko.sign.general import SigningError

    class KeepVersion(signers.PdfSigner):
        def register_extensions(self, pdf_out, *, md_algorithm: str):
            try:
                algorithm = self.signer.get_signature_mechanism_for_digest(md_algorithm).signature_algo
            except (SigningError, ValueError, misc.PdfError):
                algorithm = None
            if algorithm != "ecdsa" or md_algorithm.startswith(("sha3_", "shake")):
                return super().register_extensions(pdf_out, md_algorithm=md_algorithm)
            from pyhanko.sign.signers import constants

            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return KeepVersion


def _align_producer(writer) -> None:
    """Keep the Info dictionary's Producer equal to the XMP's, as PDF/A asks of metadata in both.

    pyHanko appends itself to Info /Producer ("WeasyPrint …; pyHanko …") but sets the XMP pdf:Producer
    to itself alone; with Info /Producer already naming just pyHanko, both end up the same. Only for
    files with XMP metadata (the leaflet); others keep pyHanko's default."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    if "/Metadata" not in writer.root or "/Info" not in writer.trailer:
        return
    info = writer.trailer["/Info"]
    info[generic.NameObject("/Producer")] = generic.TextStringObject(VENDOR)
    writer.update_container(info)


def _tag_widget(writer, description: str) -> None:
    """In a tagged PDF, make the new signature widget PDF/UA content: a Form element with alternative
    text at the end of the Document, the widget's StructParent and parent tree entry, Tabs /S."""
    from pyhanko.pdf_utils import generic

    root = writer.root
    if "/StructTreeRoot" not in root:
        return
    name = generic.NameObject
    widget_ref = next(ref for ref in root["/AcroForm"].raw_get("/Fields")
                      if ref.get_object().get("/T") == SIGNATURE_FIELD)
    widget = widget_ref.get_object()
    page_ref = widget.raw_get("/P")
    tree = root["/StructTreeRoot"]
    kids = tree.raw_get("/K")
    top = kids.get_object() if isinstance(kids, generic.IndirectObject) else kids
    if isinstance(top, generic.ArrayObject):
        first = top.raw_get(0) if len(top) == 1 else None
        parent_ref = first if isinstance(first, generic.IndirectObject) else None
    else:
        parent_ref = kids if isinstance(kids, generic.IndirectObject) else None
    parent = parent_ref.get_object() if parent_ref is not None else tree
    form = generic.DictionaryObject({
        name("/Type"): name("/StructElem"),
        name("/S"): name("/Form"),
        name("/P"): parent_ref if parent_ref is not None else root.raw_get("/StructTreeRoot"),
        name("/Pg"): page_ref,
        name("/Alt"): generic.TextStringObject(description),
        name("/K"): generic.DictionaryObject({name("/Type"): name("/OBJR"), name("/Obj"): widget_ref,
                                              name("/Pg"): page_ref}),
    })
    form_ref = writer.add_object(form)
    children = parent["/K"] if "/K" in parent else None
    if isinstance(children, generic.ArrayObject):
        children.append(form_ref)
        writer.update_container(children)
    else:
        kept = parent.raw_get("/K") if children is not None else None
        parent[name("/K")] = generic.ArrayObject([kept, form_ref] if kept is not None else [form_ref])
    writer.update_container(parent)
    key = _parent_tree_add(writer, tree, form_ref)
    widget[name("/StructParent")] = generic.NumberObject(key)
    writer.update_container(widget)
    page = page_ref.get_object()
    page[name("/Tabs")] = name("/S")
    writer.update_container(page)


def _parent_tree_add(writer, tree, form_ref) -> int:
    """Add `key -> form_ref` to the structure parent tree (a number tree); returns the key."""
    from pyhanko.pdf_utils import generic

    ptree = tree["/ParentTree"] if "/ParentTree" in tree else None
    if ptree is None:
        ptree = generic.DictionaryObject({generic.NameObject("/Nums"): generic.ArrayObject()})
        tree[generic.NameObject("/ParentTree")] = writer.add_object(ptree)
    key = int(tree.get("/ParentTreeNextKey", 0))
    key = max(key, _max_key(ptree) + 1)
    entry = [generic.NumberObject(key), form_ref]
    if "/Nums" in ptree:
        ptree["/Nums"].extend(entry)
        writer.update_container(ptree["/Nums"])
        writer.update_container(ptree)
    else:
        leaf = generic.DictionaryObject({
            generic.NameObject("/Nums"): generic.ArrayObject(entry),
            generic.NameObject("/Limits"): generic.ArrayObject([generic.NumberObject(key)] * 2),
        })
        ptree["/Kids"].append(writer.add_object(leaf))
        writer.update_container(ptree["/Kids"])
        writer.update_container(ptree)
    tree[generic.NameObject("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.update_container(tree)
    return key


def _max_key(node) -> int:
    """The largest key of a number tree (-1 when empty)."""
    if "/Nums" in node:
        nums = node["/Nums"]
        return max((int(nums[i]) for i in range(0, len(nums), 2)), default=-1)
    kids = node["/Kids"] if "/Kids" in node else []
    return max((_max_key(kid.get_object()) for kid in kids), default=-1)


# -- pyHanko plumbing --------------------------------------------------------------------------------

def _pyhanko_signer(identity: Identity):
    from asn1crypto import keys, x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers.pdf_cms import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def asn1(cert):
        return x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    key = keys.PrivateKeyInfo.load(identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return SimpleSigner(signing_cert=asn1(identity.certificate), signing_key=key,
                        cert_registry=SimpleCertificateStore.from_certs(
                            [asn1(c) for c in [*identity.intermediates, *identity.roots]]))


def _reserve(identity: Identity) -> int:
    """Room for the CMS in /Contents: the embedded certificates, signed attributes and signature with a
    margin, plus a timestamp token when there is a server. Given, it spares pyHanko a dry-run signature
    to measure it (a third of the PDF signing time)."""
    from cryptography.hazmat.primitives import serialization

    certs = sum(len(c.public_bytes(serialization.Encoding.DER))
                for c in [identity.certificate, *identity.intermediates, *identity.roots])
    return 2 * (certs + 4096 + (16384 if identity.timestamp_url else 0))  # hex digits


def _timestamper(identity: Identity):
    if not identity.timestamp_url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(identity.timestamp_url)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
