"""Short codes and their registration (issue 19): the code printed on published assets, its
normalisation, the kit's static index, the store's registrations, and matching recompressed copies and
screenshots to their registered original."""

import io
import json
import re

import pytest
from click.testing import CliRunner
from conftest import pdftotext
from PIL import Image, ImageDraw

from netral_assets import build_poster
from netral_assets.errors import NetralError
from netral_assets.kit.build import write_kit
from netral_assets.kit.plan import CODE_KINDS, KitOptions, plan_kit
from netral_assets.model.designs import list_designs
from netral_assets.provenance.codes import (
    MAX_DISTANCE,
    CodeIndex,
    Registration,
    StaticIndex,
    find_originals,
    hash_distance,
    normalize_code,
    perceptual_hash,
    short_code,
    write_index,
)
from netral_assets.store import StoreIndex, open_store

URL = "https://netral.example.go.id"
HOST = "netral.example.go.id"
CODE_FORM = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")
# a small kit: every poster design in feed and A4 (and its print file), with a public address
POSTERS = KitOptions(only=("poster", "cetak"), poster_formats=(("feed", ".jpg"), ("a4", ".pdf")), extra={"public_url": URL})


def whatsapp(data: bytes) -> Image.Image:
    """What WhatsApp makes of a picture: 800 px wide, JPEG quality 50."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image = image.resize((800, round(image.height * 800 / image.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=50)
    return Image.open(io.BytesIO(out.getvalue()))


def screenshot(data: bytes) -> Image.Image:
    """A phone screenshot cropped to the poster: a 66 px status bar (time, battery) on top, 20 px of the
    poster lost at both ends, saved as JPEG."""
    poster = Image.open(io.BytesIO(data)).convert("RGB")
    bar, cut = 66, 20
    shot = Image.new("RGB", (poster.width, bar + poster.height - 2 * cut), (0, 0, 0))
    shot.paste(poster.crop((0, cut, poster.width, poster.height - cut)), (0, bar))
    draw = ImageDraw.Draw(shot)
    draw.text((40, 22), "09.41", fill=(255, 255, 255))
    draw.rectangle((poster.width - 120, 22, poster.width - 40, 44), fill=(255, 255, 255))
    out = io.BytesIO()
    shot.save(out, "JPEG", quality=80)
    return Image.open(io.BytesIO(out.getvalue()))


@pytest.fixture(scope="module")
def kits(pack, registry, tmp_path_factory):
    """Two agencies' poster kits in one batch-like folder: (folder, result of Sleman, result of Bantul)."""
    out = tmp_path_factory.mktemp("kits")
    sleman = write_kit(pack, registry.find("34.04"), out, POSTERS)
    bantul = write_kit(pack, registry.find("34.02"), out, POSTERS)
    assert not sleman.errors and not bantul.errors
    return out, sleman, bantul


# -- the code ------------------------------------------------------------------------------------------

def test_a_short_code_is_deterministic_crockford_and_depends_on_every_part():
    code = short_code("34.04", "poster", "larangan", "edition-1")
    assert CODE_FORM.match(code)
    assert code == short_code("34.04", "poster", "larangan", "edition-1")
    others = {short_code("34.04", "poster", "larangan", "edition-2"), short_code("34.02", "poster", "larangan", "edition-1"),
              short_code("34.04", "poster", "sanksi", "edition-1"), short_code("34.04", "carousel", "larangan", "edition-1"),
              short_code("34.04poster", "larangan", "edition-1")}
    assert code not in others and len(others) == 5
    codes = {short_code("34.04", "poster", str(i)) for i in range(2000)}
    assert all(CODE_FORM.match(c) for c in codes) and len(codes) == 2000


@pytest.mark.parametrize("typed", [
    "K7Q2-9XA", "k7q2-9xa", "k7q2 9xa", "K7Q29XA", " K7Q2 - 9XA ", "K7Q2–9XA".replace("–", "-"),
    "https://netral.example.go.id/cek/K7Q2-9XA", "netral.example.go.id/cek/k7q29xa/", "http://x.id/cek/K7Q2-9XA?utm=wa#top",
    "Kode keaslian: K7Q2-9XA", "Cek keaslian: netral.example.go.id/cek/K7Q2-9XA",
])
def test_what_people_type_or_a_qr_holds_is_normalised(typed):
    assert normalize_code(typed) == "K7Q2-9XA"


