"""Accessibility in headless Chromium: axe-core (WCAG 2.0/2.1 A and AA rules) over every page the router offers,
as a reader, in meeting mode and signed in as an editor (forms, uploader); no serious or critical finding.
And the Kreisprofil at 1280 px keeps its Einordnung and Δ columns in view (issue 14).

axe-core comes with the pinned ``axe-playwright-python`` (its bundled ``axe.min.js``); no network is needed. No
fixed waits: each page is scanned once Streamlit reports the run finished and no placeholder is left.
"""

from __future__ import annotations

import pytest

from indicators import accounts
from tests.browser.app_server import CONTENT_TIMEOUT_MS, running_app, wait_for_app
from tests.pages.routes import discover

pytestmark = pytest.mark.browser

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EDITOR, PASSWORD = "anna", "anna-geheim-123"


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        from tests.conftest import skip_or_fail

        skip_or_fail("axe-playwright-python not installed (pip install -r requirements-dev.txt)")
    return Axe()


@pytest.fixture(scope="module")
def routes(warehouse, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        _, found = discover(mp, warehouse, tmp_path_factory.mktemp("routes") / "ud.sqlite")
    return found


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("a11y")
    accounts_file = folder / "accounts.toml"
    accounts.set_password(accounts_file, EDITOR, PASSWORD, "editor", iterations=1_000)
    with running_app(warehouse, folder / "ud.sqlite", {"REGIOMONITOR_ACCOUNTS": str(accounts_file)}) as base:
        yield base


def settled(page) -> None:
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stSkeleton], [data-stale=true]').length === 0",
        timeout=CONTENT_TIMEOUT_MS,
    )


def serious_findings(axe, page, name: str) -> list[str]:
    result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    return [
        f"{name}: {v['id']} ({v['impact']}) {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def scan_all(browser, axe, server, routes, query: str, sign_in: bool = False) -> list[str]:
    page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="de-DE")
    try:
        if sign_in:
            page.goto(f"{server}/?kreis=15087")
            settled(page)
            page.get_by_text("Anmelden mit Name und Passwort").click()
            page.get_by_label("Name", exact=True).fill(EDITOR)
            page.get_by_label("Passwort", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Anmelden", exact=True).click()
            page.get_by_text("Angemeldet:").first.wait_for(timeout=CONTENT_TIMEOUT_MS)
        findings: list[str] = []
        for route in routes:
            page.goto(f"{server}/{route.url_path}?{query}")
            settled(page)
            findings += serious_findings(axe, page, route.title)
        return findings
    finally:
        page.close()


def test_every_page_has_no_serious_accessibility_finding(browser, axe, server, routes):
    assert len(routes) >= 13, routes
    assert scan_all(browser, axe, server, routes, "kreis=15087") == []


def test_every_page_in_meeting_mode_has_no_serious_accessibility_finding(browser, axe, server, routes):
    assert scan_all(browser, axe, server, routes, "kreis=15087&modus=sitzung") == []


def test_editor_forms_have_no_serious_accessibility_finding(browser, axe, server, routes):
    editing = [r for r in routes if r.url_path in {"ziele", "datenimport", "vergleichsgruppen", "vergleich"}]
    assert len(editing) == 4, routes
    assert scan_all(browser, axe, server, editing, "kreis=15087", sign_in=True) == []


def test_profile_at_1280_px_shows_assessment_and_changes(browser, server):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{server}/?kreis=15087")
        settled(page)
        table = page.locator("table.rm-profile").first
        table.wait_for(timeout=CONTENT_TIMEOUT_MS)
        main = page.get_by_test_id("stMain").bounding_box()
        right_edge = min(main["x"] + main["width"], 1280)
        for header in ("Einordnung", "Δ Vorjahr", "Δ 5 Jahre"):
            box = table.locator("th", has_text=header).first.bounding_box()
            assert box is not None and box["width"] > 0, f"{header} hidden"
            assert box["x"] + box["width"] <= right_edge, f"{header} ends at {box['x'] + box['width']} > {right_edge}"
        assert table.locator("th", has_text="Mittelwert").first.is_hidden()
    finally:
        page.close()
