"""The JSON and image API (`/api/v1/…`, `/frames/…`, `/previews/…`): parse the request, call the
library, answer. Refusals are `{"detail": "…"}` in Indonesian with a 4xx status.
"""

from __future__ import annotations

import asyncio
import math
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request, Response

from ..assets import agency_logo
from ..assets.twibbon import check_design
from ..defaults import FRAMING_OVERHEAD_BYTES, FRAMING_WAIT_SECONDS
from ..errors import NetralError
from ..model.agencies import MAX_NAME_LENGTH, custom_agency
from ..model.designs import KINDS, list_designs
from ..photo.frame import OUTPUT_SUFFIXES, encode_framed, frame_photo
from ..photo.placement import Placement
from .frames import CARD_MEDIA_TYPES, CachedImage, preview_format
from .kits import (
    KitRefused,
    agency_logo_from_upload,
    build_assets,
    kit_registrations,
    pack_zip,
    parse_kit_request,
    thumbnail,
    zip_name,
)
from .limits import TooLarge
from .links import page_caption, page_url, share_links
from .state import Busy, WebState
from .uploads import parse_form, read_body

# Multipart framing around an upload (boundaries, the other fields) stays well under this.
FORM_OVERHEAD = 1024 * 1024
FRAME_CACHE_CONTROL = "public, max-age=86400"
# A frame with a person's name on it is theirs: never kept by a shared cache or the browser's.
PERSONAL_CACHE_CONTROL = "private, no-store"
MAX_PERSON_NAME = 80
MAX_PERSON_UNIT = 120
MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}

router = APIRouter()


def _state(request: Request) -> WebState:
    return request.app.state.netral


def body_limit(limits, path: str) -> tuple[int, int]:
    """The largest request body each route accepts, and the file limit to name when refusing it
    (the BodyLimit middleware enforces it; handlers read with the same cap)."""
    if path in ("/api/v1/frame", "/api/v1/verify", "/cek"):
        return limits.max_bytes + FORM_OVERHEAD, limits.max_bytes
    if path.startswith("/api/v1/kit"):
        return agency_logo.MAX_BYTES + FORM_OVERHEAD, agency_logo.MAX_BYTES
    return 64 * 1024, 64 * 1024


def _person(design, fmt: str, name: str | None, unit: str | None) -> tuple[str, str]:
    """A person's name and unit for the frame, tidied; empty when the design has no place for them."""
    boxes = design.boxes(fmt)
    name = " ".join((name or "").split())[:MAX_PERSON_NAME] if "name" in boxes else ""
    unit = " ".join((unit or "").split())[:MAX_PERSON_UNIT] if name and "unit" in boxes else ""
    return name, unit


def _check_format(design, fmt: str) -> None:
    """A twibbon format the request asks for, checked once by `check_design` (the format exists and
    has a photo window): 422 naming the formats there are, not the design file's path."""
    try:
        check_design(design, fmt)
    except NetralError:
        raise HTTPException(422, f"Format '{fmt[:20]}' tidak tersedia untuk {design.name}; pilih: "
                                 f"{', '.join(design.formats)}.") from None


def _agency_json(agency) -> dict:
    return {**agency.as_dict(), "url": f"/t/{agency.slug}"}


def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match", "")
    if header.strip() == "*":
        return True
    # If-None-Match uses the weak comparison: W/"x" matches "x".
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def cached_image_response(request: Request, image: CachedImage, cache_control: str = FRAME_CACHE_CONTROL) -> Response:
    headers = {"ETag": image.etag, "Cache-Control": cache_control}
    if _etag_matches(request, image.etag):
        return Response(status_code=304, headers=headers)
    return Response(image.data, media_type=image.media_type, headers=headers)


# -- agencies and designs ---------------------------------------------------------------------------


@router.get("/api/v1/agencies", summary="Cari instansi di registri", tags=["instansi"])
def search_agencies(
    request: Request,
    q: str = Query("", max_length=100, description="Nama, sebagian nama atau kode Kemendagri (mis. sleman, 34.04)."),
    limit: int = Query(10, ge=1, le=50, description="Jumlah hasil paling banyak."),
):
    """Instansi yang namanya memuat setiap kata dari `q`, yang paling cocok lebih dulu; bila tidak ada,
    nama yang mirip (salah ketik)."""
    hits = _state(request).registry.search(q, limit) if q.strip() else []
    return {"query": q, "results": [_agency_json(a) for a in hits]}


