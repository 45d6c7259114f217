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
        assert entry["format"] in {"png", "jpg", "pdf", "svg"}
        assert len(entry["fingerprint"]) == 64
        assert entry["size"]
        if entry["format"] == "png":
            with Image.open(folder / entry["path"]) as image:
                assert list(image.size) == entry["size"]["px"]
    names = {f["path"] for f in files}
    assert {"twibbon-bundar.png", "twibbon-kotak.png", "logo-mark.svg", "logo-horizontal.pdf"} <= names
    assert any(n.endswith("-feed.jpg") for n in names) and any(n.endswith("-story.jpg") for n in names)
    assert any(n.endswith("-a4.pdf") for n in names) and any(n.endswith("-a3.pdf") for n in names)
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
