"""The coordinators' dashboard, `/dasbor`: totals, frames per province (38 bars), the agencies with the
most and the fewest frames in a province, a daily line over a period, and a CSV export.

Closed unless the server has an admin token (`NETRAL_ADMIN_TOKEN`; none = 404). Scripts send it as
`Authorization: Bearer …`; a person types it once into the login form, which sets an HttpOnly,
SameSite=Strict cookie holding an expiry and an HMAC of it keyed by the token, so every replica with
the same token accepts it and nothing is kept on the server. Comparisons are constant-time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import time

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from ..model.formatting import format_number
from ..store import today
from ..store.store import FRAME_ACTIONS
from .api import throttle
from .charts import bar_chart, line_chart
from .pages import _page
from .participation import period, province_name, province_of
from .uploads import parse_form

router = APIRouter(include_in_schema=False)
COOKIE = "netral_dasbor"
SESSION_SECONDS = 12 * 3600
DEFAULT_DAYS = 30
LISTED = 10  # agencies shown with the most and with the fewest frames


def _token(request: Request) -> str:
    token = request.app.state.netral.admin_token
    if not token:
        raise HTTPException(404, "Alamat tidak ditemukan.")
    return token


def _session(token: str, expires: int) -> str:
    mac = hmac.new(token.encode(), f"dasbor:{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{expires}.{mac}"


def authorized(request: Request, token: str) -> bool:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    cookie = request.cookies.get(COOKIE, "")
    expires, _, _ = cookie.partition(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(cookie.encode(), _session(token, int(expires)).encode())


def _login(request: Request, status: int = 401, message: str = "") -> HTMLResponse:
    response = _page(request, "dashboard_login.html", status, title="Dasbor koordinator", message=message)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/dasbor/masuk")
async def login(request: Request):
    token = _token(request)
    throttle(request, "login")
    form = parse_form(await request.body(), request.headers.get("content-type"))
    typed = (form.get("token") or "").strip()
    if not hmac.compare_digest(typed.encode(), token.encode()):
        return _login(request, 401, "Token salah. Periksa lalu coba lagi.")
    expires = int(time.time()) + SESSION_SECONDS
    response = RedirectResponse("/dasbor", status_code=303)
    response.set_cookie(COOKIE, _session(token, expires), max_age=SESSION_SECONDS, path="/dasbor", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@router.post("/dasbor/keluar")
def logout(request: Request):
    _token(request)
    response = RedirectResponse("/dasbor", status_code=303)
    response.delete_cookie(COOKIE, path="/dasbor", httponly=True, samesite="strict")
    return response


def _period(start: str | None, end: str | None) -> tuple[str, str]:
    start, end = period(start, end)
    end = end or today()
    start = start or (dt.date.fromisoformat(end) - dt.timedelta(DEFAULT_DAYS - 1)).isoformat()
    return period(start, end)


@router.get("/dasbor", response_class=HTMLResponse)
def dashboard(request: Request,
              province: str | None = Query(None, max_length=80),
              start: str | None = Query(None, alias="from", max_length=10),
              end: str | None = Query(None, alias="to", max_length=10)):
    token = _token(request)
    if not authorized(request, token):
        return _login(request)
    state = request.app.state.netral
    start, end = _period(start, end)
    prov = province_of(state, province)
    store = state.store
    when = {"start": start, "end": end}
    scope = {"province": prov.province} if prov else {}
    actions = store.by_action(**when, **scope)
    frames = {**when, "actions": FRAME_ACTIONS}
    by_province = store.by_province(**frames)
    provinces = [a for a in state.registry if a.level == "provinsi"]
    province_rows = sorted(((p.short_name, by_province.get(p.province, 0)) for p in provinces),
                           key=lambda row: (-row[1], row[0]))
    if by_province.get(""):
        province_rows.append(("Instansi pusat", by_province[""]))
    days = store.by_day(**frames, **scope)
    most = fewest = []
    if prov:
        counts = store.by_agency(**frames, **scope)
        agencies = sorted(((a.short_name, counts.get(a.slug, 0)) for a in state.registry
                           if a.province == prov.province and a.level != "pusat"), key=lambda r: (-r[1], r[0]))
        most = agencies[:LISTED]
        fewest = sorted(agencies, key=lambda r: (r[1], r[0]))[:LISTED]
    place = prov.short_name if prov else "seluruh Indonesia"
    query = "&".join(f"{k}={v}" for k, v in (("province", prov.province if prov else ""), ("from", start), ("to", end)) if v)
    response = _page(
        request, "dashboard.html", title="Dasbor koordinator",
        start=start, end=end, province=prov, provinces=sorted(provinces, key=lambda p: p.short_name), place=place,
        total_frames=format_number(sum(actions.get(a, 0) for a in FRAME_ACTIONS)),
        downloads=format_number(actions.get("download", 0)), shares=format_number(actions.get("share", 0)),
        kits=format_number(actions.get("kit", 0)),
        reporting=format_number(sum(1 for _, n in province_rows if n)),
        province_chart=bar_chart(province_rows, f"Bingkai per provinsi, {start} sampai {end}"),
        day_chart=line_chart(days, start, end, f"Bingkai per hari di {place}"),
        most=bar_chart(most, f"Instansi dengan bingkai terbanyak di {place}") if most else None,
        fewest=bar_chart(fewest, f"Instansi dengan bingkai paling sedikit di {place}") if fewest else None,
        export=f"/dasbor/ekspor.csv?{query}",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/dasbor/ekspor.csv")
def export(request: Request,
           province: str | None = Query(None, max_length=80),
           start: str | None = Query(None, alias="from", max_length=10),
           end: str | None = Query(None, alias="to", max_length=10)):
    token = _token(request)
    if not authorized(request, token):
        raise HTTPException(401, "Masuk ke dasbor dulu, atau kirim token admin sebagai Authorization: Bearer.",
                            headers={"WWW-Authenticate": "Bearer"})
    state = request.app.state.netral
    start, end = period(start, end)
    prov = province_of(state, province)
    rows = state.store.rows(province=prov.province if prov else None, start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["tanggal", "provinsi", "instansi", "nama_instansi", "desain", "format", "tindakan", "jumlah"])
    for day, province_slug, agency, design, fmt, action, count in rows:
        found = state.agency(agency)
        writer.writerow([day, province_name(state, province_slug), agency or "(nama diketik)",
                         found.name if found else "", design, fmt, action, count])
    name = f"partisipasi-{(prov.province if prov else 'indonesia')}-{start or 'awal'}-{end or today()}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