@router.get("/api/v1/agencies/{slug}", summary="Satu instansi dan caption siap pakai", tags=["instansi"])
def get_agency(request: Request, slug: str):
    state = _state(request)
    agency = state.agency(slug)
    if agency is None:
        raise HTTPException(404, f"Instansi '{slug[:60]}' tidak ada di registri. Cari dengan /api/v1/agencies?q=…")
    url = page_url(state.base_url(request), agency)
    return {"agency": _agency_json(agency), "page_url": url, "caption": page_caption(state.pack, agency, url),
            "share": share_links(url, f"Bingkai {state.pack.name} — {agency.name}")}


def _design_json(design) -> dict:
    formats = []
    for name in design.formats:
        fmt = design.format(name)
        formats.append({"name": name, "width": round(fmt.width), "height": round(fmt.height),
                        "mm": list(fmt.mm) if fmt.mm else None})
    data = {
        "kind": design.kind,
        "name": design.name,
        "title": design.title,
        "description": design.meta.get("description", ""),
        "formats": formats,
    }
    if design.kind == "twibbon":
        data["windows"] = {f: design.window(f).as_dict() for f in design.formats if design.window(f)}
    if (design.path / "template.html.j2").is_file():
        data["preview"] = f"/previews/{design.kind}/{design.name}.jpg"
    return data


@router.get("/api/v1/designs", summary="Desain yang tersedia", tags=["desain"])
def get_designs(request: Request, kind: str | None = Query(None, description="twibbon, logo, poster atau leaflet.")):
    if kind is not None and kind not in KINDS:
        raise HTTPException(422, f"Jenis '{kind[:20]}' tidak dikenal; pilih: {', '.join(KINDS)}.")
    return {"designs": [_design_json(d) for d in list_designs(_state(request).pack, kind)]}


# -- frames ----------------------------------------------------------------------------------------


def throttle(request: Request, route: str) -> None:
    """429 with Retry-After when this client has used up its share of an expensive route
    (`limits.RateLimit`: in memory, by a keyed hash of the address, never logged)."""
    client = request.client.host if request.client else ""
    wait = _state(request).limiters[route].allow(client)
    if wait:
        seconds = max(1, math.ceil(wait))
        raise HTTPException(429, f"Terlalu banyak permintaan dari perangkat Anda. Tunggu {seconds} detik, lalu coba lagi.",
                            headers={"Retry-After": str(seconds)})


def _busy(what: str = "menggambar bingkai") -> HTTPException:
    return HTTPException(503, f"Server sedang sibuk {what}. Coba lagi beberapa detik lagi.", headers={"Retry-After": "5"})


async def _framed(pending, name: str, unit: str):
    """Await a frame from the renderer: a full queue is 503, a person's name or unit the design cannot
    hold is 422 (theirs to fix); any other library error goes on to the app's handler."""
    try:
        return await pending
    except Busy:
        raise _busy() from None
    except NetralError as exc:
        if name:
            raise _too_long(exc, name, unit) from None
        raise


def _too_long(exc: NetralError, name: str, unit: str) -> HTTPException:
    """A name (or unit) the design's slot cannot hold even at its smallest size: the person's to fix."""
    text = str(exc)
    which, value, limit = ("Unit kerja", unit, MAX_PERSON_UNIT) if unit and unit[:20] in text and name[:20] not in text \
        else ("Nama", name, MAX_PERSON_NAME)
    return HTTPException(422, f"{which} '{value[:40]}' terlalu panjang untuk tempatnya di bingkai ini (paling banyak "
                              f"{limit} huruf, dan huruf lebar makan tempat lebih); singkat, mis. tanpa gelar, lalu coba lagi.")


