"""The web app: pack + registry -> a FastAPI application (pages, API, frames), ready for uvicorn.

`create_app` builds everything once; handlers share it through `app.state.netral` (see `state.py`).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..model.agencies import Registry, load_registry
from ..model.pack import Pack, load_pack
from ..photo.decode import LIMITS, Limits
from . import api, dashboard, messages, offline, pages, participation, verify
from .links import configured_public_url
from .metrics import MetricsMiddleware
from .security import SECURITY_HEADERS, BodyLimit, SecurityHeaders
from .state import WebState

log = logging.getLogger(__name__)

# Standard reasons, in the pages' language.
REASONS = {
    400: "Permintaan tidak valid.",
    404: "Alamat tidak ditemukan.",
    405: "Metode ini tidak diizinkan untuk alamat ini.",
    413: "Berkas terlalu besar.",
    415: "Jenis isi permintaan tidak didukung.",
    429: "Terlalu banyak permintaan. Tunggu sebentar, lalu coba lagi.",
    503: "Server sedang sibuk. Coba lagi beberapa detik lagi.",
}
# Paths whose errors are JSON even for a browser; the rest get an HTML page.
JSON_PREFIXES = ("/api/", "/frames/", "/cards/", "/previews/", "/static/", "/fonts/", "/brand/", "/icons/",
                 "/manifest.webmanifest", "/sw.js", "/openapi.json")

DESCRIPTION = """API aplikasi web **ASN PILIH NETRAL**: cari instansi, ambil bingkai twibbon, bingkai foto di
server (untuk integrasi; halaman web membingkai di browser), dan buat kit materi kampanye dalam ZIP.

Semua penolakan dijawab dengan status 4xx dan JSON `{"detail": "…"}` berbahasa Indonesia. Unggahan diproses
di memori dan tidak pernah disimpan."""


def create_app(pack: Pack | None = None, registry: Registry | None = None, *, limits: Limits | None = None,
               public_url: str | None = None, database=None, admin_token: str | None = None, **options) -> FastAPI:
    """The app for `pack` (default: the bundled campaign) and `registry` (default: the bundled agencies).
    `limits` are the photo limits of `framing` (the CLI's, unless a test wants smaller ones);
    `public_url` the address the world reaches the app at (default: brand.toml's `[web] public_url`,
    else each request's host; links.py); `database` the store (a `store.Store` or its URL; None: SQLite
    in memory, for one process); `admin_token` opens `/dasbor`; `options` are WebState's limits (framing_memory,
    framing_queue, render_queue, rates, kit_jobs; defaults.py)."""
    pack = pack or load_pack()
    state = WebState(pack, registry or load_registry(), limits or LIMITS,
                     public_url=configured_public_url(pack, public_url), database=database,
                     admin_token=admin_token, **options)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The first render of a process loads WeasyPrint and the fonts (about a second): pay it now,
        # in the background, rather than on the first visitor's frame.
        state.warm_up()
        pages.warm_fonts(state.pack)
        yield
        state.shutdown()

    app = FastAPI(
        title="ASN PILIH NETRAL — API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,  # Swagger UI needs inline script and a CDN; /docs is our own page (pages.py)
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.netral = state
    app.state.static = pages.load_static()
    app.state.pages = pages.make_environment(app.state.static)
    app.include_router(api.router)
    app.include_router(participation.router)
    app.include_router(dashboard.router)
    app.include_router(messages.router)
    app.include_router(verify.router)
    app.include_router(offline.router)
    app.include_router(pages.router)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != _english(exc.status_code) else None
        detail = detail or REASONS.get(exc.status_code, "Permintaan tidak dapat dipenuhi.")
        path = request.url.path
        if exc.status_code == 404 and not path.startswith(JSON_PREFIXES) and "text/html" in request.headers.get("accept", ""):
            return pages._page(request, "error.html", 404, title="Halaman tidak ditemukan",
                               message="Halaman yang Anda cari tidak ada. Kembali ke halaman utama.")
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        names = sorted({str(e.get("loc", ["", "?"])[-1]) for e in exc.errors()})
        return JSONResponse({"detail": f"Isian tidak valid: {', '.join(names)}. Periksa nilainya."}, status_code=422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        # Runs outside the middleware stack, so the security headers are added here as well.
        log.exception("unhandled error on %s", request.url.path)
        return JSONResponse({"detail": "Terjadi kesalahan di server. Coba lagi."}, status_code=500,
                            headers=SECURITY_HEADERS)

    app.add_middleware(BodyLimit, limit_for=lambda path: api.body_limit(state.limits, path))
    app.add_middleware(SecurityHeaders)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app


def _english(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
