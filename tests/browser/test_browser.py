"""The real app in headless Chromium: deep link, expected values on the page, screenshots of every page.

No fixed waits: every step waits for Streamlit to report that the script run has finished (``stApp``'s
``data-test-script-state``) and for the content the step expects, with Playwright's auto-waiting ``expect``.
Expected numbers come from the official raw file (real warehouse) or from the facts file summed up in plain Python
(demo warehouse), never from the store the page itself asks (see :mod:`tests.independent`).

Screenshots land in ``test-artifacts/screenshots/`` (not committed). On a developer's machine the tests skip with a
reason when Chromium or Playwright is missing; in CI (``CI=true``) that is a failure.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from indicators.domain import formatting as fmt
from tests import independent
from tests.browser.app_server import ARTIFACTS, running_app
from tests.conftest import SHARED_DATA
from tests.pages.download_capture import browser_download
from tests.pages.routes import discover

#: How long one step may take on a busy 2-core machine before the test gives up (a bound, not a wait).
TIMEOUT_MS = 180_000
SELECTION = "kreis=15087&jahr=2023&indikator=alq&gruppe=land"

pytestmark = pytest.mark.browser


def is_real(warehouse: Path) -> bool:
    return not json.loads((warehouse / "manifest.json").read_text(encoding="utf-8")).get("demo")


def expected_values(warehouse: Path, indicator: str) -> dict[str, float]:
    """2023 values of the Kreise and Germany: from the official CSV for the real warehouse, else the facts file."""
    if is_real(warehouse):
        return independent.raw_13211_2023(SHARED_DATA, indicator)
    return independent.values(warehouse, indicator, 2023)


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    with running_app(warehouse, tmp_path_factory.mktemp("ud") / "userdata.sqlite") as base:
        yield base


def settle(page, expect, *contents: str) -> None:
    """Wait until Streamlit has run the script to its end and the page shows ``contents``; charts and maps drawn."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)
    main = page.get_by_test_id("stMain")
    for text in contents:
        expect(main).to_contain_text(text, timeout=TIMEOUT_MS)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=TIMEOUT_MS)
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=TIMEOUT_MS)  # lazy components loaded
    for chart in page.get_by_test_id("stPlotlyChart").all():
        expect(chart.locator(".main-svg").first).to_be_visible(timeout=TIMEOUT_MS)
    for deck in page.get_by_test_id("stDeckGlJsonChart").all():
        expect(deck.locator("canvas").first).to_be_visible(timeout=TIMEOUT_MS)


def shows_no_error(page, expect, name: str) -> None:
    """No exception box, no error box and no traceback anywhere on the page."""
    expect(page.get_by_test_id("stException"), f"exception on {name}").to_have_count(0)
    expect(page.get_by_test_id("stAlertContentError"), f"error box on {name}").to_have_count(0)
    assert "Traceback (most recent call last)" not in page.inner_text("body"), name


def test_deep_link_shows_value_and_reference_rows(browser, expect, server, warehouse):
    raw = expected_values(warehouse, "jugend_alq")
    stats = independent.summary(independent.kreise(raw))
    assert stats["n"] == 400
    expected = [raw["15087"], stats["median"], stats["mean"], stats["min"], stats["max"], raw["DG"]]
    page = browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 2200})
    page.goto(f"{server}/indikator?kreis=15087&jahr=2023&indikator=jugend_alq&gruppe=alle")
    settle(page, expect, "Jugendarbeitslosenquote (15 bis unter 25 Jahre)", "Referenzwerte der Vergleichsgruppe")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deeplink_indikator.png"))
    table = page.get_by_test_id("stTable").first
    labels = ["Mansfeld-Südharz", "Median", "Mittelwert", "Minimum", "Maximum", "Deutschland"]
    for label, number in zip(labels, expected, strict=True):
        row = table.locator("tr", has_text=label).first
        expect(row).to_contain_text(fmt.value(number, "%"))
    if is_real(warehouse):
        expect(table).to_contain_text("11,7 %")  # the official value of 15087 (README of the mirror)
    shows_no_error(page, expect, "indikator")
    page.close()


def test_screenshots_of_every_page(browser, expect, server, warehouse, tmp_path, monkeypatch):
    """Every page the router declares (normal and meeting mode) renders without an exception or error box."""
    _, routes = discover(monkeypatch, warehouse, tmp_path / "ud.sqlite")
    _, meeting = discover(monkeypatch, warehouse, tmp_path / "ud.sqlite", modus="sitzung")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600})
    for mode, pages in (("", routes), ("&modus=sitzung", meeting)):
        for route in pages:
            name = (route.url_path or "start") + ("_sitzungsmodus" if mode else "")
            page.goto(f"{server}/{route.url_path}?{SELECTION}{mode}")
            settle(page, expect)
            heading = page.get_by_test_id("stMain").locator("h1, .rm-meeting-title").first
            expect(heading, f"heading on {name}").to_be_visible(timeout=TIMEOUT_MS)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
            shows_no_error(page, expect, name)
    page.close()


def test_profile_deep_link_for_another_kreis(browser, expect, server, warehouse):
    berlin = fmt.value(expected_values(warehouse, "alq")["11000"], "%", with_unit=False)
    page = browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/?kreis=11000&jahr=2023&gruppe=alle")
    settle(page, expect, "Kreisprofil: Berlin")
    row = page.locator("table.rm-profile tr", has_text="Arbeitslosenquote (alle zivilen Erwerbspersonen)").first
    expect(row.locator("td").nth(2)).to_have_text(berlin)
    if is_real(warehouse):
        assert berlin == "9,1"  # Berlin 2023 in Regionalstatistik 13211-02-05-4
    page.close()


def test_daten_download_in_the_browser_holds_the_official_values(browser, expect, server, warehouse, tmp_path):
    """The German-Excel CSV downloaded through the real page: BOM, semicolons, decimal comma, the file's values."""
    alq = expected_values(warehouse, "alq")
    page = browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page.goto(f"{server}/daten?{SELECTION}")
    settle(page, expect)
    path = browser_download(page, "csv_de", tmp_path / "download.bin", timeout_ms=TIMEOUT_MS)
    data = path.read_bytes()
    if data[:2] == b"PK":  # CSV travels in a ZIP together with QUELLEN.txt
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            assert any(n.endswith("QUELLEN.txt") for n in names)
            data = zf.read(next(n for n in names if n.endswith(".csv")))
    assert data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    column = {name: i for i, name in enumerate(header)}
    [home] = [r for r in rows if (r[0], r[column["Indikator-Kennung"]], r[column["Jahr"]]) == ("15087", "alq", "2023")]
    text = home[column["Wert"]]
    assert "." not in text and float(text.replace(",", ".")) == pytest.approx(alq["15087"])
    if is_real(warehouse):
        assert text == "9,9"  # the official value of 15087 (README of the mirror)
    page.screenshot(path=str(ARTIFACTS / "daten_download.png"))
    page.close()