async def _frame_png(request: Request, design: str, agency: str, fmt: str, name: str, unit: str) -> Response:
    state = _state(request)
    chosen = state.twibbon(design)
    found = state.agency(agency)
    if chosen is None:
        raise HTTPException(404, f"Desain twibbon '{design[:40]}' tidak ada.")
    if found is None:
        raise HTTPException(404, f"Instansi '{agency[:60]}' tidak ada di registri.")
    _check_format(chosen, fmt)
    name, unit = _person(chosen, fmt, name, unit)
    if name:
        throttle(request, "personal")
    image = await _framed(state.frames.png(chosen, found, fmt, name, unit), name, unit)
    return cached_image_response(request, image, PERSONAL_CACHE_CONTROL if name else FRAME_CACHE_CONTROL)


@router.get("/frames/{design}/{agency}.png", tags=["bingkai"],
            summary="Bingkai twibbon (PNG transparan di jendela foto)",
            responses={200: {"content": {"image/png": {}}}, 304: {"description": "Tidak berubah (ETag)"}})
async def get_frame(request: Request, design: str, agency: str,
                    format: str = Query("square", max_length=20, description="square (1080×1080) atau story (1080×1920)."),
                    name: str = Query("", max_length=MAX_PERSON_NAME,
                                      description="Nama pegawai. Lebih baik kirim dengan POST: alamat tercatat di log."),
                    unit: str = Query("", max_length=MAX_PERSON_UNIT, description="Unit kerja, bila desain menampungnya.")):
    """Dirender sekali lalu disajikan dari cache di memori; ETag kuat dan Cache-Control, 304 untuk
    If-None-Match yang cocok. Bingkai dengan nama tidak pernah ditandai `public`."""
    return await _frame_png(request, design, agency, format, name, unit)


router.add_api_route("/frames/{design}/{agency}.png", get_frame, methods=["HEAD"], include_in_schema=False)

PERSON_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "maxLength": MAX_PERSON_NAME, "description": "Nama pegawai."},
                        "unit": {"type": "string", "maxLength": MAX_PERSON_UNIT, "description": "Unit kerja."},
                        "format": {"type": "string", "enum": ["square", "story"], "default": "square"},
                    },
                }
            }
        },
    }
}


@router.post("/frames/{design}/{agency}.png", tags=["bingkai"], openapi_extra=PERSON_BODY,
             summary="Bingkai twibbon dengan nama pegawai (nama di badan permintaan, bukan di alamat)",
             responses={200: {"content": {"image/png": {}}}})
async def post_personal_frame(request: Request, design: str, agency: str,
                              format: str = Query("square", max_length=20, description="square atau story.")):
    """Seperti GET, tetapi nama dan unit dikirim di badan permintaan (formulir), sehingga tidak tercatat
    di log alamat; jawabannya `Cache-Control: private, no-store`."""
    form = parse_form(await read_body(request, 64 * 1024), request.headers.get("content-type"))
    name, unit = form.get("name") or "", form.get("unit") or ""
    if len(name) > MAX_PERSON_NAME or len(unit) > MAX_PERSON_UNIT:
        raise HTTPException(422, f"Nama paling panjang {MAX_PERSON_NAME} huruf dan unit kerja {MAX_PERSON_UNIT} huruf.")
    response = await _frame_png(request, design, agency, form.get("format") or format, name, unit)
    response.headers["Cache-Control"] = PERSONAL_CACHE_CONTROL
    return response


@router.get("/cards/{name}", tags=["bingkai"],
            summary="Kartu tautan instansi (gambar pratinjau tautan, 1200×630)",
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}, 304: {"description": "Tidak berubah (ETag)"}})
async def get_card(request: Request, name: str):
    """`/cards/<slug>.png` (atau `.jpg`): gambar yang ditampilkan WhatsApp, Facebook, X dan lainnya untuk
    tautan ke `/t/<slug>`; `/cards/index.png` untuk halaman utama. Cache dan ETag seperti bingkai."""
    state = _state(request)
    slug, dot, ext = name.rpartition(".")
    if not dot or f".{ext}" not in CARD_MEDIA_TYPES:
        raise HTTPException(404, "Kartu tautan ada sebagai .png atau .jpg.")
    agency = state.agency(slug)
    if agency is None and slug != "index":
        raise HTTPException(404, f"Instansi '{slug[:60]}' tidak ada di registri.")
    image = await state.frames.card(agency, f".{ext}")
    return cached_image_response(request, image)


