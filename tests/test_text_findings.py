"""Text that would print wrong is a finding, not silence: a character the pack's fonts have no glyph
for (an emoji: tofu), a name of zero-width or control characters only (prints as nothing), a
right-to-left override (prints the name reversed). Checked on every render, through the real
pipeline: an agency name on a layered poster (its footer is the agency layer). Typed names and CSV
units with hidden characters are refused at input (model.agencies.checked_name, tests/test_agencies.py);
preflight is the second line for text that arrives another way (a pack's files, a library caller), so
the agency is made here without that check."""

import pytest

from netral_assets import build_poster
from netral_assets.checks import RULES
from netral_assets.model.agencies import Agency


def _findings(pack, name):
    agency = Agency("uji", name, name, "uji", "custom")  # as custom_agency makes it, without its input check
    return build_poster(pack, agency, "larangan", "feed", ".png").findings


def test_an_emoji_in_an_agency_name_is_named_with_its_fix(pack):
    findings = [f for f in _findings(pack, "Dinas 🚀 Uji") if f.rule == "no-glyph"]
    assert len(findings) == 1, findings
    message = findings[0].message
    assert "U+1F680" in message and "🚀" in message
    assert "Plus Jakarta Sans" in message
    assert "hapus atau ganti karakter itu" in message  # the fix
    assert findings[0].element == "agency"


@pytest.mark.parametrize("name", ["\u200b\u200b\u200b", "\u200b\u200d\u2060", "\x01\x02"])
def test_a_name_of_invisible_characters_only_is_a_finding(pack, name):
    findings = [f for f in _findings(pack, name) if f.rule == "invisible-text"]
    assert len(findings) == 1, findings
    assert "tercetak kosong" in findings[0].message and "U+" in findings[0].message


def test_a_right_to_left_override_in_a_name_is_a_finding(pack):
    findings = [f for f in _findings(pack, "Dinas \u202eijU naisinimdA") if f.rule == "bidi-control"]
    assert len(findings) == 1, findings
    message = findings[0].message
    assert "U+202E" in message and "hapus karakter itu" in message
    assert "\u202e" not in message  # the message itself prints in order


def test_ordinary_names_have_no_text_findings(pack, longest):
    for name in ("Dinas Pendidikan Kabupaten Sleman", "Badan Kepegawaian Daerah (BKD) – Provinsi D.I. Yogyakarta",
                 longest.name):
        rules = {f.rule for f in _findings(pack, name)}
        assert not rules & {"no-glyph", "invisible-text", "bidi-control"}, (name, rules)


def test_text_rules_are_rules():
    assert {"no-glyph", "invisible-text", "bidi-control"} <= set(RULES)


def test_text_problems_on_plain_strings():
    from netral_assets.checks.glyphs import text_problems

    cmap = frozenset(map(ord, "Dinas Uji"))
    assert text_problems("Dinas Uji", cmap) == []
    assert text_problems("Dinas\u00adUji\u200b", cmap) == []  # soft hyphen, zero-width space: drawn as nothing
    assert [r for r, _ in text_problems("Dinas 🚀 Uji", cmap)] == ["no-glyph"]
    assert [r for r, _ in text_problems("Dinas 🚀 Uji", None)] == []  # a family the pack does not provide
    assert [r for r, _ in text_problems("\u2067Dinas\u2069", cmap)] == ["bidi-control"]
    assert [r for r, _ in text_problems(" \u3164 ", cmap)] == ["invisible-text"]
    assert text_problems("   ", cmap) == []  # whitespace alone is no name; never printed
