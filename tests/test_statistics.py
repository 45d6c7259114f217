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


def test_check_catches_the_seed_percentages_that_do_not_add_up(pack):
    """The tolerance is the printed precision: a quoted percent with one decimal must equal the
    computed one rounded to one decimal. 10 of 16 is 62,5% (quoted 62,7%); 59 of 88 is 67,045…%,
    which rounds to 67,0% (quoted 67,1%: only a rounded 67,05% rounded again gives 67,1%)."""
    findings = pack.statistics.check(today=dt.date(2024, 1, 1))
    errors = {f.figure: f.problem for f in findings if f.severity == "error"}
    assert sorted(errors) == ["kasn-2022-ditindaklanjuti", "kasn-2023-ditindaklanjuti"]
    assert "62,7%" in errors["kasn-2022-ditindaklanjuti"] and "62,5%" in errors["kasn-2022-ditindaklanjuti"]
    assert "67,1%" in errors["kasn-2023-ditindaklanjuti"] and "67,0%" in errors["kasn-2023-ditindaklanjuti"]
    assert "67,045%" in errors["kasn-2023-ditindaklanjuti"]


@pytest.mark.parametrize(
    ("quoted", "value", "base", "agrees"),
    [
        (67.1, 59, 88, False),  # 67,045…
        (67.0, 59, 88, True),
        (67.05, 59, 88, True),  # two decimals: 67,045… -> 67,05
        (62.7, 10, 16, False),
        (62.5, 10, 16, True),
        (26.7, 16, 60, True),  # 26,666…
        (43.8, 88, 201, True),  # 43,78…
        (78.5, 1597, 2034, True),  # 78,515… rounds half up only at the second decimal
        (90.8, 1450, 1597, True),  # 90,795…
        (52, 256, 492, True),  # whole percent: 52,03…
        (53, 97, 183, True),  # 53,005…
        (54, 97, 183, False),
        (12.5, 1, 8, True),  # exactly half a unit further: rounded up
        (12, 1, 8, False),  # 12,5 -> 13 (half up), not 12
    ],
)
def test_quoted_percent_is_checked_at_its_printed_precision(quoted, value, base, agrees):
    from netral_assets.model.statistics import agrees_with_counts

    assert agrees_with_counts(quoted, value, base) is agrees


def test_quoted_decimals_follow_what_was_written():
    from netral_assets.model.statistics import quoted_decimals

    assert [quoted_decimals(q) for q in (52, 67.1, 26.67, 53.0, 0.5)] == [0, 1, 2, 0, 1]


def test_stale_printed_figures_become_warnings(pack):
    """A printed figure's record (as the manifest keeps it) older than the limit is a `stale` warning."""
    from netral_assets.checks import WARNING_RULES, stale_figures

    records = [pack.statistics.get(i).as_dict() for i in ("kasn-2023-terbukti", "pilkada2024-temuan")]
    (warning,) = stale_figures(records, today=dt.date(2026, 12, 6))
    assert warning.rule == "stale" and warning.rule in WARNING_RULES
    assert warning.element == "kasn-2023-terbukti"
    assert "15 November 2023" in warning.message and "1117 hari" in warning.message
    assert stale_figures(records, today=dt.date(2026, 11, 14)) == []  # 1095 days: not yet
    assert len(stale_figures(records, today=dt.date(2030, 1, 1))) == 2
    assert pack.statistics.get("kasn-2023-terbukti").is_stale(dt.date(2026, 12, 6))


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
