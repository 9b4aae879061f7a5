"""The Karte in Chromium: the map is drawn, and the Kreis under the pointer is the one the geometry puts there.

The pixel of the Kreis is worked out here from its polygon (shapely's representative point) and the map's initial
view (ui/choropleth: longitude 10.4, latitude 51.2, zoom 5; Web Mercator with deck.gl's 512-px world at zoom 0),
independent of the page code. The test waits until the canvas shows a drawn pixel there, then points at it and
waits for deck.gl's tooltip to name that Kreis.

Why the click itself is not tested here (tried on 2026-12-05, Streamlit 1.67, Chromium 156, 2 shared cores):
headless Chromium has no GPU here; WebGL runs on SwiftShader (ANGLE/Vulkan, with or without ``--disable-gpu``,
with ``--use-angle=swiftshader --enable-unsafe-swiftshader``; ``--use-angle=gl`` falls back to it). Hovering
works (tooltip after 1.1-2.7 s), but deck.gl picks the object inside its ``pointerdown`` handler, which took
0.75-2.6 s per press, and its tap recogniser (mjolnir, ``time: 250`` ms, measured with ``Date.now()``) then sees
a long press and sends no click: Streamlit never receives a selection (no websocket message after the click,
with Playwright's click, a slow press, a click on the canvas locator, synthetic pointer events, or CDP input
events with 50-ms timestamps). The same click on a two-polygon map (fast to pick) does select. So a browser test
of the click would fail here and only pass on a machine with a GPU; the selection code path after the click is
tested in tests/pages/test_map_selection.py with the event Streamlit sends.
"""

from __future__ import annotations

import io
import json
import math
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.browser.app_server import ARTIFACTS, CONTENT_TIMEOUT_MS, running_app, wait_for_app

pytestmark = pytest.mark.browser

CENTRE = (10.4, 51.2)  # longitude, latitude of ui.choropleth's initial view
ZOOM = 5.0
TARGET = "12073"  # Uckermark: large, far from the centre of the map
BACKGROUND = (255, 255, 255)


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    with running_app(warehouse, tmp_path_factory.mktemp("ud") / "ud.sqlite") as base:
        yield base


def mercator(lon: float, lat: float) -> tuple[float, float]:
    world = 512 * 2**ZOOM
    x = (lon + 180) / 360 * world
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * world
    return x, y


def kreis_pixel(warehouse: Path, ags: str, width: float, height: float) -> tuple[float, float]:
    """Where a point inside the Kreis lies on a map of ``width`` x ``height`` pixels in its initial view."""
    shapely = pytest.importorskip("shapely.geometry")
    collection = json.loads((warehouse / "geometry" / "kreise.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in collection["features"] if f["properties"]["ags"] == ags)
    point = shapely.shape(feature["geometry"]).representative_point()
    cx, cy = mercator(*CENTRE)
    px, py = mercator(point.x, point.y)
    return width / 2 + (px - cx), height / 2 + (py - cy)


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    from PIL import Image

    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))


def test_the_map_is_drawn_and_names_the_kreis_under_the_pointer(browser, server, warehouse):
    names = pd.read_parquet(warehouse / "districts.parquet").set_index("ags")["display_name"]
    if TARGET not in names.index:
        pytest.skip("Uckermark not in this warehouse")
    page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/karte?kreis=15087&jahr=2023&indikator=alq&gruppe=alle")
    wait_for_app(page)
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=CONTENT_TIMEOUT_MS)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    dx, dy = kreis_pixel(warehouse, TARGET, box["width"], box["height"])
    x, y = box["x"] + dx, box["y"] + dy
    assert 0 < y < 720, "the Kreis lies outside the first screen"
    deadline = time.monotonic() + CONTENT_TIMEOUT_MS / 1000
    while pixel(page, x, y) == BACKGROUND:  # deck.gl draws after the page has settled: wait for the Kreis
        assert time.monotonic() < deadline, "the map was not drawn"
        page.wait_for_timeout(100)  # polling the canvas, not waiting for a fixed time
    assert pixel(page, x, y) != BACKGROUND
    page.mouse.move(x, y)
    page.locator(".deck-tooltip").filter(has_text=str(names[TARGET])).first.wait_for(timeout=CONTENT_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "karte_zeiger_1280x720.png"))
    page.close()
