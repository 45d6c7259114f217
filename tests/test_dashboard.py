"""The coordinators' dashboard in a real headless Chromium against a real uvicorn server, with a few
thousand synthetic events spread over every province: closed without the token, the login form sets
an HttpOnly SameSite=Strict cookie, the charts are there (38 province bars, a daily line, the most and
the fewest agencies of a province), the CSV export, on a phone. Screenshots go to tests/results/."""

import csv
import datetime as dt
import io
import random

import httpx
import pytest
from conftest import save_result

from netral_assets.store import open_store, today
from netral_assets.store.store import Event
from netral_assets.web import create_app
from netral_assets.web.server import background_server

TOKEN = "token-dasbor-uji"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def store(registry, tmp_path_factory):
    """About 5,000 events over 30 days, every province, more in Java, one agency per province left out."""
    store = open_store(f"sqlite://{tmp_path_factory.mktemp('dasbor') / 'netral.db'}")
    rng = random.Random(20)
    agencies = [a for a in registry if a.level != "pusat"]
    skipped = {a.province: a.slug for a in agencies if a.level == "kabkota"}  # the last of each province
    end = dt.date.fromisoformat(today())
    events = []
    for _ in range(5000):
        agency = rng.choice(agencies)
        if agency.slug in skipped.values():
            continue
        weight = 3 if "jawa" in (agency.province or "") else 1
        for _ in range(weight if rng.random() < 0.3 else 1):
            day = (end - dt.timedelta(days=min(29, int(rng.expovariate(0.12))))).isoformat()
            events.append(Event(agency.slug, agency.province, rng.choice(["kotak", "bundar", "pegawai"]),
                                rng.choice(["square", "story"]), rng.choice(["download", "download", "share"]), day))
    store.add_events(events)
    store.skipped = skipped
    store.total = len(events)
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(pack, registry, store):
    with background_server(create_app(pack, registry, database=store, admin_token=TOKEN)) as base:
        yield base


def test_no_token_configured_means_no_dashboard(pack, registry):
    with background_server(create_app(pack, registry)) as base, httpx.Client(base_url=base) as c:
        assert c.get("/dasbor").status_code == 404
        assert c.get("/dasbor/ekspor.csv", headers={"Authorization": "Bearer x"}).status_code == 404
        assert c.post("/dasbor/masuk", data={"token": ""}).status_code == 404


def test_scripts_use_the_bearer_token_and_the_csv_adds_up(server, store):
    with httpx.Client(base_url=server) as c:
        assert c.get("/dasbor/ekspor.csv").status_code == 401
        assert c.get("/dasbor/ekspor.csv", headers={"Authorization": "Bearer salah"}).status_code == 401
        assert c.get("/dasbor", headers={"Authorization": "Bearer salah"}).status_code == 401
        response = c.get("/dasbor/ekspor.csv", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert sum(int(r["jumlah"]) for r in rows) == store.total
        assert {"tanggal", "provinsi", "instansi", "tindakan", "jumlah"} <= set(rows[0])
        jogja = c.get("/dasbor/ekspor.csv", params={"province": "34"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert {r["provinsi"] for r in csv.DictReader(io.StringIO(jogja.text))} == {"DI Yogyakarta"}


playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium (make test installs it)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def test_dashboard_in_chromium_closed_then_charts_after_login(browser, server, store, registry):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)
    response = page.goto("/dasbor")
    assert response.status == 401 and page.locator("svg[data-chart]").count() == 0
    page.fill("#token", "bukan-token")
    page.click("button[type=submit]")
    assert "Token salah" in page.locator("#login-error").inner_text()
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("svg[data-chart=bars]")
    cookie = next(c for c in context.cookies() if c["name"] == "netral_dasbor")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and TOKEN not in cookie["value"]
    assert page.locator("svg[data-chart=bars]").get_attribute("data-rows") == "38"
    assert page.locator("svg[data-chart=line]").get_attribute("data-days") == "30"
    total = int(page.locator("#total-frames").inner_text().replace(".", ""))
    assert total == store.total
    save_result("dasbor-nasional.png", page.screenshot(full_page=True))

    page.select_option("#province", "provinsi-jawa-tengah")
    page.click("text=Tampilkan")
    page.wait_for_selector("#h-fewest")
    fewest = page.locator("#h-fewest + svg").text_content()
    skipped = registry.find(store.skipped["provinsi-jawa-tengah"]).short_name
    assert skipped in fewest  # the agency without a single frame is named among the fewest
    assert page.locator("#h-most + svg rect.bar").count() == 10
    save_result("dasbor-jawa-tengah.png", page.screenshot(full_page=True))
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename.startswith("partisipasi-provinsi-jawa-tengah-")
    # Nothing on the page reaches past its width on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=Keluar")
    page.wait_for_selector("#token")
    assert not [c for c in context.cookies() if c["name"] == "netral_dasbor"]
    assert errors == [], errors
    context.close()
