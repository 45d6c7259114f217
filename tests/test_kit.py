import hashlib
import json

import pytest
from PIL import Image

from netral_assets.kit.build import build, write_kit
from netral_assets.kit.plan import KitOptions, plan_kit


def test_kit_writes_every_file_with_manifest_and_caption(pack, sleman, tmp_path):
    result = write_kit(pack, sleman, tmp_path)
    folder = result.folder
    assert folder == tmp_path / "kabupaten-sleman"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    # the result says what the manifest says, so `netral kit` need not read it back
    assert result.entries == manifest["files"] and result.files == len(manifest["files"])
    assert result.rendered == result.files and result.skipped == 0 and not result.errors
    assert manifest["agency"]["name"] == "Pemerintah Kabupaten Sleman"
    files = manifest["files"]
    kinds = {f["kind"] for f in files}
    assert kinds >= {"twibbon", "logo", "poster"}
    for entry in files:
        data = (folder / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert entry["alt"], entry["path"]
        assert entry["findings"] == []
        assert entry["format"] in {"png", "jpg", "pdf", "svg", "webp"}
        assert len(entry["fingerprint"]) == 64
        assert entry["size"]
        if entry["format"] in ("png", "webp"):
            with Image.open(folder / entry["path"]) as image:
                assert list(image.size) == entry["size"]["px"]
    names = {f["path"] for f in files}
    assert {"twibbon-bundar.png", "twibbon-kotak.png", "logo-mark.svg", "logo-horizontal.pdf"} <= names
    assert any(n.endswith("-feed.jpg") for n in names) and any(n.endswith("-story.jpg") for n in names)
    assert any(n.endswith("-a4.pdf") for n in names) and any(n.endswith("-a3.pdf") for n in names)
    # print-ready by default (issue 15): each screen PDF of a print format has its *-cetak.pdf
    assert {"poster-larangan-a4-cetak.pdf", "poster-sanksi-a3-cetak.pdf", "leaflet-trifold-cetak.pdf"} <= names
    assert {"carousel-larangan-01.jpg", "carousel-larangan-10.jpg", "carousel-larangan.pdf"} <= names
    # the WhatsApp sticker set (part "stiker", issue 17)
    assert {"stiker-tanda.webp", "stiker-slogan.webp", "stiker-saya-asn-netral.webp", "stiker-tagar.webp"} <= names
    caption = (folder / "caption.txt").read_text("utf-8")
    assert "Pemerintah Kabupaten Sleman" in caption
    assert "#ASNPilihNetral" in caption and "#NetralitasASN" in caption
    assert "https://www.lapor.go.id" in caption
    # no temporary files left behind
    assert not list(folder.glob(".*.part"))


def test_kit_only_selected_parts(pack, registry, tmp_path):
    folder = write_kit(pack, registry.find("71.71"), tmp_path, KitOptions(only=("logo",))).folder
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    assert {f["kind"] for f in files} == {"logo"}


def test_figures_on_assets_carry_their_sources_in_the_manifest(pack, sleman, tmp_path):
    folder = write_kit(pack, sleman, tmp_path, KitOptions(only=("poster", "leaflet"))).folder
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    sourced = [entry for entry in files if entry["sources"]]
    # the statistics poster and the leaflets show figures: if sources stopped being recorded, this fails
    assert {"poster", "leaflet"} <= {entry["kind"] for entry in sourced}
    for entry in sourced:
        for source in entry["sources"]:
            assert source["source_title"] and source["as_of"] and source["body"]


def test_kit_files_are_readable_by_others_not_only_the_owner(pack, registry, tmp_path):
    # write_atomic wrote through mkstemp, whose files are 0600: a kit shared from a server was unreadable.
    folder = write_kit(pack, registry.find("71.71"), tmp_path, KitOptions(only=("logo",))).folder
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o044 == 0o044, path.name


def test_plan_names_every_file_and_fingerprints_what_shapes_it(pack, registry):
    sleman, batu = registry.find("34.04"), registry.find("35.79")
    jobs = {j.name: j for j in plan_kit(pack, sleman)}
    assert {"twibbon-bundar.png", "logo-mark.svg", "logo-mark-1024.png", "logo-stacked.png",
            "poster-larangan-feed.jpg", "poster-larangan-story.jpg", "poster-larangan-a4.pdf",
            "poster-larangan-a3.pdf"} <= set(jobs)
    assert len({j.fingerprint for j in jobs.values()}) == len(jobs)
    other = {j.name: j for j in plan_kit(pack, batu)}
    # the campaign mark is the same for every agency; everything else carries the agency's name
    assert other["logo-mark.svg"].fingerprint == jobs["logo-mark.svg"].fingerprint
    assert other["twibbon-bundar.png"].fingerprint != jobs["twibbon-bundar.png"].fingerprint
    assert [j.fingerprint for j in plan_kit(pack, sleman)] == [j.fingerprint for j in jobs.values()]
    built = build(jobs["logo-stacked.png"])
    assert built.name == "logo-stacked.png" and built.kind == "logo"


def test_a_second_run_keeps_what_is_up_to_date_and_remakes_what_is_not(pack, registry, tmp_path):
    agency, options = registry.find("71.71"), KitOptions(only=("logo",))
    first = write_kit(pack, agency, tmp_path, options)
    second = write_kit(pack, agency, tmp_path, options)
    assert second.rendered == 0 and second.skipped == second.files == first.files
    assert second.entries == first.entries
    (first.folder / "logo-stacked.png").write_bytes(b"damaged")
    third = write_kit(pack, agency, tmp_path, options)
    assert third.rendered == 1 and third.skipped == first.files - 1
    assert hashlib.sha256((first.folder / "logo-stacked.png").read_bytes()).hexdigest() == next(
        e["sha256"] for e in third.entries if e["path"] == "logo-stacked.png")
    assert write_kit(pack, agency, tmp_path, options, force=True).rendered == first.files


def test_the_caption_is_pack_data_a_brand_can_override(registry, tmp_path):
    from netral_assets.errors import NetralError
    from netral_assets.kit.manifest import caption_text
    from netral_assets.model.pack import load_pack

    brand = tmp_path / "brand"
    (brand / "content").mkdir(parents=True)
    caption = brand / "content" / "caption.toml"
    caption.write_text('channel = "- {name}"\ntext = "{short_name} netral. {channels}"\n', "utf-8")
    text = caption_text(load_pack(brand), registry.find("34.04"))
    assert text.startswith("Kabupaten Sleman netral. - ") and "{" not in text
    caption.write_text('channel = ""\ntext = "{agency.__class__}"\n', "utf-8")
    with pytest.raises(NetralError, match="tidak dikenal"):
        caption_text(load_pack(brand), registry.find("34.04"))


def _boxes(path) -> dict[str, list[float]]:
    import subprocess

    out = subprocess.run(["pdfinfo", "-box", str(path)], check=True, capture_output=True, text=True).stdout
    return {line.split(":")[0]: [float(v) for v in line.split(":")[1].split()] for line in out.splitlines()
            if line.split(":")[0] in ("MediaBox", "TrimBox", "BleedBox")}


def test_kit_lists_carousels_and_print_files_beside_the_screen_pdfs(pack, sleman, tmp_path):
    from netral_assets.assets.carousel import carousel_designs, slide_count
    from netral_assets.model.units import PT_PER_MM

    options = KitOptions(only=("poster", "carousel", "leaflet", "cetak"),
                         poster_formats=(("a4", ".pdf"), ("a3", ".pdf"), ("carousel", ".jpg")))
    result = write_kit(pack, sleman, tmp_path, options)
    assert not result.errors and not result.flagged
    folder = result.folder
    files = {e["path"]: e for e in json.loads((folder / "manifest.json").read_text("utf-8"))["files"]}
    for design in carousel_designs(pack):
        count = slide_count(pack, design)
        assert count <= 10
        for number in range(1, count + 1):
            entry = files[f"carousel-{design.name}-{number:02d}.jpg"]
            assert entry["variant"] == "carousel" and entry["slide"] == number and entry["slides"] == count
            assert entry["size"] == {"px": [1080, 1350]} and entry["alt"]
            with Image.open(folder / entry["path"]) as image:
                assert image.size == (1080, 1350)
        assert files[f"carousel-{design.name}.pdf"]["slides"] == count
        for fmt, (w, h) in (("a4", (210, 297)), ("a3", (297, 420))):
            screen, cetak = files[f"poster-{design.name}-{fmt}.pdf"], files[f"poster-{design.name}-{fmt}-cetak.pdf"]
            assert screen["print"] is False and cetak["print"] is True and cetak["screen"] == screen["path"]
            boxes = _boxes(folder / cetak["path"])
            trim, bleed = boxes["TrimBox"], boxes["BleedBox"]
            assert trim[2] - trim[0] == pytest.approx(w * PT_PER_MM, abs=0.1)
            assert trim[3] - trim[1] == pytest.approx(h * PT_PER_MM, abs=0.1)
            assert trim[0] - bleed[0] == pytest.approx(3 * PT_PER_MM, abs=0.1)
            # the screen PDF is the page alone, no bleed
            assert _boxes(folder / screen["path"])["MediaBox"] == pytest.approx([0, 0, w * PT_PER_MM, h * PT_PER_MM], abs=0.1)
    leaflet = files["leaflet-trifold-cetak.pdf"]
    assert leaflet["print"] is True and files["leaflet-trifold.pdf"]["print"] is False
    boxes = _boxes(folder / leaflet["path"])
    assert boxes["TrimBox"][2] - boxes["TrimBox"][0] == pytest.approx(297 * PT_PER_MM, abs=0.1)
    assert boxes["TrimBox"][0] - boxes["BleedBox"][0] == pytest.approx(3 * PT_PER_MM, abs=0.1)
    assert "leaflet-single-cetak.pdf" not in files  # the single page is for phones
    # a second run keeps them all; an `--only cetak` run keeps the carousels in the manifest
    assert write_kit(pack, sleman, tmp_path, options).rendered == 0
    again = write_kit(pack, sleman, tmp_path, KitOptions(only=("cetak",), poster_formats=(("a4", ".pdf"),)))
    assert {e["path"] for e in again.entries} >= {"carousel-larangan-01.jpg", "poster-larangan-a4.pdf"}


def test_caption_file_has_one_caption_per_post_with_every_point_and_source(pack, tmp_path):
    from netral_assets.kit.build import write_kit
    from netral_assets.kit.plan import KitOptions

    sleman = __import__("netral_assets").load_registry().find("34.04")
    result = write_kit(pack, sleman, tmp_path, KitOptions(only=("poster", "twibbon")))
    text = (result.folder / "caption.txt").read_text("utf-8")
    sections = text.split("=== Untuk ")[1:]
    larangan = next(s for s in sections if s.startswith("poster-larangan-feed.jpg"))
    for point in pack.content["prohibitions"]["points"]:  # every prohibition, not only those on the poster
        assert " ".join(point["title"].split()) in larangan
    statistik = next(s for s in sections if s.startswith("poster-statistik-feed.jpg"))
    entry = next(e for e in result.entries if e["path"] == "poster-statistik-feed.jpg")
    assert entry["sources"]
    for source in entry["sources"]:
        figure = pack.statistics.get(source["id"])
        assert figure.source_line.removeprefix("Sumber: ") in statistik
    assert any(s.startswith("twibbon-") for s in sections)
    assert all("Kabupaten Sleman" in s and "#ASNPilihNetral" in s for s in sections)
