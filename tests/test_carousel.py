"""Carousels (`netral poster --format carousel`, issue 15): every poster design's slides and PDF."""

import io
import json
import re
import subprocess
import sys

import pytest
from conftest import pdftotext
from PIL import Image

from netral_assets.assets.carousel import MAX_SLIDES, build_carousel, carousel_designs, slide_count
from netral_assets.errors import NetralError
from netral_assets.model.designs import load_design

DESIGNS = ("larangan", "faktor", "statistik", "lapor", "sanksi")


def squash(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def carousels(pack, registry):
    """Each design's carousel for a short name and the longest ministry name."""
    made = {}
    for query in ("34.04", "KemenPANRB"):
        agency = registry.find(query)
        for design in DESIGNS:
            made[(query, design)] = build_carousel(pack, agency, design)
    return made


def pages(carousel, tmp_path) -> list[str]:
    return [squash(p) for p in pdftotext(carousel.pdf.data, tmp_path).split("\f")[: len(carousel.slides)]]


def test_every_poster_design_has_a_carousel_of_at_most_ten_slides(pack, carousels):
    assert sorted(d.name for d in carousel_designs(pack)) == sorted(DESIGNS)
    for (_, design), made in carousels.items():
        count = slide_count(pack, load_design(pack, "poster", design))
        assert 3 <= len(made.slides) == count <= MAX_SLIDES
        assert [s.name for s in made.slides] == [f"carousel-{design}-{n:02d}.jpg" for n in range(1, count + 1)]
        assert made.pdf.name == f"carousel-{design}.pdf"


def test_slides_are_1080_by_1350_jpegs_and_pass_preflight(carousels):
    for key, made in carousels.items():
        for slide in made.slides:
            assert slide.findings == [], (key, slide.name, [str(f) for f in slide.findings])
            assert slide.size == {"px": [1080, 1350]} and slide.kind == "poster" and slide.format == "carousel"
            with Image.open(io.BytesIO(slide.data)) as image:
                assert image.format == "JPEG" and image.size == (1080, 1350)
            assert slide.alt.startswith(f"Slide {slide.name[-6:-4].lstrip('0')} dari {len(made.slides)}")
        assert made.pdf.findings == [], key


def test_the_pdf_has_a_page_per_slide_at_slide_size(carousels, tmp_path):
    made = carousels[("34.04", "larangan")]
    path = tmp_path / "c.pdf"
    path.write_bytes(made.pdf.data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Pages:\s+10\n", info) and "810 x 1012.5 pts" in info
    assert "Pemerintah Kabupaten Sleman" in info  # the title


def test_no_prohibition_is_left_out(pack, carousels, tmp_path):
    points = pack.content["prohibitions"]["points"]
    for query in ("34.04", "KemenPANRB"):
        text = pages(carousels[(query, "larangan")], tmp_path)
        assert "8 larangan bagi ASN" in text[0]
        # one slide per prohibition, in order, each with its title, its body and its number
        for number, point in enumerate(points, 1):
            slide = text[number]
            assert squash(point["title"]) in slide and squash(point["body"]) in slide
            assert f"LARANGAN {number} DARI 8" in slide and f"{number + 1}/10" in slide and "Geser" in slide
        assert "Geser" not in text[-1]


def test_every_point_of_every_design_is_on_its_own_slide(pack, carousels, tmp_path):
    for design in ("faktor", "lapor", "sanksi"):
        made = carousels[("34.04", design)]
        section = pack.content[load_design(pack, "poster", design).meta["content"]]
        text = pages(made, tmp_path)
        for number, point in enumerate(section["points"], 1):
            assert squash(point["body"]) in text[number], (design, number)
            # the point's own sources, at the foot of its slide
            for source in point["sources"]:
                assert squash(pack.content["sources"][source]["short"]) in text[number], (design, source)


def test_statistik_prints_every_figure_with_its_source_line_on_its_slide(pack, carousels, tmp_path):
    made = carousels[("34.04", "statistik")]
    figures = load_design(pack, "poster", "statistik").carousel["figures"]
    text = pages(made, tmp_path)
    stats = pack.statistics
    for number, ids in enumerate(figures, 1):
        for figure_id in ids:
            figure = stats.get(figure_id)
            assert squash(figure.source_line) in text[number], figure_id
        shown = stats.get(ids[-1])
        assert (stats.percent_text(shown) if len(ids) > 1 else shown.text) in text[number]
    assert {s["id"] for s in made.pdf.sources} >= {i for ids in figures for i in ids}


def test_the_last_slide_calls_to_action_with_the_reporting_channels(pack, carousels, tmp_path):
    for design in DESIGNS:
        made = carousels[("KemenPANRB", design)]
        last = pages(made, tmp_path)[-1]
        assert "SP4N-LAPOR!" in last and "www.lapor.go.id" in last and "sbt.bkn.go.id" in last, design
        assert squash(load_design(pack, "poster", design).carousel["cta"]) in last
        # every slide says who speaks
        assert all("Kementerian Pendayagunaan" in page for page in pages(made, tmp_path))


def test_a_design_without_a_carousel_and_a_carousel_too_long_are_refused(pack, sleman, tmp_path):
    design = load_design(pack, "poster", "larangan")
    design.meta.pop("carousel")
    with pytest.raises(NetralError, match="tidak punya bentuk carousel"):
        slide_count(pack, design)
    long = load_design(pack, "poster", "statistik")
    long.meta["carousel"] = {**long.meta["carousel"], "figures": [["pemilu2024-terbukti"]] * 9}
    with pytest.raises(NetralError, match="paling banyak 10"):
        slide_count(pack, long)


def test_poster_command_writes_a_carousel_to_a_folder_or_a_stem(tmp_path):
    def netral(*args):
        return subprocess.run([sys.executable, "-m", "netral_assets", *args], capture_output=True, text=True,
                              timeout=120)

    folder = tmp_path / "out"
    result = netral("poster", "-a", "34.04", "-d", "sanksi", "--format", "carousel", "-o", f"{folder}/")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == [f"carousel-sanksi-0{n}.jpg" for n in range(1, 7)] + [
        "carousel-sanksi.pdf"]
    result = netral("poster", "-a", "34.04", "-d", "lapor", "--format", "carousel", "-o", str(tmp_path / "lapor.png"))
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "lapor-01.png") as image:
        assert image.size == (1080, 1350)
    assert (tmp_path / "lapor.pdf").is_file()
    result = netral("poster", "-a", "34.04", "-d", "sanksi", "--format", "carousel", "--print", "-o", str(folder))
    assert result.returncode == 1 and "--print" in result.stderr


def test_kit_plans_every_slide_from_the_same_count(pack, sleman):
    from netral_assets.kit.plan import KitOptions, plan_kit

    jobs = plan_kit(pack, sleman, KitOptions(only=("carousel",)))
    names = [j.name for j in jobs]
    for design in carousel_designs(pack):
        count = slide_count(pack, design)
        assert [n for n in names if n.startswith(f"carousel-{design.name}-")] == [
            f"carousel-{design.name}-{i:02d}.jpg" for i in range(1, count + 1)]
        assert f"carousel-{design.name}.pdf" in names
    assert json.dumps([j.entry for j in jobs])  # plain data for the manifest
