"""Old import path, kept only until its last importers move (web/api.py, __init__.py,
cli/options.py); the kit lives in `kit.plan`, `kit.build` and `kit.manifest`."""

from ..files import write_atomic  # noqa: F401
from .build import build_kit_assets, write_kit  # noqa: F401
from .manifest import caption_text  # noqa: F401
