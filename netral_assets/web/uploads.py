"""Uploads in memory: a request body (read with a size cap) -> `Form` (text fields and files as bytes).

Starlette's own form parser spools files above 1 MB to a temporary file on disk; a person's photo must
never touch the disk, so the body is read here, capped, and parsed with python-multipart into memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import HTTPException, Request
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from ..model.formatting import format_megabytes

MAX_PARTS = 64
MAX_FIELD_BYTES = 4096


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else default

    def getlist(self, name: str) -> list[str]:
        """Every value of a repeated field; a value may itself be a comma-separated list."""
        return [v.strip() for value in self.fields.get(name, []) for v in value.split(",") if v.strip()]


async def read_body(request: Request, limit: int, shown_limit: int | None = None) -> bytes:
    """The whole body, refused with 413 as soon as it passes `limit` bytes (the message names
    `shown_limit`, the limit of the file inside the form)."""
    message = f"Berkas terlalu besar: batasnya {format_megabytes(shown_limit or limit)}. Pakai berkas yang lebih kecil."
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, message)
    chunks = bytearray()
    try:
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > limit:
                raise HTTPException(413, message)
    except ClientDisconnect:
        # The client went away, or the server closed a body that did not arrive in time (server.py):
        # nobody hears the answer, and it is not a server error to log.
        raise HTTPException(400, "Permintaan terputus sebelum selesai dikirim.") from None
    return bytes(chunks)


def parse_form(body: bytes, content_type: str | None) -> Form:
    """A multipart/form-data body -> `Form`; HTTPException 400/415 with a message if it is not one."""
    mime, params = parse_options_header(content_type or "")
    if mime == b"application/x-www-form-urlencoded":
        from urllib.parse import parse_qsl

        form = Form()
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_PARTS)
        except (UnicodeDecodeError, ValueError):
            raise HTTPException(400, "Isian formulir tidak dapat dibaca.") from None
        for name, value in pairs:
            form.fields.setdefault(name, []).append(value[:MAX_FIELD_BYTES])
        return form
    if mime != b"multipart/form-data" or b"boundary" not in params:
        raise HTTPException(415, "Kirim sebagai multipart/form-data (formulir dengan berkas).")

    form = Form()
    state: dict = {}

    def on_part_begin():
        if len(form.fields) + len(form.files) >= MAX_PARTS:
            raise HTTPException(400, f"Terlalu banyak isian formulir (batas {MAX_PARTS}).")
        state.update(headers={}, field=b"", value=b"", data=bytearray())

    def on_header_field(data, start, end):
        state["field"] += data[start:end]

    def on_header_value(data, start, end):
        state["value"] += data[start:end]

    def on_header_end():
        state["headers"][state["field"].lower()] = state["value"]
        state.update(field=b"", value=b"")

    def on_part_data(data, start, end):
        state["data"] += data[start:end]

    def on_part_end():
        _, disposition = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disposition:
            filename = disposition[b"filename"].decode("utf-8", "replace")
            ctype = state["headers"].get(b"content-type", b"application/octet-stream").decode("latin-1")
            if filename or state["data"]:
                form.files[name] = Upload(filename, ctype, bytes(state["data"]))
        else:
            if len(state["data"]) > MAX_FIELD_BYTES:
                raise HTTPException(400, f"Isian '{name}' terlalu panjang.")
            form.fields.setdefault(name, []).append(state["data"].decode("utf-8", "replace"))

    callbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    parser = MultipartParser(params[b"boundary"], callbacks)
    try:
        parser.write(body)
        parser.finalize()
    except HTTPException:
        raise
    except Exception:
        raise HTTPException(400, "Isian formulir rusak atau tidak lengkap.") from None
    return form
