"""Fair benchmark (Erwartungswert): the model on synthetic panels whose true effects and noise are known."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.domain import expectation as ex


def synthetic(n: int = 400, noise: float = 1.0, seed: int = 1) -> tuple[pd.Series, pd.DataFrame, dict]:
    """y = 5 + 2·alter − 3·ost + 1.5·dichte + N(0, noise²): every effect and the noise known."""
    rng = np.random.default_rng(seed)
    index = [f"{i:05d}" for i in range(n)]
    context = pd.DataFrame(
        {
            "ost": (rng.random(n) < 0.2).astype(float),
            "alter": rng.normal(0, 1, n),
            "dichte": rng.normal(0, 1, n),
        },
        index=index,
    )
    truth = {"ost": -3.0, "alter": 2.0, "dichte": 1.5}
    signal = 5 + sum(context[c] * b for c, b in truth.items())
    y = signal + rng.normal(0, noise, n)
    return pd.Series(y, index=index), context, truth


def test_coefficients_recover_the_true_effects():
    y, context, truth = synthetic(n=400, noise=1.0)
    model = ex.fit("y", 2023, y, context)
    # the standard error of each slope is about noise / (sd(x) * sqrt(n)) ≈ 0.05 (0.125 for the 20 % dummy)
    for column, beta in truth.items():
        assert model.coefficients[column] == pytest.approx(beta, abs=0.4)
    assert model.intercept == pytest.approx(5.0, abs=0.3)


def test_out_of_fold_r2_matches_the_share_of_explained_variance():
    y, context, truth = synthetic(n=400, noise=2.0, seed=3)
    model = ex.fit("y", 2023, y, context)
    # population R² = var(signal) / (var(signal) + noise²) with var(signal) = 4 + 2.25 + 9 * 0.2 * 0.8
    signal_var = 4 + 2.25 + 9 * 0.16
    true_r2 = signal_var / (signal_var + 4.0)
    assert model.r2_oof == pytest.approx(true_r2, abs=0.07)
    assert model.r2_oof < model.r2_in_sample  # out of fold is never flattered by the fit


def test_pure_noise_has_no_out_of_fold_skill():
    rng = np.random.default_rng(7)
    _, context, _ = synthetic(seed=7)
    y = pd.Series(rng.normal(0, 1, len(context)), index=context.index)
    model = ex.fit("y", 2023, y, context)
    assert model.r2_oof < 0.02
    assert model.r2_in_sample > 0  # the in-sample fit always finds something: why the page shows out of fold


def test_interval_coverage_out_of_fold_is_near_nominal():
    coverages = []
    for seed in range(8):
        y, context, _ = synthetic(n=400, noise=1.0, seed=100 + seed)
        coverages.append(ex.fit("y", 2023, y, context, seed=seed).coverage_oof)
    assert np.mean(coverages) == pytest.approx(ex.LEVEL, abs=0.03)


def test_interval_half_width_is_the_noise_quantile():
    # with Gaussian noise sigma = 1 the 90 % half-width is about 1.645 sigma
    y, context, _ = synthetic(n=400, noise=1.0, seed=11)
    model = ex.fit("y", 2023, y, context)
    assert model.half_width == pytest.approx(1.645, abs=0.2)


def test_conformal_quantile_by_hand():
    # n = 9, level 0.9: ceil(10 * 0.9) = 9 -> the largest; n = 19: ceil(18) -> the 18th smallest
    assert ex.conformal_quantile(np.arange(1, 10), 0.9) == 9
    assert ex.conformal_quantile(np.arange(1, 20), 0.9) == 18
    assert ex.conformal_quantile(np.array([3.0, 1.0, 2.0, 4.0]), 0.5) == 3.0  # ceil(2.5) = 3rd smallest
    assert math.isnan(ex.conformal_quantile(np.array([]), 0.9))


def test_planted_outlier_is_outside_and_typical_kreis_inside():
    y, context, _ = synthetic(n=400, noise=0.5, seed=5)
    y.iloc[0] += 6.0  # twelve noise SDs above what its structure predicts
    model = ex.fit("y", 2023, y, context)
    assert model.row(y.index[0])["position"] == "ueber"
    inside = model.table["position"] == "im_rahmen"
    assert inside.mean() == pytest.approx(0.9, abs=0.04)


def test_contributions_add_up_to_the_distance_from_the_average_expectation():
    y, context, truth = synthetic(seed=9)
    model = ex.fit("y", 2023, y, context)
    region = y.index[17]
    parts = ex.contributions(model, context.loc[region])
    expected = model.row(region)["expected"]
    assert parts.sum() == pytest.approx(expected - model.table["expected"].mean(), abs=1e-9)
    # the ost contribution of an eastern Kreis is the coefficient times (1 - share of eastern Kreise)
    east = context.index[context["ost"] == 1][0]
    by_hand = model.coefficients["ost"] * (1 - context["ost"].mean())
    assert ex.contributions(model, context.loc[east])["ost"] == pytest.approx(by_hand)
    assert list(parts.abs()) == sorted(parts.abs(), reverse=True)


def test_dummy_columns_are_explained_as_one_variable():
    y, context, _ = synthetic(seed=2)
    rng = np.random.default_rng(2)
    kind = rng.integers(1, 5, len(context))
    for level in (2, 3, 4):
        context[f"kreistyp:{level}"] = (kind == level).astype(float)
    y = y + 2.0 * (kind == 4)
    model = ex.fit("y", 2023, y, context)
    assert "kreistyp" in model.variables
    assert model.coefficients["kreistyp:4"] == pytest.approx(2.0, abs=0.4)
    parts = ex.contributions(model, context.iloc[0])
    assert "kreistyp" in parts.index and "kreistyp:4" not in parts.index


def test_the_indicator_itself_is_never_its_own_context():
    y, context, _ = synthetic(seed=4)
    model = ex.fit("anteil_65_plus", 2022, y, context)
    assert "alter" not in model.columns


def test_too_few_kreise_give_no_model():
    y, context, _ = synthetic(n=120)
    assert ex.fit("y", 2023, y, context) is None


def test_fit_is_reproducible():
    y, context, _ = synthetic(seed=21)
    a = ex.fit("y", 2023, y, context)
    b = ex.fit("y", 2023, y, context)
    assert (a.r2_oof, a.coverage_oof, a.half_width) == (b.r2_oof, b.coverage_oof, b.half_width)


def test_context_year_prefers_the_latest_up_to_the_year_else_the_earliest():
    assert ex.context_year([2018, 2021, 2023], 2022) == 2021
    assert ex.context_year([2018, 2021, 2023], 2015) == 2018
    assert ex.context_year([2018], 2030) == 2018
    assert ex.context_year([], 2020) is None


def test_features_from_districts_and_raw_values():
    districts = pd.DataFrame({"east": [True, False, False], "kreistyp": [4, 1, 2]}, index=["15087", "11000", "01001"])
    raw = pd.DataFrame(
        {
            "bevoelkerungsdichte": [91.0, 4100.0, 0.0],
            "anteil_65_plus": [31.2, 19.0, 22.0],
            "anteil_primaerer_sektor": [2.0, 0.1, 1.0],
            "anteil_sekundaerer_sektor": [30.0, 12.0, 20.0],
            "svb_arbeitsort": [30000.0, 1_500_000.0, 50000.0],
            "svb_wohnort": [40000.0, 1_300_000.0, 0.0],
        },
        index=["15087", "11000", "01001"],
    )
    out = ex.features(districts, raw)
    assert out.loc["15087", "ost"] == 1.0 and out.loc["11000", "ost"] == 0.0
    assert out.loc["15087", ["kreistyp:2", "kreistyp:3", "kreistyp:4"]].tolist() == [0.0, 0.0, 1.0]
    assert out.loc["11000", ["kreistyp:2", "kreistyp:3", "kreistyp:4"]].tolist() == [0.0, 0.0, 0.0]
    assert out.loc["15087", "dichte"] == pytest.approx(math.log(91.0))
    assert out.loc["15087", "pendler"] == pytest.approx(math.log(0.75))
    # a zero density or zero residents cannot be logged: missing, not infinite
    assert np.isnan(out.loc["01001", "dichte"]) and np.isnan(out.loc["01001", "pendler"])


def test_verdict_speaks_only_outside_the_interval():
    y, context, _ = synthetic(n=400, noise=0.5, seed=5)
    y.iloc[0] += 6.0
    model = ex.fit("y", 2023, y, context)
    high = ex.verdict(model, y.index[0], context.iloc[0], unit="%", polarity=-1, kreis_name="Testkreis")
    assert high.code == "ueber" and high.tone == "negative"  # lower is better: above expectation is unfavourable
    assert "über dem Erwartungswert" in high.headline and "2023" in high.headline
    assert len(high.drivers) == 3
    typical = model.table.index[model.table["position"] == "im_rahmen"][0]
    calm = ex.verdict(model, typical, context.loc[typical], unit="%", polarity=-1, kreis_name="Testkreis")
    assert calm.code == "im_rahmen" and "über" not in calm.headline and "unter dem" not in calm.headline
    context_only = ex.verdict(model, y.index[0], context.iloc[0], unit="%", polarity=0, kreis_name="Testkreis")
    assert context_only.tone == "neutral"
    assert ex.verdict(model, "99999", context.iloc[0], unit="%", polarity=1, kreis_name="x") is None
