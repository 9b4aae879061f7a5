"""Kreisvergleich and Zusammenhang through the real app (AppTest): values from the store, r worked out by hand."""

from __future__ import annotations

import math
import statistics

import pytest

from indicators.domain import formatting as fmt
from indicators.warehouse.store import Store
from tests.pages.test_dashboard import app


@pytest.fixture
def userdata(tmp_path):
    return tmp_path / "userdata.sqlite"


def test_comparison_from_a_link_shows_the_chosen_kreise_and_their_values(demo_warehouse, userdata, monkeypatch):
    store = Store(demo_warehouse)
    at = app(demo_warehouse, userdata, monkeypatch, kreis="15087", jahr="2023", vergleich="15087,15002,11000")
    at.run()
    at.switch_page("app_pages/vergleich.py")
    at.run()
    assert not at.exception
    assert at.multiselect(key="vergleich").value == ["15087", "15002", "11000"]
    table = at.dataframe[0].value
    alq = table[table["Indikator"].str.startswith(store.indicators().set_index("id").loc["alq", "label"])].iloc[0]
    year = int(alq["Jahr"])
    names = store.districts().set_index("ags")["display_name"]
    for ags in ("15087", "15002", "11000"):
        assert alq[names[ags]] == fmt.value(store.value(ags, "alq", year), "%", with_unit=False)
    assert at.query_params["vergleich"] in ("15087,15002,11000", ["15087,15002,11000"])


def test_scatter_reports_r_of_all_kreise(demo_warehouse, userdata, monkeypatch):
    store = Store(demo_warehouse)
    at = app(demo_warehouse, userdata, monkeypatch, kreis="15087", jahr="2023", indikator="alq")
    at.run()
    at.switch_page("app_pages/zusammenhang.py")
    at.run()
    assert not at.exception
    y_id = at.selectbox(key="streu_y").value
    kreise = set(store.districts()["ags"])

    def latest(ind):
        year = max(y for y in store.years(ind) if y <= 2023)
        return store.values(ind, year).set_index("region")["value"]

    xs, ys = latest("alq"), latest(y_id)
    both = [(xs[a], ys[a]) for a in kreise if a in xs.index and a in ys.index and xs[a] == xs[a] and ys[a] == ys[a]]
    mx, my = statistics.fmean(a for a, _ in both), statistics.fmean(b for _, b in both)
    sxy = sum((a - mx) * (b - my) for a, b in both)
    r = sxy / math.sqrt(sum((a - mx) ** 2 for a, _ in both) * sum((b - my) ** 2 for _, b in both))
    shown = "\n".join(m.value for m in at.markdown)
    assert f"**r = {fmt.number(r, 2)}**" in shown and f"über {len(both)} Kreise" in shown
