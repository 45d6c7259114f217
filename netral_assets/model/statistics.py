"""Statistics: `statistics.toml` -> `Figure`s with provenance, derived percentages and checks.

This is the only way a number reaches a template. A percentage is computed from two counts; what the
source printed is kept only to check it (`netral stats --check`).
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..errors import NetralError
from .formatting import format_date_id, format_number, format_percent_id

DEFAULT_MAX_AGE_DAYS = 3 * 365


def quoted_decimals(quoted: float | int) -> int:
    """How many decimals the source printed: 52 -> 0, 67.1 -> 1, 26.67 -> 2 (as written in
    statistics.toml; a TOML integer is a whole percent)."""
    if isinstance(quoted, int):
        return 0
    text = repr(float(quoted))
    if "e" in text or "." not in text:  # 1e-05 and the like: use Decimal's own exponent
        return max(0, -Decimal(text).normalize().as_tuple().exponent)
    return len(text.split(".", 1)[1].rstrip("0"))


def rounded_percent(value: int, base: int, decimals: int) -> Decimal:
    """value / base as a percentage, rounded half up to `decimals` places, exactly (59 of 88 is
    67,045…% -> 67,0, not 67,1: one rounding, from the counts, never a rounded value rounded again)."""
    exact = Decimal(value) * 100 / Decimal(base)
    return exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def agrees_with_counts(quoted: float | int, value: int, base: int) -> bool:
    """Whether a quoted percentage is what the counts give at the precision it was printed with: a
    percent with one decimal must equal the computed one rounded to one decimal."""
    decimals = quoted_decimals(quoted)
    return rounded_percent(value, base, decimals) == Decimal(repr(quoted)).quantize(Decimal(1).scaleb(-decimals))


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str = ""
    url: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class Figure:
    id: str
    label: str
    value: int
    period: str
    as_of: dt.date
    body: str
    source: Source | None
    of: str | None = None
    quoted_percent: float | None = None

    @property
    def text(self) -> str:
        return format_number(self.value)

    def age_days(self, today: dt.date | None = None) -> int:
        """Days from the data's cut-off (`as_of`) to `today`."""
        return ((today or dt.date.today()) - self.as_of).days

    def is_stale(self, today: dt.date | None = None, max_age_days: int = DEFAULT_MAX_AGE_DAYS) -> bool:
        return self.age_days(today) > max_age_days

    @property
    def published(self) -> dt.date:
        """The date the source published the figure (its `date`), else the data's own date (`as_of`)."""
        return self.source.date if self.source and self.source.date else self.as_of

    @property
    def source_line(self) -> str:
        """'Sumber: KASN, 22 November 2023' — printed under every figure: who counted, and when the
        source published it (a cut-off before that, "s.d. 15 Nov", belongs in the period)."""
        return f"Sumber: {self.body}, {format_date_id(self.published)}"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "label": self.label,
            "value": self.value,
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "published": self.published.isoformat(),
            "body": self.body,
            "source_title": self.source.title if self.source else None,
            "source_url": self.source.url if self.source else None,
        }


@dataclass(frozen=True)
class Finding:
    figure: str
    problem: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        return f"{self.figure}: {self.problem}"