router.add_api_route("/cards/{name}", get_card, methods=["HEAD"], include_in_schema=False)


@router.get("/previews/{kind}/{design}.jpg", tags=["desain"], summary="Gambar contoh sebuah desain",
            responses={200: {"content": {"image/jpeg": {}}}})
async def get_preview(request: Request, kind: str, design: str):
    state = _state(request)
    if kind not in KINDS:
        raise HTTPException(404, f"Jenis '{kind[:20]}' tidak dikenal.")
    chosen = state.designs(kind).get(design)
    if chosen is None or not (chosen.path / "template.html.j2").is_file() or not chosen.formats:
        raise HTTPException(404, f"Desain {kind} '{design[:40]}' tidak ada.")
    image = await state.frames.preview(chosen, preview_format(chosen))
    return cached_image_response(request, image, "public, max-age=3600")


# -- server-side framing (for integrations; the page frames in the browser) ----------------------

def multipart_body(properties: dict, required: list[str] | None = None) -> dict:
    """The OpenAPI description of a multipart form route (`openapi_extra`): the handlers read their forms
    themselves (uploads.parse_form, with the body limit), so FastAPI cannot infer the fields."""
    schema = {"type": "object", **({"required": required} if required else {}), "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


FRAME_BODY = multipart_body({
    "photo": {"type": "string", "format": "binary",
              "description": "JPEG, PNG, WebP, HEIC, GIF, BMP atau TIFF; paling besar 40 MB, 50 MP."},
    "agency": {"type": "string", "description": "Slug instansi, mis. kabupaten-sleman."},
    "design": {"type": "string", "description": "Desain twibbon (bawaan: yang pertama)."},
    "format": {"type": "string", "enum": ["square", "story"], "default": "square"},
    "zoom": {"type": "number", "default": 1, "description": "1 = foto pas menutupi jendela."},
    "offset_x": {"type": "number", "default": 0, "description": "Geser, dalam lebar jendela."},
    "offset_y": {"type": "number", "default": 0, "description": "Geser, dalam tinggi jendela."},
    "rotate": {"type": "number", "default": 0, "description": "Derajat, searah jarum jam."},
    "output": {"type": "string", "enum": ["jpg", "png", "webp"], "default": "jpg"},
    "name": {"type": "string", "description": "Nama pegawai (desain dengan tempat nama)."},
    "unit": {"type": "string", "description": "Unit kerja pegawai."},
}, required=["photo", "agency"])


def _number(form, name: str, default: float) -> float:
    raw = form.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        raise HTTPException(422, f"{name} harus berupa angka, bukan '{raw[:20]}'.") from None
    if not math.isfinite(value):
        raise HTTPException(422, f"{name} harus berupa angka.")
    return value


@router.post("/api/v1/frame", tags=["bingkai"], summary="Bingkai sebuah foto di server",
             openapi_extra=FRAME_BODY,
             responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}},
                        413: {"description": "Berkas terlalu besar"},
                        422: {"description": "Bukan foto, terlalu banyak piksel, atau isian salah"}})
