"""The map's JSON with the boundaries encoded once per warehouse is the same map as pydeck's own encoding."""

from __future__ import annotations

import json

import pandas as pd
from pydeck.bindings.json_tools import serialize

from indicators.warehouse.store import Store
from ui import choropleth, data


def _maps(store: Store):
    wh = data.Warehouse(store)
    kreise, laender = data.geometry(wh, "kreise"), data.geometry(wh, "laender")
    values = store.values("alq", 2023)
    names = dict(zip(store.districts()["ags"], store.districts()["display_name"], strict=True))
    stats = {"median": float(values["value"].median()), "min": values["value"].min(), "max": values["value"].max()}
    features = choropleth.colour_features(kreise["features"], values, names, "%", -1, stats)
    home = next(f for f in kreise["features"] if f["properties"]["ags"] == "15087")
    laender_features = laender["features"] if laender else None
    plain = choropleth.deck(features, laender_features, home)
    spliced = choropleth.deck(
        features,
        laender_features,
        home,
        geometries={"kreise": data.geometry_json(wh, "kreise"), "laender": data.geometry_json(wh, "laender")},
    )
    return plain, spliced


def test_spliced_boundaries_give_the_same_map_as_pydecks_encoding(real_warehouse):
    plain, spliced = _maps(Store(real_warehouse))
    expected = json.loads(serialize(plain))  # pydeck's own encoder, indented, no splicing
    got = json.loads(spliced.to_json())
    assert got == expected
    kreise_layer = next(layer for layer in got["layers"] if layer["id"] == choropleth.LAYER_KREISE)
    assert len(kreise_layer["data"]["features"]) == 400
    assert "§" not in spliced.to_json() and "encoded" not in got


def test_the_demo_map_splices_too(demo_warehouse):
    plain, spliced = _maps(Store(demo_warehouse))
    assert json.loads(spliced.to_json()) == json.loads(serialize(plain))
    assert len(spliced.to_json()) < len(serialize(plain))  # no indentation either


def test_geometry_json_follows_the_feature_order(demo_warehouse):
    wh = data.Warehouse(Store(demo_warehouse))
    features = data.geometry(wh, "kreise")["features"]
    encoded = data.geometry_json(wh, "kreise")
    assert [json.loads(g) for g in encoded] == [f["geometry"] for f in features]
    assert isinstance(pd.Series(encoded).iloc[0], str)
