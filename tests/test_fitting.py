"""Every registry name fits every design box, in every format (the DESIGN promise)."""

from pathlib import Path

import pytest

from netral_assets.model.designs import Box, list_designs
from netral_assets.render.fitting import fit_text
from netral_assets.render.fonts import font_file


def test_every_registry_name_fits_every_design(pack, registry):
    from netral_assets.render.context import keep_together

    keep = keep_together(pack)
    checked = 0
    for design in list_designs(pack):
        for fmt in design.formats:
            for box_name, box in design.boxes(fmt).items():
                if box_name != "agency":
                    continue
                font = font_file(pack, box.weight)
                for agency in registry:
                    fit = fit_text(agency.name, font, box, keep)
                    assert box.min_size <= fit.size <= box.max_size
                    assert len(fit.lines) <= box.max_lines
                    assert fit.size * fit.line_height * len(fit.lines) <= box.height + 0.01
                    joined = "".join(line if i == 0 or fit.lines[i - 1].endswith("/") else " " + line
                                     for i, line in enumerate(fit.lines))
                    assert joined == " ".join(agency.name.split())
                    checked += 1
    assert checked > 600 * 5


def test_fitter_balances_lines_and_prefers_larger_type(pack):
    font = font_file(pack, 800)
    box = Box(width=900, height=120, max_size=60, min_size=20, max_lines=2)
    short = fit_text("Pemerintah Kota Batu", font, box)
    assert short.lines == ("Pemerintah Kota Batu",) and short.size == 60
    long = fit_text("Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan", font, box)
    assert len(long.lines) == 2
    a, b = (len(line) for line in long.lines)
    assert abs(a - b) < 12  # balanced, not greedy


def test_text_that_cannot_fit_is_refused_with_advice(pack):
    from netral_assets.errors import NetralError

    box = Box(width=200, height=30, max_size=30, min_size=24, max_lines=1)
    with pytest.raises(NetralError, match="short_name"):
        fit_text("Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan", font_file(pack, 800), box)


def test_font_files_exist(pack):
    for weight in (400, 600, 700, 800):
        assert Path(font_file(pack, weight)).is_file()


def test_word_widths_kept_stay_bounded_over_many_typed_names_and_fits_do_not_change(pack):
    """Names typed on /frames/…?name= are measured word by word: 20,000 distinct words must not grow
    what is kept past its bound, and a fit measured again after eviction is the same fit."""
    from netral_assets.render import fitting

    font = font_file(pack, 800)
    box = Box(width=900, height=120, max_size=60, min_size=20, max_lines=2)
    names = ["Pemerintah Kota Batu", "Kementerian Koordinator Bidang Pembangunan Manusia dan Kebudayaan"]
    before = [fit_text(name, font, box) for name in names]
    kept = fitting._measurer(Path(font)).widths
    for n in range(20_000):
        fit_text(f"Pegawai{n:05d} Nama{n * 7919 % 100_003}", font, box)
        assert len(kept) <= fitting.WORDS_KEPT
    assert len(kept) == fitting.WORDS_KEPT
    assert [fit_text(name, font, box) for name in names] == before


def test_names_break_at_phrase_boundaries_and_after_slashes(pack):
    # "Kementerian Pendayagunaan / Aparatur Negara dan Reformasi Birokrasi", never "… Aparatur / Negara …"
    from netral_assets.render.context import keep_together

    font = font_file(pack, 800)
    box = Box(width=900, height=120, max_size=60, min_size=20, max_lines=2)
    keep = keep_together(pack)
    name = "Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"
    assert fit_text(name, font, box).lines[0].endswith("Aparatur")  # without the phrase list
    assert fit_text(name, font, box, keep).lines == ("Kementerian Pendayagunaan",
                                                     "Aparatur Negara dan Reformasi Birokrasi")
    slash = fit_text("Kementerian Kependudukan dan Pembangunan Keluarga/Badan Kependudukan dan Keluarga "
                     "Berencana Nasional", font, box, keep)
    assert slash.lines[0].endswith("Keluarga/") and slash.lines[1].startswith("Badan")
    one_line = fit_text("Dinas A/B", font, box, keep)
    assert one_line.lines == ("Dinas A/B",)  # the slash glues when both parts share a line
    # a phrase longer than a line still fits by breaking inside it
    narrow = Box(width=260, height=200, max_size=40, min_size=20, max_lines=3)
    assert fit_text("Aparatur Negara Republik Indonesia", font, narrow, ("Aparatur Negara Republik Indonesia",))
