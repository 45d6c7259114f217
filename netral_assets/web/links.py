"""Absolute addresses: the public URL (`netral serve --public-url`, else `[web] public_url` in
brand.toml, else the request's own host) -> page, card and share links, the Open Graph tags, and the
caption with the page's address.

Link previews, QR codes and captions leave the app, so their links must be absolute; a crawler fetches
`og:image` from its own servers. Behind a proxy the request's host may not be the address people use:
set the public URL there (the README says so).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from ..errors import NetralError
from ..kit.manifest import caption_text
from ..model.agencies import Agency
from ..model.pack import Pack

# Only host names and ports are echoed from a request's Host header into a page.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")
CARD_WIDTH, CARD_HEIGHT = 1200, 630
LOCALE = "id_ID"


def check_public_url(url: str | None) -> str | None:
    """`url` without its trailing slash, or None; refused unless it is an absolute http(s) address
    without query or fragment."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment \
            or not _HOST.match(parts.netloc.rsplit("@", 1)[-1]) or "@" in parts.netloc:
        raise NetralError(f"Alamat publik '{url[:80]}' tidak valid: tulis lengkap, mis. https://netral.example.go.id "
                          "(tanpa ? atau #).")
    return url.rstrip("/")


def configured_public_url(pack: Pack, given: str | None = None) -> str | None:
    """The public URL: `given` (the command line), else brand.toml's `[web] public_url`."""
    return check_public_url(given or (pack.config.get("web") or {}).get("public_url"))


def request_base(request) -> str:
    """The request's own scheme and host (fallback when no public URL is set)."""
    host = request.headers.get("host", "")
    if not _HOST.match(host):
        host = f"{request.url.hostname or 'localhost'}:{request.url.port}" if request.url.port else "localhost"
    return f"{request.url.scheme}://{host}"


def base_url(public_url: str | None, request=None) -> str:
    return public_url or (request_base(request) if request is not None else "")


def page_url(base: str, agency: Agency | None) -> str:
    return f"{base}/t/{quote(agency.slug)}" if agency else f"{base}/"


def short_address(url: str) -> str:
    """The address as printed under a QR code: without the scheme."""
    return url.split("://", 1)[-1].rstrip("/")


def card_path(agency: Agency | None, ext: str = "png") -> str:
    return f"/cards/{quote(agency.slug) if agency else 'index'}.{ext}"


def share_links(url: str, text: str) -> list[dict]:
    """Plain share links for the agency page (no third-party script): WhatsApp, Telegram, Facebook, X."""
    u, t = quote(url, safe=""), quote(text, safe="")
    return [
        {"id": "whatsapp", "label": "WhatsApp", "href": f"https://wa.me/?text={quote(text + ' ' + url, safe='')}"},
        {"id": "telegram", "label": "Telegram", "href": f"https://t.me/share/url?url={u}&text={t}"},
        {"id": "facebook", "label": "Facebook", "href": f"https://www.facebook.com/sharer/sharer.php?u={u}"},
        {"id": "x", "label": "X", "href": f"https://x.com/intent/post?url={u}&text={t}"},
    ]


def page_caption(pack: Pack, agency: Agency, url: str) -> str:
    """The kit's caption with the agency page's address, above the hashtags, so colleagues can frame
    their own photo."""
    caption = caption_text(pack, agency).rstrip("\n")
    line = f"Pasang bingkai {pack.name} di foto Anda: {url}"
    head, sep, last = caption.rpartition("\n\n")
    if sep and last.strip() == " ".join(pack.hashtags):
        return f"{head}\n\n{line}\n\n{last}\n"
    return f"{caption}\n\n{line}\n"


def open_graph(pack: Pack, agency: Agency | None, base: str, card_ext: str = "png") -> dict:
    """The link preview of a framing page: Open Graph and Twitter Card values."""
    who = agency.name if agency else "Semua Instansi Pemerintah"
    title = f"Bingkai {pack.name} — {who}"
    if agency:
        description = (f"Bingkai foto resmi {agency.name}. Pasang di foto Anda dalam satu menit: gratis, "
                       f"tanpa akun, dan foto tidak diunggah. {pack.slogan}.")
    else:
        description = (f"Pilih instansi Anda dan pasang bingkai {pack.name} di foto: gratis, tanpa akun, dan foto "
                       f"tidak diunggah. {pack.slogan}.")
    image = base + card_path(agency, card_ext)
    alt = f"Bingkai foto {pack.name} dari {who}, dengan slogan “{pack.slogan}”."
    return {"title": title, "description": description, "url": page_url(base, agency), "image": image,
            "image_type": "image/png" if card_ext == "png" else "image/jpeg", "width": CARD_WIDTH,
            "height": CARD_HEIGHT, "alt": alt, "site_name": pack.name, "locale": LOCALE}
