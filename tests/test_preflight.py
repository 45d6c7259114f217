"""Preflight catches each rule: designs broken on purpose live in a user pack made for the test
(tmp/templates/poster/<name>/), rendered through the real pipeline; and `netral check` on files."""

import hashlib
import io
import json
import textwrap

import pytest
from click.testing import CliRunner
from PIL import Image

from netral_assets import NetralError, build_poster, load_pack
from netral_assets.checks.files import check_file
from netral_assets.checks.layout import RULES, contrast_ratio
from netral_assets.cli import cli

DESIGN_TOML = """\
title = "Uji {name}"
formats = ["square", "a4"]

[settings]
safe_top = 0
safe_bottom = 0

[fit.agency]
width = 800
height = 60
max_size = 30
min_size = 18
max_lines = 2
"""

HEAD = """\
{% import "base/macros.html.j2" as m with context %}
<!doctype html><html lang="id"><head>{{ m.head("uji") }}
<style>
  body { width: {{ fmt.width }}px; height: {{ fmt.height }}px; background: #fff; position: relative; }
  .agency { position: absolute; left: 60px; bottom: 60px; width: 800px; color: #12284C; font-weight: 800; }
  STYLE
</style></head><body>
<div class="agency">{{ m.fitted("agency") }}</div>
BODY
</body></html>
"""

