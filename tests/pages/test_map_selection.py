"""A Kreis picked on the Karte becomes the Kreis of every page (the map-click code path, without the browser).

Why not in Chromium: deck.gl recognises a click only if the button comes up within 250 ms of going down (its tap
recogniser, ``time: 250``, measured with ``Date.now()``), and it picks the object under the pointer inside the
``pointerdown`` handler. Without a GPU (SwiftShader, the only WebGL headless Chromium has here) that pick takes
0.75-2.6 s on this 2-core machine, so every click arrives as a long press and deck.gl drops it; hovering works
(the tooltip names the Kreis after 1-3 s). Details in tests/browser/test_map_click.py.

So Streamlit's frontend is replaced by the event it sends for a click: ``{"selection": {"indices": {layer: [i]},
"objects": {layer: [feature]}}}``, the shape recorded from Streamlit 1.67 in Chromium with a small map that
SwiftShader picks quickly. Everything after it is the app's own code: ``choropleth.clicked_kreis``,
``state.select_kreis``, the rerun, ``state.keep_selection``, the sidebar box and the URL.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.pages.test_dashboard import APP

HOME = "15087"


@pytest.fixture
def warehouse(request):
    try:
        return request.getfixturevalue("real_warehouse")
    except pytest.skip.Exception:
        return request.getfixturevalue("demo_warehouse")


class MapClicks:
    """Stands in for ``st.pydeck_chart``: answers with a click on the Kreis ``target`` once one is set."""

    def __init__(self):
        self.target: str | None = None
        self.drawn = 0

    def __call__(self, deck, **kwargs):
        self.drawn += 1
        assert kwargs.get("on_select") == "rerun" and kwargs.get("selection_mode") == "single-object"
        if self.target is None:
            return {"selection": {"indices": {}, "objects": {}}}
        spec = json.loads(deck.to_json())  # what Streamlit sends to the browser
        layer = next(layer for layer in spec["layers"] if layer.get("pickable"))
        features = layer["data"]["features"]
        index = next(i for i, f in enumerate(features) if f["properties"]["ags"] == self.target)
        return {"selection": {"indices": {layer["id"]: [index]}, "objects": {layer["id"]: [features[index]]}}}


def sidebar_kreis(at: AppTest) -> str:
    return next(s for s in at.sidebar.selectbox if s.label == "Kreis").value


def test_a_kreis_clicked_on_the_map_becomes_the_kreis_of_every_page(warehouse, tmp_path, monkeypatch):
    names = pd.read_parquet(warehouse / "districts.parquet").set_index("ags")["display_name"]
    target = "12073" if "12073" in names.index else next(a for a in names.index if a[:2] != HOME[:2])
    other = next(a for a in names.index if a not in (HOME, target))
    clicks = MapClicks()
    monkeypatch.setattr(st, "pydeck_chart", clicks)
    monkeypatch.setenv("REGIOMONITOR_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("REGIOMONITOR_USERDATA", str(tmp_path / "ud.sqlite"))
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["kreis"] = HOME
    at.run()
    at.switch_page("app_pages/karte.py").run()
    assert not at.exception and clicks.drawn >= 1
    assert sidebar_kreis(at) == HOME

    clicks.target = target  # the click
    at.run()
    assert not at.exception
    assert sidebar_kreis(at) == target
    assert at.query_params["kreis"] == target
    at.switch_page("app_pages/profil.py").run()
    assert at.title[0].value == f"Kreisprofil: {names[target]}"

    # the map still reports its old pick; a Kreis chosen later in the sidebar is not undone by it
    at.switch_page("app_pages/karte.py").run()
    next(s for s in at.sidebar.selectbox if s.label == "Kreis").set_value(other).run()
    assert sidebar_kreis(at) == other
    at.switch_page("app_pages/profil.py").run()
    assert at.title[0].value == f"Kreisprofil: {names[other]}"
