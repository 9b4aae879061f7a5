"""Demo warehouses: deterministic, complete for the 400 Kreise, and always marked as demo."""

import json

import pandas as pd

from indicators.warehouse import demo
from indicators.warehouse.store import Store


def test_demo_warehouse_is_marked_and_covers_the_400_kreise(demo_warehouse):
    store = Store(demo_warehouse)
    assert store.is_demo
    assert store.manifest["demo"] is True
    d = store.districts()
    assert len(d) == 400 and d["ags"].str.len().eq(5).all()
    assert "15087" in set(d["ags"])
    facts = pd.read_parquet(demo_warehouse / "facts.parquet")
    assert set(facts["source"]) == {demo.DEMO_SOURCE}
    alq = facts[(facts["indicator"] == "alq") & (facts["region"].str.len() == 5)]
    assert alq.groupby("year")["region"].nunique().eq(400).all()
    assert len(alq["year"].unique()) >= 10
    assert alq["value"].between(0, 100).all()
    # counts scale with population; Germany is the sum of the Kreise for counts
    arbeitslose = facts[(facts["indicator"] == "arbeitslose") & (facts["year"] == 2023)]
    kreise = arbeitslose[arbeitslose["region"].str.len() == 5]["value"].sum()
    assert arbeitslose[arbeitslose["region"] == "DG"]["value"].iloc[0] == round(kreise, 2)


def test_demo_is_deterministic(tmp_path):
    demo.write_demo(tmp_path / "a")
    demo.write_demo(tmp_path / "b")
    a = pd.read_parquet(tmp_path / "a" / "facts.parquet")
    b = pd.read_parquet(tmp_path / "b" / "facts.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_municipality_panel_has_the_requested_shape(tmp_path):
    manifest = demo.write_municipality_panel(tmp_path / "gem", regions=300, indicators=5, years=4)
    facts = pd.read_parquet(tmp_path / "gem" / "facts.parquet")
    assert len(facts) == 300 * 5 * 4 == manifest["row_counts"]["facts"]
    assert facts["region"].str.len().eq(8).all()
    assert json.loads((tmp_path / "gem" / "manifest.json").read_text())["demo"] is True
