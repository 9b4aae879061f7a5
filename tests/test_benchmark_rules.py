"""The benchmark rules in indicators/domain/benchmark.py on small frames, with every expected value worked out by hand.

Fast unit tests without a warehouse: they are the tests mutation testing (``python -m tests.mutation``) runs against
this module, so each rule is pinned at its boundaries (75/25 percentile, equal min and max, n = 1, ...).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.domain import benchmark

NAN = float("nan")


@pytest.mark.parametrize(
    "n_higher, n_lower, n, polarity, rank",
    [(3, 5, 9, -1, 6), (3, 5, 9, 1, 4), (3, 5, 9, 0, 4), (0, 8, 9, 1, 1), (0, 0, 1, -1, 1)],
)
def test_polarity_rank_counts_the_more_favourable_peers(n_higher, n_lower, n, polarity, rank):
    assert benchmark.polarity_rank(n_higher, n_lower, n, polarity) == rank
    assert isinstance(benchmark.polarity_rank(n_higher, n_lower, n, polarity), int)


@pytest.mark.parametrize(
    "rank, n, expected", [(1, 5, 100.0), (5, 5, 0.0), (2, 5, 75.0), (3, 4, 100 / 3), (1, 1, 100.0)]
)
def test_percentile_is_the_share_of_less_favourable_peers(rank, n, expected):
    assert benchmark.percentile(rank, n) == pytest.approx(expected)
    assert benchmark.percentile(1, 0) == 100.0


@pytest.mark.parametrize(
    "value, low, high, polarity, expected",
    [
        (5.0, 0.0, 10.0, 1, 0.5),
        (2.0, 0.0, 10.0, 1, 0.2),
        (2.0, 0.0, 10.0, -1, 0.8),
        (2.0, 0.0, 10.0, 0, 0.2),
        (12.0, 10.0, 20.0, 1, 0.2),
        (3.0, 3.0, 3.0, 1, 0.5),  # all peers equal
        (2.0, None, 10.0, 1, 0.5),
        (2.0, 0.0, NAN, -1, 0.5),
        (None, 0.0, 10.0, 1, None),
        (NAN, 0.0, 10.0, 1, None),
        (pd.NA, 0.0, 10.0, 1, None),
    ],
)
def test_position_between_min_and_max(value, low, high, polarity, expected):
    got = benchmark.position(value, low, high, polarity)
    assert got is None if expected is None else got == pytest.approx(expected)


@pytest.mark.parametrize(
    "percentile, polarity, code",
    [
        (75.0, 1, "guenstig"),
        (74.9, 1, "mittel"),
        (25.1, -1, "mittel"),
        (25.0, -1, "unguenstig"),
        (0.0, 1, "unguenstig"),
        (100.0, -1, "guenstig"),
        (50.0, 0, "kontext"),
        (None, 1, "keine"),
        (NAN, -1, "keine"),
        (None, 0, "kontext"),
    ],
)
def test_assess_by_quartile(percentile, polarity, code):
    assessment = benchmark.assess(percentile, polarity)
    assert assessment == benchmark.ASSESSMENTS[code] and assessment.code == code


@pytest.mark.parametrize(
    "delta, polarity, below, expected",
    [
        (0.5, 1, 1e-9, "besser"),
        (0.5, -1, 1e-9, "schlechter"),
        (-0.5, -1, 1e-9, "besser"),
        (-0.5, 1, 1e-9, "schlechter"),
        (0.5, 0, 1e-9, "neutral"),
        (0.05, 1, 0.05, "besser"),  # not below the threshold
        (0.049, 1, 0.05, "unverändert"),
        (-0.049, -1, 0.05, "unverändert"),
        (None, 1, 1e-9, "keine Angabe"),
        (NAN, 0, 1e-9, "keine Angabe"),
    ],
)
def test_trend_direction(delta, polarity, below, expected):
    assert benchmark.trend_direction(delta, polarity, below) == expected


def test_trend_direction_default_threshold_is_float_noise():
    assert benchmark.trend_direction(0.0, 1) == "unverändert"
    assert benchmark.trend_direction(0.5e-9, -1) == "unverändert"
    assert benchmark.trend_direction(1.5e-9, 1) == "besser"


def indicators_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["alq", "quote", "typ", "einw", "fremd"],
            "label": ["Arbeitslosenquote", "Beschäftigtenquote", "Kreistyp", "Einwohner", "Unbekannt"],
            "unit": ["%", "%", "Kategorie", "Anzahl", "%"],
            "topic": ["Arbeitsmarkt", "Arbeitsmarkt", "Raum", "Bevölkerung", "Z"],
            "polarity": [-1, 1, 0, 0, 1],
            "scale": ["ratio", "ratio", "nominal", "ratio", "ratio"],
        }
    )


def profile_frame() -> pd.DataFrame:
    """A store profile of one Kreis among 5 peers (home included), four indicators, worked out by hand below."""
    return pd.DataFrame(
        {
            "indicator": ["alq", "quote", "typ", "einw", "nicht_im_katalog"],
            "year": [2023, 2022, 2023, 2023, 2023],
            "value": [9.9, 60.0, 4.0, 132317.0, 1.0],
            "n": [5, 5, 5, 5, 5],
            "n_higher": [0, 1, 2, 3, 0],
            "n_lower": [4, 3, 2, 1, 0],
            "median": [7.0, 55.0, 3.0, 200000.0, 1.0],
            "mean": [7.2, 56.0, 3.0, 210000.0, 1.0],
            "min": [5.0, 50.0, 1.0, 100000.0, 1.0],
            "max": [9.9, 62.0, 4.0, 400000.0, 1.0],
            "q25": [6.0, 52.0, 2.0, 150000.0, 1.0],
            "q75": [8.0, 58.0, 4.0, 250000.0, 1.0],
            "previous": [9.5, 61.0, 4.0, 132400.0, NAN],
            "previous_year": [2022, 2021, 2022, 2020, NAN],  # einw: no value the year before (2020 is two back)
            "five_years_back": [14.0, 59.0, 4.0, 140000.0, NAN],
            "five_years_back_year": [2018, 2017, 2018, 2018, NAN],
        }
    )


def test_enrich_profile_derives_rank_position_assessment_and_changes():
    df = benchmark.enrich_profile(profile_frame(), indicators_table())
    assert list(df["indicator"]) == ["alq", "quote", "einw", "typ"], "sorted by topic, then label; unknown ids dropped"
    row = df.set_index("indicator")
    # alq: lower is better, 4 peers lower -> rank 5 of 5, percentile 0, at the unfavourable end
    assert row.loc["alq", "rank"] == 5 and row.loc["alq", "percentile"] == 0.0
    assert row.loc["alq", "position"] == pytest.approx(0.0)
    assert (row.loc["alq", "assessment"], row.loc["alq", "assessment_icon"]) == ("unguenstig", "▼")
    assert row.loc["alq", "assessment_label"] == "ungünstigstes Viertel"
    assert row.loc["alq", "change_1y"] == pytest.approx(0.4) and row.loc["alq", "trend_1y"] == "schlechter"
    assert row.loc["alq", "change_5y"] == pytest.approx(-4.1) and row.loc["alq", "trend_5y"] == "besser"
    assert row.loc["alq", "polarity_text"] == "niedriger ist günstiger"
    assert row.loc["alq", "median"] == 7.0 and row.loc["alq", "q75"] == 8.0
    # quote: higher is better, 1 peer higher -> rank 2 of 5, percentile 75 -> favourable quarter
    assert row.loc["quote", "rank"] == 2 and row.loc["quote", "percentile"] == 75.0
    assert row.loc["quote", "position"] == pytest.approx(10 / 12)
    assert row.loc["quote", "assessment"] == "guenstig" and row.loc["quote", "assessment_icon"] == "▲"
    assert row.loc["quote", "change_1y"] == pytest.approx(-1.0) and row.loc["quote", "trend_1y"] == "schlechter"
    assert row.loc["quote", "change_5y"] == pytest.approx(1.0) and row.loc["quote", "trend_5y"] == "besser"
    # einw: context indicator on a ratio scale: ranked from the highest value, never judged
    assert row.loc["einw", "rank"] == 4 and row.loc["einw", "percentile"] == 25.0
    assert row.loc["einw", "assessment"] == "kontext" and row.loc["einw", "trend_5y"] == "neutral"
    assert math.isnan(row.loc["einw", "change_1y"]), "previous value is from 2020, not the year before"
    assert row.loc["einw", "change_5y"] == pytest.approx(-7683.0)
    assert row.loc["einw", "position"] == pytest.approx(32317 / 300000)
    # typ: a category: no rank, no position, no statistics, no changes
    assert pd.isna(row.loc["typ", "rank"]) and pd.isna(row.loc["typ", "percentile"])
    assert pd.isna(row.loc["typ", "position"])
    assert row.loc["typ", "assessment"] == "kontext" and row.loc["typ", "assessment_label"] == "Kontext (ohne Wertung)"
    for column in ("change_1y", "change_5y", "median", "mean", "min", "max", "q25", "q75"):
        assert math.isnan(row.loc["typ", column]), column
    assert row.loc["typ", "trend_1y"] == "keine Angabe"
    assert list(df.index) == [0, 1, 2, 3]


def test_enrich_profile_counts_changes_below_half_the_published_precision_as_unchanged():
    profile = profile_frame().iloc[:2].copy()
    profile.loc[0, "previous"] = 9.86  # 9,9 vs 9,86: 0.04 below half a step of one decimal (0.05)
    profile.loc[1, "previous"] = 59.94  # 0.06: a change
    row = benchmark.enrich_profile(profile, indicators_table()).set_index("indicator")
    assert row.loc["alq", "trend_1y"] == "unverändert"
    assert row.loc["quote", "trend_1y"] == "besser"


def test_enrich_profile_without_peers_has_no_rank():
    profile = profile_frame().iloc[:1].copy()
    profile["n"] = [NAN]
    row = benchmark.enrich_profile(profile, indicators_table()).iloc[0]
    assert pd.isna(row["rank"]) and pd.isna(row["percentile"]) and row["assessment"] == "keine"


def districts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ags": ["15087", "15001", "15002", "01001", "11000", "01002"],
            "land_code": ["15", "15", "15", "01", "11", "01"],
            "land_name": ["Sachsen-Anhalt"] * 3 + ["Schleswig-Holstein", "Berlin", "Schleswig-Holstein"],
            "east": [True, True, True, False, True, False],
            "kreistyp": [4, 1, 4, 1, 1, None],
            "kreistyp_name": ["dünn besiedelt", "Großstadt", "dünn besiedelt", "Großstadt", "Großstadt", None],
        }
    )


@pytest.mark.parametrize(
    "home, kind, custom, members",
    [
        ("15087", "alle", None, ["01001", "01002", "11000", "15001", "15002", "15087"]),
        ("15087", "land", None, ["15001", "15002", "15087"]),
        ("01001", "land", None, ["01001", "01002"]),
        ("15087", "ostwest", None, ["11000", "15001", "15002", "15087"]),
        ("01002", "ostwest", None, ["01001", "01002"]),
        ("15087", "kreistyp", None, ["15002", "15087"]),
        ("01001", "kreistyp", None, ["01001", "11000", "15001"]),
        ("01002", "kreistyp", None, ["01001", "01002", "11000", "15001", "15002", "15087"]),  # type unknown: all
        ("15087", "eigene", ["01001", "99999", "01001"], ["01001", "15087"]),
        ("15087", "nachbarn", ["15002"], ["15002", "15087"]),
        ("15087", "eigene", None, ["15087"]),
    ],
)
def test_peer_members(home, kind, custom, members):
    assert benchmark.peer_members(districts(), home, kind, custom) == members


def test_peer_members_rejects_unknown_kreis_and_kind():
    with pytest.raises(KeyError):
        benchmark.peer_members(districts(), "99999", "alle")
    with pytest.raises(ValueError):
        benchmark.peer_members(districts(), "15087", "nix")


@pytest.mark.parametrize(
    "kind, home, name, label",
    [
        ("land", "15087", None, "Kreise in Sachsen-Anhalt"),
        ("ostwest", "15087", None, "Kreise in Ostdeutschland (mit Berlin)"),
        ("ostwest", "01001", None, "Kreise in Westdeutschland"),
        ("kreistyp", "15087", None, "Kreistyp dünn besiedelt"),
        ("kreistyp", "01002", None, "Kreistyp unbekannt: alle Kreise"),
        ("eigene", "15087", "Harz", "Eigene Gruppe „Harz“"),
        ("eigene", "15087", None, "Eigene Gruppe"),
        ("alle", "15087", None, "Alle Kreise"),
        ("nachbarn", "15087", None, "Statistische Nachbarn"),
        ("sonstwas", "15087", None, "sonstwas"),
    ],
)
def test_peer_group_label(kind, home, name, label):
    assert benchmark.peer_group_label(kind, districts(), home, name) == label


def test_neighbours_by_hand_with_similar_and_differing_variables():
    """x = 0, 1, 2, 5 (mean 2, SD √3.5); y = 10, 10, 10, 50 (mean 20, SD √300); z constant (SD 0, left out)."""
    m = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, 5.0], "y": [10.0, 10.0, 10.0, 50.0], "z": [1.0, 1.0, 1.0, 1.0]},
        index=["A", "B", "C", "D"],
    )
    result = benchmark.statistical_neighbours(m, "A", k=3)
    assert list(result.columns) == ["ags", "distance", "similar_on", "differs_on"]
    assert list(result["ags"]) == ["B", "C", "D"]
    assert list(result["distance"]) == pytest.approx(
        [math.sqrt(1 / 7), math.sqrt(4 / 7), math.sqrt((50 / 7 + 16 / 3) / 2)]
    )
    # |dz|: B x 0.53 y 0; C x 1.07 y 0; D x 2.67 y 2.31
    assert result.iloc[0]["similar_on"] == ["y"] and result.iloc[0]["differs_on"] == []
    assert result.iloc[1]["similar_on"] == ["y"] and result.iloc[1]["differs_on"] == ["x"]
    assert result.iloc[2]["similar_on"] == ["y"], "the nearest variable when none is within half an SD"
    assert result.iloc[2]["differs_on"] == ["x", "y"], "largest difference first"
    assert list(benchmark.statistical_neighbours(m, "A", k=2)["ags"]) == ["B", "C"]
    assert list(benchmark.statistical_neighbours(m, "A")["ags"]) == ["B", "C", "D"], "k defaults to 10"


def test_neighbours_use_only_variables_the_home_kreis_has_and_skip_incomplete_kreise():
    m = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, 5.0, np.nan], "y": [np.nan, 10.0, 10.0, 50.0, 10.0]},
        index=["A", "B", "C", "D", "E"],
    )
    result = benchmark.statistical_neighbours(m, "A", k=5)
    assert list(result["ags"]) == ["B", "C", "D"], "y left out (A has none); E has no x"
    # x over A-D: mean 2, SD √3.5 -> distance |x - 0| / √3.5
    assert list(result["distance"]) == pytest.approx([1 / math.sqrt(3.5), 2 / math.sqrt(3.5), 5 / math.sqrt(3.5)])


def test_neighbours_without_usable_variables_and_of_an_unknown_kreis():
    m = pd.DataFrame({"x": [1.0, 1.0, 1.0]}, index=["A", "B", "C"])
    empty = benchmark.statistical_neighbours(m, "A")
    assert empty.empty and list(empty.columns) == ["ags", "distance", "similar_on", "differs_on"]
    with pytest.raises(KeyError):
        benchmark.statistical_neighbours(m, "Z")


def test_neighbours_with_ties_keep_the_matrix_order():
    m = pd.DataFrame({"x": [0.0, 1.0, -1.0, 3.0]}, index=["A", "C", "B", "D"])
    assert list(benchmark.statistical_neighbours(m, "A", k=3)["ags"]) == ["C", "B", "D"]


def test_percentile_of_the_last_of_two_is_zero():
    assert benchmark.percentile(2, 2) == 0.0 and benchmark.percentile(1, 2) == 100.0


def test_trend_direction_with_no_threshold_calls_no_change_worse():
    assert benchmark.trend_direction(0.0, 1, 0.0) == "schlechter"


def test_enrich_profile_threshold_follows_the_decimals_of_the_unit():
    """Half a published step: 0.05 for % (one decimal), 0.5 for Anzahl (whole numbers)."""
    profile = profile_frame().iloc[[0, 3]].copy()  # alq (%), einw (Anzahl, context)
    profile["previous"] = [9.9 - 0.048, 132317.0 - 0.3]
    profile["previous_year"] = [2022, 2022]
    profile["five_years_back"] = [9.9 - 0.048, 132317.0]
    indicators = indicators_table()
    indicators.loc[indicators["id"] == "einw", "polarity"] = 1  # judged here, so the threshold shows
    row = benchmark.enrich_profile(profile, indicators).set_index("indicator")
    assert row.loc["alq", "trend_1y"] == "unverändert" and row.loc["alq", "trend_5y"] == "unverändert"
    assert row.loc["einw", "trend_1y"] == "unverändert", "0.3 inhabitants are below half a published step"
    assert "index" not in row.columns and "level_0" not in row.columns


def test_enrich_profile_of_classes_only_has_no_percentile():
    profile = profile_frame().iloc[[2]].copy()  # typ: a category, with a peer count
    row = benchmark.enrich_profile(profile, indicators_table()).iloc[0]
    assert row["rank"] is None and row["percentile"] is None and row["assessment"] == "kontext"


def test_peer_members_errors_name_what_was_wrong():
    with pytest.raises(KeyError, match="99999"):
        benchmark.peer_members(districts(), "99999", "alle")
    with pytest.raises(ValueError, match="nix"):
        benchmark.peer_members(districts(), "15087", "nix")
    with pytest.raises(KeyError, match="Z"):
        benchmark.statistical_neighbours(pd.DataFrame({"x": [1.0, 2.0]}, index=["A", "B"]), "Z")


def test_neighbours_name_similar_below_half_and_differing_from_one_standard_deviation():
    """x: mean 0, SD exactly 2 (28 / 7 = 4), so from A the gaps are 0.5 (B, F), 1.0 (C, G) and 1.5 SD (D, E);
    y separates G only. Similar means a gap below 0.5 SD, differing a gap of 1 SD or more."""
    m = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, -3.0, -3.0, 1.0, 2.0], "y": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 7.0]},
        index=list("ABCDEFG"),
    )
    result = benchmark.statistical_neighbours(m, "A", k=6).set_index("ags")
    assert result.loc["B", "similar_on"] == ["y"] and result.loc["B", "differs_on"] == []
    assert result.loc["C", "similar_on"] == ["y"] and result.loc["C", "differs_on"] == ["x"]
    assert result.loc["B", "distance"] == pytest.approx(math.sqrt(0.25 / 2))


def test_neighbours_on_variables_with_a_small_spread():
    m = pd.DataFrame({"x": [0.0, 0.5, 1.0, 1.5]}, index=["A", "B", "C", "D"])  # SD 0.56: still usable
    assert list(benchmark.statistical_neighbours(m, "A")["ags"]) == ["B", "C", "D"]


def test_neighbours_are_ordered_by_exact_distance_not_rounded():
    """x = 0, 3, 2, -5: SD √9.5, so B is 0.97 and C 0.65 SD away: C first although B comes first in the matrix."""
    m = pd.DataFrame({"x": [0.0, 3.0, 2.0, -5.0]}, index=["A", "B", "C", "D"])
    assert list(benchmark.statistical_neighbours(m, "A")["ags"]) == ["C", "B", "D"]


def test_neighbours_default_to_ten_and_keep_many_ties_in_matrix_order():
    names = [f"R{i:02d}" for i in range(30)]
    m = pd.DataFrame({"x": [0.0] + [1.0] * 20 + [5.0] * 9}, index=names)
    assert list(benchmark.statistical_neighbours(m, "R00")["ags"]) == names[1:11]
    assert list(benchmark.statistical_neighbours(m, "R00", k=25)["ags"]) == names[1:26]


def test_neighbours_keep_tied_kreise_in_matrix_order_when_the_matrix_is_not_sorted():
    names = [f"R{i:02d}" for i in range(40)]
    x = [0.0] + [1.0 if i % 3 else 5.0 for i in range(1, 40)]  # 26 Kreise tied at the same distance, interleaved
    tied = [n for n, v in zip(names, x, strict=True) if v == 1.0]
    assert list(benchmark.statistical_neighbours(pd.DataFrame({"x": x}, index=names), "R00", k=26)["ags"]) == tied


def test_ranks_of_a_whole_column_count_the_more_favourable_values():
    values = np.array([3.0, 1.0, 2.0, 2.0, 5.0])
    # higher is better: 5 is first; the two 2s share rank 3 (two values above them); 1 is last
    assert benchmark.ranks(values, 1).tolist() == [2, 5, 3, 3, 1]
    # lower is better: 1 is first, the two 2s share rank 2
    assert benchmark.ranks(values, -1).tolist() == [4, 1, 2, 2, 5]
    # context indicators count like higher-is-better, as polarity_rank does
    assert benchmark.ranks(values, 0).tolist() == [2, 5, 3, 3, 1]
    assert benchmark.ranks(values, 1).dtype == np.int64
    assert benchmark.ranks([7], -1).tolist() == [1]


def test_percentile_of_an_array_of_ranks():
    np.testing.assert_allclose(benchmark.percentile(np.array([1, 3, 5]), 5), [100.0, 50.0, 0.0])
    # one peer or none: every rank is the best, as for a single rank
    np.testing.assert_array_equal(benchmark.percentile(np.array([1, 1]), 1), [100.0, 100.0])
    assert benchmark.percentile(np.array([[1]]), 0).shape == (1, 1)


def test_percentile_keeps_the_shape_it_was_given():
    assert isinstance(benchmark.percentile(1, 1), float) and benchmark.percentile(1, 1) == 100.0
    assert benchmark.percentile(np.array([1, 1]), 1).shape == (2,)
    assert benchmark.percentile(np.array([2, 1]), 0).tolist() == [100.0, 100.0]
