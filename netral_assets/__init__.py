"""netral-assets: campaign materials for ASN PILIH NETRAL, rendered for any Indonesian government agency.

The public API is what `__all__` names; every other module is internal.
"""

from ._version import __version__
from .assets.asset import Asset
from .assets.leaflet import build_leaflet
from .assets.poster import build_poster
from .assets.twibbon import build_twibbon, frame_image
from .errors import NetralError
from .kit.build import KitResult, build_kit_assets, write_kit
from .model.agencies import Agency, custom_agency, load_registry
from .model.designs import list_designs, load_design
from .model.pack import load_pack

__all__ = [
    "Agency",
    "Asset",
    "KitResult",
    "NetralError",
    "__version__",
    "build_kit_assets",
    "build_leaflet",
    "build_poster",
    "build_twibbon",
    "custom_agency",
    "frame_image",
    "list_designs",
    "load_design",
    "load_pack",
    "load_registry",
    "write_kit",
]
