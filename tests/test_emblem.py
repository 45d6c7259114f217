"""The agency's own emblem in kits (issue 15): `KitOptions.logo`, `KitOptions.logos` (a folder of files
named by slug or code) and the agencies CSV's `logo` column put it in the twibbons, the lockups and the
posters' footers; its sha256 is in exactly those files' fingerprints; the manifest names it without
its path; a bad file is refused before anything is written."""

import dataclasses
import io
import json
import subprocess
import sys

import pytest
from conftest import save_result
from PIL import Image, ImageDraw

from netral_assets.assets.logo import lockup_svg
from netral_assets.assets.twibbon import build_twibbon
from netral_assets.errors import NetralError
from netral_assets.kit.build import build, write_kit
from netral_assets.kit.plan import KitOptions, emblem_for, plan_kit
from netral_assets.model.agencies import Registry, read_agency_csv
from netral_assets.model.designs import load_design

GREEN = (0, 120, 60)  # the PNG shield's field
BLUE = (28, 90, 168)  # the SVG shield's field


def _shield(path, field=GREEN) -> None:
    """A sample emblem drawn here (no real government emblem is used): a shield, taller than wide."""
    image = Image.new("RGBA", (300, 360), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(20, 20), (280, 20), (280, 200), (150, 345), (20, 200)], fill=(*field, 255),
                 outline=(230, 180, 0, 255), width=10)
    draw.rectangle([95, 70, 205, 170], fill=(230, 180, 0, 255))
    image.save(path)


SVG_SHIELD = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 360" width="300" height="360">'
              '<path d="M20 20H280V200L150 345L20 200Z" fill="#1C5AA8" stroke="#E6B400" stroke-width="10"/>'
              '<rect x="95" y="70" width="110" height="100" fill="#FFFFFF"/></svg>')


