"""Target odds: damped-trend forecast, pooled errors, probabilities and their scores, on known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.holtwinters import Holt

from indicators.domain import forecast as fc


def test_recursion_equals_statsmodels_damped_holt():
    y = np.array([12.0, 11.4, 11.9, 10.7, 10.1, 9.8, 9.9, 9.2, 8.8, 9.1])
    for alpha, beta, phi in [(0.5, 0.1, 0.9), (0.9, 0.4, 0.6), (0.3, 0.05, 0.98)]:
        ours = fc.forecast(y, alpha, beta, phi, 5)
        reference = (
            Holt(y, damped_trend=True, initialization_method="known", initial_level=y[0], initial_trend=y[1] - y[0])
            .fit(smoothing_level=alpha, smoothing_trend=beta, damping_trend=phi, optimized=False)
            .forecast(5)
        )
        assert ours == pytest.approx(np.asarray(reference), rel=1e-10)


def test_random_walk_parameters_forecast_the_last_value():
    y = np.array([3.0, 5.0, 4.0, 7.0, 6.0, 6.5])
    assert fc.forecast(y, fc.NAIVE.alpha, fc.NAIVE.beta, fc.NAIVE.phi, 4) == pytest.approx([6.5] * 4)


def test_damping_sum_by_hand():
    assert fc.damping_sum(0.5, 3) == pytest.approx(0.5 + 0.25 + 0.125)
    assert fc.damping_sum(1.0, 4) == 4.0
    assert fc.damping_sum(0.0, 5) == 0.0


def test_perfect_and_ignorant_forecasters_brier():
    outcomes = np.array([1, 0, 1, 1, 0])
    assert fc.brier(outcomes.astype(float), outcomes) == 0.0
    assert fc.brier(np.full(5, 0.5), outcomes) == pytest.approx(0.25)
    assert fc.brier(1 - outcomes, outcomes) == 1.0
    # by hand: (0.8-1)² + (0.3-0)² = 0.04 + 0.09 -> mean 0.065
    assert fc.brier(np.array([0.8, 0.3]), np.array([1, 0])) == pytest.approx(0.065)


def test_calibration_deciles_by_hand():
    p = np.array([0.05, 0.05, 0.95, 0.95, 0.95, 0.55])
    o = np.array([0, 1, 1, 1, 0, 1])
    table = fc.calibration(p, o).set_index("bin")
    assert table.loc["0.0–0.1", "n"] == 2 and table.loc["0.0–0.1", "observed"] == 0.5
    assert table.loc["0.9–1.0", "n"] == 3 and table.loc["0.9–1.0", "observed"] == pytest.approx(2 / 3)
    assert table.loc["0.5–0.6", "predicted"] == pytest.approx(0.55)
    assert table["n"].sum() == 6
    assert fc.calibration(np.array([1.0]), np.array([1])).iloc[-1]["n"] == 1  # p = 1 lands in the top decile


def test_hit_respects_polarity():
    assert fc.hit(5.0, 6.0, -1)  # lower is better: 5 meets "at most 6"
    assert not fc.hit(7.0, 6.0, -1)
    assert fc.hit(7.0, 6.0, 1) and not fc.hit(5.0, 6.0, 1)
    assert fc.hit(0.1 + 0.2, 0.3, 1) and fc.hit(0.1 + 0.2, 0.3, -1)  # float noise is no miss


def test_classify_thresholds():
    assert fc.classify(0.7) == "wahrscheinlich"
    assert fc.classify(2 / 3) == "wahrscheinlich"
    assert fc.classify(0.5) == "offen"
    assert fc.classify(1 / 3) == "unwahrscheinlich"
    assert fc.classify(0.0) == "unwahrscheinlich"


def test_regular_panel_bridges_short_gaps_only():
    long = pd.DataFrame(
        {
            "region": ["A"] * 5 + ["B"] * 3,
            "year": [2010, 2011, 2013, 2014, 2018, 2010, 2011, 2012],
            "value": [1.0, 2.0, 4.0, 5.0, 9.0, 7.0, np.nan, 7.0],
        }
    )
    panel = fc.regular_panel(long, ["A", "B", "C"])
    assert list(panel.columns) == list(range(2010, 2019))
    assert panel.loc["A", 2012] == pytest.approx(3.0)  # one missing year bridged
    assert panel.loc["A", [2015, 2016, 2017]].isna().all()  # three missing years are not
    assert panel.loc["B", 2011] == pytest.approx(7.0)
    assert panel.loc["C"].isna().all()
    assert fc.regular_panel(long, until=2011).columns.max() == 2011


def test_linear_trend_projection_by_hand():
    panel = np.array([[np.nan, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [5.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]])
    # last five values 2..6 on a line of slope 1: three years after the last year -> 9
    assert fc.linear_trend_projection(panel, 3) == pytest.approx([9.0, 5.0])


def synthetic_panel(kind: str, n: int = 300, years: int = 20, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if kind == "trend":
        slopes = rng.normal(-0.3, 0.1, n)[:, None]
        values = 10 + slopes * np.arange(years)[None, :] + rng.normal(0, 0.2, (n, years))
    else:  # random walk
        values = 10 + np.cumsum(rng.normal(0, 0.5, (n, years)), axis=1)
    return pd.DataFrame(values, index=[f"{i:05d}" for i in range(n)], columns=range(2000, 2000 + years))


def test_selection_finds_the_random_walk_and_the_trend():
    walk = fc.select_parameters(synthetic_panel("walk").to_numpy())
    assert (walk.alpha, walk.phi) == (1.0, 0.0) or walk.beta <= 0.05
    trend = fc.select_parameters(synthetic_panel("trend").to_numpy())
    assert trend.phi >= 0.9 and trend.beta > 0  # a persistent trend is carried forward


def test_backtest_on_a_synthetic_panel_is_calibrated_and_beats_the_naive_yes_no():
    panel = synthetic_panel("trend", seed=3)
    result = fc.backtest(panel, origin=2015, target_year=2018, polarity=-1)
    assert len(result) == 300 * len(fc.BACKTEST_STEPS)
    model = fc.brier(result["p_model"], result["hit"])
    assert model < fc.brier(result["naive_yes"], result["hit"])
    assert model < fc.brier(result["p_naive"], result["hit"])  # here a trend exists, so it must pay off
    assert result["in_fan80"].mean() == pytest.approx(0.8, abs=0.06)
    table = fc.calibration(result["p_model"], result["hit"])
    filled = table[table["n"] >= 100]
    assert (filled["predicted"] - filled["observed"]).abs().max() < 0.12


def test_backtest_uses_nothing_after_the_origin():
    panel = synthetic_panel("trend", seed=4)
    spoiled = panel.copy()
    spoiled.loc[:, 2016:] = spoiled.loc[:, 2016:] + 50.0  # a jump after the origin changes only the outcome
    a = fc.backtest(panel, 2015, 2018, -1)
    b = fc.backtest(spoiled, 2015, 2018, -1)
    assert a["p_model"].tolist() == b["p_model"].tolist()
    assert a["hit"].sum() != b["hit"].sum()


def test_odds_for_a_kreis():
    panel = synthetic_panel("trend", seed=5)
    forecaster = fc.Forecaster(panel)
    region = panel.index[0]
    last = panel.loc[region, 2019]
    easy = forecaster.odds(region, last + 5.0, 2023, -1)  # lower is better, target far above: met
    assert easy.code == "wahrscheinlich" and easy.probability > 0.9
    hard = forecaster.odds(region, last - 20.0, 2023, -1)
    assert hard.code == "unwahrscheinlich" and hard.probability < 0.1
    assert list(easy.fan["year"]) == list(range(2019, 2024))
    assert (easy.fan["q10"] <= easy.fan["q50"]).all() and (easy.fan["q50"] <= easy.fan["q90"]).all()
    widths = (easy.fan["q90"] - easy.fan["q10"]).to_numpy()
    assert widths[0] == 0 and np.all(np.diff(widths) > 0)  # the fan opens with the horizon
    assert "2023" in easy.reason
    assert forecaster.odds(region, 5.0, 2019, -1).code == "keine_bewertung"  # target year not after the data
    assert forecaster.odds(region, 5.0, 2025, 0).code == "keine_bewertung"  # context indicator
    assert forecaster.odds("99999", 5.0, 2025, 1).code == "keine_bewertung"


def test_horizons_beyond_the_past_errors_are_marked_extrapolated():
    panel = synthetic_panel("trend", years=10, seed=6)
    forecaster = fc.Forecaster(panel)
    assert 0 < forecaster.max_horizon < 10
    far = forecaster.odds(panel.index[0], 0.0, 2009 + forecaster.max_horizon + 3, -1)
    assert far.extrapolated
    near = forecaster.odds(panel.index[0], 0.0, 2010, -1)
    assert not near.extrapolated


def test_pooled_errors_come_from_similar_levels():
    errors = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    levels = np.array([10.0, 2.0, 11.0, 3.0, 9.5])
    assert sorted(fc.pooled_errors(errors, levels, 10.2, share=0.6, minimum=1)) == [1.0, 3.0, 5.0]
