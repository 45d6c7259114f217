"""Agency registry: a Kemendagri code, slug or name -> `Agency` (official display name, short name,
slug, level, province).

Built from the bundled wilayah tables (38 provinces, 514 regencies and cities; ODbL, see
data/wilayah/SOURCE.md), the central government table `data/pusat.csv`, and any user CSV.
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..errors import NetralError
from ..resources import DATA_DIR
from .formatting import format_number

LEVELS = ("provinsi", "kabkota", "pusat", "custom")
CONTACT_FIELDS = ("address", "phone", "email", "website")

# Provinces whose government is not styled "Pemerintah Provinsi <name>".
_PROVINCE_STYLE = {
    "11": ("Pemerintah Aceh", "Aceh"),  # UU 11/2006 tentang Pemerintahan Aceh
    "31": ("Pemerintah Provinsi DKI Jakarta", "DKI Jakarta"),
    "34": ("Pemerintah Daerah Daerah Istimewa Yogyakarta", "DI Yogyakarta"),  # UU 13/2012 (Keistimewaan DIY)
}


@dataclass(frozen=True)
class Agency:
    code: str
    name: str  # the official display name: "Pemerintah Kabupaten Sleman"
    short_name: str  # "Kabupaten Sleman", "KemenPANRB"
    slug: str
    level: str
    province: str | None = None  # province slug; None for central and custom units without one
    legal_basis: str = ""
    contact: dict = field(default_factory=dict, compare=False, hash=False)
    # The agency's own emblem (the CSV's `logo` column, resolved against the CSV's folder): a path on
    # this machine, so never part of `as_dict` (manifests name the emblem by file name and sha256).
    logo: str | None = field(default=None, compare=False, hash=False)

    def as_dict(self) -> dict:
        d = {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "slug": self.slug,
            "level": self.level,
            "province": self.province,
        }
        if self.legal_basis:
            d["legal_basis"] = self.legal_basis
        if self.contact:
            d["contact"] = dict(self.contact)
        return d


def slugify(text: str) -> str:
    """'Kota Administrasi Jakarta Pusat' -> 'kota-administrasi-jakarta-pusat'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _norm(text: str) -> str:
    text = slugify(text).replace("-", " ")
    text = re.sub(r"\b(pemerintah|pemda|pemkab|pemkot|pemprov)\b", " ", text)
    text = re.sub(r"\bkab\b", "kabupaten", text)
    text = re.sub(r"\bprov\b", "provinsi", text)
    return " ".join(text.split())


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _province_agency(code: str, name: str) -> Agency:
    display, short = _PROVINCE_STYLE.get(code, (f"Pemerintah Provinsi {name}", f"Provinsi {name}"))
    slug = slugify(f"provinsi {short.removeprefix('Provinsi ')}")
    return Agency(code, display, short, slug, "provinsi", slug)


def _regency_agency(code: str, name: str, province_slug: str) -> Agency:
    return Agency(code, f"Pemerintah {name}", name, slugify(name), "kabkota", province_slug)