def test_crockford_confusions_are_read_as_digits_and_junk_is_refused():
    assert normalize_code("KOQI-LXA") == "K0Q1-1XA"
    assert normalize_code("koqi lxa") == "K0Q1-1XA"
    for junk in ("", "K7Q2-9X", "K7Q2-9XAB", "K7Q2-9XU", "K7Q2-9X!", "https://x.id/cek/", "x" * 5000, None, 12):
        assert normalize_code(junk) is None


def test_hash_distance_counts_differing_bits():
    assert hash_distance("0000000000000000", "0000000000000000") == 0
    assert hash_distance("0000000000000000", "ffffffffffffffff") == 64
    assert hash_distance("00000000000000f1", "0000000000000000") == 5


def test_a_registration_survives_json_both_ways_and_a_damaged_one_is_refused(tmp_path):
    reg = Registration("K7Q2-9XA", "Pemerintah Kabupaten Sleman", "34.04", "poster", "larangan", "feed",
                       "poster-larangan-feed.jpg", "ab" * 32, "0123456789abcdef", "2026-12-06T05:00:00Z",
                       "Kabupaten Sleman", True, ("KASN, 22 November 2023",), b"\xff\xd8jpeg")
    assert Registration.from_json(json.loads(json.dumps(reg.to_json()))) == reg
    (tmp_path / reg.thumbnail_name).write_bytes(reg.thumbnail)
    assert Registration.from_json(reg.to_json(thumbnail=reg.thumbnail_name), tmp_path) == reg
    broken = reg.to_json()
    del broken["phash"]
    with pytest.raises(NetralError, match="tidak lengkap atau rusak"):
        Registration.from_json(broken)


# -- printed on the assets -------------------------------------------------------------------------------

def test_only_posters_carousels_leaflets_and_link_cards_carry_a_code(pack, sleman):
    jobs = plan_kit(pack, sleman, KitOptions(extra={"public_url": URL}))
    for job in jobs:
        coded = job.kind in ("poster", "leaflet", "card")
        assert (job.code is not None) == coded, job.name
    assert set(CODE_KINDS) == {"poster", "carousel", "leaflet", "card"}
    by_design = {}
    for job in jobs:
        if job.kind == "poster":
            by_design.setdefault((job.design, job.format == "carousel"), set()).add(job.code)
    # all formats and print files of a design share one code; its carousel has its own
    assert all(len(codes) == 1 for codes in by_design.values())
    assert by_design[("larangan", False)] != by_design[("larangan", True)]
    # an unchanged plan keeps its codes; another agency has others
    assert [j.code for j in plan_kit(pack, sleman, KitOptions(extra={"public_url": URL}))] == [j.code for j in jobs]


def test_the_code_passes_preflight_for_the_longest_name_in_every_poster_format(pack, longest, tmp_path):
    code = short_code(longest.code, "poster", "x", "y")
    for design in list_designs(pack, "poster"):
        for fmt in design.formats:
            ext = ".pdf" if design.format(fmt).is_print else ".png"
            for extra in ({"code": code, "public_url": URL}, {"code": code}):
                # the bare code is shorter than the address: checked in one raster and one print format
                if "public_url" not in extra and (fmt not in ("feed", "a3") or design.meta.get("requires")):
                    continue
                asset = build_poster(pack, longest, design.name, fmt, ext, extra=extra)
                # every design passes preflight for the longest name with the line (the line, its QR and
                # everything they could push aside)
                assert not asset.findings, (design.name, fmt, extra, [str(f) for f in asset.findings])
                if ext == ".pdf":
                    text = " ".join(pdftotext(asset.data, tmp_path).split())
                    line = f"Cek keaslian: {HOST}/cek/{code}" if "public_url" in extra else f"Kode keaslian: {code}"
                    assert line in text, (design.name, fmt)


