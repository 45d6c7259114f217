import hashlib
import json

from PIL import Image

from netral_assets.kit.core import KitOptions, build, plan_kit, write_kit


def test_kit_writes_every_file_with_manifest_and_caption(pack, sleman, tmp_path):
    folder = write_kit(pack, sleman, tmp_path)
    assert folder == tmp_path / "kabupaten-sleman"
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
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
    folder = write_kit(pack, registry.find("71.71"), tmp_path, KitOptions(only=("logo",)))
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    assert {f["kind"] for f in files} == {"logo"}


def test_figures_on_assets_carry_their_sources_in_the_manifest(pack, sleman, tmp_path):
    folder = write_kit(pack, sleman, tmp_path)
    files = json.loads((folder / "manifest.json").read_text("utf-8"))["files"]
    for entry in files:
        for source in entry["sources"]:
            assert source["source_title"] and source["as_of"] and source["body"]


def test_kit_files_are_readable_by_others_not_only_the_owner(pack, registry, tmp_path):
    # write_atomic wrote through mkstemp, whose files are 0600: a kit shared from a server was unreadable.
    folder = write_kit(pack, registry.find("71.71"), tmp_path, KitOptions(only=("logo",)))
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
