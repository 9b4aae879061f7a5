"""The real app in headless Chromium: deep link, expected values on the page, screenshots of every page.

Screenshots land in ``test-artifacts/screenshots/`` (not committed). Skips with a reason when Chromium or
Playwright is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from indicators.domain import benchmark
from indicators.domain import formatting as fmt
from indicators.warehouse.store import Store

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = {
    "profil": "",
    "indikator": "indikator",
    "karte": "karte",
    "vergleichsgruppen": "vergleichsgruppen",
    "sitzung": "sitzung",
    "ziele": "ziele",
    "schwerpunkte": "schwerpunkte",
    "landrat": "landrat",
    "daten": "daten",
    "import": "datenimport",
    "methodik": "methodik",
}

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def playwright_browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory):
    """The real warehouse when the offline mirror exists, else the demo warehouse."""
    try:
        return request.getfixturevalue("real_warehouse")
    except pytest.skip.Exception:
        return request.getfixturevalue("demo_warehouse")


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    port = free_port()
    env = dict(os.environ)
    env["REGIOMONITOR_WAREHOUSE"] = str(warehouse)
    env["REGIOMONITOR_USERDATA"] = str(tmp_path_factory.mktemp("ud") / "userdata.sqlite")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("Streamlit server did not start")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def settle(page, timeout_s: float = 60) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_s * 1000)
    page.wait_for_timeout(800)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if page.locator("[data-testid='stStatusWidget']").count() == 0:
            break
        page.wait_for_timeout(300)
    page.wait_for_timeout(1500)
    for selector in ("[data-testid='stTable']", ".js-plotly-plot"):
        if page.locator(selector).count():
            page.locator(selector).first.wait_for(state="visible", timeout=timeout_s * 1000)


def test_deep_link_shows_value_and_reference_rows(playwright_browser, server, warehouse):
    store = Store(warehouse)
    year = 2023
    page = playwright_browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 2200})
    page.goto(f"{server}/indikator?kreis=15087&jahr={year}&indikator=jugend_alq&gruppe=alle")
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "deeplink_indikator.png"))
    body = page.inner_text("body")
    assert "Jugendarbeitslosenquote (15 bis unter 25 Jahre)" in body
    stats = store.reference_statistics("jugend_alq", year, list(store.districts()["ags"]))
    expected = [
        store.value("15087", "jugend_alq", year),
        stats["median"],
        stats["mean"],
        stats["min"],
        stats["max"],
        store.value("DG", "jugend_alq", year),
    ]
    for number in expected:
        assert fmt.value(number, "%") in body, fmt.value(number, "%")
    for label in ("Median", "Mittelwert", "Minimum", "Maximum", "Deutschland"):
        assert label in body
    page.close()


def test_screenshots_of_every_page(playwright_browser, server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = playwright_browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600})
    for name, path in PAGES.items():
        page.goto(f"{server}/{path}?kreis=15087&jahr=2023&indikator=alq&gruppe=land")
        settle(page)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        text = page.inner_text("body")
        assert "Traceback" not in text and "Error" not in text.split("Fehler")[0][:0] + "", name
        assert page.locator("[data-testid='stException']").count() == 0, name
    page.goto(f"{server}/?kreis=15087&modus=sitzung")
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "sitzungsmodus.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def test_profile_deep_link_for_another_kreis(playwright_browser, server, warehouse):
    store = Store(warehouse)
    peers = benchmark.peer_members(store.districts(), "11000", "land")
    row = store.profile("11000", peers, 2023).set_index("indicator").loc["alq"]
    page = playwright_browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/?kreis=11000&jahr=2023&gruppe=alle")
    settle(page)
    body = page.inner_text("body")
    assert "Kreisprofil: Berlin" in body
    assert fmt.value(row["value"], "%", with_unit=False) in body
    page.close()


def test_daten_download_in_the_browser_holds_the_warehouse_values(playwright_browser, server, warehouse, tmp_path):
    """The German-Excel CSV downloaded through the real page: BOM, semicolons, decimal comma, the store's values."""
    import io
    import zipfile

    from tests.pages.download_capture import browser_download

    store = Store(warehouse)
    page = playwright_browser.new_page(locale="de-DE", viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page.goto(f"{server}/daten?kreis=15087&jahr=2023&gruppe=land&indikator=alq")
    settle(page)
    path = browser_download(page, "csv_de", tmp_path / "download.bin")
    data = path.read_bytes()
    if data[:2] == b"PK":  # CSV travels in a ZIP together with QUELLEN.txt
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            assert any(n.endswith("QUELLEN.txt") for n in names)
            data = zf.read(next(n for n in names if n.endswith(".csv")))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert ";" in header
    expected = fmt.number(store.value("15087", "alq", 2023), 1)  # 9,9 on the official data
    lines = [line for line in text.splitlines() if line.startswith("15087;") and ";alq;" in line and ";2023;" in line]
    assert lines, "15087 ALQ 2023 row missing from the download"
    assert f";{expected}" in lines[0]
    page.screenshot(path=str(ARTIFACTS / "daten_download.png"))
    page.close()