# Each broken design and the one rule it must trip. The last one is the control.
BROKEN = {
    "overflow": (
        ".box { position: absolute; left: 60px; top: 100px; width: 300px; white-space: nowrap; font-size: 40px; }",
        '<div class="box" data-box="judul">Teks yang jauh terlalu panjang untuk kotak ini</div>',
    ),
    "clipped": (
        ".box { position: absolute; left: 1000px; top: 100px; width: 400px; font-size: 40px; }",
        '<div class="box" data-box="judul">Terpotong di tepi</div>',
    ),
    "collision": (
        ".a, .b { position: absolute; left: 60px; width: 600px; font-size: 40px; }"
        " .a { top: 100px; } .b { top: 120px; }",
        '<div class="a" data-box="judul">Judul</div><div class="b" data-box="isi">Isi bertumpuk</div>',
    ),
    # regression: a list grown over the sources line contains it completely; regions used to be
    # treated as nested by geometry, which hid exactly this collision
    "collision-contained": (
        ".list { position: absolute; left: 60px; top: 100px; width: 900px; height: 700px; font-size: 30px; }"
        " .src { position: absolute; left: 80px; top: 600px; width: 500px; font-size: 22px; }",
        '<div class="list" data-box="daftar">Daftar yang memanjang</div><p class="src" data-box="sumber">Sumber</p>',
    ),
    "too-small": (
        ".box { position: absolute; left: 60px; top: 100px; font-size: 11px; }",
        '<div class="box" data-box="catatan">Catatan kaki yang terlalu kecil untuk dibaca di ponsel</div>',
    ),
    # 21 px is under the 22-px floor of the social formats (sources and footers)
    "too-small-social": (
        ".box { position: absolute; left: 60px; top: 100px; font-size: 21px; }",
        '<p class="box" data-box="sumber">Sumber: KASN, 22 November 2023</p>',
    ),
    # an address breaks only after @ . or /: here the box is so narrow it breaks anywhere
    "broken-token": (
        ".box { position: absolute; left: 60px; top: 100px; width: 330px; font-size: 30px;"
        " overflow-wrap: anywhere; color: #12284C; }",
        '<p class="box" data-box="kontak">diskominfo@hulusungaiselatankab.go.id</p>',
    ),
    "lone-word": (
        ".box { position: absolute; left: 60px; top: 100px; width: 900px; font-size: 60px; color: #12284C; }",
        '<h1 class="box" data-box="title">Jangan ikut kampanye<br>calon</h1>',
    ),
    "lone-word-balance": (
        ".box { position: absolute; left: 60px; top: 100px; width: 900px; font-size: 40px; color: #12284C; }",
        '<ul class="box" style="list-style: none" data-box="points">'
        '<li><h3 data-balance>Jangan pakai fasilitas<br>negara</h3></li></ul>',
    ),
    "contrast": (
        ".box { position: absolute; left: 60px; top: 100px; font-size: 22px; color: #A0A8B8; }",
        '<div class="box" data-box="isi">Abu-abu muda di atas putih</div>',
    ),
    "contrast-nested": (
        # the nearest ancestor with a background decides: gold text on a pale panel inside a navy block
        ".navy { position: absolute; left: 60px; top: 100px; width: 900px; padding: 40px; background: #12284C; }"
        " .pale { background: #E4EAF4; padding: 20px; } .t { color: #F4C542; font-size: 30px; font-weight: 700; }",
        '<div class="navy"><div class="pale" data-box="panel"><p class="t">Emas di atas kabut</p></div></div>',
    ),
    "contrast-gradient": (
        # white text reads on the navy end of the gradient, not on the pale end
        ".band { position: absolute; left: 60px; top: 100px; width: 900px; padding: 30px;"
        " background: linear-gradient(to right, #12284C, #E4EAF4); } .band p { color: #FFFFFF; font-size: 30px; }",
        '<div class="band" data-box="pita"><p>Putih di atas gradasi</p></div>',
    ),
    "unsourced": (
        ".box { position: absolute; left: 60px; top: 100px; font-size: 60px; font-weight: 800; }",
        '{% set f = stat("kasn-2023-terbukti") %}<div class="box" data-box="angka">{{ f.text }} pelanggaran</div>',
    ),
    "qr": (
        ".code { position: absolute; left: 60px; top: 100px; width: 24px; height: 24px; }"
        " .code svg { width: 24px; height: 24px; display: block; }",
        '<div class="code">{{ qr("https://www.lapor.go.id") }}</div>',
    ),
    "qr-pale": (
        ".code { position: absolute; left: 60px; top: 100px; width: 300px; height: 300px; }"
        " .code svg { width: 300px; height: 300px; display: block; }",
        '<div class="code">{{ qr("https://www.lapor.go.id", "#F2F2F2") }}</div>',
    ),
    "baik": (
        ".box { position: absolute; left: 60px; top: 100px; width: 900px; font-size: 40px; color: #FFFFFF; }"
        " .panel { position: absolute; left: 40px; top: 80px; width: 1000px; height: 520px; background: #12284C; }"
        " .code { position: absolute; left: 60px; top: 200px; width: 300px; } .code svg { display: block; }"
        " .src { position: absolute; left: 400px; top: 260px; font-size: 22px; color: #E4EAF4; }",
        '<div class="panel"><div class="box" data-box="judul">Putih di atas biru tua</div>'
        # typeset right: a stacked headline of one word a line, an address broken after "@" only
        '<h1 class="box" style="top: 320px; left: 400px; width: 400px" data-box="title">Netralitas<br>ASN</h1>'
        '<p class="box" style="top: 160px; left: 400px; width: 560px; font-size: 30px" data-box="kontak">'
        'diskominfo@<wbr>hulusungaiselatankab.go.id</p>'
        '<div class="code">{{ qr("https://www.lapor.go.id") }}</div>'
        '{% set f = stat("kasn-2023-terbukti") %}<p class="src" data-box="sumber">{{ f.text }} · {{ f.source_line }}</p>'
        "</div>",
    ),
}
EXPECTED = {"contrast-nested": "contrast", "contrast-gradient": "contrast", "qr-pale": "qr", "collision-contained": "collision",
            "too-small-social": "too-small", "lone-word-balance": "lone-word"}


@pytest.fixture(scope="module")
def broken_pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("pack")
    for name, (style, body) in BROKEN.items():
        folder = root / "templates" / "poster" / f"uji-{name}"
        folder.mkdir(parents=True)
        (folder / "design.toml").write_text(DESIGN_TOML.format(name=name), "utf-8")
        (folder / "template.html.j2").write_text(HEAD.replace("STYLE", style).replace("BODY", body), "utf-8")
    return load_pack(root)


@pytest.mark.parametrize("name", [n for n in BROKEN if n != "baik"])
def test_preflight_catches_each_rule(broken_pack, sleman, name):
    asset = build_poster(broken_pack, sleman, f"uji-{name}", "square", ".png")
    rules = {f.rule for f in asset.findings}
    expected = EXPECTED.get(name, name)
    assert expected in rules, (name, [str(f) for f in asset.findings])
    # one broken thing, one finding (the others must not fire on it)
    assert rules == {expected}, [str(f) for f in asset.findings]
    for finding in asset.findings:
        assert finding.rule in RULES
        assert finding.element and finding.message


