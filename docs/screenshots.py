"""Screenshots of meeting mode at 1280x720 (a projector) for the README: ``docs/sitzungsmodus-*.png``.

Starts the app on a free loopback port with the warehouse in ``data/warehouse`` (or the folder given as the first
argument), opens each page in headless Chromium with ``?modus=sitzung`` for Mansfeld-Südharz, waits until the run
has finished and no placeholder is left (no fixed sleeps), saves the first screen and stops the server.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.app_server import CHROMIUM, CHROMIUM_ARGS, CONTENT_TIMEOUT_MS, running_app, wait_for_app  # noqa: E402

#: page path -> file name part
PAGES = {"sitzung": "sitzung", "": "kreisprofil", "indikator": "indikator", "karte": "karte", "landrat": "landrat"}
QUERY = "kreis=15087&jahr=2023&gruppe=land&indikator=alq&modus=sitzung"


def main(warehouse: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with tempfile.TemporaryDirectory() as tmp, running_app(warehouse, Path(tmp) / "ud.sqlite") as base:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720}, locale="de-DE")
            for path, name in PAGES.items():
                page.goto(f"{base}/{path}?{QUERY}")
                wait_for_app(page)
                page.wait_for_function(
                    "() => document.querySelectorAll('[data-testid=stSkeleton], [data-stale=true]').length === 0",
                    timeout=CONTENT_TIMEOUT_MS,
                )
                for chart in page.locator("[data-testid=stPlotlyChart] .main-svg").all()[:1]:
                    chart.wait_for(timeout=CONTENT_TIMEOUT_MS)
                for deck in page.locator("[data-testid=stDeckGlJsonChart] canvas").all()[:1]:
                    deck.wait_for(timeout=CONTENT_TIMEOUT_MS)
                out = ROOT / "docs" / f"sitzungsmodus-{name}.png"
                page.screenshot(path=str(out))
                written.append(out)
            browser.close()
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data" / "warehouse"):
        print(path.relative_to(ROOT))
