"""The web app (`netral serve`): the ASN's framing page, the humas kit page and a small API.

Input: a campaign pack and an agency registry. Output: an ASGI application (`create_app`) that
renders and caches twibbon frames, builds kits as ZIPs, and serves pages that frame photos in the
visitor's browser, so a photo never leaves their device.
"""

from .app import create_app

__all__ = ["create_app"]
