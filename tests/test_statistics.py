import datetime as dt

import pytest

from netral_assets.errors import NetralError
from netral_assets.model.statistics import load_statistics


def test_every_figure_has_a_source_and_percentages_are_computed(pack):
    stats = pack.statistics
    assert len(stats) >= 20
    for figure in stats:
        assert figure.source is not None, figure.id
        assert figure.source.title
    terbukti = stats.get("kasn-2023-terbukti")
    assert terbukti.text == "88"
    assert stats.percent_text(terbukti) == "43,8%"
    assert terbukti.source_line == "Sumber: KASN, 22 November 2023"  # the publication, not the cut-off
    assert terbukti.as_of == dt.date(2023, 11, 15)


def test_check_catches_the_seed_percentage_that_does_not_add_up(pack):
    findings = pack.statistics.check(today=dt.date(2024, 1, 1))
    errors = [f for f in findings if f.severity == "error"]
    assert [f.figure for f in errors] == ["kasn-2022-ditindaklanjuti"]
    assert "62,7%" in errors[0].problem and "62,5%" in errors[0].problem
    # rounding is not an error: 59 of 88 is 67,05%, quoted 67,1%
    assert not any(f.figure == "kasn-2023-ditindaklanjuti" for f in errors)


def test_check_reports_stale_figures_by_configurable_age(pack):
    recent = pack.statistics.check(today=dt.date(2025, 1, 1), max_age_days=10_000)
    assert not [f for f in recent if "berumur" in f.problem]
    stale = pack.statistics.check(today=dt.date(2025, 1, 1), max_age_days=365)
    stale_ids = {f.figure for f in stale if "berumur" in f.problem}
    assert "kasn-2023-pengaduan" in stale_ids
    assert "pilkada2024-temuan" not in stale_ids


def test_figure_without_source_is_reported_and_never_printed(tmp_path):
    path = tmp_path / "statistics.toml"
    path.write_text(
        '[[figures]]\nid = "x"\nlabel = "L"\nvalue = 5\nperiod = "2024"\nas_of = 2024-01-01\nbody = "B"\n'
    )
    stats = load_statistics(path)
    assert any("tidak punya sumber" in f.problem for f in stats.check(today=dt.date(2024, 2, 1)))
    with pytest.raises(NetralError, match="tidak punya sumber"):
        stats.get("x")


def test_typed_percentage_is_refused(tmp_path):
    path = tmp_path / "statistics.toml"
    path.write_text(
        '[[figures]]\nid = "x"\nlabel = "L"\nvalue = 43.8\nperiod = "2024"\nas_of = 2024-01-01\nbody = "B"\n'
    )
    with pytest.raises(NetralError, match="bilangan bulat"):
        load_statistics(path)
