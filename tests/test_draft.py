"""Review before publishing (issue 18): `--draft` lays "DRAF — BELUM DISETUJUI" across every file of
a kit and the proof sheet, the manifests say so, and the final run clears it, making each file once."""

import io
import json

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageStat

from netral_assets.batch import BatchOptions, run_batch
from netral_assets.kit.build import write_kit
from netral_assets.kit.plan import KitOptions, plan_kit
from netral_assets.output.draft import DRAFT_TEXT, draft_font, mark_file, mark_image

OPTIONS = dict(only=("twibbon", "logo", "poster"), poster_formats=(("feed", ".jpg"),))


def pdf_text(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def centre_difference(a: bytes, b: bytes) -> float:
    """Mean difference of the two pictures' middle fifth (0–255)."""
    with Image.open(io.BytesIO(a)) as one, Image.open(io.BytesIO(b)) as two:
        w, h = one.size
        box = (2 * w // 5, 2 * h // 5, 3 * w // 5, 3 * h // 5)
        diff = ImageChops.difference(one.convert("RGBA").crop(box), two.convert("RGBA").crop(box))
        return max(ImageStat.Stat(diff).mean)


def test_the_mark_crosses_the_centre_and_leaves_the_corners(pack):
    picture = Image.new("RGB", (1080, 1350), (18, 40, 76))
    marked = mark_image(picture, draft_font(pack))
    assert marked.size == picture.size and marked.mode == "RGB" and picture.getpixel((540, 675)) == (18, 40, 76)
    assert marked.getpixel((540, 675)) != (18, 40, 76)
    assert marked.getpixel((1070, 10)) != (18, 40, 76)  # corner to corner, lower left to upper right
    assert marked.getpixel((10, 10)) == (18, 40, 76) and marked.getpixel((1070, 1340)) == (18, 40, 76)
    # a transparent frame keeps its transparency outside the band
    frame = mark_image(Image.new("RGBA", (400, 400), (0, 0, 0, 0)), draft_font(pack))
    assert frame.mode == "RGBA" and frame.getpixel((200, 200))[3] > 0 and frame.getpixel((5, 5))[3] == 0
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 100"><rect width="300" height="100"/></svg>'
    marked_svg, _ = mark_file(svg, ".svg", pack)
    assert marked_svg.endswith(b"</svg>") and b"<path fill=\"#FFFFFF\"" in marked_svg and b"<text" not in marked_svg


def test_draft_marks_every_file_and_the_final_run_clears_it_once(pack, sleman, tmp_path):
    draft = write_kit(pack, sleman, tmp_path, KitOptions(**OPTIONS, draft=True))
    assert not draft.errors and draft.draft and draft.rendered == draft.files
    folder = draft.folder
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["draft"] is True and all(entry["draft"] is True for entry in manifest["files"])
    drafted = {entry["path"]: (folder / entry["path"]).read_bytes() for entry in manifest["files"]}
    assert {name.rsplit(".", 1)[1] for name in drafted} == {"png", "jpg", "pdf", "svg"}

    final = write_kit(pack, sleman, tmp_path, KitOptions(**OPTIONS))
    # the mark is in every fingerprint: each file is made again, once
    assert not final.errors and not final.draft and final.rendered == final.files == draft.files
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert manifest["draft"] is False and not any("draft" in entry for entry in manifest["files"])
    for name, marked in drafted.items():
        clean = (folder / name).read_bytes()
        assert clean != marked, name
        if name.endswith((".png", ".jpg")):
            assert centre_difference(marked, clean) > 20, name
        elif name.endswith(".pdf"):
            assert all(DRAFT_TEXT in text for text in pdf_text(marked)), name
            assert not any("DRAF" in text for text in pdf_text(clean)), name
        else:
            assert len(marked) > len(clean) and marked.startswith(clean[:clean.rfind(b"</svg>")]), name
    assert write_kit(pack, sleman, tmp_path, KitOptions(**OPTIONS)).rendered == 0


def test_draft_is_in_the_fingerprint_but_not_the_layout(pack, sleman):
    options = dict(only=("poster",), poster_formats=(("feed", ".jpg"),))
    clean = {j.name: j for j in plan_kit(pack, sleman, KitOptions(**options))}
    marked = {j.name: j for j in plan_kit(pack, sleman, KitOptions(**options, draft=True))}
    assert clean.keys() == marked.keys()
    for name, job in clean.items():
        assert job.fingerprint != marked[name].fingerprint and job.set_key == marked[name].set_key


def test_a_draft_batch_marks_the_proof_and_the_national_manifest(pack, registry, tmp_path):
    agency = registry.find("34.71")
    out = tmp_path / "kits"
    kit = KitOptions(only=("twibbon",))
    draft = run_batch(pack, [agency], out, BatchOptions(KitOptions(only=("twibbon",), draft=True), workers=1))
    assert not draft.errors and draft.draft
    national = json.loads((out / "manifest.json").read_text("utf-8"))
    assert national["draft"] is True and all(f["draft"] for f in national["files"])
    assert all(DRAFT_TEXT in text for text in pdf_text((out / "proof.pdf").read_bytes()))

    final = run_batch(pack, [agency], out, BatchOptions(kit, workers=1))
    assert not final.errors and not final.draft and final.rendered == final.files == draft.files
    national = json.loads((out / "manifest.json").read_text("utf-8"))
    assert national["draft"] is False and not any("draft" in f for f in national["files"])
    assert not any("DRAF" in text for text in pdf_text((out / "proof.pdf").read_bytes()))