@pytest.fixture(scope="module")
def emblems(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emblems")
    _shield(folder / "34.04.png")
    (folder / "kemenpanrb.svg").write_text(SVG_SHIELD)
    _shield(folder / "other.png", field=(120, 0, 60))
    return folder


def _near(image, colour, tolerance=24):
    """The bounding box of the pixels close to `colour` (opaque), or None."""
    rgb = image.convert("RGBA")
    mask = Image.new("L", rgb.size, 0)
    pixels, out = rgb.load(), mask.load()
    for y in range(0, rgb.height, 2):
        for x in range(0, rgb.width, 2):
            r, g, b, a = pixels[x, y]
            if a > 200 and abs(r - colour[0]) + abs(g - colour[1]) + abs(b - colour[2]) <= tolerance:
                out[x, y] = 255
    return mask.getbbox()


def _window_box(design, fmt):
    w = design.window(fmt)
    return (w.x, w.y, w.x + w.width, w.y + w.height)


def _apart(a, b) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


@pytest.mark.parametrize("design", ["bundar", "kotak", "pegawai"])
@pytest.mark.parametrize("fmt", ["square", "story"])
def test_twibbons_show_the_emblem_beside_the_name_outside_the_window(pack, registry, emblems, design, fmt):
    for query, file, colour in (("34.04", "34.04.png", GREEN), ("kemenpanrb", "kemenpanrb.svg", BLUE)):
        agency = registry.find(query)
        asset = build_twibbon(pack, agency, design, fmt=fmt, logo=emblems / file)
        assert asset.findings == [], asset.findings  # preflight clean: no collision with the name
        image = Image.open(io.BytesIO(asset.data))
        box = _near(image, colour)
        assert box is not None, f"{design} {fmt}: emblem not drawn"
        assert _apart(box, _window_box(load_design(pack, "twibbon", design), fmt))
        assert box[1] > 600 if fmt == "square" else box[1] > 1000  # below the window, by the name
        assert "logo dan nama" in asset.alt
        if fmt == "square":
            save_result(f"emblem-twibbon-{design}-{agency.slug}.png", asset.data)


def test_without_an_emblem_the_twibbon_is_what_it_was(pack, sleman, emblems, tmp_path):
    plain = build_twibbon(pack, sleman, "bundar")
    assert build_twibbon(pack, sleman, "bundar", logo=None).data == plain.data
    # a logos folder without the agency's file changes nothing, not even a fingerprint
    empty = tmp_path / "none"
    empty.mkdir()
    assert emblem_for(sleman, KitOptions(logos=str(empty))) is None
    with_folder = plan_kit(pack, sleman, KitOptions(only=("twibbon", "logo"), logos=str(empty)))
    without = plan_kit(pack, sleman, KitOptions(only=("twibbon", "logo")))
    assert [j.fingerprint for j in with_folder] == [j.fingerprint for j in without]
    job = next(j for j in with_folder if j.name == "twibbon-bundar.png")
    assert build(job).data == plain.data


def test_lockups_embed_the_emblem_beside_the_mark(pack, sleman, registry, emblems):
    from netral_assets.assets.agency_logo import load_agency_logo

    png = load_agency_logo(emblems / "34.04.png")
    svg = lockup_svg(pack, sleman, "horizontal", png)
    assert 'xlink:href="data:image/png;base64,' in svg and 'viewBox="0 0 2296 480"' in svg
    assert 'xlink:href="data:image/svg+xml' in lockup_svg(pack, registry.find("kemenpanrb"), "stacked",
                                                         load_agency_logo(emblems / "kemenpanrb.svg"))
    assert "data:" not in lockup_svg(pack, sleman, "horizontal")  # no emblem, no image


def test_kit_with_a_png_emblem(pack, sleman, emblems, tmp_path):
    options = KitOptions(only=("twibbon", "logo"), logo=str(emblems / "34.04.png"))
    result = write_kit(pack, sleman, tmp_path, options)
    assert not result.errors and not result.flagged
    data = json.loads((result.folder / "manifest.json").read_text())
    assert data["emblem"] == {"name": "34.04.png", "sha256": emblem_for(sleman, options).sha256}
    assert str(emblems) not in (result.folder / "manifest.json").read_text()  # named, not located
    twibbon = Image.open(result.folder / "twibbon-bundar.png")
    assert _near(twibbon, GREEN) is not None
    lockup = Image.open(result.folder / "logo-horizontal.png")
    assert lockup.size == (2296, 480)
    box = _near(lockup, GREEN)
    assert box is not None and box[0] >= 40 and box[2] <= 440  # the emblem's square, left of the divider
    assert _near(Image.open(result.folder / "logo-mark-512.png"), GREEN) is None  # the mark is the mark
    assert "data:image/png" in (result.folder / "logo-stacked.svg").read_text()
    # a second run keeps everything; a changed emblem re-makes exactly the files that show it
    assert write_kit(pack, sleman, tmp_path, options).rendered == 0
    (tmp_path / "new.png").write_bytes((emblems / "other.png").read_bytes())
    changed = write_kit(pack, sleman, tmp_path, dataclasses.replace(options, logo=str(tmp_path / "new.png")))
    before = {e["path"]: e["sha256"] for e in result.entries}
    remade = {e["path"] for e in changed.entries if e["sha256"] != before[e["path"]]}
    assert changed.rendered == len(remade) == 9  # 3 twibbons, 2 lockups × (SVG, PDF, PNG)
    assert all(not name.startswith("logo-mark") for name in remade)


def test_poster_footer_shows_the_svg_emblem_instead_of_a_second_mark(pack, registry, emblems, tmp_path):
    agency = registry.find("kemenpanrb")
    options = KitOptions(only=("poster",), logo=str(emblems / "kemenpanrb.svg"),
                         poster_formats=(("feed", ".png"),))
    jobs = {j.name: j for j in plan_kit(pack, agency, options)}
    asset = build(jobs["poster-larangan-feed.png"])
    assert asset.findings == []
    image = Image.open(io.BytesIO(asset.data))
    band = image.crop((0, image.height - 170, 200, image.height))  # the footer's emblem box
    assert _near(band, BLUE) is not None
    save_result("emblem-poster-footer-kemenpanrb.png", asset.data)


def test_fingerprints_follow_the_emblem_exactly(pack, sleman, emblems, tmp_path):
    plain = {j.name: j for j in plan_kit(pack, sleman)}
    one = {j.name: j for j in plan_kit(pack, sleman, KitOptions(logo=str(emblems / "34.04.png")))}
    other = {j.name: j for j in plan_kit(pack, sleman, KitOptions(logo=str(emblems / "other.png")))}
    by_folder = {j.name: j for j in plan_kit(pack, sleman, KitOptions(logos=str(emblems)))}
    assert {n: j.fingerprint for n, j in by_folder.items()} == {n: j.fingerprint for n, j in one.items()}
    for name, job in plain.items():
        shows = job.kind in ("twibbon", "poster") or job.design == "lockup"
        assert (one[name].fingerprint != job.fingerprint) == shows, name
        assert (other[name].fingerprint != one[name].fingerprint) == shows, name
        assert (one[name].emblem is not None) == shows, name
    assert any(j.format == "carousel" for j in one.values() if j.emblem is not None)
    assert all(one[n].emblem is None for n in one if n.startswith(("leaflet-", "logo-mark")))


def test_logos_folder_by_slug_or_code_and_refusals(pack, registry, emblems, tmp_path):
    sleman, panrb = registry.find("34.04"), registry.find("kemenpanrb")
    assert emblem_for(sleman, KitOptions(logos=str(emblems))).name == "34.04.png"  # by code
    assert emblem_for(panrb, KitOptions(logos=str(emblems))).name == "kemenpanrb.svg"  # by slug
    assert emblem_for(registry.find("35.79"), KitOptions(logos=str(emblems))) is None
    both = tmp_path / "both"
    both.mkdir()
    (both / "34.04.PNG").write_bytes((emblems / "34.04.png").read_bytes())
    (both / "kabupaten-sleman.svg").write_text(SVG_SHIELD)
    with pytest.raises(NetralError, match="Ada 2 logo untuk Kabupaten Sleman"):
        emblem_for(sleman, KitOptions(logos=str(both)))
    with pytest.raises(NetralError, match="Folder logo .* tidak ada"):
        emblem_for(sleman, KitOptions(logos=str(tmp_path / "missing")))
    # a bad file: agency_logo's Indonesian refusal, before the kit's folder is touched
    (tmp_path / "rusak.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    out = tmp_path / "out"
    with pytest.raises(NetralError, match="Logo rusak.png"):
        write_kit(pack, sleman, out, KitOptions(only=("twibbon",), logo=str(tmp_path / "rusak.png")))
    assert not out.exists()


def test_the_agencies_csv_names_each_units_emblem(pack, emblems, tmp_path):
    (tmp_path / "logo").mkdir()
    (tmp_path / "logo" / "bagian.png").write_bytes((emblems / "34.04.png").read_bytes())
    csv_file = tmp_path / "unit.csv"
    csv_file.write_text("name,logo\nBagian Organisasi,logo/bagian.png\nBagian Umum,\n", encoding="utf-8")
    units = read_agency_csv(csv_file, Registry([]))
    assert units[0].logo == str((tmp_path / "logo" / "bagian.png").resolve()) and units[1].logo is None
    assert "logo" not in units[0].as_dict()  # a path on this machine never reaches a manifest
    assert emblem_for(units[0], KitOptions()).name == "bagian.png"
    assert emblem_for(units[1], KitOptions(logos=str(emblems))) is None
    csv_file.write_text("name,logo\nBagian Organisasi,tidak-ada.png\n", encoding="utf-8")
    with pytest.raises(NetralError, match="baris 2: berkas logo tidak-ada.png tidak ada"):
        read_agency_csv(csv_file, Registry([]))


def test_netral_kit_logo_on_the_command_line(emblems, tmp_path):
    run = subprocess.run([sys.executable, "-m", "netral_assets", "kit", "--agency", "34.04", "--only", "twibbon",
                          "--logo", str(emblems / "34.04.png"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "dengan logo 34.04.png" in run.stdout
    data = json.loads((tmp_path / "kabupaten-sleman" / "manifest.json").read_text())
    assert data["emblem"]["name"] == "34.04.png"
    bad = tmp_path / "bukan.png"
    bad.write_text("bukan gambar")
    run = subprocess.run([sys.executable, "-m", "netral_assets", "kit", "--agency", "34.04", "--only", "twibbon",
                          "--logo", str(bad), "--out", str(tmp_path / "x")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 1 and "Logo bukan.png bukan PNG, JPEG atau SVG" in run.stderr


def test_batch_takes_emblems_from_a_folder_named_by_slug_or_code(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    logos = tmp_path / "logos"
    logos.mkdir()
    Image.new("RGB", (300, 360), (20, 120, 60)).save(logos / "34.04.png")
    out = tmp_path / "kits"
    result = subprocess.run([sys.executable, "-m", "netral_assets", "batch", "--level", "kabkota", "--province", "34",
                             "--only", "logo", "--no-proof", "-j", "1", "--logos", str(logos), "--out", str(out)],
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    manifests = {p.parent.name: json.loads(p.read_text("utf-8")) for p in out.rglob("*/manifest.json")}
    assert manifests["kabupaten-sleman"].get("emblem", {}).get("name") == "34.04.png"
    assert not manifests["kota-yogyakarta"].get("emblem")
    assert str(tmp_path) not in json.dumps(manifests)  # names and digests, never the operator's paths
