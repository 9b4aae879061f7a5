"""The Karte loads nothing from the internet unless the online basemap is switched on.

Every request the page makes is recorded (external ones are aborted, so the test needs no network); by default
all go to the app itself. With REGIOMONITOR_ONLINE_BASEMAP=1 the browser asks CARTO's CDN for the style.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.browser.app_server import running_app, wait_for_app

pytestmark = pytest.mark.browser


def open_map(browser, base: str) -> list[str]:
    """Every request the Karte page makes (also from workers); those to other hosts are aborted."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.route(
        "**/*",
        lambda route: route.continue_() if local(route.request.url) else route.abort(),
    )
    page.goto(f"{base}/karte?kreis=15087&indikator=alq")
    wait_for_app(page)
    page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for()
    page.get_by_text("Mitte = Median der Vergleichsgruppe", exact=False).first.wait_for()
    page.close()
    return seen


def local(url: str) -> bool:
    return urlparse(url).scheme not in {"http", "https"} or urlparse(url).hostname in {"127.0.0.1", "localhost"}


def test_the_map_stays_offline_by_default(browser, demo_warehouse, tmp_path):
    with running_app(demo_warehouse, tmp_path / "ud.sqlite") as base:
        urls = open_map(browser, base)
    assert urls and [u for u in urls if not local(u)] == []


def test_the_online_basemap_is_an_explicit_setting(browser, demo_warehouse, tmp_path):
    with running_app(demo_warehouse, tmp_path / "ud.sqlite", {"REGIOMONITOR_ONLINE_BASEMAP": "1"}) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.route("**/*", lambda route: route.continue_() if local(route.request.url) else route.abort())
        with page.expect_request(lambda r: "basemaps.cartocdn.com" in r.url, timeout=60_000) as request:
            page.goto(f"{base}/karte?kreis=15087&indikator=alq")
        assert request.value.url.startswith("https://basemaps.cartocdn.com/gl/positron")
        page.close()
