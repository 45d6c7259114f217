"""Campaign pack loading: a pack directory (or none) -> `Pack` (identity, colours, channels, content,
statistics, and where to find templates and fonts).

A user pack given with `--brand DIR` overrides the bundled pack file by file; `brand.toml` is merged
table by table so a pack can change only its colours or only a reporting channel. DIR mirrors `brand/`
and may also carry `templates/` and `fonts/`.

Regional overrides: DIR may also hold `provinsi/<code>/` (the Kemendagri code, `34`, or the province's
slug) and `instansi/<slug>/` (or the agency's code), each with the same files as a pack. For one agency
they apply national -> province -> agency (`Pack.for_agency`): files shadow file by file, `brand.toml`
is merged key by key, and `statistics.toml` figures are *added* to the national ones, each with its own
sources (an id already taken is refused). The derived pack is made once per set of folders and kept on
the base pack, so every agency of a province without its own folder shares one.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
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


PROVINCE_OVERRIDES = "provinsi"  # DIR/provinsi/<code or slug>/
AGENCY_OVERRIDES = "instansi"  # DIR/instansi/<slug or code>/
STATISTICS_FILE = "statistics.toml"


@cache
def _province_codes() -> dict[str, str]:
    """Province slug -> its Kemendagri code ("provinsi-di-yogyakarta" -> "34")."""
    from .agencies import load_registry

    return {a.province: a.code for a in load_registry() if a.level == "provinsi" and a.province}


def province_code(agency) -> str | None:
    """The code of the agency's province (the prefix of a regional code, else looked up by the
    province's slug: a unit of a CSV with a province); None for central agencies."""
    if agency.level == "pusat" or not agency.province:
        return None
    return _province_codes().get(agency.province)


@dataclass
class Pack:
    """The campaign pack: layered directories, most specific first: the agency's override folder, its
    province's, the user pack, the bundled pack last."""

    user_dir: Path | None = None
    # Regional override folders in the order they apply (the province's, then the agency's)
    overrides: tuple[Path, ...] = ()
    _layers: dict[str, list[Path]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.user_dir is not None:
            self.user_dir = Path(self.user_dir).resolve()
            if not self.user_dir.is_dir():
                raise NetralError(
                    f"Folder paket kampanye {self.user_dir} tidak ada. "
                    "Beri --brand sebuah folder yang berisi brand.toml, logo/, content/, templates/ …"
                )
        self.overrides = tuple(Path(p) for p in self.overrides)
        # the national pack this one was derived from (for_agency shares one; made here otherwise)
        self._base: Pack | None = Pack(self.user_dir) if self.overrides else None
        self._derived: dict[tuple[Path, ...], Pack] = {}
        self._listings: dict[str, frozenset[str]] = {}
        self._layers = {}
        for part in ("brand", "templates", "fonts"):
            layers = [o if part == "brand" else o / part for o in reversed(self.overrides)]
            if self.user_dir is not None:
                layers.append(self.user_dir if part == "brand" else self.user_dir / part)
            layers.append(bundled_dir(part))
            self._layers[part] = [p for p in layers if p.is_dir()]

    # -- regional overrides ---------------------------------------------------------------------
    @property
    def base(self) -> Pack:
        """The national pack this one was derived from (itself when it is national)."""
        return self._base or self

    @property
    def override_names(self) -> list[str]:
        """The override folders that apply, as the pack names them: ["provinsi/34", "instansi/…"]."""
        return [p.relative_to(self.user_dir).as_posix() for p in self.overrides]

    def _listing(self, group: str) -> frozenset[str]:
        if group not in self._listings:
            folder = self.user_dir / group if self.user_dir is not None else None
            try:
                names = os.listdir(folder) if folder is not None else []
            except (FileNotFoundError, NotADirectoryError):
                names = []
            self._listings[group] = frozenset(n for n in names if not n.startswith(".")
                                              and (folder / n).is_dir())
        return self._listings[group]

    def _override(self, group: str, names: tuple[str | None, ...], who: str) -> Path | None:
        found = [n for n in dict.fromkeys(n for n in names if n) if n in self._listing(group)]
        if len(found) > 1:
            raise NetralError(f"Ada dua folder untuk {who}: {', '.join(f'{group}/{n}' for n in found)}. "
                              "Sisakan satu.")
        return self.user_dir / group / found[0] if found else None

    def override_dirs(self, agency) -> tuple[Path, ...]:
        """The override folders that apply to `agency`, in order: its province's, then its own."""
        if self.user_dir is None:
            return ()
        code = province_code(agency)
        found = []
        if code is not None:
            found.append(self._override(PROVINCE_OVERRIDES, (code, agency.province), agency.province or code))
        found.append(self._override(AGENCY_OVERRIDES, (agency.slug, agency.code), agency.short_name))
        return tuple(p for p in found if p is not None)

    def for_agency(self, agency) -> Pack:
        """The pack as it applies to `agency`: national -> province -> agency. Without override
        folders the national pack itself; derived packs are made once and kept on the national pack."""
        base = self.base
        found = base.override_dirs(agency)
        if not found:
            return base
        derived = base._derived.get(found)
        if derived is None:
            derived = Pack(base.user_dir, found)
            derived._base = base
            base._derived[found] = derived
        return derived

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
        if self._base is not None:
            merged = self._base.config
            for folder in self.overrides:
                if (folder / "brand.toml").is_file():
                    merged = _merge(merged, _read_toml(folder / "brand.toml"))
            return merged
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

    def statistics_files(self) -> list[Path]:
        """The statistics files that apply, in order: the national one (the user pack's, else the
        bundled), then each override folder's own (their figures are added)."""
        national = self._base.statistics_files()[0] if self._base is not None else self.find("brand", STATISTICS_FILE)
        return [national] + [f / STATISTICS_FILE for f in self.overrides if (f / STATISTICS_FILE).is_file()]

    @cached_property
    def statistics(self):
        from .statistics import load_statistics

        if self._base is None:
            return load_statistics(self.find("brand", STATISTICS_FILE))
        merged = self._base.statistics
        for path in self.statistics_files()[1:]:
            merged = merged.with_figures(load_statistics(path))
        return merged

    @property
    def local_figures(self) -> list[str]:
        """The ids of the figures the override folders add (in their files' order)."""
        national = self.base.statistics.figures
        return [fid for fid in self.statistics.figures if fid not in national]

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
