"""The agency's own words on the humas page: the leader's message (`pesan`) and the announcement
(`pengumuman`) as form fields -> checked `assets.message.Content` -> a live preview (a small JPEG of
the feed poster, rendered on the one render thread) and kit jobs that add the message posters to the
ZIP (`web/kits.py`).

Form fields carry the design as a prefix (`pesan.quote`, `pengumuman.points`), so one form can send
both messages to the kit: `pesan.name`, `pesan.title`, `pesan.quote`, `pesan.photo` (file),
`pesan.focus_x`/`pesan.focus_y` (0–1, optional); `pengumuman.headline`, `pengumuman.points` (repeated,
up to five) or `pengumuman.body`, `pengumuman.image` (file), `pengumuman.link` (https),
`pengumuman.link_label`, `pengumuman.focus_x`/`pengumuman.focus_y`.

A photo is decoded in memory by the photo decoder's guards (`assets.message.read_picture`: limits
from the header, bombs and cut-off files refused, upright, sRGB, re-encoded without metadata) and is
never written anywhere; a refusal is 422 `{"detail": "…"}` naming the field and the limit. Previews are
rate limited per client and go through the render queue's bounded slots (503 when it is full).
"""

from __future__ import annotations

import asyncio
import io
import math

from fastapi import APIRouter, HTTPException, Request, Response
from starlette.requests import ClientDisconnect

from ..assets.agency_logo import MAX_BYTES as LOGO_MAX_BYTES
from ..assets.message import FIELDS, LABELS, Content, make_content, read_picture
from ..defaults import FRAMING_OVERHEAD_BYTES, FRAMING_WAIT_SECONDS
from ..errors import NetralError
from ..model.agencies import MAX_NAME_LENGTH, custom_agency
from ..model.designs import load_design
from ..output.thumbnails import thumbnail
from .api import FORM_OVERHEAD, _job_json, _kit_request, multipart_body, throttle
from .frames import FRAME, PREVIEW_AGENCY, PREVIEW_BOX, preview_format
from .kits import KitRefused
from .limits import Busy, TooLarge
from .state import WebState
from .uploads import Form, parse_form, read_body

router = APIRouter()

# The pictures of a message share the kit route's body cap (web/api.py: the logo's 10 MB and the form):
# the page shrinks a photo in the browser to 1600 px before sending it, so a preview sends ~0.3 MB.
MAX_UPLOAD = LOGO_MAX_BYTES
PREVIEW_QUALITY = 80
SOURCE = "Isian"
TEXT_KEYS = ("name", "title", "quote", "headline", "body", "link", "link_label")
PICTURES = {"photo": True, "image": False}  # field -> is a portrait (cropped on the face)


def _state(request: Request) -> WebState:
    return request.app.state.netral


def _label(key: str) -> str:
    return f"{LABELS.get(key, key)} ({key})"


def _fields(form: Form, design: str) -> tuple[dict, tuple[float, float] | None]:
    """The design's text fields from the form (an empty field is a field not given), and the focus."""
    prefix = f"{design}."
    fields: dict = {}
    for key in TEXT_KEYS:
        if key in FIELDS[design]:
            value = form.get(prefix + key)
            if value is not None and value.strip():
                fields[key] = value
    if "points" in FIELDS[design]:
        points = [p for p in form.fields.get(prefix + "points", []) if p.strip()]
        if points:
            fields["points"] = points
    focus = None
    raw = (form.get(prefix + "focus_x"), form.get(prefix + "focus_y"))
    if any(v is not None and v.strip() for v in raw):
        try:
            focus = tuple(float((v or "").replace(",", ".")) for v in raw)
        except ValueError:
            focus = (math.nan, math.nan)
        if not all(math.isfinite(v) and 0 <= v <= 1 for v in focus):
            raise HTTPException(422, f"{SOURCE}: kolom {_label('focus')} harus dua angka 0–1 (mendatar, tegak), "
                                     "misalnya 0,5 dan 0,3.")
    return fields, focus


def _pixels(data: bytes) -> int:
    """The pixel count a picture's header declares (0 when it cannot be read: the decoder says why)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.width * image.height
    except Exception:  # noqa: BLE001 - only an estimate for the memory budget
        return 0


async def _picture(state: WebState, design: str, key: str, upload, focus):
    """An uploaded picture -> a checked `Picture`, decoded in the framing pool within its memory budget."""
    label = f"{SOURCE}: kolom {_label(key)}"
    if len(upload.data) > MAX_UPLOAD:
        raise HTTPException(413, f"{label}: berkas terlalu besar; batasnya {MAX_UPLOAD // 1024 // 1024} MB.")
    cost = FRAMING_OVERHEAD_BYTES + len(upload.data) + 4 * _pixels(upload.data)

    def work():
        with state.budget.reserve(cost, timeout=FRAMING_WAIT_SECONDS):
            return read_picture(upload.data, label, focus, PICTURES[key])

    try:
        with state.framing_slot():
            return await asyncio.wrap_future(state.framer.submit(work))
    except (Busy, TooLarge):
        raise HTTPException(503, "Server sedang sibuk memproses foto lain. Coba lagi beberapa detik lagi.",
                            headers={"Retry-After": "5"}) from None
    except NetralError as exc:
        raise HTTPException(422, str(exc)) from None


async def read_message(state: WebState, form: Form, design: str) -> Content:
    """The form's fields for `design` -> checked `Content`; HTTPException 422 naming the field."""
    if design not in FIELDS:
        raise HTTPException(422, f"Desain pesan '{design[:20]}' tidak dikenal; pilih {' atau '.join(FIELDS)}.")
    chosen = load_design(state.pack, "poster", design)
    fields, focus = _fields(form, design)
    try:
        # the texts first: a refusal comes before any photo is decoded
        make_content(chosen, fields, source=SOURCE, pictures={k: True for k in PICTURES if k in FIELDS[design]})
    except NetralError as exc:
        raise HTTPException(422, str(exc)) from None
    pictures = {}
    for key in PICTURES:
        upload = form.files.get(f"{design}.{key}")
        if key in FIELDS[design] and upload is not None and upload.data:
            pictures[key] = await _picture(state, design, key, upload, focus)
    if focus is not None:
        fields["focus"] = focus
    try:
        return make_content(chosen, fields, source=SOURCE, pictures=pictures)
    except NetralError as exc:
        raise HTTPException(422, str(exc)) from None


