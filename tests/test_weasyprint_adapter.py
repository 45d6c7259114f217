"""WeasyPrint's private internals stay behind one adapter (checks/boxes.py, with the splice in
render/splice.py and the PDF finisher in output/pdf_finish.py): an untested WeasyPrint or any failure
inside the splice costs the leaflet its layered layout, never the leaflet; a failure inside the PDF
finisher is a clear message, never a traceback nor a leaflet silently missing its tag-tree order."""

from __future__ import annotations

import logging
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from netral_assets import NetralError
from netral_assets.assets.leaflet import build_leaflet, clear_cache
from netral_assets.checks import boxes
from netral_assets.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "netral_assets"


@pytest.fixture
def fresh(caplog):
    """No kept bodies and nothing said yet; warnings captured."""
    clear_cache()
    caplog.set_level(logging.WARNING)
    yield caplog
    clear_cache()


@pytest.fixture(scope="module")
def whole(pack, sleman):
    """The trifold laid out whole: what an untested WeasyPrint gets."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(boxes, "TESTED_WEASYPRINT", ())
        clear_cache()
        data = build_leaflet(pack, sleman, "trifold").data
    clear_cache()
    return data


def _fallbacks(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "ditata utuh" in r.getMessage()]


def test_the_installed_weasyprint_is_the_tested_one_and_pinned():
    assert boxes.tested_weasyprint(), boxes.weasyprint_version()
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    (pin,) = [d for d in deps if re.match(r"weasyprint\b", d)]
    low, high = re.fullmatch(r"weasyprint>=(\d+),<(\d+)", pin.replace(" ", "")).groups()
    assert [str(v) for v in range(int(low), int(high))] == list(boxes.TESTED_WEASYPRINT), pin


def test_an_untested_weasyprint_lays_the_leaflet_out_whole_with_one_warning(pack, sleman, monkeypatch, fresh, whole):
    spliced = []
    real_new_page = boxes.new_page
    monkeypatch.setattr(boxes, "new_page", lambda root: spliced.append(root) or real_new_page(root))
    monkeypatch.setattr(boxes, "weasyprint_version", lambda: "71.0")
    first = build_leaflet(pack, sleman, "trifold")
    second = build_leaflet(pack, sleman, "trifold")
    assert spliced == []  # the splice was not attempted
    assert first.data == second.data == whole
    assert first.findings == []
    (message,) = _fallbacks(fresh)
    assert "WeasyPrint 71.0 belum diuji" in message and "70.x" in message


@pytest.mark.parametrize("error", [AttributeError, TypeError, ImportError, KeyError, IndexError, ValueError])
def test_any_failure_inside_the_splice_falls_back_to_the_whole_layout(pack, sleman, monkeypatch, fresh, whole, error):
    def broken(*args):
        raise error("WeasyPrint changed")

    monkeypatch.setattr(boxes, "new_page", broken)
    asset = build_leaflet(pack, sleman, "trifold")
    assert asset.data == whole
    assert asset.findings == []
    build_leaflet(pack, sleman, "trifold")
    (message,) = _fallbacks(fresh)  # once, however many leaflets
    assert error.__name__ in message and "WeasyPrint changed" in message


def test_a_failure_building_a_placeholder_falls_back_too(pack, sleman, monkeypatch, fresh, whole):
    """The trifold's slots are absolutely positioned: the splice builds WeasyPrint placeholders for
    them by hand (`AbsolutePlaceholder(box)`), whose constructor a changed WeasyPrint may not accept."""

    def changed(box):
        raise TypeError("AbsolutePlaceholder.__init__() missing 1 required positional argument")

    monkeypatch.setattr(boxes, "placeholder_for", changed)
    assert build_leaflet(pack, sleman, "trifold").data == whole
    assert len(_fallbacks(fresh)) == 1


def test_a_netral_error_inside_the_layers_is_not_hidden(pack, sleman, monkeypatch, fresh):
    def refused(*args):
        raise NetralError("Templat leaflet rusak.")

    monkeypatch.setattr(boxes, "new_page", refused)
    with pytest.raises(NetralError, match="Templat leaflet rusak"):
        build_leaflet(pack, sleman, "trifold")
    assert _fallbacks(fresh) == []


def test_a_failure_inside_the_pdf_finisher_is_a_clear_message(pack, sleman, monkeypatch, fresh, tmp_path):
    """Without the finisher the PDF would lack its panels' reading order and its QR modules: refused,
    said in Indonesian, no traceback."""
    from netral_assets.output import pdf_finish

    def changed(url):
        raise TypeError("pydyf changed")

    monkeypatch.setattr(pdf_finish, "qr_modules", changed)
    with pytest.raises(NetralError, match="tidak dapat diselesaikan") as raised:
        build_leaflet(pack, sleman, "trifold")
    assert "TypeError: pydyf changed" in str(raised.value) and "weasyprint>=70,<71" in str(raised.value)
    result = CliRunner().invoke(cli, ["leaflet", "--agency", "Kabupaten Sleman", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1 and "tidak dapat diselesaikan" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "x.pdf").exists()


INTERNALS = {
    r"\._page_box\b": {"checks/boxes.py"},
    r"\._box\b": {"checks/boxes.py"},
    r"\bAbsolutePlaceholder\b": {"checks/boxes.py"},
    r"weasyprint\.document import Page\b": {"checks/boxes.py"},
    r"\bgenerate_rdf_metadata\b": {"output/pdf_finish.py"},
    r"weasyprint\.pdf\.metadata\b": {"output/pdf_finish.py"},
    r"\b_to_bytes\b": {"output/pdf_finish.py"},
    r"\b_folder\b": {"checks/boxes.py"},
}


def test_weasyprint_internals_are_used_in_the_adapters_only():
    for pattern, allowed in INTERNALS.items():
        users = {
            path.relative_to(PACKAGE).as_posix()
            for path in PACKAGE.rglob("*.py")
            if re.search(pattern, path.read_text("utf-8"))
        }
        assert users <= allowed, (pattern, sorted(users - allowed))