class Registry:
    """Every known agency, searchable by code, slug and name."""

    def __init__(self, agencies: list[Agency]):
        self.agencies: list[Agency] = []
        self._by_key: dict[str, Agency] = {}
        for agency in agencies:
            self.add(agency)

    def add(self, agency: Agency) -> None:
        if agency.slug in self._by_key and self._by_key[agency.slug] is not agency:
            raise NetralError(
                f"Slug '{agency.slug}' dipakai dua kali ({self._by_key[agency.slug].name} dan "
                f"{agency.name}). Beri kolom slug yang lain di CSV."
            )
        self.agencies.append(agency)
        for key in (agency.code, agency.slug):
            if key:
                self._by_key[key] = agency

    def __len__(self) -> int:
        return len(self.agencies)

    def __iter__(self):
        return iter(self.agencies)

    def province_slug(self, query: str) -> str:
        """The slug of the province `query` names (code '34', slug or name); NetralError for anything
        that is not a province."""
        found = self.find(query)
        if found.level != "provinsi":
            raise NetralError(f"--province harus sebuah provinsi (kode dua angka, mis. 34), bukan {found.short_name}.")
        return found.province

    def select(self, level: str | None, province: str | None = None, units: Iterable[Agency] = ()) -> list[Agency]:
        """The agencies of `level` ('semua': every level, but not the units of a user's CSV; None: none)
        plus `units`, only those in `province` when given, in reading order: province by province (the
        province's government, then its regencies and cities, then units), central agencies last."""
        if level is not None and level not in (*LEVELS, "semua"):
            raise NetralError(f"Tingkat '{level}' tidak dikenal; pilih: {', '.join(LEVELS)}, semua.")
        slug = self.province_slug(province) if province else None
        chosen = [a for a in self if level == a.level or (level == "semua" and a.level != "custom")]
        chosen += [a for a in units if a not in chosen]
        if slug:
            chosen = [a for a in chosen if a.province == slug]
        order = {code: i for i, code in enumerate(a.province for a in self if a.level == "provinsi")}
        rank = {"provinsi": 0, "kabkota": 1, "custom": 2, "pusat": 3}
        return sorted(chosen, key=lambda a: (a.level == "pusat", order.get(a.province, len(order)), rank[a.level],
                                             a.code))

    def search(self, term: str, limit: int = 20) -> list[Agency]:
        """Agencies whose names contain every word of `term`, best first; else near misses."""
        words = _norm(term).split()
        if not words:
            return []
        hits = [a for a in self if all(w in _norm(f"{a.name} {a.short_name} {a.code}") for w in words)]
        hits.sort(key=lambda a: (len(a.name), a.name))
        if hits:
            return hits[:limit]
        return self.suggest(term, limit)

    def suggest(self, term: str, limit: int = 5) -> list[Agency]:
        norm = _norm(term)
        keys = {}
        for a in self:
            for key in {_norm(a.short_name), _norm(a.name), a.slug.replace("-", " ")}:
                keys.setdefault(key, a)
                # "slemen" should find "Kabupaten Sleman": compare with the name without its prefix
                tail = re.sub(r"^(kabupaten|kota|provinsi)( administrasi)? ", "", key)
                keys.setdefault(tail, a)
        close = difflib.get_close_matches(norm, list(keys), n=limit * 3, cutoff=0.72)
        result: list[Agency] = []
        for key in close:
            if keys[key] not in result:
                result.append(keys[key])
        return result[:limit]

    def find(self, query: str) -> Agency:
        """One agency for a code ('34.04'), slug ('kabupaten-sleman') or name ('Kabupaten Sleman')."""
        query = (query or "").strip()
        if not query:
            raise NetralError("Instansi belum diisi. Contoh: --agency \"Kabupaten Sleman\" atau --agency 34.04")
        if query in self._by_key:
            return self._by_key[query]
        if slugify(query) in self._by_key:
            return self._by_key[slugify(query)]
        norm = _norm(query)
        exact = [a for a in self if norm in (_norm(a.name), _norm(a.short_name))]
        if len(exact) == 1:
            return exact[0]
        hits = exact or self.search(query, limit=50)
        contained = [a for a in hits if all(w in _norm(f"{a.name} {a.short_name}") for w in norm.split())]
        if len(contained) == 1:
            return contained[0]
        if len(contained) > 1:
            names = "; ".join(f"{a.short_name} ({a.code})" for a in contained[:8])
            raise NetralError(
                f"'{query}' cocok dengan beberapa instansi: {names}. Tulis lebih lengkap atau pakai kodenya."
            )
        suggestions = self.suggest(query)
        hint = (
            " Maksud Anda: " + "; ".join(f"{a.short_name} ({a.code})" for a in suggestions) + "?"
            if suggestions
            else " Cari dengan: netral agencies search KATA"
        )
        raise NetralError(f"Instansi '{query}' tidak ditemukan.{hint}")


@cache
def _bundled_agencies() -> tuple[Agency, ...]:
    wilayah = DATA_DIR / "wilayah"
    agencies: list[Agency] = []
    province_slugs = {}
    for row in _read_csv(wilayah / "provinces.csv"):
        agency = _province_agency(row["code"], row["name"])
        province_slugs[row["code"]] = agency.slug
        agencies.append(agency)
    for row in _read_csv(wilayah / "regencies.csv"):
        agencies.append(_regency_agency(row["code"], row["name"], province_slugs[row["province_code"]]))
    pusat = DATA_DIR / "pusat.csv"
    if pusat.is_file():
        for row in _read_csv(pusat):
            agencies.append(
                Agency(
                    code=row["slug"],
                    name=row["name"],
                    short_name=row["short_name"],
                    slug=row["slug"],
                    level="pusat",
                    legal_basis=row.get("legal_basis", ""),
                )
            )
    return tuple(agencies)


