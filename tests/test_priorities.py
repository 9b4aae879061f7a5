"""Handlungsschwerpunkte and Stärken on small hand-made profiles, run through the real enrich_profile."""

from __future__ import annotations

import pandas as pd
import pytest

from indicators.domain import benchmark, priorities

N = 400


def _profile(rows: list[dict]) -> pd.DataFrame:
    """An enriched profile as the pages get it: store columns in, ``benchmark.enrich_profile`` out.

    Each row gives ``id``, ``polarity``, ``value``, ``rank`` (polarity-aware, 1 = most favourable), and
    optionally ``median``, ``previous`` (value a year earlier), ``back`` (five years earlier), ``unit``,
    ``scale``, ``label``.
    """
    store_rows, meta_rows = [], []
    for r in rows:
        polarity, rank = r["polarity"], r["rank"]
        better, worse = rank - 1, N - rank
        # the store counts peers with higher and lower values; which is "better" depends on polarity
        n_higher, n_lower = (better, worse) if polarity >= 0 else (worse, better)
        median = r.get("median", 5.0)
        store_rows.append(
            {
                "indicator": r["id"],
                "year": 2023,
                "value": r["value"],
                "value_label": None,
                "source": "Testquelle",
                "estimated": False,
                "harmonised": False,
                "break": False,
                "n": N,
                "median": median,
                "mean": median,
                "min": 0.0,
                "max": 100.0,
                "q25": r.get("q25", median - 1.0),
                "q75": r.get("q75", median + 1.0),
                "n_higher": n_higher,
                "n_lower": n_lower,
                "germany": median,
                "germany_estimated": False,
                "land": median,
                "previous": r.get("previous"),
                "previous_year": 2022 if r.get("previous") is not None else None,
                "five_years_back": r.get("back"),
                "five_years_back_year": 2018 if r.get("back") is not None else None,
            }
        )
        meta_rows.append(
            {
                "id": r["id"],
                "label": r.get("label", r["id"]),
                "unit": r.get("unit", "%"),
                "topic": r.get("topic", "Arbeitsmarkt"),
                "polarity": polarity,
                "scale": r.get("scale", "ratio"),
            }
        )
    return benchmark.enrich_profile(pd.DataFrame(store_rows), pd.DataFrame(meta_rows))


def _ids(items) -> list[str]:
    return [i.indicator for i in items]


def test_example_sentence_from_the_issue():
    profile = _profile(
        [
            {
                "id": "jugend_alq",
                "label": "Jugendarbeitslosenquote",
                "polarity": -1,
                "value": 11.7,
                "rank": 340,
                "median": 5.3,
                "back": 10.5,
            }
        ]
    )
    [item] = priorities.priorities(profile)
    assert item.explanation == (
        "Jugendarbeitslosenquote 2023: 11,7 % liegt im ungünstigsten Viertel der Vergleichsgruppe "
        "(Rang 340 von 400; Median 5,3 %) und hat sich seit 2018 um 1,2 Pp. verschlechtert "
        "(für das Vorjahr liegt kein Wert vor)."
    )
    assert item.kind == "schwerpunkt" and item.rank == 340 and item.n == N


def test_polarity_decides_what_worse_means():
    # the same numbers (high value, rising) are a priority when lower is better and an improvement otherwise
    profile = _profile(
        [
            {"id": "low_is_good", "polarity": -1, "value": 12.0, "rank": 380, "back": 10.0, "previous": 11.5},
            {"id": "high_is_good", "polarity": 1, "value": 12.0, "rank": 380, "back": 10.0, "previous": 11.5},
            {"id": "good_and_falling", "polarity": 1, "value": 12.0, "rank": 20, "back": 14.0, "previous": 12.5},
            {"id": "good_and_rising", "polarity": 1, "value": 12.0, "rank": 20, "back": 10.0, "previous": 11.5},
        ]
    )
    assert _ids(priorities.priorities(profile)) == ["low_is_good"]
    # unfavourable but improving is neither; favourable but worsening is no strength
    assert _ids(priorities.strengths(profile)) == ["good_and_rising"]
    [strength] = priorities.strengths(profile)
    assert "günstigsten Viertel" in strength.explanation and "um 2,0 Pp. verbessert" in strength.explanation


def test_context_indicators_and_classes_never_appear():
    profile = _profile(
        [
            {"id": "kontext", "polarity": 0, "value": 99.0, "rank": 400, "back": 10.0, "previous": 50.0},
            {"id": "kontext_low", "polarity": 0, "value": 1.0, "rank": 1, "back": 50.0, "previous": 40.0},
            {
                "id": "klasse",
                "polarity": -1,
                "value": 3.0,
                "rank": 400,
                "back": 1.0,
                "previous": 2.0,
                "scale": "ordinal",
            },
            {"id": "echt", "polarity": -1, "value": 9.0, "rank": 390, "back": 7.0},
        ]
    )
    lists = [
        priorities.priorities(profile),
        priorities.strengths(profile),
        priorities.strongest_positions(profile, 10),
        priorities.weakest_positions(profile, 10),
    ]
    for items in lists:
        assert not {"kontext", "kontext_low", "klasse"} & set(_ids(items))
    assert _ids(priorities.priorities(profile)) == ["echt"]
    assert set(priorities.judged(profile)["indicator"]) == {"echt"}


