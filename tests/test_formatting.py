import datetime as dt

from netral_assets.model.formatting import format_date_id, format_number, format_percent_id, format_rupiah


def test_indonesian_numbers_percent_dates():
    assert format_number(1678) == "1.678"
    assert format_number(12.5) == "12,5"
    assert format_percent_id(88 / 201) == "43,8%"
    assert format_percent_id(0.5) == "50,0%"
    assert format_date_id(dt.date(2023, 11, 15)) == "15 November 2023"
    assert format_date_id(dt.date(2023, 11, 15), weekday=True) == "Rabu, 15 November 2023"
    assert format_rupiah(12_000_000) == "Rp12.000.000,00"