def test_a_correct_design_has_no_findings(broken_pack, sleman):
    asset = build_poster(broken_pack, sleman, "uji-baik", "square", ".png")
    assert asset.findings == []


def test_findings_name_the_element_and_the_fix(broken_pack, sleman):
    contrast = build_poster(broken_pack, sleman, "uji-contrast", "square", ".png").findings[0]
    assert contrast.element == "isi"
    assert "#A0A8B8" in contrast.message and "#FFFFFF" in contrast.message and "WCAG AA" in contrast.message
    unsourced = build_poster(broken_pack, sleman, "uji-unsourced", "square", ".png").findings[0]
    assert unsourced.element == "kasn-2023-terbukti"
    assert "Sumber: KASN, 22 November 2023" in unsourced.message
    qr = build_poster(broken_pack, sleman, "uji-qr", "square", ".png").findings[0]
    assert "https://www.lapor.go.id" in qr.message


def test_print_size_floor_is_in_points(broken_pack, sleman):
    """11 px is too small on screen; on A4 (0,55 pt per layout px) it is 6 pt, under the 7 pt floor."""
    asset = build_poster(broken_pack, sleman, "uji-too-small", "a4", ".pdf")
    (finding,) = asset.findings
    assert finding.rule == "too-small" and " pt " in finding.message


def test_a_failing_render_is_reported_not_written(broken_pack, tmp_path):
    out = tmp_path / "x.png"
    runner = CliRunner()
    brand = str(broken_pack.user_dir)
    result = runner.invoke(cli, ["poster", "-a", "34.04", "--brand", brand, "-d", "uji-contrast",
                                 "--format", "square", "-o", str(out)])
    assert result.exit_code == 1 and "kontras" in result.output and not out.exists()
    forced = runner.invoke(cli, ["poster", "-a", "34.04", "--brand", brand, "-d", "uji-contrast",
                                 "--format", "square", "-o", str(out), "--force"])
    assert forced.exit_code == 0 and out.exists()


def test_a_figure_without_a_source_never_reaches_a_template(tmp_path, sleman):
    """stat() refuses it, so no design can print it; preflight's own guard is the second line."""
    (tmp_path / "statistics.toml").write_text(textwrap.dedent("""\
        [[figures]]
        id = "tanpa-sumber"
        label = "Angka tanpa sumber"
        value = 123
        period = "2024"
        as_of = 2024-01-01
        body = "Entah"
    """), "utf-8")
    folder = tmp_path / "templates" / "poster" / "uji-tanpa-sumber"
    folder.mkdir(parents=True)
    (folder / "design.toml").write_text(DESIGN_TOML.format(name="tanpa-sumber"), "utf-8")
    (folder / "template.html.j2").write_text(
        HEAD.replace("STYLE", "").replace("BODY", '<p data-box="a">{{ stat("tanpa-sumber").text }}</p>'), "utf-8")
    with pytest.raises(NetralError, match="tidak punya sumber"):
        build_poster(load_pack(tmp_path), sleman, "uji-tanpa-sumber", "square", ".png")


def test_preflight_guard_flags_a_sourceless_figure_record():
    from netral_assets.checks.layout import source_line, unsourced

    record = {"id": "x", "body": "KASN", "as_of": "2023-11-15", "source_title": None}
    (finding,) = unsourced([record], source_line(record))  # printed with its line, yet without a source
    assert finding.rule == "unsourced" and finding.element == "x" and "tanpa sumber" in finding.message
    sourced = {**record, "source_title": "Laporan KASN"}
    assert unsourced([sourced], f"… {source_line(sourced)} …") == []
    (missing,) = unsourced([sourced], "")
    assert missing.rule == "unsourced" and source_line(sourced) in missing.message


@pytest.mark.parametrize(
    ("fg", "bg", "ratio"),
    [((0, 0, 0), (1, 1, 1), 21.0), ((1, 1, 1), (1, 1, 1), 1.0), ((1, 1, 1), (0x12 / 255, 0x28 / 255, 0x4C / 255), 14.6)],
)
def test_contrast_ratio_matches_wcag(fg, bg, ratio):
    assert contrast_ratio(fg, bg) == pytest.approx(ratio, abs=0.05)