def test_needs_both_an_unfavourable_position_and_a_worsening():
    profile = _profile(
        [
            {"id": "below_median_worse", "polarity": -1, "value": 6.0, "rank": 250, "back": 5.0},
            {"id": "above_median_worse", "polarity": -1, "value": 4.0, "rank": 150, "back": 3.0},
            {"id": "bad_but_flat", "polarity": -1, "value": 9.0, "rank": 399, "back": 9.0, "previous": 9.02},
            {"id": "bad_no_history", "polarity": -1, "value": 9.0, "rank": 398},
            {
                "id": "bad_worse_last_year_only",
                "polarity": -1,
                "value": 9.0,
                "rank": 397,
                "back": 10.0,
                "previous": 8.5,
            },
        ]
    )
    items = priorities.priorities(profile)
    assert set(_ids(items)) == {"below_median_worse", "bad_worse_last_year_only"}
    by_id = {i.indicator: i for i in items}
    assert "ungünstiger als der Median" in by_id["below_median_worse"].explanation
    recent = by_id["bad_worse_last_year_only"].explanation
    assert "seit 2018 um 1,0 Pp. verbessert" in recent and "zum Vorjahr (2022) aber um 0,5 Pp. verschlechtert" in recent


def test_ordering_by_score_then_position():
    profile = _profile(
        [
            {"id": "mild", "polarity": -1, "value": 5.5, "rank": 230, "back": 5.4},
            {"id": "worst_and_steep", "polarity": -1, "value": 15.0, "rank": 400, "back": 11.0, "previous": 14.0},
            {"id": "bad_and_slow", "polarity": -1, "value": 12.0, "rank": 390, "back": 11.9},
            {"id": "bad_recent_only", "polarity": -1, "value": 12.0, "rank": 391, "previous": 11.0},
        ]
    )
    items = priorities.priorities(profile)
    assert _ids(items) == ["worst_and_steep", "bad_and_slow", "bad_recent_only", "mild"]
    scores = [i.score for i in items]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    assert items[0].score == 100.0  # worst rank, worse over five years by > 1 IQR, worse last year
    assert priorities.priorities(profile, limit=2) == items[:2]


def test_ties_go_to_the_more_extreme_position():
    profile = _profile(
        [
            {
                "id": "b",
                "polarity": 1,
                "value": 50.0,
                "rank": 300,
                "back": 60.0,
                "median": 55.0,
                "q25": 0.0,
                "q75": 100.0,
            },
            {
                "id": "a",
                "polarity": 1,
                "value": 50.0,
                "rank": 300,
                "back": 60.0,
                "median": 55.0,
                "q25": 0.0,
                "q75": 100.0,
            },
        ]
    )
    assert _ids(priorities.priorities(profile)) == ["a", "b"]  # same score and position: by label


def test_strongest_and_weakest_positions_ignore_the_trend():
    profile = _profile(
        [
            {"id": "top", "polarity": -1, "value": 1.0, "rank": 1, "back": 0.5},
            {"id": "second", "polarity": 1, "value": 90.0, "rank": 5},
            {"id": "third", "polarity": 1, "value": 80.0, "rank": 60},
            {"id": "fourth", "polarity": 1, "value": 70.0, "rank": 90},
            {"id": "bottom", "polarity": 1, "value": 1.0, "rank": 400, "back": 0.5},
            {"id": "low", "polarity": -1, "value": 9.0, "rank": 350},
            {"id": "middle", "polarity": -1, "value": 5.0, "rank": 200},
        ]
    )
    assert _ids(priorities.strongest_positions(profile)) == ["top", "second", "third"]
    assert _ids(priorities.weakest_positions(profile)) == ["bottom", "low"]
    [best] = priorities.strongest_positions(profile, 1)
    assert "Rang 1 von 400" in best.explanation and "verschlechtert" in best.explanation


def test_empty_profile_gives_empty_lists():
    empty = _profile([{"id": "x", "polarity": -1, "value": 9.0, "rank": 390, "back": 7.0}]).iloc[0:0]
    assert priorities.priorities(empty) == [] and priorities.strengths(empty) == []
    assert priorities.weakest_positions(empty) == [] and priorities.as_frame([]).empty


@pytest.mark.parametrize(
    ("delta", "unit", "expected"),
    [(1.25, "%", "1,2 Pp."), (-1234.0, "EUR", "1.234 EUR"), (3.0, "Anzahl", "3"), (0.46, "je 100", "0,5 je 100")],
)
def test_amount_is_german_and_unsigned(delta, unit, expected):
    assert priorities.amount(delta, unit) == expected


def test_as_frame_has_german_columns_and_values():
    profile = _profile(
        [{"id": "x", "label": "Quote X", "polarity": -1, "value": 11.7, "rank": 340, "median": 5.3, "back": 10.5}]
    )
    frame = priorities.as_frame(priorities.priorities(profile))
    row = frame.iloc[0]
    assert (row["Indikator"], row["Wert"], row["Rang"], row["Median"], row["Δ 5 Jahre"]) == (
        "Quote X",
        "11,7 %",
        "340 von 400",
        "5,3 %",
        "+1,2 Pp.",
    )


def test_a_single_year_is_never_called_unchanged():
    """Only one year of data: say there is no earlier value, not "ohne klare Veränderung" (issue 14)."""
    profile = _profile([{"id": "steuerkraft", "label": "Steuerkraft", "polarity": 1, "value": 900.0, "rank": 10}])
    [item] = priorities.strongest_positions(profile, 1)
    assert item.explanation.startswith("Steuerkraft 2023: ")
    assert "keinen früheren Wert" in item.explanation
    assert "unverändert" not in item.explanation and "ohne klare" not in item.explanation


def test_unchanged_is_said_only_where_both_values_exist():
    profile = _profile([{"id": "x", "polarity": -1, "value": 5.0, "rank": 390, "back": 5.0, "previous": 5.0}])
    [item] = priorities.weakest_positions(profile, 1)
    assert "ist seit 2018 und zum Vorjahr (2022) unverändert" in item.explanation
