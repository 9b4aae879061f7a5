"""Trend line and r against numbers worked out by hand."""

import math

import pytest

from indicators.domain import correlation


def test_fit_on_hand_numbers():
    # x = 1..4, y = 2, 4, 5, 8: mean x 2.5, mean y 4.75; sxx 5, sxy 9.5, syy 18.75
    f = correlation.fit([1, 2, 3, 4], [2, 4, 5, 8])
    assert f.n == 4
    assert f.slope == pytest.approx(1.9)
    assert f.intercept == pytest.approx(4.75 - 1.9 * 2.5)
    assert f.r == pytest.approx(9.5 / math.sqrt(5 * 18.75))


def test_pairs_with_a_gap_are_left_out_and_too_few_give_none():
    f = correlation.fit([1, 2, None, 4, float("nan")], [1, 2, 3, 4, 5])
    assert f.n == 3 and f.r == pytest.approx(1.0)
    assert correlation.fit([1, 2], [3, 4]) is None
    assert correlation.fit([1, 1, 1], [3, 4, 5]) is None


def test_strength_words():
    assert correlation.strength(0.05) == "kein linearer Zusammenhang"
    assert correlation.strength(-0.62) == "starker negativer Zusammenhang"
    assert correlation.strength(0.35) == "mittlerer positiver Zusammenhang"
