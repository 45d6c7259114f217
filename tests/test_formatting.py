import datetime as dt

from netral_assets.model.formatting import (
    format_date_id,
    format_fixed,
    format_megabytes,
    format_megapixels,
    format_number,
    format_percent_id,
    format_rupiah,
)


def test_indonesian_numbers_percent_dates():
    assert format_number(1678) == "1.678"
    assert format_number(12.5) == "12,5"
    assert format_percent_id(88 / 201) == "43,8%"
    assert format_percent_id(0.5) == "50,0%"
    assert format_date_id(dt.date(2023, 11, 15)) == "15 November 2023"
    assert format_date_id(dt.date(2023, 11, 15), weekday=True) == "Rabu, 15 November 2023"
    assert format_rupiah(12_000_000) == "Rp12.000.000,00"


def test_sizes_and_fixed_decimals_read_as_the_old_messages_did():
    assert format_megabytes(40 * 1024 * 1024) == "40,0 MB"
    assert format_megabytes(13_107_200) == "12,5 MB"
    assert format_megabytes(1536 * 1024 * 1024) == "1.536,0 MB"
    assert format_megapixels(80_000_000) == "80,0 MP"
    assert format_megapixels(150_000_000) == "150,0 MP"
    assert format_fixed(2.14159) == "2,1" and format_fixed(1234.5) == "1.234,5" and format_fixed(7, 0) == "7"
    # Rounds like Python's own formatting of the float (which the replaced helpers used).
    for value in (0.05, 0.35, 12.25, 999.95, 2.675, 1_000_000.05):
        assert format_fixed(value) == f"{value:,.1f}".replace(",", "_").replace(".", ",").replace("_", ".")
