"""Campaign pack loading: a pack directory (or none) -> `Pack` (identity, colours, channels, content,
statistics, and where to find templates and fonts).

A user pack given with `--brand DIR` overrides the bundled pack file by file; `brand.toml` is merged
table by table so a pack can change only its colours or only a reporting channel. DIR mirrors `brand/`
and may also carry `templates/` and `fonts/`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import NetralError
from ..resources import bundled_dir


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    url: str
    note: str = ""


def _merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"Berkas {path} tidak valid (TOML): {exc}. Perbaiki sintaksnya.") from exc


@dataclass
class Pack:
    """The campaign pack: layered directories, user pack first, bundled pack last."""

    user_dir: Path | None = None
    _layers: dict[str, list[Path]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.user_dir is not None:
            self.user_dir = Path(self.user_dir).resolve()
            if not self.user_dir.is_dir():
                raise NetralError(
                    f"Folder paket kampanye {self.user_dir} tidak ada. "
                    "Beri --brand sebuah folder yang berisi brand.toml, logo/, content/, templates/ …"
                )
        self._layers = {}
        for part in ("brand", "templates", "fonts"):
            layers = []
            if self.user_dir is not None:
                layers.append(self.user_dir if part == "brand" else self.user_dir / part)
            layers.append(bundled_dir(part))
            self._layers[part] = [p for p in layers if p.is_dir()]

    # -- files --------------------------------------------------------------------------------
    def find(self, part: str, relpath: str) -> Path:
        """The first layer's copy of `part/relpath`; NetralError if no layer has it."""
        for layer in self._layers[part]:
            candidate = layer / relpath
            if candidate.is_file():
                return candidate
        raise NetralError(f"Berkas {part}/{relpath} tidak ditemukan di paket kampanye.")

    def roots(self) -> list[Path]:
        """Every directory the renderer may read from (for the URL fetcher)."""
        return [p for layers in self._layers.values() for p in layers]

    def layers(self, part: str) -> list[Path]:
        return list(self._layers[part])

    # -- data ---------------------------------------------------------------------------------
    @cached_property
    def config(self) -> dict:
        bundled = _read_toml(bundled_dir("brand") / "brand.toml")
        if self.user_dir is not None and (self.user_dir / "brand.toml").is_file():
            return _merge(bundled, _read_toml(self.user_dir / "brand.toml"))
        return bundled

    @property
    def name(self) -> str:
        return self.config["campaign"]["name"]

    @property
    def slogan(self) -> str:
        return self.config["campaign"]["slogan"]

    @property
    def hashtags(self) -> list[str]:
        return list(self.config["campaign"]["hashtags"])

    @property
    def issuer(self) -> str:
        return self.config["campaign"].get("issuer", "")

    @property
    def colors(self) -> dict[str, str]:
        return dict(self.config["colors"])

    @property
    def channels(self) -> list[Channel]:
        return [Channel(**c) for c in self.config.get("channels", [])]

    @cached_property
    def content(self) -> dict:
        return _read_toml(self.find("brand", "content/netralitas.toml"))

    @cached_property
    def statistics(self):
        from .statistics import load_statistics

        return load_statistics(self.find("brand", "statistics.toml"))

    def font_files(self) -> list[Path]:
        """Every font file the pack provides (user fonts shadow bundled ones of the same name)."""
        seen: dict[str, Path] = {}
        for layer in self._layers["fonts"]:
            for path in sorted(layer.glob("*.[ot]tf")):
                seen.setdefault(path.name, path)
        return list(seen.values())


def load_pack(brand_dir: str | Path | None = None) -> Pack:
    """Load the bundled campaign pack, overridden by `brand_dir` when given."""
    return Pack(Path(brand_dir) if brand_dir else None)
