"""Regional overrides (issue 18): a pack's `provinsi/<code>/` and `instansi/<slug>/` folders apply
national -> province -> agency, to exactly the agencies they name, and are in exactly their
fingerprints."""

import io
import json
from pathlib import Path

import pytest
from conftest import pdftotext
from PIL import Image

from netral_assets.batch import BatchOptions, run_batch
from netral_assets.errors import NetralError
from netral_assets.kit.build import build
from netral_assets.kit.plan import KitOptions, plan_kit
from netral_assets.model.pack import load_pack

NATIONAL_TAGS = ["#ASNPilihNetral", "#NetralitasASN"]
LOCAL_FIGURES = """
[sources.bawaslu-diy-2024]
title = "Bawaslu DIY: rekap penanganan pelanggaran netralitas ASN Pilkada 2024"
publisher = "Bawaslu Provinsi DI Yogyakarta"
url = "https://diy.bawaslu.go.id"
date = 2024-12-20

[[figures]]
id = "diy-2024-dilaporkan"
label = "ASN DIY dilaporkan"
value = 40
period = "Pilkada 2024"
as_of = 2024-12-15
body = "Bawaslu DIY"
source = "bawaslu-diy-2024"

[[figures]]
id = "diy-2024-terbukti"
label = "Terbukti melanggar"
value = 12
of = "diy-2024-dilaporkan"
period = "Pilkada 2024"
as_of = 2024-12-15
body = "Bawaslu DIY"
source = "bawaslu-diy-2024"
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def diy_override(brand: Path, tag: str = "#JogjaNetral") -> None:
    write(brand / "provinsi" / "34" / "brand.toml", f'[campaign]\nhashtags = ["{tag}", "#NetralitasASN"]\n')
    write(brand / "provinsi" / "34" / "statistics.toml", LOCAL_FIGURES)


@pytest.fixture
def brand(tmp_path):
    folder = tmp_path / "paket"
    folder.mkdir()
    return folder


def test_overrides_apply_national_then_province_then_agency(brand, registry):
    diy_override(brand)
    write(brand / "instansi" / "kabupaten-sleman" / "brand.toml", '[campaign]\nhashtags = ["#SlemanNetral"]\n')
    pack = load_pack(brand)
    sleman, kota, bantul, batu = (registry.find(c) for c in ("34.04", "34.71", "34.02", "35.79"))
    # the agency's own folder wins over its province's, which wins over the national pack
    assert pack.for_agency(sleman).hashtags == ["#SlemanNetral"]
    assert pack.for_agency(kota).hashtags == ["#JogjaNetral", "#NetralitasASN"]
    assert pack.for_agency(batu) is pack and pack.hashtags == NATIONAL_TAGS
    # what an override does not set stays national (brand.toml merged key by key)
    assert pack.for_agency(sleman).slogan == pack.slogan and pack.for_agency(sleman).colors == pack.colors
    # derived once per set of folders: every agency of the province without its own folder shares one
    assert pack.for_agency(kota) is pack.for_agency(bantul)
    assert pack.for_agency(sleman).for_agency(batu) is pack
    assert pack.for_agency(sleman).override_names == ["provinsi/34", "instansi/kabupaten-sleman"]
    # local figures are added to the national ones, with their own source line, for the province only
    local = pack.for_agency(kota).statistics
    assert set(pack.statistics.figures) < set(local.figures)
    figure = local.get("diy-2024-terbukti")
    assert figure.source_line == "Sumber: Bawaslu DIY, 20 Desember 2024"
    assert local.percent_text(figure) == "30,0%"
    assert pack.for_agency(kota).local_figures == ["diy-2024-dilaporkan", "diy-2024-terbukti"]
    with pytest.raises(NetralError, match="tidak ada"):
        pack.statistics.get("diy-2024-terbukti")
    assert "diy-2024-terbukti" not in pack.for_agency(batu).statistics.figures


def test_override_folder_by_slug_and_conflicts_are_refused(brand, registry):
    write(brand / "provinsi" / "provinsi-di-yogyakarta" / "brand.toml", '[campaign]\nslogan = "Jogja netral"\n')
    pack = load_pack(brand)
    assert pack.for_agency(registry.find("34.04")).slogan == "Jogja netral"
    write(brand / "provinsi" / "34" / "brand.toml", '[campaign]\nslogan = "Lain"\n')
    with pytest.raises(NetralError, match="dua folder"):
        load_pack(brand).for_agency(registry.find("34.04"))
    # a local figure never replaces a national one
    national_id = next(iter(load_pack().statistics.figures))
    write(brand / "instansi" / "kota-batu" / "statistics.toml",
          LOCAL_FIGURES.replace("diy-2024-dilaporkan", national_id))
    with pytest.raises(NetralError, match="sudah ada"):
        load_pack(brand).for_agency(registry.find("35.79")).statistics  # noqa: B018


def test_a_provinces_figures_appear_only_on_its_agencies_posters_with_their_sources(brand, registry, tmp_path):
    # Only a statistics.toml in the province's folder: its figures (a part naming its base with `of`)
    # take the statistik poster's first tiles, and on paper a chart group of their own, each with its
    # source line; no design file is copied.
    diy_override(brand)
    pack = load_pack(brand)
    options = KitOptions(only=("poster",), poster_formats=(("feed", ".jpg"), ("a4", ".pdf")))

    def statistik(code, fmt):
        job = next(j for j in plan_kit(pack, registry.find(code), options) if j.name == f"poster-statistik-{fmt}")
        return build(job)

    for fmt in ("feed.jpg", "a4.pdf"):
        local, other = statistik("34.71", fmt), statistik("35.79", fmt)
        ids = {s["id"] for s in local.sources}
        assert {"diy-2024-dilaporkan", "diy-2024-terbukti"} <= ids, fmt
        assert not local.findings, (fmt, local.findings)  # every figure printed with its source, nothing clipped
        assert next(s for s in local.sources if s["id"] == "diy-2024-terbukti")["body"] == "Bawaslu DIY"
        assert not any(s["id"].startswith("diy-") for s in other.sources)
        assert len(local.sources) <= len(other.sources) + 2  # in place of national rows, not piled on top
    assert "Data daerah" in pdftotext(local.data, tmp_path) and "Data daerah" not in pdftotext(other.data, tmp_path)


def fingerprints(out: Path, folder: str) -> dict[str, str]:
    files = json.loads((out / folder / "manifest.json").read_text("utf-8"))["files"]
    return {f["path"]: f["fingerprint"] for f in files}


def test_a_batch_over_two_provinces_re_renders_exactly_the_overridden_agencies(brand, registry, tmp_path):
    agencies = [registry.find(c) for c in ("34.04", "34.71", "35.79")]
    folders = {a.slug: f"{a.province}/{a.slug}" for a in agencies}
    out = tmp_path / "kits"
    options = BatchOptions(KitOptions(only=("twibbon",)), workers=2, proof=False)
    first = run_batch(load_pack(brand), agencies, out, options)
    assert not first.errors and first.rendered == first.files
    before = {slug: fingerprints(out, folder) for slug, folder in folders.items()}

    # one province changes its hashtag and adds a figure: exactly its agencies are made again
    diy_override(brand)
    second = run_batch(load_pack(brand), agencies, out, options)
    by_slug = {r.agency["slug"]: r for r in second.agencies}
    assert by_slug["kota-batu"].rendered == 0 and by_slug["kota-batu"].skipped == first.agencies[2].files
    for slug in ("kabupaten-sleman", "kota-yogyakarta"):
        assert by_slug[slug].rendered == by_slug[slug].files > 0
        assert by_slug[slug].overrides == ["provinsi/34"]
        changed = fingerprints(out, folders[slug])
        assert all(changed[name] != before[slug][name] for name in changed)
    assert fingerprints(out, folders["kota-batu"]) == before["kota-batu"]
    national = json.loads((out / "manifest.json").read_text("utf-8"))
    records = {a["slug"]: a for a in national["agencies"]}
    assert records["kota-yogyakarta"]["overrides"] == ["provinsi/34"] and "overrides" not in records["kota-batu"]
    kit = json.loads((out / folders["kota-yogyakarta"] / "manifest.json").read_text("utf-8"))
    assert kit["overrides"] == ["provinsi/34"]
    assert "#JogjaNetral" in (out / folders["kota-yogyakarta"] / "caption.txt").read_text("utf-8")
    assert "#JogjaNetral" not in (out / folders["kota-batu"] / "caption.txt").read_text("utf-8")

    # an agency's own folder wins over its province's, and touches only that agency
    write(brand / "instansi" / "kabupaten-sleman" / "brand.toml", '[campaign]\nhashtags = ["#SlemanNetral"]\n')
    third = run_batch(load_pack(brand), agencies, out, options)
    assert {r.agency["slug"]: r.rendered > 0 for r in third.agencies} == {
        "kabupaten-sleman": True, "kota-yogyakarta": False, "kota-batu": False}
    caption = (out / folders["kabupaten-sleman"] / "caption.txt").read_text("utf-8")
    assert "#SlemanNetral" in caption and "#JogjaNetral" not in caption


def test_the_web_apps_frames_and_cards_carry_the_agencys_overrides(brand, registry):
    # The framing page's frame and link card are the kit's: a province's hashtag reaches its
    # agencies' frames on the web, and no other province's.
    import httpx

    from netral_assets.assets.card import build_card
    from netral_assets.assets.twibbon import frame_image
    from netral_assets.model.designs import find_design
    from netral_assets.web import create_app
    from netral_assets.web.server import background_server

    diy_override(brand, tag="#JogjaNetralSelalu")
    pack = load_pack(brand)
    sleman, surabaya = registry.find("34.04"), registry.find("35.78")
    kotak = find_design(pack, "twibbon", "kotak")
    with background_server(create_app(pack, registry)) as base, httpx.Client(base_url=base, timeout=60) as client:
        for agency in (sleman, surabaya):
            served = Image.open(io.BytesIO(client.get(f"/frames/kotak/{agency.slug}.png").content))
            local = frame_image(pack.for_agency(agency), agency, kotak, "square")
            national = frame_image(pack, agency, kotak, "square")
            assert served.tobytes() == local.tobytes()
            assert (local.tobytes() != national.tobytes()) == (agency is sleman)
        card = client.get(f"/cards/{sleman.slug}.png").content
        assert card == build_card(pack.for_agency(sleman), sleman, ext=".png").data != build_card(pack, sleman, ext=".png").data
