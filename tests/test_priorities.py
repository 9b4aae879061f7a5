"""Handlungsschwerpunkte and Stärken on small hand-made profiles, run through the real enrich_profile."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from indicators.domain import benchmark, priorities

N = 400
NAN = float("nan")


def _profile(rows: list[dict]) -> pd.DataFrame:
    """An enriched profile as the pages get it: store columns in, ``benchmark.enrich_profile`` out.

    Each row gives ``id``, ``polarity``, ``value``, ``rank`` (polarity-aware, 1 = most favourable), and
    optionally ``n`` (peers, default 400), ``median``, ``q25``, ``q75``, ``previous`` (value a year earlier),
    ``back`` (five years earlier), ``unit``, ``scale``, ``label``, ``topic``.
    """
    store_rows, meta_rows = [], []
    for r in rows:
        polarity, rank, n = r["polarity"], r["rank"], r.get("n", N)
        better, worse = rank - 1, n - rank
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
                "n": n,
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


# --- every field, text and tie-break pinned (these kill the mutants python -m tests.mutation found alive) --------


def test_an_item_carries_the_row_and_its_judgement():
    # rank 301 of 401: 100 of the 400 other peers are less favourable, percentile 100 * 100 / 400 = 25.0
    profile = _profile(
        [
            {
                "id": "q",
                "label": "Quote Q",
                "polarity": -1,
                "value": 12.0,
                "rank": 301,
                "n": 401,
                "median": 10.0,
                "q25": 9.0,
                "q75": 11.0,
                "back": 10.0,
                "previous": 11.5,
            }
        ]
    )
    [item] = priorities.priorities(profile)
    # points: position 50 - 25 = 25; worse over five years 25 + 15 * min(1, 2.0 / IQR 2.0) = 40; worse last year 10
    assert item == priorities.PriorityItem(
        kind="schwerpunkt",
        indicator="q",
        label="Quote Q",
        topic="Arbeitsmarkt",
        unit="%",
        polarity=-1,
        year=2023,
        value=12.0,
        median=10.0,
        percentile=25.0,
        rank=301,
        n=401,
        change_1y=0.5,
        change_5y=2.0,
        trend_1y="schlechter",
        trend_5y="schlechter",
        score=75.0,
        position_text="im ungünstigsten Viertel der Vergleichsgruppe",
        # the sentence ends with the unit's "Pp.": no second full stop
        explanation="Quote Q 2023: 12,0 % liegt im ungünstigsten Viertel der Vergleichsgruppe (Rang 301 von 401; "
        "Median 10,0 %) und hat sich seit 2018 um 2,0 Pp. verschlechtert, zum Vorjahr (2022) um 0,5 Pp.",
    )


def test_missing_topic_and_unit_become_empty_texts():
    profile = _profile(
        [
            {
                "id": "e",
                "label": "Einwohner",
                "polarity": 1,
                "value": 1200.0,
                "rank": 350,
                "median": 2000.0,
                "back": 1500.0,
                "topic": None,
                "unit": None,
            }
        ]
    )
    [item] = priorities.priorities(profile)
    assert (item.topic, item.unit) == ("", "")
    # no unit: values of 1,000 and more without decimals, a change below that with one
    assert item.explanation == (
        "Einwohner 2023: 1.200 liegt im ungünstigsten Viertel der Vergleichsgruppe (Rang 350 von 400; Median 2.000) "
        "und hat sich seit 2018 um 300,0 verschlechtert (für das Vorjahr liegt kein Wert vor)."
    )


@pytest.mark.parametrize(
    ("percentile", "text"),
    [
        (0.0, "im ungünstigsten Viertel der Vergleichsgruppe"),
        (25.0, "im ungünstigsten Viertel der Vergleichsgruppe"),
        (25.5, "ungünstiger als der Median der Vergleichsgruppe"),
        (49.9, "ungünstiger als der Median der Vergleichsgruppe"),
        (50.0, "genau in der Mitte der Vergleichsgruppe"),
        (50.5, "günstiger als der Median der Vergleichsgruppe"),
        (74.9, "günstiger als der Median der Vergleichsgruppe"),
        (75.0, "im günstigsten Viertel der Vergleichsgruppe"),
        (75.5, "im günstigsten Viertel der Vergleichsgruppe"),
        (100.0, "im günstigsten Viertel der Vergleichsgruppe"),
    ],
)
def test_position_text_at_the_quartile_borders(percentile, text):
    assert priorities.position_text(percentile) == text


_ROW = {
    "label": "Quote",
    "year": 2023,
    "unit": "%",
    "value": 4.0,
    "percentile": 80.0,
    "rank": 80,
    "n": 400,
    "median": 5.0,
}
_START = "Quote 2023: 4,0 % liegt im günstigsten Viertel der Vergleichsgruppe (Rang 80 von 400; Median 5,0 %) und "


@pytest.mark.parametrize(
    ("changes", "development"),
    [
        (
            {"trend_5y": "schlechter", "change_5y": 1.2, "trend_1y": "schlechter", "change_1y": 0.3},
            "hat sich seit 2018 um 1,2 Pp. verschlechtert, zum Vorjahr (2022) um 0,3 Pp.",
        ),
        (
            {"trend_5y": "besser", "change_5y": -1.0, "trend_1y": "schlechter", "change_1y": 0.5},
            "hat sich seit 2018 um 1,0 Pp. verbessert, zum Vorjahr (2022) aber um 0,5 Pp. verschlechtert.",
        ),
        (
            {"trend_5y": "schlechter", "change_5y": 2.0, "trend_1y": "unverändert", "change_1y": 0.01},
            "hat sich seit 2018 um 2,0 Pp. verschlechtert (zum Vorjahr (2022) unverändert).",
        ),
        (
            {"trend_5y": "besser", "change_5y": 2.0, "trend_1y": "keine Angabe", "change_1y": None},
            "hat sich seit 2018 um 2,0 Pp. verbessert (für das Vorjahr liegt kein Wert vor).",
        ),
        (
            {"trend_5y": "unverändert", "change_5y": 0.02, "trend_1y": "besser", "change_1y": -0.5},
            "hat sich zum Vorjahr (2022) um 0,5 Pp. verbessert (seit 2018 unverändert).",
        ),
        (
            {"trend_5y": "keine Angabe", "change_5y": None, "trend_1y": "schlechter", "change_1y": 0.5},
            "hat sich zum Vorjahr (2022) um 0,5 Pp. verschlechtert (für 2018 liegt kein Wert vor).",
        ),
        (
            {"trend_5y": "unverändert", "change_5y": 0.0, "trend_1y": "unverändert", "change_1y": 0.01},
            "ist seit 2018 und zum Vorjahr (2022) unverändert.",
        ),
        (
            {"trend_5y": "unverändert", "change_5y": 0.0, "trend_1y": "keine Angabe", "change_1y": None},
            "ist seit 2018 unverändert; für das Vorjahr liegt kein Wert vor.",
        ),
        (
            {"trend_5y": "keine Angabe", "change_5y": float("nan"), "trend_1y": "unverändert", "change_1y": 0.0},
            "ist zum Vorjahr (2022) unverändert; für 2018 liegt kein Wert vor.",
        ),
        (
            {"trend_5y": "keine Angabe", "change_5y": None, "trend_1y": "keine Angabe", "change_1y": pd.NA},
            "hat keinen früheren Wert zum Vergleich.",
        ),
    ],
)
def test_explanation_of_each_development(changes, development):
    assert priorities.explain(_ROW | changes) == _START + development


def test_explanation_leaves_out_what_is_missing():
    row = {"label": "Einwohner", "year": 2021, "value": 1234.0, "percentile": 50.0}
    row |= {"trend_5y": "keine Angabe", "trend_1y": "neutral"}
    sentence = "Einwohner 2021: 1.234 liegt genau in der Mitte der Vergleichsgruppe und hat keinen früheren Wert zum Vergleich."
    assert priorities.explain(row) == sentence
    # pandas NA and NaN are missing too, and a rank without the number of peers is not shown
    assert priorities.explain(row | {"rank": pd.NA, "n": 400, "median": float("nan")}) == sentence
    assert priorities.explain(row | {"rank": 3, "n": None}) == sentence


_NO_IQR = {"percentile": 20.0, "trend_5y": "schlechter", "change_5y": 2.0, "trend_1y": "besser"}


@pytest.mark.parametrize(
    ("row", "direction", "points"),
    [
        # 50 - 10 = 40 for the position, 25 + 15 * 0.1 / 0.7 = 27.14 for five years, 10 for the last year
        (
            {"percentile": 10.0, "trend_5y": "schlechter", "change_5y": 0.1, "q25": 1.0, "q75": 1.7}
            | {"trend_1y": "schlechter"},
            "schlechter",
            77.1,
        ),
        # 80 - 50 = 30; a five-year change of 1.5 IQR gives the full 15; a worse last year gives nothing
        (
            {"percentile": 80.0, "trend_5y": "besser", "change_5y": -3.0, "q25": 4.0, "q75": 6.0}
            | {"trend_1y": "schlechter"},
            "besser",
            70.0,
        ),
        # less than one point for the position; no size points without the five-year change
        (
            {"percentile": 49.7, "trend_5y": "schlechter", "change_5y": None, "q25": 1.0, "q75": 2.0}
            | {"trend_1y": "besser"},
            "schlechter",
            25.3,
        ),
        # no size points without an interquartile range: equal quartiles, or one of them missing
        (_NO_IQR | {"q25": 3.0, "q75": 3.0}, "schlechter", 55.0),
        (_NO_IQR | {"q25": 3.0, "q75": None}, "schlechter", 55.0),
        (_NO_IQR | {"q25": None, "q75": 3.0}, "schlechter", 55.0),
    ],
)
def test_score_worked_out_by_hand(row, direction, points):
    assert priorities.score(row, direction) == points


def test_equal_scores_go_to_the_more_extreme_position_before_the_label():
    # 11 peers: percentile = 10 * (11 - rank). Both lists tie at 65 points: 40 + 25 (no IQR: equal quartiles)
    # against 30 + 25 + 15 * 2 / 3 (IQR 3)
    flat_iqr, iqr_3 = {"q25": 4.0, "q75": 4.0}, {"q25": 4.0, "q75": 7.0}
    worse, better = (
        {"polarity": 1, "value": 3.0, "back": 5.0, "n": 11},
        {"polarity": 1, "value": 8.0, "back": 6.0, "n": 11},
    )
    profile = _profile(
        [
            {"id": "w10", "label": "Zeta", "rank": 10} | worse | flat_iqr,
            {"id": "w20", "label": "Alpha", "rank": 9} | worse | iqr_3,
            {"id": "b90", "label": "Zeta", "rank": 2} | better | flat_iqr,
            {"id": "b80", "label": "Alpha", "rank": 3} | better | iqr_3,
        ]
    )
    weak, strong = priorities.priorities(profile), priorities.strengths(profile)
    assert [(i.indicator, i.score, i.kind) for i in weak] == [
        ("w10", 65.0, "schwerpunkt"),
        ("w20", 65.0, "schwerpunkt"),
    ]
    assert [(i.indicator, i.score, i.kind) for i in strong] == [("b90", 65.0, "staerke"), ("b80", 65.0, "staerke")]
    assert priorities.strengths(profile, limit=1) == strong[:1]


def test_percentile_50_is_neither_side():
    # 401 peers: rank 200, 201, 202 give percentiles 50.25, 50.0 and 49.75; each row moves both ways
    # (five years one way, last year the other), so only its side decides the list
    both = {"polarity": -1, "n": 401, "q25": 3.0, "q75": 7.0}
    profile = _profile(
        [
            {"id": "above", "rank": 200, "value": 4.0, "back": 5.0, "previous": 3.5} | both,
            {"id": "middle", "rank": 201, "value": 6.0, "back": 5.0, "previous": 6.5} | both,
            {"id": "below", "rank": 202, "value": 6.0, "back": 5.0, "previous": 6.5} | both,
        ]
    )
    assert _ids(priorities.priorities(profile)) == ["below"]
    assert _ids(priorities.strengths(profile)) == ["above"]
    strongest, weakest = priorities.strongest_positions(profile, 10), priorities.weakest_positions(profile, 10)
    # 0.25 for the position, 25 + 15 * 1 / 4 for five years in the list's direction, 0 for the last year
    assert [(i.indicator, i.kind, i.score) for i in strongest] == [("above", "staerke", 29.0)]
    assert [(i.indicator, i.kind, i.score) for i in weakest] == [("below", "schwerpunkt", 29.0)]


def test_positions_tie_by_score_then_label_and_give_three_by_default():
    profile = _profile(
        [
            {"id": "flat_low", "label": "Alpha", "polarity": 1, "value": 2.0, "rank": 350},
            {"id": "worse_low", "label": "Zeta", "polarity": 1, "value": 2.0, "rank": 350, "back": 3.0},
            {"id": "low_300", "polarity": 1, "value": 2.5, "rank": 300},
            {"id": "low_250", "polarity": 1, "value": 3.0, "rank": 250},
            {"id": "flat_high", "label": "Alpha", "polarity": 1, "value": 9.0, "rank": 50},
            {"id": "better_high", "label": "Zeta", "polarity": 1, "value": 9.0, "rank": 50, "back": 8.0},
        ]
    )
    assert _ids(priorities.weakest_positions(profile)) == ["worse_low", "flat_low", "low_300"]
    assert _ids(priorities.strongest_positions(profile)) == ["better_high", "flat_high"]


def test_judged_rows_have_a_quartile_and_a_value():
    profile = _profile(
        [
            {"id": "guenstig", "polarity": 1, "value": 9.0, "rank": 20},
            {"id": "mittel", "polarity": -1, "value": 5.0, "rank": 200},
            {"id": "unguenstig", "polarity": 1, "value": 1.0, "rank": 390},
            {"id": "no_value", "polarity": 1, "value": None, "rank": 10},
            {"id": "kontext", "polarity": 0, "value": 7.0, "rank": 5},
            {"id": "klasse", "polarity": 1, "value": 2.0, "rank": 5, "scale": "ordinal"},
        ]
    )
    assert sorted(priorities.judged(profile)["indicator"]) == ["guenstig", "mittel", "unguenstig"]
    # a profile without any columns (no data at all) gives empty lists, not an error
    assert priorities.priorities(pd.DataFrame()) == [] and priorities.weakest_positions(pd.DataFrame()) == []


def test_as_frame_columns_and_an_item_without_rank():
    item = priorities.PriorityItem(
        "schwerpunkt", "q", "Quote Q", "Arbeitsmarkt", "%", -1, 2023, 12.0, 10.0, 25.0, 301, 401, 0.5, 2.0,
        "schlechter", "schlechter", 75.0, "im ungünstigsten Viertel der Vergleichsgruppe", "Satz Q.",
    )  # fmt: skip
    bare = dataclasses.replace(
        item, label="Quote R", topic="", year=2022, rank=None, n=None, median=None, change_1y=None, change_5y=-1.3,
        score=42.5, explanation="Satz R.",
    )  # fmt: skip
    expected = pd.DataFrame(
        {
            "Punkte": [75.0, 42.5],
            "Indikator": ["Quote Q", "Quote R"],
            "Thema": ["Arbeitsmarkt", ""],
            "Jahr": [2023, 2022],
            "Wert": ["12,0 %", "12,0 %"],
            "Rang": ["301 von 401", "–"],
            "Median": ["10,0 %", "–"],
            "Δ 5 Jahre": ["+2,0 Pp.", "-1,3 Pp."],
            "Δ Vorjahr": ["+0,5 Pp.", "–"],
            "Begründung": ["Satz Q.", "Satz R."],
        }
    )
    pd.testing.assert_frame_equal(priorities.as_frame([item, bare]), expected)


def test_download_frame_holds_numbers_and_the_unit_apart():
    item = priorities.PriorityItem(
        "schwerpunkt", "q", "Quote Q", "Arbeitsmarkt", "%", -1, 2023, 12.0, 10.0, 25.0, 301, 401, 0.5, 2.0,
        "schlechter", "schlechter", 75.0, "im ungünstigsten Viertel der Vergleichsgruppe", "Satz Q.",
    )  # fmt: skip
    bare = dataclasses.replace(
        item, label="Quote R", topic="", unit="", year=2022, value=None, rank=None, n=None, median=None,
        change_1y=None, change_5y=-1.3, score=42.5, explanation="Satz R.",
    )  # fmt: skip
    expected = pd.DataFrame(
        {
            "Punkte": pd.Series([75.0, 42.5], dtype="float64"),
            "Indikator": ["Quote Q", "Quote R"],
            "Thema": ["Arbeitsmarkt", ""],
            "Einheit": ["%", ""],
            "Jahr": pd.Series([2023, 2022], dtype="Int64"),
            "Wert": pd.Series([12.0, NAN], dtype="float64"),
            "Rang": pd.Series([301, None], dtype="Int64"),
            "von": pd.Series([401, None], dtype="Int64"),
            "Median": pd.Series([10.0, NAN], dtype="float64"),
            "Δ 5 Jahre": pd.Series([2.0, -1.3], dtype="float64"),
            "Δ Vorjahr": pd.Series([0.5, NAN], dtype="float64"),
            "Begründung": ["Satz Q.", "Satz R."],
        }
    )
    pd.testing.assert_frame_equal(priorities.download_frame([item, bare]), expected)
    assert priorities.download_frame([]).columns.tolist() == expected.columns.tolist()


def test_download_frame_keeps_number_columns_numeric_even_when_empty():
    frame = priorities.download_frame([])
    numbers = ["Punkte", "Wert", "Median", "Δ 5 Jahre", "Δ Vorjahr"]
    assert [str(frame[c].dtype) for c in numbers] == ["float64"] * 5
    assert [str(frame[c].dtype) for c in ("Jahr", "Rang", "von")] == ["Int64"] * 3


def test_positions_with_equal_percentile_and_score_go_by_label():
    profile = _profile(
        [
            {"id": "low_1", "label": "Beta", "topic": "A", "polarity": 1, "value": 2.0, "rank": 350},
            {"id": "low_2", "label": "Alpha", "topic": "B", "polarity": 1, "value": 2.0, "rank": 350},
            {"id": "high_1", "label": "Beta hoch", "topic": "A", "polarity": 1, "value": 9.0, "rank": 50},
            {"id": "high_2", "label": "Alpha hoch", "topic": "B", "polarity": 1, "value": 9.0, "rank": 50},
        ]
    )
    # the profile comes sorted by topic, then label: Beta (topic A) before Alpha (topic B); the lists go by label
    assert _ids(priorities.weakest_positions(profile)) == ["low_2", "low_1"]
    assert _ids(priorities.strongest_positions(profile)) == ["high_2", "high_1"]