class Statistics:
    """All figures of a pack, by id."""

    def __init__(self, figures: list[Figure], path: Path | None = None):
        self.path = path
        self.figures = {f.id: f for f in figures}

    def __iter__(self):
        return iter(self.figures.values())

    def __len__(self) -> int:
        return len(self.figures)

    def get(self, figure_id: str) -> Figure:
        try:
            figure = self.figures[figure_id]
        except KeyError:
            raise NetralError(
                f"Angka statistik '{figure_id}' tidak ada di {self.path}. "
                "Tambahkan ke statistics.toml atau perbaiki nama di templat."
            ) from None
        if figure.source is None:
            raise NetralError(
                f"Angka '{figure_id}' tidak punya sumber, sehingga tidak boleh dicetak. "
                "Isi `source` di statistics.toml."
            )
        return figure

    def with_figures(self, other: Statistics) -> Statistics:
        """These figures and `other`'s (a regional override's statistics.toml), each with its own
        sources; an id both have is refused: a national figure is never replaced by a local one."""
        taken = sorted(set(self.figures) & set(other.figures))
        if taken:
            raise NetralError(
                f"{other.path}: angka {', '.join(taken)} sudah ada di {self.path}. Angka daerah ditambahkan, "
                "tidak menggantikan angka nasional; beri id lain (mis. diawali kode provinsi)."
            )
        return Statistics([*self.figures.values(), *other.figures.values()], other.path)

    def base(self, figure: Figure) -> Figure | None:
        return self.figures.get(figure.of) if figure.of else None

    def fraction(self, figure: Figure) -> float | None:
        base = self.base(figure)
        if base is None or base.value == 0:
            return None
        return figure.value / base.value

    def percent_text(self, figure: Figure) -> str | None:
        fraction = self.fraction(figure)
        return None if fraction is None else format_percent_id(fraction)

    def check(self, today: dt.date | None = None, max_age_days: int = DEFAULT_MAX_AGE_DAYS):
        """Findings: figures without a source, stale figures, quoted percentages that disagree."""
        today = today or dt.date.today()
        findings: list[Finding] = []
        for f in self:
            if f.source is None:
                findings.append(Finding(f.id, "tidak punya sumber; tidak akan dicetak"))
            elif not f.source.url:
                findings.append(Finding(f.id, f"sumber '{f.source.title}' tanpa URL", "warning"))
            age = f.age_days(today)
            if age > max_age_days:
                findings.append(
                    Finding(
                        f.id,
                        f"data per {format_date_id(f.as_of)} sudah berumur {age} hari "
                        f"(batas {max_age_days}); cari angka yang lebih baru",
                        "warning",
                    )
                )
            if f.of and f.of not in self.figures:
                findings.append(Finding(f.id, f"`of` menunjuk angka yang tidak ada: {f.of}"))
            fraction = self.fraction(f)
            base = self.base(f)
            if f.quoted_percent is not None and fraction is not None:
                if not agrees_with_counts(f.quoted_percent, f.value, base.value):
                    decimals = quoted_decimals(f.quoted_percent)
                    computed = rounded_percent(f.value, base.value, decimals)
                    findings.append(
                        Finding(
                            f.id,
                            f"sumber menulis {format_percent_id(f.quoted_percent / 100, decimals)}, padahal "
                            f"{format_number(f.value)} dari {format_number(base.value)} adalah "
                            f"{format_percent_id(fraction, decimals + 2)}, dibulatkan "
                            f"{format_percent_id(float(computed) / 100, decimals)}",
                        )
                    )
        return findings


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    raise NetralError(f"{where}: tanggal harus berformat YYYY-MM-DD, bukan {value!r}.")


def load_statistics(path: Path) -> Statistics:
    """Read a statistics file; a malformed entry is reported by id and field."""
    try:
        with Path(path).open("rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise NetralError(f"{path} bukan TOML yang valid: {exc}") from exc
    sources = {}
    for sid, s in data.get("sources", {}).items():
        sources[sid] = Source(
            id=sid,
            title=s.get("title", ""),
            publisher=s.get("publisher", ""),
            url=s.get("url", ""),
            date=_date(s["date"], f"sumber {sid}") if "date" in s else None,
        )
    figures = []
    for i, raw in enumerate(data.get("figures", []), 1):
        fid = raw.get("id", f"#{i}")
        missing = [k for k in ("id", "label", "value", "period", "as_of", "body") if k not in raw]
        if missing:
            raise NetralError(f"{path}: angka {fid} tidak punya {', '.join(missing)}.")
        if not isinstance(raw["value"], int) or raw["value"] < 0:
            raise NetralError(f"{path}: angka {fid} harus bilangan bulat ≥ 0 (jumlah, bukan persen).")
        source_id = raw.get("source")
        if source_id and source_id not in sources:
            raise NetralError(f"{path}: angka {fid} menunjuk sumber yang tidak ada: {source_id}.")
        figures.append(
            Figure(
                id=fid,
                label=raw["label"],
                value=raw["value"],
                period=str(raw["period"]),
                as_of=_date(raw["as_of"], f"angka {fid}"),
                body=raw["body"],
                source=sources.get(source_id) if source_id else None,
                of=raw.get("of"),
                quoted_percent=raw.get("quoted_percent"),
            )
        )
    return Statistics(figures, Path(path))
