import csv

import pytest

from netral_assets.errors import NetralError
from netral_assets.model.agencies import custom_agency, load_registry


def test_registry_counts(registry):
    levels = [a.level for a in registry]
    assert levels.count("provinsi") == 38
    assert levels.count("kabkota") == 514
    assert levels.count("pusat") >= 70
    assert len({a.slug for a in registry}) == len(registry)


@pytest.mark.parametrize(
    "query, name",
    [
        ("34.04", "Pemerintah Kabupaten Sleman"),
        ("kabupaten-sleman", "Pemerintah Kabupaten Sleman"),
        ("Kabupaten Sleman", "Pemerintah Kabupaten Sleman"),
        ("Pemerintah Kota Yogyakarta", "Pemerintah Kota Yogyakarta"),
        ("32", "Pemerintah Provinsi Jawa Barat"),
        ("31", "Pemerintah Provinsi DKI Jakarta"),
        ("31.71", "Pemerintah Kota Administrasi Jakarta Pusat"),
        ("31.01", "Pemerintah Kabupaten Administrasi Kepulauan Seribu"),
        ("11", "Pemerintah Aceh"),
        ("KemenPANRB", "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"),
        ("bkn", "Badan Kepegawaian Negara"),
    ],
)
def test_find_by_code_slug_or_name(registry, query, name):
    assert registry.find(query).name == name


def test_regency_knows_its_province(registry):
    sleman = registry.find("34.04")
    assert sleman.level == "kabkota"
    assert registry.find(sleman.province).code == "34"


def test_near_miss_suggests(registry):
    with pytest.raises(NetralError) as err:
        registry.find("slemen")
    assert "Kabupaten Sleman (34.04)" in str(err.value)


def test_ambiguous_name_lists_candidates(registry):
    with pytest.raises(NetralError) as err:
        registry.find("Bandung")
    assert "Kota Bandung" in str(err.value) and "Kabupaten Bandung" in str(err.value)


def test_kasn_is_not_a_current_agency(registry):
    assert not registry.search("Komisi Aparatur Sipil Negara")


def test_user_csv_adds_units(tmp_path):
    path = tmp_path / "units.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "short_name", "province", "email"])
        w.writerow(["Badan Kepegawaian Daerah Kabupaten Sleman", "BKD Sleman", "34", "bkd@slemankab.go.id"])
    registry = load_registry(path)
    unit = registry.find("BKD Sleman")
    assert unit.name == "Badan Kepegawaian Daerah Kabupaten Sleman"
    assert unit.level == "custom" and unit.province == registry.find("34").slug
    assert unit.contact == {"email": "bkd@slemankab.go.id"}


@pytest.mark.parametrize("hidden", ["\u202e", "\x07", "\u200b", "\u2066", "\x85"])
def test_a_name_with_hidden_characters_is_refused_at_input(tmp_path, hidden):
    # A right-to-left override makes a printed name read differently from what was typed: refuse it,
    # naming the character, in the web's typed names and in a CSV of units alike.
    with pytest.raises(NetralError, match=f"U\\+{ord(hidden):04X}.*Ketik ulang"):
        custom_agency(f"Dinas{hidden} Kominfo")
    path = tmp_path / "units.csv"
    path.write_text(f"name\nBadan Kepegawaian{hidden} Daerah\n", encoding="utf-8")
    with pytest.raises(NetralError, match="baris 2: kolom name berisi karakter tersembunyi"):
        load_registry(path)
    assert custom_agency("Dinas\tKominfo \n Sleman").name == "Dinas Kominfo Sleman"  # whitespace is only collapsed


def test_user_csv_without_name_column_is_refused(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("nama\nBKD\n")
    with pytest.raises(NetralError, match="kolom 'name'"):
        load_registry(path)


def test_select_by_level_and_province_in_reading_order(registry):
    diy = registry.select("semua", "34")
    assert [a.level for a in diy] == ["provinsi"] + ["kabkota"] * 5  # the province first
    assert [a.code for a in diy[1:]] == sorted(a.code for a in diy[1:])
    assert registry.select("kabkota", "DI Yogyakarta") == diy[1:]
    provinces = registry.select("provinsi")
    assert len(provinces) == 38 and provinces[0].code == "11"
    assert all(a.level == "pusat" for a in registry.select("pusat"))
    with pytest.raises(NetralError, match="harus sebuah provinsi"):
        registry.select("kabkota", "34.04")
    with pytest.raises(NetralError, match="tidak dikenal"):
        registry.select("desa")


def test_spellings_follow_the_official_data_and_both_forms_are_found(registry):
    """The review asked to verify "Fakfak" and "Tanjungpinang" (the spellings the regency and the city
    use themselves). The bundled Kemendagri data (Kepmendagri 300.2.2-2138/2025, via idn-area-data,
    shipped unchanged under ODbL) writes "Fak Fak" and "Tanjung Pinang", so the registry keeps them;
    a user typing either form finds the agency."""
    for code, official, *typed in (("92.03", "Pemerintah Kabupaten Fak Fak", "Fakfak", "Fak Fak"),
                                   ("21.72", "Pemerintah Kota Tanjung Pinang", "Tanjungpinang", "Tanjung Pinang")):
        assert registry.find(code).name == official
        for term in typed:
            assert registry.search(term, 3)[0].code == code, term


def test_unreadable_or_empty_csvs_are_one_clear_line(tmp_path, registry):
    from netral_assets.batch.options import select_agencies
    from netral_assets.model.agencies import read_agency_csv

    big = tmp_path / "big.csv"
    big.write_text('name,province\n"' + "x" * 200_000 + '",34\n', "utf-8")
    with pytest.raises(NetralError, match="satu sel terlalu panjang .*131.072 karakter"):
        read_agency_csv(big, registry)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name\nDinas Pariwisata Sumenep Caf\xe9\n".encode("latin-1"))
    with pytest.raises(NetralError, match="bukan CSV UTF-8"):
        read_agency_csv(latin, registry)
    empty = tmp_path / "empty.csv"
    empty.write_text("name,province\n", "utf-8")
    with pytest.raises(NetralError, match="tidak berisi satu baris instansi pun") as raised:
        select_agencies(registry, None, None, str(empty))
    assert "None" not in str(raised.value)