def _preview_agency(state: WebState, form: Form):
    """The agency the preview's footer shows: the chosen one, the typed name, or a placeholder."""
    found = state.agency((form.get("agency") or "").strip())
    if found is not None:
        return found
    name = " ".join((form.get("name") or "").split())
    if name and len(name) <= MAX_NAME_LENGTH:
        try:
            return custom_agency(name)
        except NetralError:
            pass
    return custom_agency(PREVIEW_AGENCY)


def render_preview(pack, agency, content: Content) -> bytes:
    """The message's feed poster, made as the kit makes it, shrunk to the page's preview size."""
    from ..assets.poster import build_poster

    design = load_design(pack, "poster", content.design)
    asset = build_poster(pack, agency, content.design, preview_format(design), ".jpg", content=content)
    data, _ = thumbnail(None, ".jpg", PREVIEW_BOX, image=asset.image, background=(255, 255, 255),
                        quality=PREVIEW_QUALITY)
    return data


async def _read_form(request: Request) -> tuple[bytes, Form]:
    body = await read_body(request, MAX_UPLOAD + FORM_OVERHEAD, shown_limit=MAX_UPLOAD)
    return body, parse_form(body, request.headers.get("content-type"))


PREVIEW_BODY = multipart_body({
    "design": {"type": "string", "enum": list(FIELDS)},
    "agency": {"type": "string", "description": "Slug instansi (kaki poster), opsional."},
    "name": {"type": "string", "description": "Atau nama instansi yang diketik sendiri."},
    "pesan.photo": {"type": "string", "format": "binary", "description": "Potret pimpinan."},
    "pesan.name": {"type": "string"}, "pesan.title": {"type": "string"},
    "pesan.quote": {"type": "string"},
    "pengumuman.headline": {"type": "string"},
    "pengumuman.points": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
    "pengumuman.body": {"type": "string"},
    "pengumuman.image": {"type": "string", "format": "binary"},
    "pengumuman.link": {"type": "string", "description": "Alamat https:// saja."},
    "pengumuman.link_label": {"type": "string"},
}, required=["design"])


@router.post("/api/v1/kit/messages/preview", tags=["kit"], openapi_extra=PREVIEW_BODY,
             summary="Pratinjau pesan pimpinan atau pengumuman (JPEG kecil format feed)",
             responses={200: {"content": {"image/jpeg": {}}},
                        422: {"description": "Isian terlalu panjang, tautan bukan https, atau gambar rusak"}})
async def post_message_preview(request: Request):
    """Isian pesan (`pesan.*`) atau pengumuman (`pengumuman.*`) → gambar kecil poster feed, dibuat
    seperti di kit. Foto diproses di memori, tanpa metadata, dan tidak disimpan."""
    state = _state(request)
    throttle(request, "messages")
    _, form = await _read_form(request)
    design = (form.get("design") or "").strip()
    content = await read_message(state, form, design)
    agency = _preview_agency(state, form)
    try:
        future = state.renderer.submit(render_preview, state.pack, agency, content, priority=FRAME, bounded=True)
        data = await asyncio.wrap_future(future)
    except Busy:
        raise HTTPException(503, "Server sedang sibuk membuat pratinjau. Coba lagi beberapa detik lagi.",
                            headers={"Retry-After": "5"}) from None
    except NetralError as exc:
        raise HTTPException(422, str(exc)) from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


@router.post("/api/v1/kit/messages/jobs", status_code=202, tags=["kit"],
             summary="Mulai membuat kit dengan pesan pimpinan dan/atau pengumuman")
async def post_kit_job_with_messages(request: Request, response: Response):
    """Isian sama dengan `POST /api/v1/kit/jobs`, ditambah `messages` (pesan, pengumuman) dan isian
    masing-masing (`pesan.*`, `pengumuman.*`, lihat pratinjau): poster pesan dibuat dalam format poster
    yang dipilih, dengan caption dan teks alternatif."""
    state = _state(request)
    try:
        body = await request.body()  # kept by the request, so the kit fields are read from it again below
    except ClientDisconnect:
        raise HTTPException(400, "Permintaan terputus sebelum selesai dikirim.") from None
    kit_request = await _kit_request(request)
    form = parse_form(body, request.headers.get("content-type"))
    designs = [d for d in FIELDS if d in form.getlist("messages")]
    unknown = [d for d in form.getlist("messages") if d not in FIELDS]
    if unknown:
        raise HTTPException(422, f"Pesan '{unknown[0][:20]}' tidak dikenal; pilih {' atau '.join(FIELDS)}.")
    del body
    kit_request.messages = tuple([await read_message(state, form, d) for d in designs])
    try:
        job = state.jobs.start(kit_request)
    except KitRefused as exc:  # too many kits at once
        raise HTTPException(exc.status, str(exc), headers={"Retry-After": "30"}) from None
    response.headers["Location"] = f"/api/v1/kit/jobs/{job.id}"
    return _job_json(job)
