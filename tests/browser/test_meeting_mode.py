"""Meeting mode is a display mode of every page: at 1280x720 headline, the Kreis's value, the median and the
verdict are visible without scrolling, in type readable from the back of a room (body >= 20 px, figures >= 32 px).

Expected numbers are worked out here from the facts (median and rank by hand), not taken from the page code.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from indicators.domain import formatting as fmt
from indicators.warehouse.store import Store
from tests.browser.app_server import ARTIFACTS, CONTENT_TIMEOUT_MS, running_app, wait_for_app, wait_for_rerun

pytestmark = pytest.mark.browser

HOME = "15087"
PAGES = [
    "",
    "indikator",
    "karte",
    "vergleichsgruppen",
    "sitzung",
    "ziele",
    "schwerpunkte",
    "landrat",
    "daten",
    "datenimport",
    "methodik",
]


@pytest.fixture(scope="module")
def server(warehouse, tmp_path_factory):
    with running_app(warehouse, tmp_path_factory.mktemp("ud") / "ud.sqlite") as base:
        yield base


def expected_figures(warehouse: Path, year: int = 2023) -> dict[str, str]:
    """Kreis value, median of the Land's Kreise and the quartile verdict of the ALQ (lower is better), by hand."""
    store = Store(warehouse)
    d = store.districts()
    peers = d.loc[d["land_code"] == d.set_index("ags").loc[HOME, "land_code"], "ags"].tolist()
    values = store.values("alq", year).set_index("region")["value"].dropna()
    mine = values[HOME]
    theirs = [values[a] for a in peers if a in values.index]
    rank = 1 + sum(1 for x in theirs if x < mine)
    pct = 100 * (len(theirs) - rank) / (len(theirs) - 1)
    verdict = "günstigstes Viertel" if pct >= 75 else "ungünstigstes Viertel" if pct <= 25 else "Mittelfeld"
    return {"value": fmt.value(mine, "%"), "median": fmt.value(statistics.median(theirs), "%"), "verdict": verdict}


def visible_in_viewport(page, locator, height: int, within_s: float = 10.0) -> bool:
    """Whether one of the matches lies wholly inside the first screen, asked again until the layout settles
    (a figure can still move while the last elements of a run arrive) or ``within_s`` has passed."""
    deadline = time.monotonic() + within_s
    while not _in_viewport(locator, height):
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(200)
    return True


def _in_viewport(locator, height: int) -> bool:
    for i in range(locator.count()):
        box = locator.nth(i).bounding_box()
        if box and box["height"] > 0 and box["y"] >= 0 and box["y"] + box["height"] <= height:
            return True
    return False


def font_px(locator) -> float:
    """Font size of the innermost element that holds the text (what the eye sees)."""
    return float(
        locator.evaluate(
            "e => { let n = e; while (n.firstElementChild) n = n.firstElementChild;"
            " return parseFloat(getComputedStyle(n).fontSize); }"
        )
    )


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_every_page_in_meeting_mode_shows_headline_value_median_verdict_above_the_fold(
    browser, server, warehouse, size
):
    width, height = size
    want = expected_figures(warehouse)
    page = browser.new_page(locale="de-DE", viewport={"width": width, "height": height})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in PAGES:
        page.goto(f"{server}/{path}?kreis={HOME}&jahr=2023&indikator=alq&gruppe=land&modus=sitzung")
        wait_for_app(page)
        main = page.locator("[data-testid='stMain']")
        main.get_by_text(want["verdict"]).first.wait_for()
        page.screenshot(path=str(ARTIFACTS / f"sitzung_{path or 'profil'}_{width}x{height}.png"))
        assert page.url.split("?")[0].rstrip("/").endswith(path), f"meeting mode must stay on /{path}"
        assert "modus=sitzung" in page.url
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        h1 = main.locator("h1").first
        assert visible_in_viewport(page, h1, height), path
        for key in ("value", "median", "verdict"):
            hits = main.get_by_text(want[key], exact=False)
            assert visible_in_viewport(page, hits, height), f"{path}: {key} {want[key]} not above the fold"
        figures = main.locator("[data-testid='stMetricValue']")
        assert figures.count() >= 3, path
        assert min(font_px(figures.nth(i)) for i in range(figures.count())) >= 32, path
        texts = main.locator("[data-testid='stMarkdownContainer'] p")
        sizes = [font_px(texts.nth(i)) for i in range(min(texts.count(), 40)) if texts.nth(i).is_visible()]
        assert sizes and min(sizes) >= 20, (path, min(sizes))
    page.close()


def press_shortcut(page, key: str, button: str) -> None:
    """Press a button's keyboard shortcut once the button is drawn and enabled.

    Streamlit registers a shortcut when the button component mounts; its code is loaded lazily, so right after the
    first run the heading can be on screen while the control row is not yet listening (a lost key in CI).
    """
    control = page.get_by_role("button", name=button)
    control.wait_for(timeout=CONTENT_TIMEOUT_MS)
    page.wait_for_function("(el) => !el.disabled", arg=control.element_handle(), timeout=CONTENT_TIMEOUT_MS)
    page.locator("body").press(key)


def test_meeting_controls_change_kreis_and_page_through_indicators_by_keyboard(browser, server, warehouse):
    store = Store(warehouse)
    labels = store.indicators().set_index("id")["label"]
    page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 720})
    page.goto(f"{server}/sitzung?kreis={HOME}&jahr=2023&indikator=alq&gruppe=alle&modus=sitzung")
    wait_for_app(page)
    h1 = page.locator("[data-testid='stMain'] h1").first
    assert h1.inner_text() == labels["alq"]
    press_shortcut(page, "ArrowRight", "Weiter")
    wait_for_rerun(page, "() => !location.search.includes('indikator=alq&')")
    following = page.url.split("indikator=")[1].split("&")[0]
    h1.filter(has_text=labels[following]).wait_for()
    press_shortcut(page, "ArrowLeft", "Zurück")
    wait_for_rerun(page, "() => location.search.includes('indikator=alq&')")
    h1.filter(has_text=labels["alq"]).wait_for()
    # the Kreis box of the control row: type a name and pick it
    box = page.get_by_role("combobox", name="Kreis")
    box.click()
    box.fill("Halle (Saale)")
    page.get_by_role("option", name="Halle (Saale)", exact=False).first.click()
    wait_for_rerun(page, "() => location.search.includes('kreis=15002')")
    page.locator("[data-testid='stMain']").get_by_text("Halle (Saale) 2023").first.wait_for()
    assert "modus=sitzung" in page.url and "/sitzung" in page.url
    page.close()