def test_brand_pairs_used_by_the_designs_pass_aa(pack):
    colors = {k: tuple(int(v[i:i + 2], 16) / 255 for i in (1, 3, 5)) for k, v in pack.colors.items()}
    for fg, bg, need in pack.config["contrast"]["pairs"]:
        assert contrast_ratio(colors[fg], colors[bg]) >= need, (fg, bg)


# -- netral check on files -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def written(pack, sleman, tmp_path_factory):
    """A few posters written with a manifest.json, as `netral kit` would."""
    folder = tmp_path_factory.mktemp("kit")
    assets = [
        build_poster(pack, sleman, "lapor", "feed", ".jpg"),
        build_poster(pack, sleman, "statistik", "a4", ".pdf"),
        build_poster(pack, sleman, "lapor", "a3", ".pdf", print_marks=True),
    ]
    for a in assets:
        (folder / a.name).write_bytes(a.data)
    manifest = {"files": [a.manifest_entry() for a in assets]}
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


def test_check_passes_good_files_and_reads_what_it_can(written, pack):
    reports = {p.name: check_file(p, pack) for p in written.iterdir()}
    for name, report in reports.items():
        assert report.ok, (name, [str(f) for f in report.findings])
    facts = " ".join(reports["poster-lapor-a3.pdf"].facts)
    assert "A3" in facts and "BleedBox 3.0 mm" in facts and "semua huruf tertanam" in facts
    assert "kode QR: https://www.lapor.go.id" in facts
    assert "kode QR: https://www.lapor.go.id" in " ".join(reports["poster-lapor-feed.jpg"].facts)
    assert reports["manifest.json"].kind == "lewati"


def test_check_reports_a_changed_file_and_recorded_findings(written, tmp_path):
    folder = tmp_path / "kit"
    folder.mkdir()
    source = written / "poster-lapor-feed.jpg"
    image = Image.open(source).convert("RGB")
    # cover the QR code: the file no longer matches its manifest and its design's QR is gone
    image.paste((255, 255, 255), (0, 300, 1080, 800))
    out = io.BytesIO()
    image.save(out, "JPEG")
    (folder / source.name).write_bytes(out.getvalue())
    entry = json.loads((written / "manifest.json").read_text("utf-8"))["files"][0]
    entry["findings"] = ["judul: teks keluar dari kotaknya"]
    (folder / "manifest.json").write_text(json.dumps({"files": [entry]}), "utf-8")
    report = check_file(folder / source.name, load_pack())
    rules = {f.rule for f in report.findings}
    assert rules == {"changed", "manifest", "qr"}
    assert hashlib.sha256((folder / source.name).read_bytes()).hexdigest() != entry["sha256"]


def test_check_flags_a_print_pdf_with_too_little_bleed(pack, sleman, tmp_path):
    from netral_assets.model.designs import load_design
    from netral_assets.output.pdfboxes import print_boxes
    from netral_assets.output.writers import write_pdf
    from netral_assets.render.document import render_design

    rendered = render_design(pack, load_design(pack, "poster", "sanksi"), "a4", sleman, print_marks=True)
    path = tmp_path / "sanksi-a4.pdf"
    path.write_bytes(write_pdf(rendered, finisher=print_boxes(rendered.fmt.zoom, bleed_mm=1)))
    report = check_file(path)
    assert [f.rule for f in report.findings] == ["bleed"]
    assert "1.0 mm" in report.findings[0].message


def test_check_command_exit_codes_and_json(written, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(cli, ["check", *map(str, sorted(written.iterdir()))])
    assert ok.exit_code == 0, ok.output
    assert "4 berkas diperiksa, 0 dengan temuan." in ok.output
    (tmp_path / "rusak.pdf").write_bytes(b"%PDF-1.7\nbukan pdf")
    (tmp_path / "x.bin").write_bytes(b"\x00\x01")
    bad = runner.invoke(cli, ["check", "--json", str(tmp_path / "rusak.pdf"), str(tmp_path / "x.bin")])
    assert bad.exit_code == 1
    rows = [json.loads(line) for line in bad.output.splitlines()]
    assert [r["ok"] for r in rows] == [False, False]
    assert {f["rule"] for r in rows for f in r["findings"]} == {"format"}
    assert "Traceback" not in bad.output


# -- the floors and the typesetting rules, by themselves -------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "floor"),
    [("square", ("px", 22.0)), ("feed", ("px", 22.0)), ("story", ("px", 22.0)), ("carousel", ("px", 22.0)),
     ("a4", ("pt", 7.0)), ("a3", ("pt", 7.0)), ("a4-landscape", ("pt", 7.0)), ("horizontal", ("px", 16.0))],
)
def test_too_small_floor_follows_the_format(fmt, floor):
    from types import SimpleNamespace

    from netral_assets.checks.layout import min_text

    is_print = fmt.startswith("a")
    assert min_text(SimpleNamespace(name=fmt, is_print=is_print)) == floor