def test_the_code_layer_composes_to_the_single_document_render(pack, sleman, longest):
    """The line is a layer of its own (the footer stays shared by the designs): composed, a poster is
    the single-document render, within anti-aliasing rounding."""
    import pypdfium2 as pdfium
    from PIL import ImageChops

    from netral_assets.assets.layers import compose_pdf, compose_raster
    from netral_assets.model.designs import load_design
    from netral_assets.output.writers import rasterize, write_pdf
    from netral_assets.render.document import render_design

    def max_diff(a, b):
        return max(high for _, high in ImageChops.difference(a, b).getextrema())

    def page(data):
        return pdfium.PdfDocument(data)[0].render(scale=1.5, fill_color=(255, 255, 255, 255)).to_pil().convert("RGB")

    for agency in (sleman, longest):
        extra = {"code": short_code(agency.code, "poster", "sanksi", "e"), "public_url": URL}
        d = load_design(pack, "poster", "sanksi")
        for fmt in ("feed", "story"):
            full = rasterize(render_design(pack, d, fmt, agency, extra))
            assert max_diff(full, compose_raster(pack, d, fmt, agency, extra).product) <= 2, (agency.code, fmt)
        full = write_pdf(render_design(pack, d, "a3", agency, extra))
        assert max_diff(page(full), page(compose_pdf(pack, d, "a3", agency, extra).product)) <= 4, agency.code


def test_the_qr_code_on_a4_leads_to_the_check_page(pack, sleman):
    import pypdfium2 as pdfium

    from netral_assets.checks.qr import PRINT_QR_DPI, decoded_texts

    code = short_code(sleman.code, "poster", "sanksi", "e")
    asset = build_poster(pack, sleman, "sanksi", "a4", ".pdf", extra={"code": code, "public_url": URL})
    page = pdfium.PdfDocument(asset.data)[0]
    assert f"{URL}/cek/{code}" in decoded_texts(page.render(scale=PRINT_QR_DPI / 72).to_pil())
    # without a public address there is nothing to scan: the code alone, no QR code
    bare = build_poster(pack, sleman, "sanksi", "a4", ".pdf", extra={"code": code})
    assert decoded_texts(pdfium.PdfDocument(bare.data)[0].render(scale=PRINT_QR_DPI / 72).to_pil()) == []


# -- the static index a kit writes ----------------------------------------------------------------------

def test_the_kit_registers_every_coded_file_in_its_index_listed_in_the_manifest(kits, tmp_path):
    out, sleman, _ = kits
    folder = sleman.folder
    index = StaticIndex.load(folder)
    assert isinstance(index, CodeIndex)
    files = {e["path"] for e in sleman.entries}
    assert {r.file for r in index.registrations} == files  # posters: every file carries its code
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = {r["path"] for r in manifest["keaslian"]}
    assert "keaslian/index.json" in listed and {f"keaslian/{r.thumbnail_name}" for r in index.registrations} <= listed
    for reg in index.registrations:
        assert CODE_FORM.match(reg.code) and reg.agency == "Pemerintah Kabupaten Sleman" and reg.agency_code == "34.04"
        entry = next(e for e in sleman.entries if e["path"] == reg.file)
        assert reg.sha256 == entry["sha256"] and not reg.signed
        assert Image.open(io.BytesIO(reg.thumbnail)).width <= 480
        assert index.by_code(reg.code.lower().replace("-", " ")) and reg in index.by_code(reg.code)
    statistik = next(r for r in index.registrations if r.design == "statistik" and r.format == "feed")
    assert statistik.sources and all("," in s for s in statistik.sources)  # "KASN, 22 November 2023"
    # the code printed on the A4 file is its registration's
    a4 = next(r for r in index.registrations if r.file == "poster-larangan-a4.pdf")
    assert f"Cek keaslian: {HOST}/cek/{a4.code}" in " ".join(pdftotext((folder / a4.file).read_bytes(), tmp_path).split())


