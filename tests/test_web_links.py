"""The public address and link previews: absolute links from `--public-url` (or brand.toml's
`[web] public_url`, or the request's host), Open Graph and Twitter Card tags on the framing pages,
fetched as a crawler fetches them (no script), and the link card they point to."""

import io
from html.parser import HTMLParser

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from netral_assets.assets.card import MAX_CARD_BYTES, build_card, card_image, load_card
from netral_assets.errors import NetralError
from netral_assets.model.pack import load_pack
from netral_assets.web import create_app
from netral_assets.web.links import check_public_url
from netral_assets.web.server import background_server

PUBLIC = "https://netral.example.go.id"
CRAWLER = {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
           "Accept": "text/html"}


class MetaTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and (a.get("property") or a.get("name")) and "content" in a:
            self.tags.setdefault(a.get("property") or a.get("name"), a["content"])


def meta_tags(html: str) -> dict[str, str]:
    parser = MetaTags()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def public_server(pack, registry):
    with background_server(create_app(pack, registry, public_url=PUBLIC + "/")) as base:
        yield base


@pytest.fixture(scope="module")
def crawler(public_server):
    with httpx.Client(base_url=public_server, timeout=60, headers=CRAWLER) as c:
        yield c


def test_agency_page_preview_as_a_crawler_sees_it(crawler, public_server):
    page = crawler.get("/t/kabupaten-sleman")
    assert page.status_code == 200
    tags = meta_tags(page.text)
    assert tags["og:title"] == "Bingkai ASN PILIH NETRAL — Pemerintah Kabupaten Sleman"
    assert tags["twitter:title"] == tags["og:title"]
    assert "Pemerintah Kabupaten Sleman" in tags["og:description"] and tags["og:description"] == tags["description"]
    assert tags["og:url"] == f"{PUBLIC}/t/kabupaten-sleman"
    assert tags["og:locale"] == "id_ID" and tags["og:type"] == "website"
    assert tags["og:image"] == f"{PUBLIC}/cards/kabupaten-sleman.png" == tags["twitter:image"]
    assert tags["og:image:width"] == "1200" and tags["og:image:height"] == "630"
    assert "Pemerintah Kabupaten Sleman" in tags["og:image:alt"] and tags["twitter:image:alt"] == tags["og:image:alt"]
    assert tags["twitter:card"] == "summary_large_image"
    # The crawler fetches the image from the public address: here, the same path on the test server.
    card = crawler.get(tags["og:image"].removeprefix(PUBLIC))
    assert card.status_code == 200 and card.headers["content-type"] == tags["og:image:type"] == "image/png"
    assert len(card.content) < MAX_CARD_BYTES
    with Image.open(io.BytesIO(card.content)) as image:
        assert image.size == (int(tags["og:image:width"]), int(tags["og:image:height"]))
    # Same cache rules as the frames; other sites may show it.
    assert card.headers["cache-control"] == "public, max-age=86400"
    assert card.headers["cross-origin-resource-policy"] == "cross-origin"
    again = crawler.get("/cards/kabupaten-sleman.png", headers={"If-None-Match": card.headers["etag"]})
    assert again.status_code == 304 and not again.content
    head = crawler.head("/cards/kabupaten-sleman.png")
    assert head.status_code == 200 and head.headers["etag"] == card.headers["etag"]
    jpg = crawler.get("/cards/kabupaten-sleman.jpg")
    assert jpg.headers["content-type"] == "image/jpeg" and len(jpg.content) < MAX_CARD_BYTES


def test_home_page_preview(crawler):
    tags = meta_tags(crawler.get("/").text)
    assert tags["og:url"] == f"{PUBLIC}/" and tags["og:image"] == f"{PUBLIC}/cards/index.png"
    assert tags["og:title"].startswith("Bingkai ASN PILIH NETRAL — ")
    card = crawler.get("/cards/index.png")
    assert card.status_code == 200 and len(card.content) < MAX_CARD_BYTES


def test_caption_and_share_links_carry_the_public_address(crawler):
    body = crawler.get("/api/v1/agencies/kabupaten-sleman").json()
    assert body["page_url"] == f"{PUBLIC}/t/kabupaten-sleman"
    caption = body["caption"]
    assert f"di foto Anda: {PUBLIC}/t/kabupaten-sleman\n\n#ASNPilihNetral" in caption
    hrefs = {s["id"]: s["href"] for s in body["share"]}
    assert set(hrefs) == {"whatsapp", "telegram", "facebook", "x"}
    assert all("netral.example.go.id%2Ft%2Fkabupaten-sleman" in h for h in hrefs.values())
    assert hrefs["whatsapp"].startswith("https://wa.me/?text=")


def test_unknown_cards_are_404(crawler):
    for path in ("/cards/tidak-ada.png", "/cards/kabupaten-sleman.gif", "/cards/kabupaten-sleman",
                 "/cards/..%2Fapp.py"):
        r = crawler.get(path)
        assert r.status_code == 404 and "detail" in r.json(), path


def test_without_public_url_links_use_the_request_host(pack, registry):
    with background_server(create_app(pack, registry)) as base, httpx.Client(base_url=base, timeout=60) as c:
        tags = meta_tags(c.get("/t/kabupaten-sleman").text)
        assert tags["og:url"] == f"{base}/t/kabupaten-sleman"
        assert tags["og:image"] == f"{base}/cards/kabupaten-sleman.png"
        # A forged Host header is not echoed into the page.
        forged = c.get("/t/kabupaten-sleman", headers={"Host": 'evil"><script>'}).text
        assert "<script>" not in forged.split("<body", 1)[0].replace('<script type="module"', "")


def test_public_url_from_brand_toml(tmp_path, registry):
    (tmp_path / "brand.toml").write_text('[web]\npublic_url = "https://bingkai.example.go.id"\n')
    app = create_app(load_pack(tmp_path), registry)
    assert app.state.netral.public_url == "https://bingkai.example.go.id"
    # the command line wins
    assert create_app(load_pack(tmp_path), registry, public_url=PUBLIC).state.netral.public_url == PUBLIC


@pytest.mark.parametrize("url", ["netral.example.go.id", "ftp://x.go.id", "https://x.go.id/?a=1",
                                 "https://user@x.go.id", "https://"])
def test_bad_public_urls_are_refused(url):
    with pytest.raises(NetralError, match="Alamat publik"):
        check_public_url(url)


def test_card_is_the_layered_picture_of_the_whole_design(pack, sleman, longest):
    """The composed card (body once, agency layer, frame pasted) equals the design laid out whole."""
    from netral_assets.assets.card import _slot
    from netral_assets.assets.twibbon import frame_image
    from netral_assets.output.writers import rasterize
    from netral_assets.render.document import render_design

    design = load_card(pack)
    for agency in (sleman, longest):
        asset = build_card(pack, agency)
        assert asset.findings == [], asset.findings
        assert len(asset.data) < MAX_CARD_BYTES and asset.size == {"px": [1200, 630]}
        assert agency.name in asset.alt
        composed, _, _ = card_image(pack, agency, design)
        twibbon, slot = _slot(pack, design)
        whole = rasterize(render_design(pack, design, "card", agency, {"card": slot})).convert("RGB")
        f = design.meta["frame"]
        frame = frame_image(pack, agency, twibbon, "square").resize((f["size"], f["size"]), Image.LANCZOS)
        whole.paste(frame.convert("RGB"), (f["x"], f["y"]), frame.getchannel("A"))
        diff = ImageChops.difference(composed, whole)
        assert sum(ImageStat.Stat(diff).mean) / 3 < 0.5
