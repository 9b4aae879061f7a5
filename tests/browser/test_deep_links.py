"""A deep link opened as the very first request of a fresh server still goes through the router in app.py.

Streamlit runs a file of a ``pages/`` folder next to the entry file on its own (legacy multipage mode) until
``st.navigation`` has run once in the process; the screens therefore live in ``app_pages/``. Each test starts its
own server so that its deep link is the first request that server sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from indicators.warehouse.store import Store
from tests.browser.app_server import running_app, wait_for_app

pytestmark = pytest.mark.browser


def test_no_legacy_pages_folder_next_to_the_entry_file():
    root = Path(__file__).resolve().parents[2]
    assert not (root / "pages").exists(), "a pages/ folder switches Streamlit into its legacy multipage mode"


@pytest.mark.parametrize("path", ["indikator", "karte"])
def test_deep_link_as_first_request_keeps_the_global_selection(browser, warehouse, tmp_path, path):
    store = Store(warehouse)
    d = store.districts().set_index("ags")
    kreis = "01001" if "01001" in d.index else d.index[0]
    label = store.indicators().set_index("id").loc["alq", "label"]
    with running_app(warehouse, tmp_path / "ud.sqlite") as base:
        page = browser.new_page(locale="de-DE", viewport={"width": 1280, "height": 720})
        page.goto(f"{base}/{path}?kreis={kreis}&jahr=2022&indikator=alq&gruppe=land")
        wait_for_app(page)
        # the router's sidebar holds the global selection, filled from the link
        kreis_box = page.locator("[data-testid='stSidebar']").get_by_role("combobox", name="Kreis")
        assert kreis_box.input_value().endswith(f" – {kreis}")
        assert label in page.locator("h1").first.inner_text()
        caption = page.locator("[data-testid='stMain']").inner_text()
        assert f"Kreise in {d.loc[kreis, 'land_name']}" in caption
        assert f"kreis={kreis}" in page.url and "jahr=2022" in page.url
        page.close()