def test_an_incremental_run_keeps_the_index_right(pack, registry, tmp_path):
    agency = registry.find("34.71")
    options = KitOptions(only=("poster",), poster_formats=(("feed", ".jpg"),), extra={"public_url": URL})
    first = write_kit(pack, agency, tmp_path, options)
    index_file = first.folder / "keaslian" / "index.json"
    before = index_file.read_bytes()
    again = write_kit(pack, agency, tmp_path, options)
    assert again.rendered == 0 and index_file.read_bytes() == before  # nothing made, nothing changed
    # a lost index is made again from the files on disk, with the same codes and hashes
    for path in index_file.parent.iterdir():
        path.unlink()
    index_file.parent.rmdir()
    restored = write_kit(pack, agency, tmp_path, options)
    assert restored.rendered == 0
    # (the thumbnail is made from the decoded file now, not the picture it was encoded from: as good)
    same = lambda r: (r.code, r.file, r.sha256, r.phash)  # noqa: E731
    assert sorted(map(same, StaticIndex.load(first.folder).registrations)) == sorted(map(same, first.registrations))
    # a design dropped from the kit leaves the index with its thumbnail; a new format is added
    wider = KitOptions(only=("poster",), poster_formats=(("story", ".jpg"),), extra={"public_url": URL})
    third = write_kit(pack, agency, tmp_path, wider)
    index = StaticIndex.load(first.folder)
    assert {r.format for r in index.registrations} == {"story"} and third.rendered
    assert sorted(p.name for p in index_file.parent.glob("*.jpg")) == sorted({r.thumbnail_name for r in index.registrations})
    assert not StaticIndex(first.registrations).by_code("NOPE-000")


def test_an_index_is_written_whole_and_a_damaged_one_is_refused(tmp_path):
    reg = Registration("K7Q2-9XA", "A", "1", "poster", "d", "feed", "f.jpg", "0" * 64, "0" * 16,
                       "2026-12-06T05:00:00Z", "I", False, (), b"thumb")
    names = write_index(tmp_path, [reg])
    assert names[-1] == "keaslian/index.json" and not list(tmp_path.rglob("*.part"))
    assert StaticIndex.load(tmp_path).registrations == [reg]
    (tmp_path / "keaslian" / "index.json").write_text("{not json")
    with pytest.raises(NetralError, match="tidak bisa dibaca"):
        StaticIndex.load(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NetralError, match="Tidak ada indeks"):
        StaticIndex.load(empty)


# -- matching copies to their originals -----------------------------------------------------------------

def _poster(result, design, fmt="feed"):
    return next(r for r in result.registrations if r.design == design and r.format == fmt)


def test_a_whatsapp_copy_is_matched_to_its_original_and_not_to_another_design(kits):
    out, sleman, _ = kits
    index = StaticIndex.load(sleman.folder)
    for design in ("larangan", "statistik", "sanksi", "lapor", "faktor"):
        original = _poster(sleman, design)
        copy = whatsapp((sleman.folder / original.file).read_bytes())
        found = index.nearest(perceptual_hash(copy))
        assert found and found[0][1] == original and found[0][0] <= 2, (design, found[:1])
        assert all(reg.design == design for _, reg in found), (design, [(d, r.file) for d, r in found])


def test_a_screenshot_is_matched_through_its_crops(kits):
    out, sleman, _ = kits
    index = StaticIndex.load(sleman.folder)
    for design in ("larangan", "statistik", "sanksi", "lapor", "faktor"):
        original = _poster(sleman, design)
        shot = screenshot((sleman.folder / original.file).read_bytes())
        found = find_originals(index, shot)
        assert found and found[0][1] == original and found[0][0] <= MAX_DISTANCE, design
        assert all(reg.design == design for _, reg in found), design


def test_among_agencies_a_copy_finds_its_own_agency_first(kits):
    out, sleman, bantul = kits
    index = StaticIndex.load(out)  # a batch folder: every kit's index
    assert len(index.registrations) == len(sleman.registrations) + len(bantul.registrations)
    for result in (sleman, bantul):
        for design in ("larangan", "statistik", "sanksi", "lapor", "faktor"):
            original = _poster(result, design)
            data = (result.folder / original.file).read_bytes()
            for copy in (whatsapp(data), screenshot(data)):
                found = find_originals(index, copy)
                assert found[0][1] == original, (original.file, original.agency, [(d, r.agency) for d, r in found])
                assert {r.design for _, r in found} == {design}


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'netral.db'}"
        return
    from netral_assets.store.throwaway import binaries, temporary_postgres

    if binaries() is None:
        pytest.skip("PostgreSQL is not installed (make test installs Debian's postgresql)")
    with temporary_postgres() as url:
        yield url


