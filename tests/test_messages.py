"""The agency's own words: the leader's message (pesan) and the announcement (pengumuman) — limits at
every format for the longest registry name, refusals that name the field and the limit, portraits
upright and without metadata, https links only, hostile text printed as text, content files."""

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import pdftotext
from PIL import Image

from netral_assets import NetralError, build_poster
from netral_assets.assets.message import load_content, make_content, read_picture, silhouette
from netral_assets.cli import cli
from netral_assets.model.designs import load_design

RASTER = ("square", "feed", "story")
PRINT = ("a4", "a3")
WORDS = "ASN wajib menjaga netralitas dalam setiap tahapan pemilihan umum dan pemilihan kepala daerah. "


def text_of(n: int, words: str = WORDS) -> str:
    """Realistic Indonesian text of exactly n characters."""
    text = (words * (n // len(words) + 1))[:n]
    return text[:-1] + "a" if text.endswith(" ") else text


@pytest.fixture(scope="module")
def portrait(tmp_path_factory):
    path = tmp_path_factory.mktemp("foto") / "potret.png"
    path.write_bytes(silhouette())
    return path


def _designs(pack):
    return load_design(pack, "poster", "pesan"), load_design(pack, "poster", "pengumuman")


def _longest(pack, portrait):
    pesan, pengumuman = _designs(pack)
    lp, la = pesan.meta["limits"], pengumuman.meta["limits"]
    link = "https://www.slemankab.go.id/pendaftaran/apel-netralitas-asn"[:la["link"]]  # a long, real-looking one
    return [
        make_content(pesan, {"photo": str(portrait), "name": text_of(lp["name"]), "title": text_of(lp["title"]),
                             "quote": text_of(lp["quote"])}),
        make_content(pengumuman, {"headline": text_of(la["headline"]), "image": str(portrait), "link": link,
                                  "link_label": text_of(la["link_label"]),
                                  "points": [text_of(la["point"], WORDS[i * 7:] + WORDS[:i * 7])
                                             for i in range(la["points"])]}),
        make_content(pengumuman, {"headline": text_of(la["headline"]), "body": text_of(la["body"]), "link": link,
                                  "link_label": text_of(la["link_label"])}),
        # without a link the words run across the page under the picture, in the wide boxes
        make_content(pengumuman, {"headline": text_of(la["headline"]), "image": str(portrait),
                                  "points": [text_of(la["point"], WORDS[i * 5:] + WORDS[:i * 5])
                                             for i in range(la["points"])]}),
        make_content(pengumuman, {"headline": text_of(la["headline"]), "body": text_of(la["body"])}),
        # short words grow into the room they have (a two-point list, a one-line paragraph)
        make_content(pengumuman, {"headline": "Apel", "points": ["Senin", "Halaman kantor"], "link": link}),
        make_content(pengumuman, {"headline": "Apel siaga", "body": "Seluruh ASN hadir."}),
    ]


def test_longest_name_and_longest_words_pass_preflight_in_every_format(pack, longest, portrait):
    from netral_assets.assets.layers import clear_cache

    for content in _longest(pack, portrait):
        for fmt in (*RASTER, *PRINT):
            clear_cache()
            ext = ".pdf" if fmt in PRINT else ".png"
            asset = build_poster(pack, longest, content.design, fmt, ext, content=content)
            assert not asset.findings, (content.design, fmt, [str(f) for f in asset.findings])
        printed = build_poster(pack, longest, content.design, "a3", ".pdf", print_marks=True, content=content)
        assert not printed.findings


@pytest.mark.parametrize("design, field", [("pesan", "quote"), ("pesan", "name"), ("pesan", "title"),
                                           ("pengumuman", "headline"), ("pengumuman", "point"),
                                           ("pengumuman", "body"), ("pengumuman", "link_label")])
def test_one_character_over_the_limit_is_refused_with_the_limit(pack, portrait, design, field):
    d = load_design(pack, "poster", design)
    limit = d.meta["limits"][field]
    fields = ({"photo": str(portrait), "name": "Nama", "title": "Bupati", "quote": "Tetap netral."}
              if design == "pesan" else {"headline": "Apel siaga", "points": ["Satu"]})
    if field == "point":
        fields["points"] = [text_of(limit + 1)]
    elif field == "body":
        fields.pop("points")
        fields["body"] = text_of(limit + 1)
    elif field == "link_label":
        fields.update(link="https://www.lapor.go.id", link_label=text_of(limit + 1))
    else:
        fields[field] = text_of(limit + 1)
    with pytest.raises(NetralError, match=rf"{limit + 1} karakter, melebihi batas {limit} karakter"):
        make_content(d, fields)
    fields = {k: (v[:-1] if isinstance(v, str) and len(v) == limit + 1 else v) for k, v in fields.items()}
    if field == "point":
        fields["points"] = [text_of(limit)]
    make_content(d, fields)  # at the limit: accepted


def test_more_than_five_points_are_refused(pack):
    with pytest.raises(NetralError, match="6 poin; boleh 1 sampai 5"):
        make_content(_designs(pack)[1], {"headline": "Apel", "points": [f"Poin {i}" for i in range(6)]})


def test_text_within_the_limit_that_cannot_fit_says_how_much_would(pack, sleman):
    pengumuman = _designs(pack)[1]
    word = "Pemberitahuanpemberitahuanpemberitahuanpemberitahuan"  # one unbreakable word, too wide
    content = make_content(pengumuman, {"headline": f"Apel {word}", "points": ["Satu"]})
    with pytest.raises(NetralError, match=r"judul \(headline\) tidak muat di format square .* yang muat sekitar 4 dari"):
        build_poster(pack, sleman, "pengumuman", "square", ".png", content=content)


def test_portrait_with_exif_orientation_6_comes_out_upright_without_metadata(tmp_path):
    upright = Image.new("RGB", (400, 600), (40, 60, 200))
    upright.paste((220, 20, 40), (0, 0, 400, 100))  # red across the top of the upright picture
    stored = upright.rotate(90, expand=True)  # as a phone held upright stores it: 600×400
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "Kamera Uji"  # Make: must not reach the poster
    path = tmp_path / "miring.jpg"
    stored.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    picture = read_picture(path, "foto")
    out = Image.open(io.BytesIO(picture.data))
    assert out.size == (400, 600)
    r, g, b = out.getpixel((200, 20))
    assert r > 180 and b < 100, "the red edge is at the top"
    assert not out.getexif() and "icc_profile" not in out.info and "exif" not in out.info
    assert picture.focus == (0.5, round(1 / 3, 4))  # no face finder here: the upper third


def test_focus_by_hand_moves_the_crop(tmp_path):
    path = tmp_path / "lebar.png"
    Image.new("RGB", (1200, 400), "white").save(path)
    left = read_picture(path, "foto", focus=(0.0, 0.5)).cover(300, 400)
    right = read_picture(path, "foto", focus=(1.0, 0.5)).cover(300, 400)
    assert left["left"] == 0 and right["left"] == pytest.approx(300 - right["width"])


@pytest.mark.parametrize("link", ["http://www.lapor.go.id", "javascript:alert(1)", "ftp://x.go.id/a",
                                  "https://pengguna:sandi@x.go.id", "https://localhost/a", "https://x.go.id/a b"])
def test_a_link_that_is_not_plain_https_is_refused(pack, link):
    with pytest.raises(NetralError, match=r"tautan \(link\)"):
        make_content(_designs(pack)[1], {"headline": "Apel", "points": ["Satu"], "link": link})


def test_hostile_text_prints_literally(pack, sleman, portrait, tmp_path):
    hostile = '<script>alert(1)</script> {{ 7*7 }} {% raw %}'
    content = make_content(_designs(pack)[0], {"photo": str(portrait), "name": "<b>Nama</b>",
                                                "title": "{{ config }}", "quote": hostile})
    asset = build_poster(pack, sleman, "pesan", "a4", ".pdf", content=content)
    text = " ".join(pdftotext(asset.data, tmp_path).split())
    compact = text.replace(" ", "")  # a long token may break across lines (after its "/"), as text does
    assert "<script>alert(1)</script>" in compact and "{{7*7}}" in compact and "{%raw%}" in compact
    assert "<b>Nama</b>" in text and "{{ config }}" in text and " 49 " not in f" {text} "


def test_content_file_paths_are_relative_to_the_file_and_a_wrong_field_is_named(pack, portrait, tmp_path, monkeypatch):
    folder = tmp_path / "isi"
    (folder / "foto").mkdir(parents=True)
    (folder / "foto" / "bupati.png").write_bytes(portrait.read_bytes())
    good = folder / "pesan.toml"
    good.write_text('design = "pesan"\nphoto = "foto/bupati.png"\nname = "Nama Bupati"\ntitle = "Bupati Contoh"\n'
                    'quote = "ASN wajib netral."\nfocus = [0.5, 0.3]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # elsewhere: the photo is found beside the file
    content = load_content(_designs(pack)[0], good)
    assert content.photo is not None and content.photo.focus == (0.5, 0.3)
    bad = folder / "salah.toml"
    bad.write_text('photo = "foto/bupati.png"\nname = "N"\ntitle = "T"\nquot = "Q"\n', encoding="utf-8")
    with pytest.raises(NetralError, match=r"salah.toml: kolom 'quot' tidak dikenal .* Maksud Anda 'quote'\?"):
        load_content(_designs(pack)[0], bad)
    typed = folder / "tipe.toml"
    typed.write_text('headline = "Apel"\npoints = "bukan daftar"\n', encoding="utf-8")
    with pytest.raises(NetralError, match=r"tipe.toml: kolom poin \(points\) harus daftar teks"):
        load_content(_designs(pack)[1], typed)
    missing = folder / "kurang.toml"
    missing.write_text('photo = "foto/tidak-ada.png"\nname = "N"\ntitle = "T"\nquote = "Q"\n', encoding="utf-8")
    with pytest.raises(NetralError, match=r"foto \(photo\) \(tidak-ada.png\)"):
        load_content(_designs(pack)[0], missing)
    url = folder / "url.toml"
    url.write_text('photo = "https://contoh.go.id/a.jpg"\nname = "N"\ntitle = "T"\nquote = "Q"\n', encoding="utf-8")
    with pytest.raises(NetralError, match="bukan alamat web"):
        load_content(_designs(pack)[0], url)


def test_netral_poster_with_a_content_file_and_with_options(portrait, tmp_path):
    file = tmp_path / "pengumuman.toml"
    file.write_text('design = "pengumuman"\nheadline = "Apel siaga netralitas ASN"\n'
                    'points = ["Senin, 4 November 2024", "Halaman kantor bupati"]\n'
                    'link = "https://www.lapor.go.id"\nlink_label = "Laporkan pelanggaran"\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["poster", "-a", "34.04", "--content", str(file), "--format", "feed",
                                  "-o", str(tmp_path / "p.png")])
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "p.png") as image:
        assert image.size == (1080, 1350)
    result = runner.invoke(cli, ["poster", "-a", "34.04", "--name", "Nama Bupati", "--title", "Bupati Sleman",
                                  "--quote", "ASN wajib netral.", "--photo", str(portrait), "--focus", "0.5", "0.4",
                                  "--format", "story", "-o", str(tmp_path / "q.png")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["poster", "-a", "34.04", "--design", "pesan", "-o", str(tmp_path / "r.png")])
    assert result.exit_code == 1 and "butuh isi" in result.output
    result = runner.invoke(cli, ["poster", "-a", "34.04", "--headline", "Apel", "--point", "Satu",
                                  "--link", "http://contoh.go.id", "-o", str(tmp_path / "s.png")])
    assert result.exit_code == 1 and "https://" in result.output


# -- the face crop (OpenCV's Haar cascade, the `face` extra) ------------------------------------------

PORTRAIT = Path(__file__).parent / "data" / "eileen-collins.jpg"  # public domain (NASA): tests/data/README.md


def _face_centre(image) -> tuple[float, float, float]:
    from netral_assets.photo.face import find_face

    found = find_face(image)
    assert found is not None, "the cascade sees no face"
    x, y, w, h = found
    return x + w / 2, y + h / 2, w


@pytest.mark.parametrize(("canvas", "at", "scale"), [
    (None, None, 1),  # the photo as it is: the face a little left of centre and high
    ((2000, 1100), (900, 40), 2),  # far right, in a wide group-photo-like frame
    ((1400, 2400), (0, 1300), 2),  # low and left in a tall frame
])
def test_portrait_crops_centre_the_face_on_test_photos(pack, sleman, tmp_path, canvas, at, scale):
    """A real face (not a drawing) is found by OpenCV wherever it sits in the photo; the picture is cropped
    to head and shoulders around it, and on the poster the face sits in the middle of the portrait box."""
    with Image.open(PORTRAIT) as source:
        face = source.convert("RGB")
    if canvas is not None:
        face = face.resize((face.width * scale, face.height * scale), Image.Resampling.LANCZOS)
        photo = Image.new("RGB", canvas, (118, 124, 132))
        photo.paste(face, at)
    else:
        photo = face
    path = tmp_path / "foto.jpg"
    photo.save(path, "JPEG", quality=92)
    fx, fy, _ = _face_centre(photo)
    assert canvas is None or abs(fx / photo.width - 0.5) > 0.15 or abs(fy / photo.height - 0.5) > 0.15

    picture = read_picture(path, "foto")
    with Image.open(io.BytesIO(picture.data)) as cropped:
        cx, cy, cw = _face_centre(cropped.convert("RGB"))
        assert abs(cx / cropped.width - 0.5) < 0.08, "the face is centred across the crop"
        assert 0.15 < cy / cropped.height < 0.45, "the face in the upper part, shoulders below"
        assert cw / cropped.width > 0.22, "head and shoulders, not the whole photo"

    # on the poster: the face is inside the portrait box, in its middle
    pesan = load_design(pack, "poster", "pesan")
    content = make_content(pesan, {"name": "Eileen Collins", "title": "Bupati", "quote": "ASN wajib netral."},
                           pictures={"photo": picture})
    for fmt in ("feed", "story"):
        poster = build_poster(pack, sleman, "pesan", fmt, ".png", content=content)
        with Image.open(io.BytesIO(poster.data)) as image:
            s = pesan.settings(fmt)
            box = image.convert("RGB").crop((s["photo_x"], s["photo_y"], s["photo_x"] + s["photo_w"],
                                             s["photo_y"] + s["photo_h"]))
        bx, by, _ = _face_centre(box)
        assert abs(bx / box.width - 0.5) < 0.1, f"{fmt}: face centred across the portrait"
        assert 0.2 < by / box.height < 0.55, f"{fmt}: face in the upper half of the portrait"


def test_a_portrait_without_a_face_keeps_its_upper_third(tmp_path):
    path = tmp_path / "siluet.png"
    path.write_bytes(silhouette())
    picture = read_picture(path, "foto")
    assert picture.focus == (0.5, round(1 / 3, 4)) and (picture.width, picture.height) == (900, 1200)
