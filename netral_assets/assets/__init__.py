"""Asset kinds: agency + design + format -> `Asset` (bytes and what the manifest says of them).

Each kind's module registers its builder in `asset.BUILDERS` when it is imported, as Pillow's format
plugins do; importing this package imports them all, so the table is full for `kit`. `layers` composes
layered designs from a cached body and the agency's layer; `agency_logo` checks an agency's own logo.
"""

from . import card, carousel, leaflet, logo, poster, sticker, twibbon  # noqa: F401 (each registers its builder)