def test_the_store_registers_once_and_finds_by_code_and_picture(kits, store_url):
    out, sleman, bantul = kits
    store = open_store(store_url)
    try:
        assert store.register(sleman.registrations + bantul.registrations) == len(sleman.registrations + bantul.registrations)
        assert store.register(sleman.registrations) == 0  # the same files again: nothing new
        index = StoreIndex(store)
        assert isinstance(index, CodeIndex)
        original = _poster(sleman, "larangan")
        assert {r.file for r in index.by_code(original.code.lower())} == {
            r.file for r in sleman.registrations if r.code == original.code}
        assert index.by_code(original.code)[0] in sleman.registrations  # thumbnail, sources, all of it
        assert index.by_code("not a code") == [] and index.by_code("ZZZZ-ZZZ") == []
        copy = whatsapp((sleman.folder / original.file).read_bytes())
        phash = perceptual_hash(copy)
        near = index.nearest(phash, limit=10)
        # the same ranking as the static index of the same registrations
        assert near == StaticIndex(sleman.registrations + bantul.registrations).nearest(phash, limit=10)
        assert {r.design for _, r in near} == {"larangan"}
        # the same design of another agency is as near by the 64-bit hash (only the footer differs):
        # find_originals puts the agency's own first
        assert {r.agency_code for _, r in near} == {"34.04", "34.02"}
        assert find_originals(index, copy)[0][1] == original
        other = _poster(bantul, "larangan")
        assert find_originals(index, whatsapp((bantul.folder / other.file).read_bytes()))[0][1] == other
        assert index.nearest("zz") == [] and index.nearest(phash, limit=0) == []
    finally:
        store.close()


def test_netral_register_loads_kit_indexes_once_and_refuses_a_changed_one(kits, tmp_path):
    from netral_assets.cli.provenance import register

    out, sleman, bantul = kits
    url = f"sqlite://{tmp_path / 'netral.db'}"
    first = CliRunner().invoke(register, [str(out), "--database", url])
    assert first.exit_code == 0, first.output
    total = len(sleman.registrations) + len(bantul.registrations)
    assert f"{total} berkas berkode" in first.output and f"{total} baru terdaftar" in first.output
    again = CliRunner().invoke(register, [str(sleman.folder), "--database", url])
    assert again.exit_code == 0 and "0 baru terdaftar" in again.output
    changed = tmp_path / "kit"
    import shutil

    shutil.copytree(sleman.folder, changed)
    index = changed / "keaslian" / "index.json"
    index.write_text(index.read_text().replace("Pemerintah Kabupaten Sleman", "Pemerintah Kabupaten Palsu"))
    refused = CliRunner().invoke(register, [str(changed), "--database", url])
    assert refused.exit_code == 1 and "berubah sejak kit dibuat" in refused.output
    assert "Traceback" not in refused.output


def test_netral_verify_with_an_index_names_the_registered_original_of_a_copy(kits, tmp_path):
    from netral_assets.cli.provenance import verify

    out, sleman, _ = kits
    original = _poster(sleman, "sanksi")
    copy = tmp_path / "dari-whatsapp.jpg"
    whatsapp((sleman.folder / original.file).read_bytes()).save(copy)
    result = CliRunner().invoke(verify, ["--index", str(sleman.folder), str(copy)])
    assert result.exit_code == 1  # no credentials: never "valid", whatever it resembles
    assert "TANPA KREDENSIAL" in result.output
    assert f"Asli terdaftar: {original.file}" in result.output and f"kode {original.code}" in result.output
    assert "tidak dapat membuktikan" in result.output and "Traceback" not in result.output
    as_json = json.loads(CliRunner().invoke(verify, ["--index", str(sleman.folder), "--json", str(copy)]).output)
    assert as_json["registered"][0]["file"] == original.file and as_json["registered"][0]["via"] == "hash"
