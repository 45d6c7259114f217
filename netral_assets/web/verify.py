"""The public check (issue 19): `/cek` (a page: upload a file or a screenshot, or type the code printed on
a poster), `/cek/<code>` (the registered original), its thumbnails, and `POST /api/v1/verify` (JSON).

An upload is handled like a photo (`uploads.py`, `photo.decode`'s guards, the framing pool's memory
budget and a per-client rate limit), in memory and never stored; then `provenance.lookup.look_up`
answers: valid embedded credentials, else the code (typed, or read from a QR code in the picture), else
the nearest registered originals by perceptual hash, always with the registered original to compare.

Decoding lives here, not in `provenance`: `photo` (the guards) sits above `provenance` in the stages,
and the web already holds the memory budget and the thread pool the decode must run in. Checking runs
on that pool too: pyHanko calls `asyncio.run` inside, which must never happen on the event loop.

The page works without JavaScript (a plain form POST answered with the whole page); `cek.js` adds a
preview, drag and drop, pasting a screenshot, and asks for the result fragment only.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import NetralError
from ..files import sniff
from ..model.formatting import format_date_id
from ..photo.decode import BROKEN_FILE, decode_cost, flatten, open_photo, orientation, why_broken
from ..provenance.codes import CHECK_PATH, normalize_code
from ..provenance.lookup import BY_CODE, BY_CREDENTIALS, BY_HASH, BY_QR, Lookup, look_up
from .api import FORM_OVERHEAD, _busy, cached_image_response, multipart_body, throttle
from .frames import CachedImage
from .kits import FORMAT_TITLES, PART_TITLES
from .limits import TooLarge
from .pages import _page
from .state import Busy, WebState
from .uploads import Form, parse_form, read_body

router = APIRouter()

# The picture the checks look at: QR codes on a poster stay readable at this size, and decoding a
# 50 MP photo stops at a JPEG draft near it.
PICTURE_BOX = 1600
PREVIEW_BOX = (480, 960)  # the uploaded picture shown beside the original, as a data: URI (never stored)
PREVIEW_QUALITY = 78
THUMB_CACHE_CONTROL = "public, max-age=86400"
CODE_EXAMPLE = "K7Q2-9XA"
# The verdict's look on the page: a class for the colour and an icon name.
TONES = {"valid": "good", "registered": "info", "changed": "bad", "expired": "warn", "untrusted": "warn",
         "none": "neutral", "unknown": "warn", "unreadable": "neutral"}
KIND_TITLES = {**PART_TITLES, "poster": "Poster", "twibbon": "Bingkai twibbon", "carousel": "Carousel",
               "leaflet": "Leaflet", "logo": "Logo", "card": "Kartu tautan", "stiker": "Stiker"}
VIA_TITLES = {BY_CODE: "kode yang Anda ketik", BY_CREDENTIALS: "tanda tangan digital berkas", BY_QR: "kode QR di gambar",
              BY_HASH: "kemiripan gambar"}

VERIFY_BODY = multipart_body({
    "file": {"type": "string", "format": "binary",
             "description": "Gambar (JPEG, PNG, WebP, HEIC …), tangkapan layar, atau PDF; "
                            "batasnya sama dengan foto. Diproses di memori, tidak disimpan."},
    "code": {"type": "string", "description": "Kode keaslian yang tercetak, mis. K7Q2-9XA, "
                                              "atau alamat …/cek/K7Q2-9XA."},
})


def _state(request: Request) -> WebState:
    return request.app.state.netral


# -- decoding an upload -------------------------------------------------------------------------------


def _picture(data: bytes, name: str, limits, reserve):
    """The upload -> (the picture to look at or None, a small JPEG of it for the page or None).
    Pictures pass `photo.decode`'s guards (bytes, pixels, memory reserved from the framing budget);
    a PDF's first page is rasterized. NetralError: not a picture, or refused by the guards."""
    from PIL import Image

    kind = sniff(data)
    if kind == ".pdf":
        from ..output.thumbnails import first_page

        with reserve(PICTURE_BOX * PICTURE_BOX * 2 * 4):
            try:
                picture = first_page(data, (PICTURE_BOX, PICTURE_BOX * 2)).convert("RGB")
            except Exception:  # noqa: BLE001 - a damaged or hostile PDF has no picture, its signature still counts
                return None, None
    else:
        image = open_photo(data, name, limits)
        with reserve(decode_cost(image, limits)):
            try:
                if image.format in ("JPEG", "MPO"):
                    image.draft("RGB", (PICTURE_BOX, PICTURE_BOX))
                image.load()
            except BROKEN_FILE as exc:
                raise NetralError(f"{name}: berkas gambar rusak ({why_broken(exc)}).") from None
            picture = flatten(image).convert("RGB")
            if orientation(image) != 1:  # a phone's photo of a printed poster, held sideways
                from PIL import ImageOps

                picture.info["exif"] = image.info.get("exif", b"")
                picture = ImageOps.exif_transpose(picture)
            if max(picture.size) > PICTURE_BOX:
                picture.thumbnail((PICTURE_BOX, PICTURE_BOX), Image.Resampling.LANCZOS)
            image.close()
    preview = picture.copy()
    preview.thumbnail(PREVIEW_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    preview.save(out, "JPEG", quality=PREVIEW_QUALITY)
    return picture, out.getvalue()


async def _look_up(request: Request, upload, typed: str | None) -> tuple[Lookup, bytes | None]:
    """Run the check for an upload and/or a typed code on the framing pool; HTTPException when refused."""
    state = _state(request)
    limits = state.limits
    index = state.codes

    if upload is None:
        return await asyncio.to_thread(look_up, None, "kode", index=index, trust=state.trust_roots,
                                       typed_code=typed), None

    def reserve(cost: int):
        from ..defaults import FRAMING_OVERHEAD_BYTES, FRAMING_WAIT_SECONDS

        return state.budget.reserve(cost + FRAMING_OVERHEAD_BYTES + len(upload.data), timeout=FRAMING_WAIT_SECONDS)

    label = (upload.filename or "berkas")[-80:]

    def work():
        if len(upload.data) > limits.max_bytes:
            open_photo(upload.data, label, limits)  # the photo limit's own message
        kind = sniff(upload.data)
        try:
            picture, preview = _picture(upload.data, label, limits, reserve)
        except NetralError:
            if kind is None:
                raise NetralError(f"{label}: bukan gambar atau PDF. Unggah gambar (JPEG, PNG, WebP, HEIC), tangkapan "
                                  "layar, atau PDF materi kampanye.") from None
            if kind != ".pdf":
                raise
            picture, preview = None, None
        found = look_up(upload.data, label, index=index, trust=state.trust_roots, typed_code=typed, picture=picture)
        return found, preview

    try:
        with state.framing_slot():
            return await asyncio.wrap_future(state.framer.submit(work))
    except (Busy, TooLarge):
        raise _busy("memeriksa berkas lain") from None
    except NetralError as exc:
        raise HTTPException(413 if len(upload.data) > limits.max_bytes else 422, str(exc)) from None


async def _read_check(request: Request) -> tuple[object, str | None, Form]:
    state = _state(request)
    throttle(request, "verify")
    body = await read_body(request, state.limits.max_bytes + FORM_OVERHEAD, shown_limit=state.limits.max_bytes)
    form = parse_form(body, request.headers.get("content-type"))
    del body
    upload = form.files.get("file")
    if upload is not None and not upload.data:
        upload = None
    typed = (form.get("code") or "").strip() or None
    if upload is None and typed is None:
        raise HTTPException(422, "Pilih berkas atau tangkapan layar, atau ketik kode keaslian yang tercetak di materi "
                                 f"(mis. {CODE_EXAMPLE}).")
    return upload, typed, form


def _refuse_unknown(found: Lookup, upload, typed: str | None) -> None:
    """A code alone that is not one (422) or that nobody registered (404)."""
    if upload is not None or found.status != "unknown":
        return
    if found.code is None:
        raise HTTPException(422, f"“{typed[:40]}” bukan kode keaslian; bentuknya 7 huruf dan angka seperti "
                                 f"{CODE_EXAMPLE}. Periksa lagi, atau unggah gambarnya.")
    raise HTTPException(404, f"Kode {found.code} tidak terdaftar. Periksa lagi hurufnya (bentuknya seperti "
                             f"{CODE_EXAMPLE}), atau unggah gambarnya. Materi yang kodenya tidak terdaftar jangan "
                             "dianggap resmi.")


# -- what the page and the API show -------------------------------------------------------------------


def _when(iso: str | None) -> str | None:
    """ISO 8601 -> '6 Desember 2026, 05.12 UTC'."""
    if not iso:
        return None
    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return iso
    return f"{format_date_id(moment.date())}, {moment:%H.%M} UTC"


def _thumb_url(registration) -> str:
    return f"{CHECK_PATH}{registration.code}/{registration.format}.jpg"


def _likeness(distance: int | None) -> str:
    """A hash distance in words: how alike the two pictures are."""
    if distance is None:
        return ""
    if distance > 10:
        return "berbeda"
    if distance <= 2:
        return "praktis sama"
    return "sangat mirip" if distance <= 6 else "mirip"


def registration_view(registration, distance: int | None = None, via: str | None = None, titles=None) -> dict:
    """One registered original, for the templates and the API; `titles`: (kind, design) -> the design's title."""
    r = registration
    return {
        "code": r.code, "agency": r.agency, "agency_code": r.agency_code, "kind": r.kind,
        "kind_title": KIND_TITLES.get(r.kind, r.kind.capitalize()), "design": r.design,
        "design_title": (titles or {}).get((r.kind, r.design)) or r.design, "format": r.format,
        "format_title": FORMAT_TITLES.get(r.format, r.format), "file": r.file, "issued": r.issued,
        "issued_text": _when(r.issued), "issuer": r.issuer, "signed": r.signed, "sources": list(r.sources),
        "thumbnail": _thumb_url(r) if r.thumbnail else None, "url": f"{CHECK_PATH}{r.code}",
        "distance": distance, "likeness": _likeness(distance), "via": via, "via_title": VIA_TITLES.get(via or "", ""),
    }


def design_titles(pack) -> dict:
    """(kind, design) -> the design's title, for people (registrations name designs by folder)."""
    from ..model.designs import list_designs

    titles = {}
    for design in list_designs(pack):
        titles[(design.kind, design.name)] = design.title
        if design.kind == "poster":
            titles[("carousel", design.name)] = design.title
    return titles


def lookup_json(found: Lookup, titles=None) -> dict:
    """The API's answer (POST /api/v1/verify)."""
    r = found.report
    return {
        "status": found.status,
        "label": found.label,
        "issuer": r.issuer if r else None,
        "signer": r.signer if r else None,
        "agency": r.agency if r else None,
        "signed_at": r.signed_at if r else None,
        "program": r.program if r else None,
        "method": r.method if r else None,
        "changes": list(r.changes) if r else [],
        "trusted": found.trusted,
        "test_identity": bool(r and r.test_identity),
        "code": found.code,
        "code_via": found.code_via,
        "matches": [registration_view(m.registration, m.distance, m.via, titles) for m in found.matches],
        "meaning": found.meaning(),
        "advice": found.advice(),
        "note": found.note(),
        "notes": list(found.notes),
        "same_file": found.same_file,
        "code_mismatch": found.code_mismatch,
    }


def result_view(found: Lookup, preview: bytes | None, filename: str | None, titles=None) -> dict:
    """The verdict for the templates: the JSON's facts, plus the tone and the pictures side by side."""
    view = lookup_json(found, titles)
    r = found.report
    facts = []
    if r is not None and r.issuer:
        facts.append(("Penerbit", r.issuer + (f" untuk {r.agency}" if r.agency and r.agency != r.issuer else "")))
    if r is not None and r.signed_at:
        facts.append(("Ditandatangani", _when(r.signed_at)))
    if r is not None and r.program:
        facts.append(("Program", r.program))
    if found.code:
        facts.append(("Kode keaslian", f"{found.code} (dari {VIA_TITLES[found.code_via]})"))
    view.update(
        tone="bad" if found.code_mismatch and found.status != "valid" else TONES.get(found.status, "neutral"),
        show_test=view["test_identity"] and found.status in ("valid", "untrusted"),
        facts=facts,
        filename=(filename or "")[-60:] or None,
        preview=("data:image/jpeg;base64," + base64.b64encode(preview).decode("ascii")) if preview else None,
        best={**view["matches"][0], **({"likeness": "berkas yang sama persis"} if found.same_file else {})}
        if view["matches"] else None,
        others=view["matches"][1:],
    )
    return view


# -- routes --------------------------------------------------------------------------------------------


def _cek_page(request: Request, status_code: int = 200, **context) -> HTMLResponse:
    return _page(request, "cek.html", status_code, title="Cek keaslian materi", example=CODE_EXAMPLE,
                 limit_text=_limit_text(request), limit_bytes=_state(request).limits.max_bytes, **context)


def _limit_text(request: Request) -> str:
    from ..model.formatting import format_megabytes

    return format_megabytes(_state(request).limits.max_bytes)


@router.get("/cek", response_class=HTMLResponse, include_in_schema=False)
def cek_page(request: Request):
    return _cek_page(request)


@router.post("/cek", response_class=HTMLResponse, include_in_schema=False)
async def cek_post(request: Request):
    """The form, answered with the page and its verdict; with `X-Cek-Fragment: 1` (cek.js) only the verdict.
    Refusals are the page with the reason, in the same status the API uses."""
    fragment = request.headers.get("x-cek-fragment") == "1"
    typed = None
    try:
        upload, typed, _ = await _read_check(request)
        found, preview = await _look_up(request, upload, typed)
        if upload is None and found.status == "unknown" and found.code is not None:
            # a well-formed code nobody registered: a verdict of its own, not an error
            view = result_view(found, None, None)
            if fragment:
                return _page(request, "cek_result.html", 404, result=view)
            return _cek_page(request, 404, result=view, code_value=typed[:40])
        _refuse_unknown(found, upload, typed)
    except HTTPException as exc:
        context = {"error": exc.detail, "code_value": (typed or "")[:40]}
        if fragment:
            return _page(request, "cek_result.html", exc.status_code, **context)
        return _cek_page(request, exc.status_code, **context)
    view = result_view(found, preview, upload.filename if upload else None, design_titles(_state(request).pack))
    if fragment:
        return _page(request, "cek_result.html", result=view)
    return _cek_page(request, result=view, code_value=(typed or "")[:40])


@router.post("/api/v1/verify", tags=["keaslian"], summary="Periksa keaslian sebuah berkas atau kode",
             openapi_extra=VERIFY_BODY,
             responses={404: {"description": "Kode tidak terdaftar"}, 413: {"description": "Berkas terlalu besar"},
                        422: {"description": "Bukan gambar atau PDF, atau isian kosong"}})
async def post_verify(request: Request):
    """Berkas dan/atau kode → putusan: `status` (valid, changed, expired, untrusted, none, registered),
    penerbit, waktu tanda tangan, program, perubahan, `trusted`, dan `matches`: materi asli terdaftar
    (dari kode yang diketik, kode QR di gambar, atau kemiripan gambar) untuk dibandingkan berdampingan.
    Kemiripan gambar menemukan desainnya, tetapi tidak membuktikan bahwa tidak ada angka yang diubah."""
    upload, typed, _ = await _read_check(request)
    found, _ = await _look_up(request, upload, typed)
    _refuse_unknown(found, upload, typed)
    body = _json(lookup_json(found, design_titles(_state(request).pack)))
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def _json(data: dict) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@router.get("/cek/{code}", response_class=HTMLResponse, include_in_schema=False)
def cek_code(request: Request, code: str):
    normal = normalize_code(code)
    if normal is not None and normal != code:
        return RedirectResponse(f"{CHECK_PATH}{normal}", status_code=308,
                                headers={"Cache-Control": "public, max-age=86400"})
    found = _state(request).codes.by_code(normal) if normal else []
    if not found:
        shown = code[:40]
        return _page(request, "cek_code.html", 404, title="Kode tidak terdaftar", code=shown, registrations=[],
                     example=CODE_EXAMPLE,
                     message=(f"Tidak ada materi terdaftar dengan kode “{shown}”." if normal else
                              f"“{shown}” bukan kode keaslian; bentuknya seperti {CODE_EXAMPLE}."))
    titles = design_titles(_state(request).pack)
    views = [registration_view(r, titles=titles) for r in sorted(found, key=lambda r: (r.kind, r.design, r.format))]
    return _page(request, "cek_code.html", title=f"Materi terdaftar {normal}", code=normal, registrations=views,
                 example=CODE_EXAMPLE, first=views[0])


@router.get("/cek/{code}/{fmt}.jpg", tags=["keaslian"], summary="Gambar kecil materi asli yang terdaftar",
            responses={200: {"content": {"image/jpeg": {}}}, 304: {"description": "Tidak berubah (ETag)"}})
def cek_thumbnail(request: Request, code: str, fmt: str):
    """Gambar kecil (JPEG, lebar paling besar 480 px) materi asli dengan kode dan format ini. ETag dan
    Cache-Control seperti bingkai."""
    normal = normalize_code(code)
    found = [r for r in (_state(request).codes.by_code(normal) if normal else []) if r.format == fmt and r.thumbnail]
    if not found:
        raise HTTPException(404, "Gambar materi ini tidak ada.")
    return cached_image_response(request, CachedImage(found[0].thumbnail, "image/jpeg"), THUMB_CACHE_CONTROL)


router.add_api_route("/cek/{code}/{fmt}.jpg", cek_thumbnail, methods=["HEAD"], include_in_schema=False)
