"""Security for every response: headers (CSP without inline code, nosniff, no referrer) and a request
size limit that refuses an oversized body before the app reads it.

Both are plain ASGI middleware, so they also cover static files, 404s and the limit's own 413.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from ..model.formatting import format_megabytes

CSP = (
    "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; style-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'"
)
# No Cross-Origin-Opener-Policy: with it, Chromium holds every other download from the page for about
# seven seconds (a browsing-context swap for the download navigation), and the page opens no popups.
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "geolocation=(), microphone=(), payment=(), usb=()",
}
_RAW_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
# Link cards are meant to be shown by other sites and apps (link previews): any origin may embed them.
SHARED_PREFIXES = ("/cards/",)
_SHARED_HEADERS = [(k, b"cross-origin" if k == b"cross-origin-resource-policy" else v) for k, v in _RAW_HEADERS]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (replacing any the app set itself)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        added = _SHARED_HEADERS if scope["path"].startswith(SHARED_PREFIXES) else _RAW_HEADERS

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k for k, _ in _RAW_HEADERS}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": headers + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _TooLarge(Exception):
    pass


async def refuse_too_large(send, shown_limit: int) -> None:
    body = json.dumps(
        {"detail": f"Berkas terlalu besar: batasnya {format_megabytes(shown_limit)}. Pakai berkas yang lebih kecil."}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuses request bodies above the route's limit with 413: at once when Content-Length says so,
    otherwise as soon as the streamed body passes it (chunked uploads). `limit_for(path)` gives
    (bytes accepted, the file size limit named in the message)."""

    def __init__(self, app, limit_for: Callable[[str], tuple[int, int]]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit, shown = self.limit_for(scope["path"])
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await refuse_too_large(send, shown)
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await refuse_too_large(send, shown)
