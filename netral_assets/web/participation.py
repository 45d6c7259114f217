"""Participation, counted privately: `POST /api/v1/events` (a framed picture downloaded or shared on an
agency's page) -> one count in the store per agency, design, format, action and day; and
`GET /api/v1/stats/participation` -> those counts as JSON.

Nothing about the person is kept: the body names the agency, design, format and action, and that is all
that is stored, with the day (WIB). Abuse is bounded, not recorded: the per-client rate limit lives in
memory (`limits.RateLimit`), unknown agencies, designs and formats are refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json

from fastapi import APIRouter, HTTPException, Query, Request, Response

from ..errors import NetralError
from ..store import today
from ..store.store import FRAME_ACTIONS
from .api import throttle

router = APIRouter()
MAX_EVENT_BYTES = 1024
EVENT_FIELDS = ("agency", "design", "format", "action")
MAX_DAYS = 400  # a stats period longer than this is refused (the campaign runs for months)

EVENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object", "required": list(EVENT_FIELDS),
            "properties": {
                "agency": {"type": "string", "description": "Slug instansi, mis. kabupaten-sleman."},
                "design": {"type": "string", "description": "Desain twibbon."},
                "format": {"type": "string", "enum": ["square", "story"]},
                "action": {"type": "string", "enum": list(FRAME_ACTIONS)},
            }}}},
    }
}


def _state(request: Request):
    return request.app.state.netral


def twibbon_formats(app) -> dict[str, tuple[str, ...]]:
    """Twibbon design -> its formats, read once per app (the pack does not change while it serves)."""
    found = getattr(app.state, "twibbon_formats", None)
    if found is None:
        found = app.state.twibbon_formats = {d.name: tuple(d.formats) for d in app.state.netral.designs("twibbon").values()}
    return found


@router.post("/api/v1/events", status_code=204, tags=["partisipasi"], openapi_extra=EVENT_BODY,
             summary="Catat satu bingkai yang diunduh atau dibagikan (hanya jumlah per hari)",
             responses={204: {"description": "Tercatat"}})
async def post_event(request: Request):
    """Yang disimpan hanya jumlah per instansi, desain, format, tindakan dan hari: tanpa foto, alamat IP,
    cookie, user agent, atau waktu yang lebih rinci daripada hari."""
    state = _state(request)
    throttle(request, "events")
    body = await request.body()
    if len(body) > MAX_EVENT_BYTES:
        raise HTTPException(413, "Isi peristiwa terlalu besar.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(422, "Isi permintaan harus JSON: agency, design, format, action.") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in EVENT_FIELDS):
        raise HTTPException(422, "Isian agency, design, format dan action wajib diisi sebagai teks.")
    agency = state.agency(data["agency"])
    if agency is None:
        raise HTTPException(422, f"Instansi '{data['agency'][:60]}' tidak ada di registri.")
    formats = twibbon_formats(request.app).get(data["design"])
    if formats is None:
        raise HTTPException(422, f"Desain twibbon '{data['design'][:40]}' tidak ada.")
    if data["format"] not in formats:
        raise HTTPException(422, f"Format '{data['format'][:20]}' tidak tersedia; pilih: {', '.join(formats)}.")
    if data["action"] not in FRAME_ACTIONS:
        raise HTTPException(422, f"Tindakan harus salah satu dari: {', '.join(FRAME_ACTIONS)}.")
    event = state.event(agency, data["design"], data["format"], data["action"], today())
    await asyncio.wrap_future(state.events.submit(event))
    state.metrics.event_accepted()
    return Response(status_code=204, headers={"Cache-Control": "no-store"})


def period(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """Query dates (YYYY-MM-DD) checked: 422 in Indonesian for a bad date or a reversed period."""
    days = []
    for name, value in (("from", start), ("to", end)):
        if value in (None, ""):
            days.append(None)
            continue
        try:
            days.append(dt.date.fromisoformat(value))
        except ValueError:
            raise HTTPException(422, f"Tanggal '{name}' harus berbentuk TTTT-BB-HH, mis. 2024-11-27.") from None
    if days[0] and days[1]:
        if days[0] > days[1]:
            raise HTTPException(422, "Tanggal 'from' harus sebelum atau sama dengan 'to'.")
        if (days[1] - days[0]).days > MAX_DAYS:
            raise HTTPException(422, f"Rentang paling panjang {MAX_DAYS} hari.")
    return tuple(d.isoformat() if d else None for d in days)


def province_of(state, value: str | None):
    """A province given as slug, two-digit code or name -> its agency (the province government); 422 else."""
    if not value:
        return None
    try:
        slug = state.registry.province_slug(value)
    except NetralError as exc:
        raise HTTPException(422, str(exc).replace("--province", "province")) from None
    found = state.agency(slug)
    if found is None:
        raise HTTPException(422, f"Provinsi '{value[:40]}' tidak dikenal.")
    return found


def province_name(state, slug: str) -> str:
    if not slug:
        return "Instansi pusat"
    found = state.agency(slug)
    return found.short_name if found else slug


@router.get("/api/v1/stats/participation", tags=["partisipasi"], summary="Jumlah bingkai dan kit yang dibuat")
def get_participation(
    request: Request, response: Response,
    agency: str | None = Query(None, max_length=120, description="Slug instansi."),
    province: str | None = Query(None, max_length=80, description="Provinsi: slug, kode dua angka atau nama."),
    start: str | None = Query(None, alias="from", max_length=10, description="Tanggal awal TTTT-BB-HH (WIB)."),
    end: str | None = Query(None, alias="to", max_length=10, description="Tanggal akhir TTTT-BB-HH (WIB)."),
):
    """`frames` adalah bingkai yang diunduh atau dibagikan (bukan jumlah orang); `kits` kit yang dibuat."""
    state = _state(request)
    start, end = period(start, end)
    chosen = None
    if agency:
        chosen = state.agency(agency)
        if chosen is None:
            raise HTTPException(404, f"Instansi '{agency[:60]}' tidak ada di registri.")
    prov = province_of(state, province)
    filters = {"agency": chosen.slug if chosen else None, "province": prov.province if prov else None,
               "start": start, "end": end}
    actions = state.store.by_action(**filters)
    frames = {**filters, "actions": FRAME_ACTIONS}
    answer = {
        "agency": chosen.as_dict() if chosen else None,
        "province": {"slug": prov.province, "name": prov.short_name} if prov else None,
        "from": start, "to": end,
        "frames": sum(actions.get(a, 0) for a in FRAME_ACTIONS),
        "kits": actions.get("kit", 0),
        "actions": actions,
        "days": [{"day": d, "frames": n} for d, n in state.store.by_day(**frames).items()],
    }
    if chosen is None and prov is None:
        answer["provinces"] = [{"slug": s, "name": province_name(state, s), "frames": n}
                               for s, n in state.store.by_province(**frames).items()]
    elif chosen is None:
        counts = state.store.by_agency(**frames)
        answer["agencies"] = sorted(
            ({"slug": a.slug, "name": a.name, "frames": counts.get(a.slug, 0)}
             for a in state.registry if a.province == prov.province and a.level != "pusat"),
            key=lambda row: (-row["frames"], row["name"]))
    response.headers["Cache-Control"] = "no-cache"
    return answer