MAX_NAME_LENGTH = 160
# Characters a name never needs and a forger uses: C0/C1 controls, zero-width marks, and the
# bidirectional controls that make "Kabupaten" print reversed or hide a word.
HIDDEN_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def checked_name(name: str, where: str = "Nama instansi") -> str:
    """A name as printed (whitespace collapsed), or NetralError naming a hidden character and the fix."""
    hidden = HIDDEN_CHARACTERS.search(name)
    if hidden:
        raise NetralError(f"{where} berisi karakter tersembunyi (U+{ord(hidden.group()):04X}, karakter kendali atau "
                          "pengubah arah teks). Ketik ulang namanya tanpa menyalin dari dokumen lain.")
    return " ".join(name.split())


def read_agency_csv(path: str | Path, registry: Registry, errors: list[str] | None = None) -> list[Agency]:
    """A user's own units: CSV with `name` and optional short_name, slug, code, province, address,
    phone, email, website, logo (the unit's emblem, a PNG/JPEG/SVG file; a relative path is read from
    the CSV's folder).

    A bad row raises NetralError; given an `errors` list, its message is appended there instead and the
    other rows are still read (a batch must not stop for one bad row).
    """
    path = Path(path)
    if not path.is_file():
        raise NetralError(f"Berkas CSV instansi {path} tidak ada.")
    try:
        rows = _read_csv(path)
    except UnicodeDecodeError as exc:
        raise NetralError(f"{path} bukan CSV UTF-8 yang valid (bita ke-{exc.start}). Simpan ulang sebagai CSV UTF-8.") from exc
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise NetralError(f"{path}: satu sel terlalu panjang (lebih dari {format_number(csv.field_size_limit())} karakter); "
                              "periksa tanda kutip yang tidak ditutup, atau persingkat isinya.") from exc
        raise NetralError(f"{path} bukan CSV yang valid ({exc}). Simpan ulang sebagai CSV UTF-8.") from exc
    if rows and "name" not in rows[0]:
        raise NetralError(f"{path} harus punya kolom 'name' (kolom lain opsional: short_name, slug, province).")
    agencies = []
    for line, row in enumerate(rows, 2):
        try:
            agencies.append(_csv_agency(path, line, row, registry))
        except NetralError as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    return agencies


def _csv_agency(path: Path, line: int, row: dict, registry: Registry) -> Agency:
    name = checked_name(row.get("name") or "", f"{path}, baris {line}: kolom name")
    if not name:
        raise NetralError(f"{path}, baris {line}: kolom name kosong.")
    if len(name) > MAX_NAME_LENGTH:
        raise NetralError(f"{path}, baris {line}: nama lebih dari {MAX_NAME_LENGTH} karakter.")
    province = None
    if row.get("province"):
        province = registry.find(row["province"]).province
    slug = slugify(row.get("slug") or name)
    if not slug:
        raise NetralError(f"{path}, baris {line}: nama '{name}' tidak menghasilkan slug; isi kolom slug.")
    logo = None
    if (row.get("logo") or "").strip():
        # Only its presence is checked here; its content is checked where it is drawn (agency_logo).
        file = (path.parent / row["logo"].strip()).resolve()
        if not file.is_file():
            raise NetralError(f"{path}, baris {line}: berkas logo {row['logo'].strip()} tidak ada (dicari di "
                              f"{file.parent}). Periksa nama berkasnya; jalur relatif dibaca dari folder CSV.")
        logo = str(file)
    return Agency(
        code=(row.get("code") or slug).strip(),
        name=name,
        short_name=" ".join((row.get("short_name") or name).split()),
        slug=slug,
        level="custom",
        province=province,
        contact={k: row[k].strip() for k in CONTACT_FIELDS if row.get(k)},
        logo=logo,
    )


def load_registry(extra_csv: str | Path | None = None) -> Registry:
    """The bundled registry, plus the units of `extra_csv` when given."""
    registry = Registry(list(_bundled_agencies()))
    if extra_csv:
        for agency in read_agency_csv(extra_csv, registry):
            registry.add(agency)
    return registry


def custom_agency(name: str) -> Agency:
    """An agency typed by hand (web page, --name): only its name is known."""
    name = checked_name(name)
    if not name or len(name) > MAX_NAME_LENGTH:
        raise NetralError(f"Nama instansi harus 1–{MAX_NAME_LENGTH} karakter.")
    slug = slugify(name) or "instansi"
    return Agency(slug, name, name, slug, "custom")
