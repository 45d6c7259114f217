"""Provenance: finished bytes + an issuing identity -> signed bytes; any file -> who issued it, and whether
it changed since (issue 19); short codes, their registrations and the lookup of a registered original
(`codes`, `lookup`). A stage above `output` (it signs what the writers made) and below `photo`, `assets`,
`kit`, `batch`, `web` and `cli`, which call it; it imports plumbing, `model`, `checks` (the QR decoder) and
`render.context` (the printed authenticity line, one definition).

The public API, one call per written file:

    identity = load_identity(folder)                   # folder made by `netral identity init|import`
    if signable(ext):                                  # .png .jpg .jpeg .webp .pdf
        data = sign_bytes(data, ext, identity, asset_claims(asset, agency, pack.name))
    write_atomic(path, data)
    # manifest.json (and any file that has no room for a signature, e.g. SVG, through it):
    write_atomic(folder / "manifest.json.p7s", sign_detached(manifest_bytes, identity))

    report = verify_file(path, load_trust(["campaign-roots.pem"]))   # -> Report
    report.status   # "valid" | "changed" | "expired" | "untrusted" | "none" | "unreadable"
    report.message()  # one Indonesian line; report.as_dict() for JSON

- `init_identity(organisation, out_dir)` makes a test identity (own root + signing certificate);
  `import_identity(out_dir, cert=, key=, chain=, root=)` or `(out_dir, pkcs12_file=, password=)` a real one.
- `load_identity(folder, password=None)` -> `Identity` (refuses a key others can read, corrupt or
  expired certificates, a key that is not the certificate's; an encrypted key's password comes from
  NETRAL_IDENTITY_PASSWORD).
- `sign_bytes(data, ext, identity, claims) -> bytes`: C2PA for pictures, PAdES for PDFs (see `sign`).
- `sign_detached(data, identity) -> bytes`: a detached CMS signature, written as `<name>.p7s`.
- `asset_claims(asset, agency, campaign) -> dict`: title, kind, design, agency, sources of an Asset.
- `verify_file(path, trust) -> Report`, `verify_bytes(data, name, trust, signature=None) -> Report`,
  `load_trust(paths) -> [certificate]` (PEM bundles, DER files or identity folders).

Short codes (`codes`): what survives WhatsApp and screenshots, where embedded credentials do not.
- `short_code(agency_code, kind, design, edition) -> "K7Q2-9XA"`, printed on every published poster,
  carousel (closing slide), leaflet and link card; `normalize_code(typed_or_qr_text) -> code | None`.
- `perceptual_hash(picture) -> 16 hex digits`, `hash_distance(a, b) -> bits`.
- `Registration` (one published file with its code, hashes and thumbnail), `CodeIndex` (`by_code`,
  `nearest`), `StaticIndex.load(kit_or_batch_folder)` (the kit's `keaslian/index.json`, written by
  `write_index`), `find_originals(index, picture)` (screenshot crops, agencies told apart).
  The store's `StoreIndex` (store/) is the same protocol over the web app's database.

Framed photos of individuals are never signed: a person's photo is not the agency's speech.
"""

from .codes import (
    CodeIndex,
    Registration,
    StaticIndex,
    find_originals,
    hash_distance,
    normalize_code,
    perceptual_hash,
    short_code,
    write_index,
)
from .identity import Identity, import_identity, init_identity, load_identity
from .sign import SIDECAR, asset_claims, sign_bytes, sign_detached, signable
from .verify import STATUSES, Report, load_trust, verify_bytes, verify_file

__all__ = [
    "SIDECAR",
    "STATUSES",
    "CodeIndex",
    "Identity",
    "Registration",
    "Report",
    "StaticIndex",
    "asset_claims",
    "find_originals",
    "hash_distance",
    "import_identity",
    "init_identity",
    "load_identity",
    "load_trust",
    "normalize_code",
    "perceptual_hash",
    "short_code",
    "sign_bytes",
    "sign_detached",
    "signable",
    "verify_bytes",
    "verify_file",
    "write_index",
]
