"""Break-away alert: the CUSUM prediction test on panels whose trends and breaks are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.domain import trend_break as tb

YEARS = list(range(2004, 2024))


def panel(n=400, slope_sd=0.1, noise=0.2, seed=0, turned=0, turn_slope=0.3) -> pd.DataFrame:
    """Straight lines with noise; the first ``turned`` rows climb ``turn_slope`` a year more from 2021 on."""
    rng = np.random.default_rng(seed)
    t = np.arange(len(YEARS), dtype=float)
    slopes = rng.normal(-0.2, slope_sd, n)[:, None]
    values = 5 + slopes * t[None, :] + rng.normal(0, noise, (n, len(YEARS)))
    k = YEARS.index(2021)
    values[:turned, k:] += turn_slope * np.arange(1, len(YEARS) - k + 1)
    return pd.DataFrame(values, index=[f"{i:05d}" for i in range(n)], columns=YEARS)


def test_calibrated_bound_alarms_at_the_nominal_rate_when_trends_go_on():
    result = tb.detect_all(panel(seed=1))
    assert len(result) == 400
    assert result["alert"].mean() == pytest.approx(0.05, abs=0.03)


def test_turns_are_found_with_their_direction():
    result = tb.detect_all(panel(seed=2, turned=40, turn_slope=0.5))  # 2.5 noise SDs a year
    turned = result.iloc[:40]
    assert turned["alert"].mean() > 0.8
    assert (turned.loc[turned["alert"], "direction"] == 1).all()
    assert (turned["year"] == 2021).all() and (turned["first_year"] == 2013).all()
    assert result.iloc[40:]["alert"].mean() < 0.1
    down = tb.detect_all(panel(seed=3, turned=40, turn_slope=-0.5)).iloc[:40]
    assert (down.loc[down["alert"], "direction"] == -1).all() and down["alert"].mean() > 0.8


def test_a_single_odd_year_that_is_corrected_is_no_alert():
    data = panel(seed=4, noise=0.1)
    data.loc["00000", 2021] += 1.0
    data.loc["00000", 2022] -= 1.0
    assert not tb.detect_all(data).loc["00000", "alert"]


def test_relative_to_germany_removes_a_common_movement():
    data = panel(seed=5)
    germany = pd.Series(np.linspace(10, 4, len(YEARS)), index=YEARS)
    shocked = germany.copy()
    shocked.loc[2021:] += 3.0  # a national crisis
    kreise = data.add(shocked, axis=1)
    rel = tb.relative(kreise, shocked)
    assert np.allclose(rel.to_numpy(), data.to_numpy())
    assert tb.detect_all(rel)["alert"].mean() < 0.1
    without = tb.relative(kreise, shocked.drop(2010))
    assert 2010 not in without.columns


def test_statistic_of_one_row_by_hand():
    data = panel(n=1, seed=6)
    stat = tb.statistics(data, 2023).iloc[0]
    used = YEARS[-11:]
    t = np.arange(11.0)
    y = data.loc["00000", used].to_numpy()
    slope, intercept = np.polyfit(t[:8], y[:8], 1)
    s2 = ((y[:8] - (intercept + slope * t[:8])) ** 2).sum() / 6
    x = np.column_stack([np.ones(8), t[:8]])
    xr = np.column_stack([np.ones(3), t[8:]])
    variance = s2 * (3 + np.ones(3) @ xr @ np.linalg.inv(x.T @ x) @ xr.T @ np.ones(3))
    deviation = (y[8:] - (intercept + slope * t[8:])).sum()
    assert stat == pytest.approx(deviation / np.sqrt(variance))


def test_missing_years_are_skipped_not_filled():
    data = panel(n=300, seed=7)
    data[2022] = np.nan  # a year no source has
    rel = data.drop(columns=[2022])
    result = tb.detect_all(rel)
    assert result["last_year"].iloc[0] == 2023 and result["year"].iloc[0] == 2020  # 2020, 2021, 2023 tested


def test_too_short_history_gives_no_result():
    short = panel(n=400, seed=8).loc[:, 2016:]
    assert tb.detect_all(short).empty


def test_alerts_across_a_change_of_source_are_marked():
    data = panel(seed=9, turned=40, turn_slope=0.8)
    breaks = pd.DataFrame(False, index=data.index, columns=YEARS)
    breaks.loc["00000", 2022] = True
    breaks.loc["00001", 2015] = True  # long before the tested years
    result = tb.detect_all(data, breaks=breaks)
    assert result.loc["00000", "across_break"] and not result.loc["00001", "across_break"]
    found = tb.departure(result, "00000")
    text = tb.describe(found, "Arbeitslosenquote", "%", -1, "Testkreis")
    assert "seit 2021" in text and "höher" in text and "ungünstige" in text and "Reihenbruch" in text
    assert "Wendung" not in tb.describe(found, "Anteil ab 65", "%", 0, "Testkreis")
    assert tb.departure(result, "99999") is None
