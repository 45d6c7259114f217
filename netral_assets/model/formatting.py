"""Numbers, percentages, sizes and dates -> Indonesian text (EYD) through Babel's `id` locale.

1678 -> "1.678", 0.438 -> "43,8%", 13107200 bytes -> "12,5 MB", date(2023, 11, 15) -> "15 November 2023".
Every number the package shows a person goes through here (no string-replace formatters elsewhere).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal, format_percent

LOCALE = "id"


@cache
def _locale() -> Locale:
    return Locale.parse(LOCALE)


def format_number(value: float) -> str:
    """1678 -> '1.678'; 12.5 -> '12,5'."""
    return format_decimal(value, locale=_locale())


def format_fixed(value: float, decimals: int = 1) -> str:
    """1234.5 -> '1.234,5'; always `decimals` digits after the comma (2 -> '2,0').

    The float goes to Babel as its exact binary value, so it rounds as Python's own `f"{value:.1f}"`
    does (12.25 -> '12,2'; 0.35, stored as 0.34999..., -> '0,3')."""
    pattern = "#,##0." + "0" * decimals if decimals else "#,##0"
    return format_decimal(Decimal(value), format=pattern, locale=_locale())


def format_megabytes(n_bytes: int) -> str:
    """13107200 -> '12,5 MB' (1 MB = 1.048.576 bytes, as phones and file managers count)."""
    return f"{format_fixed(n_bytes / 1024 / 1024)} MB"


def format_megapixels(n_pixels: int) -> str:
    """80000000 -> '80,0 MP'."""
    return f"{format_fixed(n_pixels / 1e6)} MP"


def format_percent_id(fraction: float, decimals: int = 1) -> str:
    """0.438 -> '43,8%'. Babel's default `id` pattern rounds to whole percents, so give one decimal."""
    pattern = "#,##0%" if decimals == 0 else "#,##0." + "0" * decimals + "%"
    return format_percent(fraction, format=pattern, locale=_locale())


def format_date_id(value: dt.date, weekday: bool = False) -> str:
    """date(2023, 11, 15) -> '15 November 2023' (or 'Rabu, 15 November 2023')."""
    pattern = "EEEE, d MMMM y" if weekday else "d MMMM y"
    return _babel_date(value, format=pattern, locale=_locale())


def format_rupiah(value: int) -> str:
    """12000000 -> 'Rp12.000.000,00' (EYD: no space after Rp)."""
    return "Rp" + format_decimal(value, format="#,##0.00", locale=_locale())
