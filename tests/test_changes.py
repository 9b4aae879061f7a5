"""What changed: noise-aware movements, new data years, revisions between snapshots, target status changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.domain import changes as ch


def series(values, start=2014) -> pd.Series:
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def test_noise_is_the_scaled_median_absolute_deviation_by_hand():
    # changes 1, 2, 3, 4, 10: median 3, absolute deviations 2, 1, 0, 1, 7 -> mean 2.2 -> 2.2 · 1.2533
    assert ch.noise([1, 2, 3, 4, 10]) == pytest.approx(2.2 * 1.2533)
    # an alternating series keeps its noise: median 0.1, deviations 0, 0.2, 0, 0.2, 0 -> mean 0.08
    assert ch.noise([0.1, -0.1, 0.1, -0.1, 0.1]) == pytest.approx(0.08 * 1.2533)
    assert ch.noise([0.0, 0.0, 0.0, 0.0], floor=0.05) == 0.05
    assert ch.noise([1.0, 2.0, 3.0]) is None  # fewer than four changes


def test_a_steady_small_wobble_makes_a_big_step_higher():
    s = series([10.0, 10.2, 10.0, 10.1, 10.0, 10.2, 11.5])
    moved = ch.movement(s, 2020, floor=0.05)
    assert moved.code == "hoeher" and moved.change == pytest.approx(1.3)
    assert moved.tone(-1) == "negative" and moved.tone(1) == "positive" and moved.tone(0) == "neutral"
    text = moved.sentence("Arbeitslosenquote", "%")
    assert "10,2 % (2019) → 11,5 % (2020)" in text and "+1,3 Pp." in text and "höher" in text


def test_a_noisy_series_makes_the_same_step_similar():
    s = series([10.0, 12.0, 9.5, 12.5, 9.0, 10.2, 11.5])
    assert ch.movement(s, 2020).code == "aehnlich"


def test_a_steady_trend_counts_as_movement_when_its_steps_are_regular():
    s = series([12.0, 11.5, 11.0, 10.5, 10.0, 9.5, 9.0])
    # every change is -0.5: no noise beyond the rounding floor, so -0.5 is really lower
    assert ch.movement(s, 2020, floor=0.05).code == "niedriger"


def test_rounding_is_no_movement():
    s = series([5.0, 5.0, 5.0, 5.0, 5.0, 5.1])
    assert ch.movement(s, 2019, floor=ch.precision_floor("%")).code == "aehnlich"  # one step of 0.1 at 1 decimal
    assert ch.precision_floor("%") == pytest.approx(0.05)
    assert ch.precision_floor("Anzahl") == pytest.approx(0.5)


def test_a_break_is_no_comparison_and_does_not_count_as_noise():
    s = series([10.0, 10.1, 10.0, 10.1, 10.0, 13.0, 13.1])
    assert ch.movement(s, 2019, breaks={2019}).code == "bruch"
    after = ch.movement(s, 2020, breaks={2019}, floor=0.05)
    # the jump of 3.0 into the break year is no noise: the noise comes from the four changes before it
    assert after.code == "aehnlich" and after.noise == pytest.approx(0.1 * 1.2533)  # changes +-0.1 around 0
    assert ch.movement(s, 2020, breaks={2016, 2019}).code == "zu_kurz"  # too few changes within one source
    assert "Reihenbruch" in ch.movement(s, 2019, breaks={2019}).sentence("X", "%")


def test_gaps_use_the_previous_year_with_a_value_and_missing_years_give_nothing():
    s = pd.Series([10.0, 10.1, 10.0, 10.1, 10.0, 10.1, 12.0], index=[2014, 2015, 2016, 2017, 2018, 2019, 2021])
    moved = ch.movement(s, 2021, floor=0.05)
    assert moved.previous_year == 2019 and moved.code == "hoeher"
    # two years apart: the yearly noise (changes +0.1/-0.1: 0.08 · 1.2533) counts sqrt(2) times
    assert moved.noise == pytest.approx(0.08 * 1.2533 * 2**0.5)
    assert ch.movement(s, 2020) is None
    assert ch.movement(series([1.0]), 2014) is None


def test_new_years_are_those_that_now_cover_germany():
    before = pd.DataFrame(
        {"indicator": ["alq", "alq", "x"], "year": [2021, 2023, 2023], "kreise_mit_wert": [400, 5, 400]}
    )
    after = pd.DataFrame(
        {
            "indicator": ["alq", "alq", "x", "y"],
            "year": [2021, 2023, 2023, 2024],
            "kreise_mit_wert": [400, 399, 400, 12],
        }
    )
    arrived = ch.new_years(before, after, 400)
    assert arrived.to_dict("records") == [{"indicator": "alq", "year": 2023}]  # a handful of Kreise is no year


def test_revisions_between_two_snapshots():
    before = pd.DataFrame(
        {
            "region": ["15087", "15087", "01001", "01002"],
            "indicator": ["alq"] * 4,
            "year": [2023, 2022, 2023, 2023],
            "value": [9.9, 10.0, 5.0, np.nan],
        }
    )
    after = pd.DataFrame(
        {
            "region": ["15087", "15087", "01002", "09162"],
            "indicator": ["alq"] * 4,
            "year": [2023, 2022, 2023, 2023],
            "value": [9.7, 10.0, 6.1, 4.0],
        }
    )
    cells = ch.revisions(before, after)
    by_cell = {(r.region, r.year): (r.kind, r.difference) for r in cells.itertuples()}
    assert by_cell[("15087", 2023)][0] == "geändert" and by_cell[("15087", 2023)][1] == pytest.approx(-0.2)
    assert by_cell[("01001", 2023)][0] == "entfallen"
    assert by_cell[("01002", 2023)][0] == "neu" and by_cell[("09162", 2023)][0] == "neu"
    assert ("15087", 2022) not in by_cell  # unchanged
    summary = ch.revision_summary(cells).set_index("indicator").loc["alq"]
    assert (summary["geändert"], summary["neu"], summary["entfallen"]) == (1, 2, 1)
    assert summary["größte Änderung"] == pytest.approx(0.2)
    assert ch.revisions(before, before).empty


def test_status_changes_since_a_meeting():
    before = {1: ("alq", "verfehlt"), 2: ("jugend_alq", "erreicht")}
    after = {1: ("alq", "knapp_verfehlt"), 2: ("jugend_alq", "erreicht"), 3: ("alq", "verfehlt")}
    found = ch.status_changes(before, after)
    assert [(c.target_id, c.before, c.after) for c in found] == [
        (1, "verfehlt", "knapp_verfehlt"),
        (3, "neu", "verfehlt"),
    ]
