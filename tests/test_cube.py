"""The in-memory layout of the facts (indicators.warehouse.cube) against the raw Parquet rows, read with pandas."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from indicators.warehouse.cube import Cube, DuplicateFacts
from indicators.warehouse.store import Store


@pytest.fixture(scope="module")
def raw_facts(demo_warehouse) -> pd.DataFrame:
    return pd.read_parquet(demo_warehouse / "facts.parquet")


def _as_records(df: pd.DataFrame) -> list[tuple]:
    return [
        tuple(None if (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v for v in row)
        for row in df.itertuples(index=False)
    ]


def test_every_fact_row_comes_back_unchanged(demo_warehouse, raw_facts):
    """All rows, all ten columns, in the documented order (indicator, region, year), equal to the file's rows."""
    store = Store(demo_warehouse)
    expected = raw_facts.sort_values(["indicator", "region", "year"]).reset_index(drop=True)
    got = store.facts()
    assert list(got.columns) == list(raw_facts.columns)
    assert len(got) == len(raw_facts)
    assert _as_records(got) == _as_records(expected)


def test_a_row_with_a_missing_value_is_kept_apart_from_a_missing_row(demo_warehouse, tmp_path, raw_facts):
    facts = raw_facts.copy()
    suppressed = (facts["region"] == "15087") & (facts["indicator"] == "alq") & (facts["year"] == 2021)
    gone = (facts["region"] == "15087") & (facts["indicator"] == "alq") & (facts["year"] == 2020)
    assert suppressed.sum() == 1 and gone.sum() == 1
    facts.loc[suppressed, ["value", "value_label", "suppressed"]] = [np.nan, ".", True]
    wh = tmp_path / "wh"
    shutil.copytree(demo_warehouse, wh)
    facts[~gone].to_parquet(wh / "facts.parquet", index=False)
    store = Store(wh)
    assert store.value("15087", "alq", 2021) is None and store.value("15087", "alq", 2020) is None
    series = store.series("alq", ["15087"]).set_index("year")
    assert 2020 not in series.index  # no row
    assert np.isnan(series.loc[2021, "value"]) and series.loc[2021, "value_label"] == "."  # the row, without value
    values = store.values("alq", 2021).set_index("region")
    assert bool(values.loc["15087", "suppressed"]) and np.isnan(values.loc["15087", "value"])
    # the profile uses the latest year with a value: 2019 for alq, with 2018 as the year before
    profile = store.profile("15087", ["15087", "15088"], 2021).set_index("indicator")
    own = raw_facts[(raw_facts["region"] == "15087") & (raw_facts["indicator"] == "alq")].set_index("year")["value"]
    assert profile.loc["alq", "year"] == 2019 and profile.loc["alq", "value"] == own[2019]
    assert profile.loc["alq", "previous"] == own[2018] and profile.loc["alq", "previous_year"] == 2018


def test_the_same_region_indicator_and_year_twice_is_refused(demo_warehouse, tmp_path, raw_facts):
    wh = tmp_path / "wh"
    shutil.copytree(demo_warehouse, wh)
    pd.concat([raw_facts, raw_facts.iloc[[5]]]).to_parquet(wh / "facts.parquet", index=False)
    with pytest.raises(DuplicateFacts, match="mehrfach"):
        Cube(wh / "facts.parquet")


def test_region_lists_may_repeat_regions_and_name_unknown_ones(demo_warehouse, raw_facts):
    store = Store(demo_warehouse)
    cut = raw_facts[(raw_facts["indicator"] == "alq") & (raw_facts["year"] == 2022)].set_index("region")["value"]
    stats = store.reference_statistics("alq", 2022, ["15087", "15087", "15088", "99999", "Göttingen'; DROP"])
    assert stats["n"] == 2
    assert stats["mean"] == pytest.approx((cut["15087"] + cut["15088"]) / 2)
