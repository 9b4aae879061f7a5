"""Store queries and benchmark statistics, checked against an independent pandas computation."""

import numpy as np
import pandas as pd
import pytest

from indicators.domain import benchmark
from indicators.warehouse.store import Store, WarehouseMissing


@pytest.fixture(scope="module")
def store(demo_warehouse):
    return Store(demo_warehouse)


@pytest.fixture(scope="module")
def facts(demo_warehouse):
    return pd.read_parquet(demo_warehouse / "facts.parquet")


def test_missing_warehouse_is_reported(tmp_path):
    with pytest.raises(WarehouseMissing):
        Store(tmp_path / "nichts")


def test_profile_matches_pandas_for_a_peer_group(store, facts):
    districts = store.districts()
    peers = benchmark.peer_members(districts, "15087", "land")
    assert len(peers) == 14 and "15087" in peers
    profile = store.profile("15087", peers, 2023).set_index("indicator")
    sub = facts[(facts["indicator"] == "alq") & (facts["year"] == 2023)]
    peer_values = sub[sub["region"].isin(peers)]["value"]
    row = profile.loc["alq"]
    assert row["median"] == pytest.approx(peer_values.median())
    assert row["mean"] == pytest.approx(peer_values.mean())
    assert row["min"] == peer_values.min() and row["max"] == peer_values.max()
    assert row["germany"] == sub[sub["region"] == "DG"]["value"].iloc[0]
    assert row["land"] == sub[sub["region"] == "15"]["value"].iloc[0]
    home = sub[sub["region"] == "15087"]["value"].iloc[0]
    assert row["value"] == home
    assert row["n_lower"] == (peer_values < home).sum()
    prev = facts[(facts["indicator"] == "alq") & (facts["year"] == 2022) & (facts["region"] == "15087")]["value"].iloc[
        0
    ]
    assert row["previous"] == prev


def test_enriched_profile_ranks_by_polarity(store):
    districts = store.districts()
    peers = list(districts["ags"])
    enriched = benchmark.enrich_profile(store.profile("15087", peers, 2023), store.indicators()).set_index("indicator")
    ranking = store.ranking("alq", 2023, peers, -1).set_index("region")
    assert enriched.loc["alq", "rank"] == ranking.loc["15087", "rank"]
    assert enriched.loc["alq", "percentile"] == pytest.approx(ranking.loc["15087", "percentile"])
    # a contextual indicator is never judged
    assert enriched.loc["einwohner", "assessment"] == "kontext"
    assert enriched.loc["einwohner", "trend_1y"] == "neutral"


def test_ranking_puts_lowest_unemployment_first(store, facts):
    peers = list(store.districts()["ags"])
    ranking = store.ranking("alq", 2023, peers, -1)
    sub = facts[(facts["indicator"] == "alq") & (facts["year"] == 2023) & (facts["region"].str.len() == 5)]
    assert ranking.iloc[0]["value"] == sub["value"].min()
    assert ranking.iloc[-1]["value"] == sub["value"].max()
    assert ranking.iloc[0]["percentile"] == 100.0
    up = store.ranking("beschaeftigtenquote", 2023, peers, 1)
    assert up.iloc[0]["value"] == up["value"].max()


def test_band_and_reference_statistics(store, facts):
    peers = benchmark.peer_members(store.districts(), "15087", "ostwest")
    band = store.band("jugend_alq", peers).set_index("year")
    sub = facts[(facts["indicator"] == "jugend_alq") & facts["region"].isin(peers)]
    for year, grp in sub.groupby("year"):
        assert band.loc[year, "median"] == pytest.approx(grp["value"].median())
        assert band.loc[year, "q25"] == pytest.approx(grp["value"].quantile(0.25))
        assert band.loc[year, "max"] == grp["value"].max()
    stats = store.reference_statistics("jugend_alq", 2020, peers)
    assert stats["n"] == len(peers)
    assert stats["median"] == pytest.approx(sub[sub["year"] == 2020]["value"].median())


def test_queries_take_hostile_text_as_data(store):
    name = 'Landkreis Göttingen (Stadt Göttingen); "Test"\'); DROP TABLE facts; --'
    assert store.series(name, ["15087"]).empty
    assert store.ranking("alq", 2023, [name], -1).empty
    assert len(store.values("alq", 2023)) == 400


def test_position_and_assessment_are_polarity_aware():
    assert benchmark.position(2.0, 2.0, 10.0, -1) == 1.0
    assert benchmark.position(2.0, 2.0, 10.0, 1) == 0.0
    assert benchmark.assess(80, 1).code == "guenstig"
    assert benchmark.assess(20, -1).code == "unguenstig"
    assert benchmark.assess(90, 0).code == "kontext"
    assert benchmark.polarity_rank(n_higher=3, n_lower=10, n=14, polarity=-1) == 11
    assert benchmark.polarity_rank(n_higher=3, n_lower=10, n=14, polarity=1) == 4
    assert benchmark.trend_direction(-0.3, -1) == "besser"
    assert benchmark.trend_direction(0.01, -1, unchanged_below=0.05) == "unverändert"


def test_peer_groups_always_hold_the_home_kreis(store):
    d = store.districts()
    for kind in ("alle", "land", "ostwest", "kreistyp"):
        members = benchmark.peer_members(d, "15087", kind)
        assert "15087" in members
    assert len(benchmark.peer_members(d, "15087", "alle")) == 400
    east = benchmark.peer_members(d, "15087", "ostwest")
    assert set(d[d["ags"].isin(east)]["east"]) == {True}
    assert benchmark.peer_members(d, "15087", "eigene", ["01001", "99999"]) == ["01001", "15087"]


def test_statistical_neighbours_are_nearest_on_standardised_variables():
    m = pd.DataFrame(
        {"a": [0.0, 1.0, 10.0, 0.1], "b": [100.0, 110.0, 500.0, 900.0]}, index=["00001", "00002", "00003", "00004"]
    )
    result = benchmark.statistical_neighbours(m, "00001", k=3)
    assert list(result["ags"]) == ["00002", "00004", "00003"]
    z = (m - m.mean()) / m.std(ddof=0)
    expected = np.sqrt(((z.loc["00002"] - z.loc["00001"]) ** 2).mean())
    assert result.iloc[0]["distance"] == pytest.approx(expected)
    assert "a" in result.iloc[1]["similar_on"] and "b" in result.iloc[1]["differs_on"]
