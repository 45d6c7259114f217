"""Numbers, percentages and dates -> Indonesian text (EYD) through Babel's `id` locale.

1678 -> "1.678", 0.438 -> "43,8%", date(2023, 11, 15) -> "15 November 2023".
"""

from __future__ import annotations

import datetime as dt
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