def test_social_floor_is_22_px(broken_pack, sleman):
    (finding,) = build_poster(broken_pack, sleman, "uji-too-small-social", "square", ".png").findings
    assert "21.0 px" in finding.message and "22 px" in finding.message and "square" in finding.message


@pytest.mark.parametrize(
    ("lines", "broken"),
    [
        (["Laporkan lewat SP4N-", "LAPOR! sekarang"], "SP4N-LAPOR!"),
        (["menurut PP", "94/2021 tentang disiplin"], "PP 94/2021"),
        (["sesuai UU 7/2017 Pasal", "494 ayat (1)"], "Pasal 494"),
        (["Pasal 9 ayat", "(2) menegaskan"], "ayat (2)"),
        (["Sumber: KASN, 15", "November 2023"], "15 November 2023"),
        (["Surel: diskominfo@hulusungaiselatankab.g", "o.id"], "diskominfo@hulusungaiselatankab.go.id"),
        (["https://diskominfo.hulusungaiselatankab.go.id/layanan-", "informasi"],
         "https://diskominfo.hulusungaiselatankab.go.id/layanan-informasi"),
    ],
)
def test_broken_tokens_are_found_between_lines(lines, broken):
    from netral_assets.checks.typesetting import broken_tokens

    source = " ".join(lines).replace("- ", "-").replace("g o.", "go.").replace("- i", "-i")
    found = broken_tokens(source, lines)
    assert [token for _, token, _ in found] == [broken], found


@pytest.mark.parametrize(
    "lines",
    [
        ["Laporkan lewat", "SP4N-LAPOR! sekarang"],  # before and after a token: fine
        ["Surel: diskominfo@", "hulusungaiselatankab.go.id"],  # an address after "@"
        ["https://diskominfo.hulusungaiselatankab.go.id/", "layanan-informasi"],  # after "/"
        ["www.lapor.", "go.id"],  # after "."
        ["UU 20/2023 Pasal 9", "ayat (2): bebas"],
    ],
)
def test_breaks_at_allowed_places_are_not_findings(lines):
    from netral_assets.checks.typesetting import broken_tokens

    source = "".join(a if a.endswith(("@", "/", ".")) else a + " " for a in lines[:-1]) + lines[-1]
    assert broken_tokens(source, lines) == []


def test_typesetting_reads_uppercase_and_no_break_spaces():
    """Lines are matched to the text as written, whatever text-transform did; a no-break space joins."""
    from netral_assets.checks.typesetting import broken_tokens

    assert broken_tokens("Menurut PP 94/2021 Pasal 5", ["MENURUT PP", "94/2021 PASAL 5"])
    assert broken_tokens("Menurut PP\u00a094/2021", ["MENURUT", "PP\u00a094/2021"]) == []


def test_balanced_names():
    from netral_assets.checks.typesetting import balanced_region

    assert [balanced_region(n) for n in ("title", "lead", "cover-title", "sub-lead", "titles", "points", None)] == [
        True, True, True, True, False, False, False]


def test_check_warns_of_stale_printed_figures_without_failing(written, pack):
    """The statistik poster prints KASN figures cut off on 15 November 2023, over three years old from
    15 November 2026: `netral check` says so from the manifest's sources, and the file stays ok."""
    import datetime as dt

    report = check_file(written / "poster-statistik-a4.pdf", pack)
    warnings = [f for f in report.facts if f.startswith("peringatan:")]
    if dt.date.today() > dt.date(2026, 11, 14):
        assert warnings and "15 November 2023" in warnings[0]
    assert report.ok, [str(f) for f in report.findings]
