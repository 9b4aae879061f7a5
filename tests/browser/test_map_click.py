"""A click on a Kreis in the map selects it for every page; the profile follows.

The pixel of the Kreis is worked out here from its polygon (shapely) and the map's initial view (Web Mercator,
deck.gl's 512 px world at zoom 0), independent of the page code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.browser.app_server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, running_app, wait_for_app, wait_for_rerun

pytestmark = pytest.mark.browser

CENTER = (10.4, 51.2)  # lon, lat of ui.choropleth's initial view
ZOOM = 5.0
TARGET = "12073"  # Uckermark: large, far from the centre of the map


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium not installed (Debian package chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def warehouse(request):
    try:
        return request.getfixturevalue("real_warehouse")
    except pytest.skip.Exception:
        return request.getfixturevalue("demo_warehouse")


def mercator(lon: float, lat: float) -> tuple[float, float]:
    world = 512 * 2**ZOOM
    x = (lon + 180) / 360 * world
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * world
    return x, y


def target_pixel(warehouse: Path, ags: str, width: float, height: float) -> tuple[float, float, str]:
    shapely = pytest.importorskip("shapely.geometry")
    collection = json.loads((warehouse / "geometry" / "kreise.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in collection["features"] if f["properties"]["ags"] == ags)
    point = shapely.shape(feature["geometry"]).representative_point()
    cx, cy = mercator(*CENTER)
    px, py = mercator(point.x, point.y)
    return width / 2 + (px - cx), height / 2 + (py - cy), feature["properties"].get("name", ags)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_click_on_a_kreis_selects_it_and_the_profile_follows(browser, warehouse, tmp_path, size):
    from indicators.warehouse.store import Store

    names = Store(warehouse).districts().set_index("ags")["display_name"]
    if TARGET not in names.index:
        pytest.skip("target Kreis not in this warehouse")
    with running_app(warehouse, tmp_path / "ud.sqlite") as base:
        page = browser.new_page(locale="de-DE", viewport={"width": size[0], "height": size[1]})
        page.goto(f"{base}/karte?kreis=15087&jahr=2023&indikator=alq&gruppe=alle")
        wait_for_app(page)
        chart = page.locator("[data-testid='stDeckGlJsonChart']")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        x, y, _ = target_pixel(warehouse, TARGET, box["width"], box["height"])
        x, y = box["x"] + x, box["y"] + y
        assert 0 < y < size[1], "target outside the viewport"
        tooltip = page.locator(".deck-tooltip").filter(has_text=str(names[TARGET]))
        # the map answers once deck.gl has drawn it: hover until its tooltip names the Kreis under the pointer
        for attempt in range(30):
            page.mouse.move(x + attempt % 3, y)
            try:
                tooltip.first.wait_for(timeout=2_000)
                break
            except Exception:  # noqa: BLE001 - not drawn yet, move again
                continue
        page.mouse.click(x, y)
        wait_for_rerun(page, f"() => location.search.includes('kreis={TARGET}')")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"karte_klick_{size[0]}x{size[1]}.png"))
        page.locator("[data-testid='stSidebar']").get_by_role("link", name="Kreisprofil").click()
        page.locator("[data-testid='stMain'] h1").filter(has_text=f"Kreisprofil: {names[TARGET]}").wait_for()
        assert f"kreis={TARGET}" in page.url
        page.close()