async def post_frame(request: Request):
    """Foto + penempatan (zoom, offset, rotasi — sama artinya dengan `netral frame` dan halaman web) →
    foto berbingkai JPEG/PNG/WebP tanpa metadata. Foto diproses di memori dan tidak disimpan."""
    state = _state(request)
    limits = state.limits
    throttle(request, "framing")
    body = await read_body(request, limits.max_bytes + FORM_OVERHEAD, shown_limit=limits.max_bytes)
    form = parse_form(body, request.headers.get("content-type"))
    photo = form.files.get("photo")
    if photo is None:
        raise HTTPException(422, "Foto belum dikirim (isian 'photo' berupa berkas).")
    agency = state.agency(form.get("agency"))
    if agency is None:
        raise HTTPException(422, "Instansi belum dipilih atau tidak ada di registri (isian 'agency' berupa slug, "
                                 "mis. kabupaten-sleman; cari di /api/v1/agencies?q=…).")
    design = state.twibbon(form.get("design"))
    if design is None:
        raise HTTPException(422, f"Desain twibbon '{form.get('design', '')[:40]}' tidak ada.")
    fmt = form.get("format") or "square"
    _check_format(design, fmt)
    output = "." + (form.get("output") or "jpg").lower().lstrip(".")
    if output not in OUTPUT_SUFFIXES:
        raise HTTPException(422, "Format keluaran harus jpg, png atau webp.")
    placement = Placement(
        _number(form, "zoom", 1.0),
        (_number(form, "offset_x", 0.0), _number(form, "offset_y", 0.0)),
        _number(form, "rotate", 0.0),
    )
    try:
        placement = placement.check()
    except NetralError as exc:
        raise HTTPException(422, str(exc)) from None
    name, unit = _person(design, fmt, form.get("name"), form.get("unit"))
    del body  # the photo is in `form` now; one copy of the upload waits, not two
    frame = await _framed(state.frames.frame(design, agency, fmt, name, unit), name, unit)
    label = (photo.filename or "foto")[-80:]
    extra = FRAMING_OVERHEAD_BYTES + len(photo.data)

    def reserve(cost: int):
        return state.budget.reserve(cost + extra, timeout=FRAMING_WAIT_SECONDS)

    def work() -> bytes:
        framed = frame_photo(photo.data, frame, placement, name=label, limits=limits, reserve=reserve)
        return encode_framed(framed.image, output)

    try:
        with state.framing_slot():
            data = await asyncio.wrap_future(state.framer.submit(work))
    except (Busy, TooLarge):
        raise _busy("membingkai foto lain") from None
    except NetralError as exc:
        # The same messages as `netral frame`; too many bytes is 413, anything else about the photo 422.
        raise HTTPException(413 if len(photo.data) > limits.max_bytes else 422, str(exc)) from None
    filename = f"twibbon-{agency.slug}-{design.name}{output.replace('.jpeg', '.jpg')}"
    return Response(data, media_type=MEDIA_TYPES[output], headers={
        "Content-Disposition": f"attachment; filename=\"{filename}\"",
        "Cache-Control": "no-store",
    })


# -- kits ------------------------------------------------------------------------------------------

KIT_BODY = multipart_body({
    "agency": {"type": "string", "description": "Slug instansi dari registri."},
    "name": {"type": "string", "description": "Atau: nama instansi yang diketik sendiri."},
    "logo": {"type": "string", "format": "binary",
             "description": "Logo instansi (PNG, JPEG atau SVG), opsional."},
    "parts": {"type": "array", "items": {"type": "string"},
              "description": "twibbon, logo, poster, leaflet (bawaan: semua)."},
    "designs": {"type": "array", "items": {"type": "string"},
                "description": "jenis/nama, mis. poster/larangan (bawaan: semua)."},
    "twibbon_formats": {"type": "array", "items": {"type": "string"},
                        "description": "format.ekstensi, mis. square.png, story.png."},
    "poster_formats": {"type": "array", "items": {"type": "string"},
                       "description": "format.ekstensi, mis. feed.jpg, a4.pdf."},
})


async def _kit_request(request: Request):
    state = _state(request)
    throttle(request, "kits")
    body = await read_body(request, agency_logo.MAX_BYTES + FORM_OVERHEAD, shown_limit=agency_logo.MAX_BYTES)
    form = parse_form(body, request.headers.get("content-type"))
    slug, name = (form.get("agency") or "").strip(), " ".join((form.get("name") or "").split())
    if slug:
        agency = state.agency(slug)
        if agency is None:
            raise HTTPException(422, f"Instansi '{slug[:60]}' tidak ada di registri. Pilih dari hasil pencarian, "
                                     "atau tulis namanya sendiri.")
    elif name:
        if len(name) > MAX_NAME_LENGTH:
            raise HTTPException(422, f"Nama instansi paling panjang {MAX_NAME_LENGTH} karakter.")
        try:
            agency = custom_agency(name)
        except NetralError as exc:
            raise HTTPException(422, str(exc)) from None
    else:
        raise HTTPException(422, "Pilih instansi dari registri atau tulis nama instansi Anda.")
    logo = None
    upload = form.files.get("logo")
    if upload is not None and upload.data:
        try:
            logo = await asyncio.to_thread(agency_logo_from_upload, upload.filename, upload.data)
        except NetralError as exc:
            raise HTTPException(422, str(exc)) from None
    try:
        kit_request = parse_kit_request(state.pack, agency, form.getlist("parts"), form.getlist("designs"),
                                        form.getlist("twibbon_formats"), form.getlist("poster_formats"), logo)
    except KitRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    kit_request.public_url = state.base_url(request)
    kit_request.signer = state.signer
    return kit_request


