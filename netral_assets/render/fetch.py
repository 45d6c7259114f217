"""Reading for the renderer: URLs in a design -> bytes, only `data:` URIs and files under the pack's
own folders (never the network, never the rest of the disk); `data_uri` makes the former."""

from __future__ import annotations

import base64
import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlparse


class FetchRefused(Exception):
    """A URL the renderer may not read."""


def make_url_fetcher(roots: list[Path]):
    """A WeasyPrint URL fetcher that serves `data:` URIs and files under `roots`, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    allowed = [r.resolve() for r in roots]

    class PackFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parsed = urlparse(url)
            if parsed.scheme == "file":
                # bytes, then the file system's decoding: a folder name that is not UTF-8 survives
                path = Path(os.fsdecode(unquote_to_bytes(parsed.path))).resolve()
                if any(path.is_relative_to(root) for root in allowed) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
            raise FetchRefused(f"refused to fetch {url[:80]}")

    return PackFetcher(allowed_protocols=("data", "file"))


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