def _zip_response(data: bytes, agency) -> Response:
    name = zip_name(agency)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


@router.post("/api/v1/kit", tags=["kit"], summary="Buat kit dan terima ZIP-nya", openapi_extra=KIT_BODY,
             responses={200: {"content": {"application/zip": {}}}})
async def post_kit(request: Request):
    """Isi ZIP sama dengan folder `netral kit`: semua berkas, `manifest.json` dan `caption.txt`."""
    state = _state(request)
    kit_request = await _kit_request(request)

    def work() -> bytes:
        jobs, assets = build_assets(kit_request, state.pack, state.renderer)
        data = pack_zip(state.pack, kit_request.agency, jobs, assets, signer=kit_request.signer)
        state.register(kit_registrations(kit_request, state.pack, jobs, assets))
        return data

    try:
        data = await asyncio.to_thread(work)
    except (NetralError, KitRefused) as exc:
        raise HTTPException(422, str(exc)) from None
    state.count_kit(kit_request)
    return _zip_response(data, kit_request.agency)


@router.post("/api/v1/kit/jobs", status_code=202, tags=["kit"], openapi_extra=KIT_BODY,
             summary="Mulai membuat kit di latar belakang (untuk bilah kemajuan)")
async def post_kit_job(request: Request, response: Response):
    """Isian sama dengan `POST /api/v1/kit`. Jawabannya status pekerjaan; tanyakan lagi di `status_url`
    sampai `state` menjadi `done`, lalu unduh dari `zip_url`."""
    state = _state(request)
    kit_request = await _kit_request(request)
    try:
        job = state.jobs.start(kit_request)
    except KitRefused as exc:
        raise HTTPException(exc.status, str(exc), headers={"Retry-After": "30"}) from None
    response.headers["Location"] = f"/api/v1/kit/jobs/{job.id}"
    return _job_json(job)


def _job_json(job) -> dict:
    return {**job.status(), "status_url": f"/api/v1/kit/jobs/{job.id}", "zip_url": f"/api/v1/kit/jobs/{job.id}/zip"}


def _job(request: Request, job_id: str):
    job = _state(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "Pekerjaan kit tidak ada atau sudah kedaluwarsa (disimpan 15 menit). Buat ulang.")
    return job


@router.get("/api/v1/kit/jobs/{job_id}", tags=["kit"], summary="Kemajuan pembuatan kit")
def get_kit_job(request: Request, job_id: str, response: Response):
    response.headers["Cache-Control"] = "no-store"
    return _job_json(_job(request, job_id))


@router.get("/api/v1/kit/jobs/{job_id}/zip", tags=["kit"], summary="Unduh ZIP kit yang sudah selesai",
            responses={200: {"content": {"application/zip": {}}}})
def get_kit_zip(request: Request, job_id: str):
    job = _job(request, job_id)
    if job.state != "done":
        raise HTTPException(409, "Kit belum selesai dibuat." if job.state != "failed" else job.error)
    data = job.zip
    if data is None:
        raise HTTPException(404, "Pekerjaan kit tidak ada atau sudah kedaluwarsa (disimpan 15 menit). Buat ulang.")
    _state(request).jobs.fetched(job)
    name = job.zip_name
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store",
    })


@router.get("/api/v1/kit/jobs/{job_id}/thumbs/{name}", tags=["kit"], summary="Gambar kecil satu berkas kit",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/svg+xml": {}}}})
def get_kit_thumb(request: Request, job_id: str, name: str):
    job = _job(request, job_id)
    data = job.file_data(name) if job.state == "done" else None
    made = thumbnail(name, data) if data is not None else None
    if made is None:
        raise HTTPException(404, "Berkas ini tidak punya gambar kecil.")
    picture, media_type = made
    return Response(picture, media_type=media_type, headers={"Cache-Control": "private, max-age=900"})
