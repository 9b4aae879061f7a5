"""Target status, trajectory, benchmark hint and input validation (pure rules, no I/O)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indicators.domain.targets import (
    STATUS_RANK,
    FieldError,
    Target,
    benchmark_hint,
    format_de,
    parse_date,
    parse_decimal,
    plausibility_warnings,
    projection_line,
    status,
    target_from_record,
    target_to_record,
    tolerance_width,
    trajectory,
    validate_target,
    validate_target_fields,
)

INDICATORS = {"alq", "sgb2_quote"}
KREISE = {"15087", "01001", "11000"}


def make(target_value: float = 10.0, tolerance: float = 0.0, kind: str = "absolut", year: int = 2030) -> Target:
    return Target(None, "15087", "alq", target_value, year, tolerance=tolerance, tolerance_kind=kind)


# --- tolerance and status: examples -----------------------------------------------------------------


def test_tolerance_width_absolute_and_relative():
    assert tolerance_width(make(10.0, 0.5)) == 0.5
    assert tolerance_width(make(10.0, 0.05, "relativ")) == pytest.approx(0.5)
    assert tolerance_width(make(-20.0, 0.1, "relativ")) == pytest.approx(2.0)
    assert tolerance_width(make(0.0, 0.5, "relativ")) == 0.0


@pytest.mark.parametrize(
    ("actual", "polarity", "code", "gap"),
    [
        (11.0, 1, "erreicht", 1.0),
        (10.0, 1, "erreicht", 0.0),
        (9.6, 1, "knapp_verfehlt", -0.4),
        (9.5, 1, "verfehlt", -0.5),  # exactly -w is outside the open band
        (9.0, 1, "verfehlt", -1.0),
        (9.0, -1, "erreicht", 1.0),
        (10.4, -1, "knapp_verfehlt", -0.4),
        (10.5, -1, "verfehlt", -0.5),
        (12.0, -1, "verfehlt", -2.0),
    ],
)
def test_status_rule_with_absolute_tolerance(actual, polarity, code, gap):
    result = status(make(10.0, 0.5), actual, polarity)
    assert result.code == code
    assert result.gap == pytest.approx(gap)


def test_status_relative_tolerance_is_fraction_of_target():
    target = make(200.0, 0.05, "relativ")  # width 10
    assert status(target, 191.0, 1).code == "knapp_verfehlt"
    assert status(target, 190.0, 1).code == "verfehlt"
    assert status(target, 209.0, -1).code == "knapp_verfehlt"


def test_status_without_tolerance_has_no_amber_and_says_so():
    result = status(make(10.0, 0.0), 9.99, 1)
    assert result.code == "verfehlt"
    assert "keine Toleranz" in result.reason


def test_status_labels_icons_and_tones_are_distinct_for_print():
    results = [status(make(10.0, 1.0), value, 1) for value in (11.0, 9.5, 5.0)] + [status(make(), 1.0, 0)]
    assert [r.code for r in results] == ["erreicht", "knapp_verfehlt", "verfehlt", "keine_bewertung"]
    assert [r.label for r in results] == ["erreicht", "knapp verfehlt", "verfehlt", "keine Bewertung"]
    assert len({r.icon for r in results}) == 4
    assert all(r.icon and not r.icon.isspace() for r in results)
    assert [r.tone for r in results] == ["positive", "warning", "negative", "neutral"]


def test_status_reason_is_german_with_decimal_comma():
    result = status(make(8.0, 0.5), 8.3, -1)
    assert result.reason == (
        "Ist-Wert 8,3 verfehlt den Zielwert 8 um 0,3 (niedriger ist besser), innerhalb der Toleranz von 0,5"
    )


@pytest.mark.parametrize(
    ("target", "actual", "polarity", "reason_part"),
    [
        (make(), 5.0, 0, "Kontextindikator (Polarität 0)"),
        (make(), 5.0, None, "Polarität des Indikators unbekannt"),
        (make(), None, 1, "kein aktueller Wert vorhanden"),
        (make(), float("nan"), 1, "kein aktueller Wert vorhanden"),
        (make(), float("inf"), -1, "kein aktueller Wert vorhanden"),
        (None, 5.0, 1, "kein Ziel vereinbart"),
        (make(float("nan")), 5.0, 1, "Zielwert fehlt"),
    ],
)
def test_status_without_judgement_gives_reason(target, actual, polarity, reason_part):
    result = status(target, actual, polarity)
    assert result.code == "keine_bewertung"
    assert result.gap is None
    assert reason_part in result.reason


def test_status_ignores_float_noise_at_the_target():
    # 0.1 + 0.2 is 0.30000000000000004: it meets a target of 0.3 under either polarity
    assert status(make(0.3), 0.1 + 0.2, -1).code == "erreicht"
    assert status(make(0.1 + 0.2), 0.3, 1).code == "erreicht"


def test_status_rejects_invalid_polarity():
    with pytest.raises(ValueError, match="Polarität"):
        status(make(), 1.0, 2)


# --- status: properties -----------------------------------------------------------------------------

finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
#: Quarter steps keep float arithmetic exact, so shifting values cannot move a status by rounding.
dyadic = st.integers(min_value=-4_000_000, max_value=4_000_000).map(lambda k: k / 4)
tolerances = st.tuples(
    st.sampled_from(["absolut", "relativ"]), st.floats(min_value=0, max_value=1, allow_nan=False)
).map(lambda kt: (kt[0], kt[1] if kt[0] == "relativ" else kt[1] * 1000))
missing = st.sampled_from([None, float("nan"), float("inf"), float("-inf")])


@given(actual=finite, target_value=finite, polarity=st.sampled_from([-1, 1]), tolerance=tolerances)
def test_mirroring_values_and_flipping_polarity_keeps_status(actual, target_value, polarity, tolerance):
    kind, tol = tolerance
    original = status(make(target_value, tol, kind), actual, polarity)
    mirrored = status(make(-target_value, tol, kind), -actual, -polarity)
    assert mirrored.code == original.code
    assert mirrored.gap == original.gap


@given(
    actual=finite,
    target_value=finite,
    polarity=st.sampled_from([-1, 1]),
    kind=st.sampled_from(["absolut", "relativ"]),
    tolerances=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_larger_tolerance_never_makes_status_worse(actual, target_value, polarity, kind, tolerances):
    small, large = sorted(tolerances)
    narrow = status(make(target_value, small, kind), actual, polarity)
    wide = status(make(target_value, large, kind), actual, polarity)
    assert STATUS_RANK[wide.code] >= STATUS_RANK[narrow.code]


@given(value=st.one_of(finite, missing), target_value=finite, tolerance=tolerances)
def test_polarity_zero_is_never_judged(value, target_value, tolerance):
    kind, tol = tolerance
    assert status(make(target_value, tol, kind), value, 0).code == "keine_bewertung"


@given(value=missing, target_value=finite, polarity=st.sampled_from([-1, 0, 1, None]), tolerance=tolerances)
def test_missing_value_is_never_judged(value, target_value, polarity, tolerance):
    kind, tol = tolerance
    result = status(make(target_value, tol, kind), value, polarity)
    assert result.code == "keine_bewertung"
    assert result.gap is None


@given(actual=finite, target_value=finite, polarity=st.sampled_from([-1, 1]), tolerance=tolerances)
def test_status_follows_the_signed_gap(actual, target_value, polarity, tolerance):
    kind, tol = tolerance
    target = make(target_value, tol, kind)
    result = status(target, actual, polarity)
    raw_gap = polarity * (actual - target_value)
    assert result.gap == pytest.approx(raw_gap, rel=1e-9, abs=1e-9 * max(1, abs(actual), abs(target_value)))
    assert (result.code == "erreicht") == (result.gap >= 0)
    width = tolerance_width(target)
    assert (result.code == "knapp_verfehlt") == (-width < result.gap < 0)
    assert (result.code == "verfehlt") == (result.gap < 0 and result.gap <= -width)


@given(actual=dyadic, target_value=dyadic, shift=dyadic, polarity=st.sampled_from([-1, 1]), tol=dyadic)
def test_absolute_status_is_invariant_under_a_common_shift(actual, target_value, shift, polarity, tol):
    tol = abs(tol)
    before = status(make(target_value, tol), actual, polarity)
    after = status(make(target_value + shift, tol), actual + shift, polarity)
    assert after.code == before.code
    assert after.gap == before.gap


@given(
    actual=dyadic,
    target_value=dyadic,
    power=st.integers(-10, 10),
    polarity=st.sampled_from([-1, 1]),
    tol=st.floats(0, 1),
)
def test_relative_status_is_invariant_under_scaling(actual, target_value, power, polarity, tol):
    factor = 2.0**power  # exact in binary floating point
    before = status(make(target_value, tol, "relativ"), actual, polarity)
    after = status(make(target_value * factor, tol, "relativ"), actual * factor, polarity)
    assert after.code == before.code


# --- trajectory -------------------------------------------------------------------------------------


def linear(start: int, end: int, first: float, step: float) -> list[tuple[int, float]]:
    return [(year, first + step * (year - start)) for year in range(start, end + 1)]


def test_trajectory_projects_least_squares_line_to_target_year():
    series = linear(2019, 2023, 10.0, -0.5)  # 10, 9.5, ..., 8.0
    result = trajectory(make(6.0, year=2027), series, -1)
    assert result.slope == pytest.approx(-0.5)
    assert result.projected_value == pytest.approx(6.0)  # 8.0 - 4 * 0.5
    assert result.code == "auf_kurs"
    assert "2027" in result.reason


def test_trajectory_fits_noisy_values_by_least_squares():
    series = [(2020, 1.0), (2021, 3.0), (2022, 2.0), (2023, 4.0)]
    # hand-computed: mean year 2021.5, mean value 2.5, Sxy = 4, Sxx = 5 -> slope 0.8
    result = trajectory(make(100.0, year=2031), series, 1)
    assert result.slope == pytest.approx(0.8)
    assert result.projected_value == pytest.approx(2.5 + 0.8 * 9.5)
    assert result.code == "richtige_richtung_zu_langsam"


def test_trajectory_within_tolerance_counts_as_on_track():
    series = linear(2019, 2023, 10.0, -0.5)  # projects 6.0 in 2027
    assert trajectory(make(5.8, 0.0, year=2027), series, -1).code == "richtige_richtung_zu_langsam"
    assert trajectory(make(5.8, 0.5, year=2027), series, -1).code == "auf_kurs"


def test_trajectory_right_direction_too_slow():
    result = trajectory(make(5.0, year=2027), linear(2019, 2023, 10.0, -0.1), -1)
    assert result.code == "richtige_richtung_zu_langsam"
    assert result.label == "richtige Richtung, zu langsam"


def test_trajectory_moving_away():
    result = trajectory(make(5.0, year=2027), linear(2019, 2023, 10.0, 0.2), -1)
    assert result.code == "entfernt_sich"
    assert result.label == "entfernt sich vom Ziel"


def test_flat_trend_short_of_target_moves_away_but_flat_trend_at_target_is_on_track():
    flat = [(year, 10.0) for year in range(2019, 2024)]
    assert trajectory(make(12.0, year=2027), flat, 1).code == "entfernt_sich"
    assert trajectory(make(10.0, year=2027), flat, 1).code == "auf_kurs"
    assert trajectory(make(9.0, year=2027), flat, 1).slope == 0.0


def test_reached_target_with_trend_keeping_it_is_on_track_even_if_fit_lags():
    # the last value beats the target; the fitted line is flat (slope 0) at 2.4, far below it
    series = [(2019, 6.0), (2020, 0.0), (2021, 0.0), (2022, 0.0), (2023, 6.0)]
    target = make(5.0, year=2030)
    assert status(target, 6.0, 1).code == "erreicht"
    result = trajectory(target, series, 1)
    assert result.slope == 0.0
    assert result.projected_value == pytest.approx(2.4)
    assert result.code == "auf_kurs"
    assert "schon erreicht" in result.reason
    # the same shape without the last value reaching the target moves away
    assert trajectory(make(7.0, year=2030), series, 1).code == "entfernt_sich"


def test_reached_target_but_trend_leaving_it_moves_away():
    series = linear(2019, 2023, 20.0, -2.0)  # 20 ... 12, target 11 reached now, but 2030 projects -2
    result = trajectory(make(11.0, year=2030), series, 1)
    assert result.code == "entfernt_sich"


def test_trajectory_uses_only_the_last_n_years():
    series = linear(2010, 2018, 0.0, 5.0) + linear(2019, 2023, 40.0, -1.0)
    result = trajectory(make(50.0, year=2027), series, 1, n_years=5)
    assert result.slope == pytest.approx(-1.0)
    assert result.code == "entfernt_sich"
    assert trajectory(make(50.0, year=2027), series, 1, n_years=14).slope > 0


def test_trajectory_mirrors_with_polarity():
    series = [(2019, 3.0), (2020, 4.5), (2021, 4.0), (2022, 6.0)]
    mirrored = [(y, -v) for y, v in series]
    for target_value in (5.0, 8.0, 30.0, -2.0):
        plain = trajectory(make(target_value, 0.5, year=2026), series, 1)
        flipped = trajectory(make(-target_value, 0.5, year=2026), mirrored, -1)
        assert flipped.code == plain.code


@pytest.mark.parametrize(
    ("target", "series", "polarity", "reason_part"),
    [
        (make(), linear(2019, 2023, 1.0, 1.0), 0, "Kontextindikator"),
        (None, linear(2019, 2023, 1.0, 1.0), 1, "kein Ziel"),
        (make(), [(2023, 1.0)], 1, "zu wenige Werte"),
        (make(), [(2010, 1.0), (2023, 2.0)], 1, "zu wenige Werte"),  # 2010 lies outside the 5-year window
        (make(), [(2022, float("nan")), (2023, 2.0), (2021, None)], 1, "zu wenige Werte"),
        (make(year=2023), linear(2019, 2023, 1.0, 1.0), 1, "maßgeblich ist der Status"),
    ],
)
def test_trajectory_without_judgement(target, series, polarity, reason_part):
    result = trajectory(target, series, polarity)
    assert result.code == "keine_bewertung"
    assert result.label == "keine Bewertung"
    assert reason_part in result.reason


def test_trajectory_skips_missing_values_inside_the_window():
    series = [(2019, 10.0), (2020, float("nan")), (2021, 9.0), (2022, None), (2023, 8.0)]
    result = trajectory(make(6.0, year=2027), series, -1)
    assert result.slope == pytest.approx(-0.5)
    assert result.code == "auf_kurs"


@given(
    values=st.lists(st.integers(-1000, 1000), min_size=2, max_size=8),
    target_value=st.integers(-2000, 2000),
    polarity=st.sampled_from([-1, 1]),
)
def test_trajectory_is_symmetric_under_mirroring(values, target_value, polarity):
    series = [(2015 + i, float(v)) for i, v in enumerate(values)]
    mirrored = [(y, -v) for y, v in series]
    plain = trajectory(make(float(target_value), 1.0, year=2030), series, polarity)
    flipped = trajectory(make(-float(target_value), 1.0, year=2030), mirrored, -polarity)
    assert flipped.code == plain.code


@given(
    start=st.integers(2000, 2015),
    first=st.integers(-1000, 1000),
    step=st.integers(-50, 50),
    horizon=st.integers(1, 20),
)
def test_trajectory_of_an_exact_line_hits_its_extrapolation(start, first, step, horizon):
    series = linear(start, start + 4, float(first), float(step))
    last_year = start + 4
    expected = first + step * (last_year + horizon - start)
    result = trajectory(make(float(expected), year=last_year + horizon), series, 1)
    assert result.projected_value == pytest.approx(expected, abs=1e-6)
    assert result.code == "auf_kurs"


def test_projection_line_covers_window_and_extends_to_until_year():
    line = projection_line(linear(2015, 2023, 1.0, 2.0), n_years=4, until_year=2026)
    assert [year for year, _ in line] == list(range(2020, 2027))
    assert line[0][1] == pytest.approx(11.0)
    assert line[-1][1] == pytest.approx(23.0)
    assert projection_line([(2023, 1.0)], 5, 2030) == []
    assert [y for y, _ in projection_line(linear(2019, 2023, 1.0, 1.0), 5)] == list(range(2019, 2024))


def test_projection_line_rejects_too_short_window():
    with pytest.raises(ValueError):
        projection_line(linear(2019, 2023, 1.0, 1.0), n_years=1)


# --- benchmark hint ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percentile", "polarity", "hint"),
    [
        (90.0, 1, "günstigstes Viertel"),
        (75.0, 1, "günstigstes Viertel"),
        (74.9, 1, "Mittelfeld"),
        (50.0, 1, "Mittelfeld"),
        (25.0, 1, "ungünstigstes Viertel"),
        (0.0, 1, "ungünstigstes Viertel"),
        (90.0, -1, "ungünstigstes Viertel"),
        (10.0, -1, "günstigstes Viertel"),
        (50.0, -1, "Mittelfeld"),
        (90.0, 0, "Kontextindikator"),
        (None, 0, "Kontextindikator"),
        (None, 1, "keine Einordnung"),
        (float("nan"), -1, "keine Einordnung"),
        (120.0, 1, "keine Einordnung"),
        (50.0, None, "keine Einordnung"),
    ],
)
def test_benchmark_hint(percentile, polarity, hint):
    assert benchmark_hint(percentile, polarity) == hint


@given(percentile=st.floats(0, 100), polarity=st.sampled_from([-1, 1]))
def test_benchmark_hint_mirrors_with_polarity(percentile, polarity):
    mirror = {"günstigstes Viertel": "ungünstigstes Viertel", "ungünstigstes Viertel": "günstigstes Viertel"}
    hint = benchmark_hint(percentile, polarity)
    flipped = benchmark_hint(percentile, -polarity)
    assert flipped == mirror.get(hint, hint)


# --- validation -------------------------------------------------------------------------------------


def valid_fields(**overrides) -> dict:
    fields = {
        "ags": "15087",
        "indicator": "alq",
        "target_value": "5,5",
        "target_year": "2027",
        "baseline_value": "7,25",
        "baseline_year": "2022",
        "tolerance": "0,05",
        "tolerance_kind": "relativ",
        "agreed_by": "RAK Mansfeld-Südharz",
        "agreed_on": "14.03.2024",
        "note": "ZV 2024",
    }
    return fields | overrides


def test_validate_accepts_german_input():
    target, errors = validate_target(valid_fields(), INDICATORS, KREISE)
    assert errors == []
    assert target == Target(
        None,
        "15087",
        "alq",
        5.5,
        2027,
        7.25,
        2022,
        0.05,
        "relativ",
        "RAK Mansfeld-Südharz",
        dt.date(2024, 3, 14),
        "ZV 2024",
        1,
    )


def test_validate_accepts_typed_values_and_defaults():
    fields = {"ags": "01001", "indicator": "sgb2_quote", "target_value": 3, "target_year": 2030}
    target, errors = validate_target(fields, INDICATORS, KREISE)
    assert errors == []
    assert target.tolerance == 0.0
    assert target.tolerance_kind == "absolut"
    assert target.baseline_value is None
    assert target.agreed_on is None


def test_validate_names_field_and_input_for_a_bad_year():
    _, errors = validate_target(valid_fields(target_year="20x5"), INDICATORS, KREISE)
    assert errors == ["Zieljahr: erwartet wird ein Jahr zwischen 2000 und 2100, eingegeben wurde „20x5“"]


@pytest.mark.parametrize(
    ("overrides", "message_parts"),
    [
        ({"target_value": "nan"}, ["Zielwert", "endliche Zahl", "„nan“"]),
        ({"target_value": float("nan")}, ["Zielwert", "endliche Zahl"]),
        ({"target_value": "inf"}, ["Zielwert", "„inf“"]),
        ({"target_value": float("-inf")}, ["Zielwert"]),
        ({"target_value": ""}, ["Zielwert", "leer"]),
        ({"target_value": "fünf"}, ["Zielwert", "„fünf“"]),
        ({"target_year": "1999"}, ["Zieljahr", "zwischen 2000 und 2100", "„1999“"]),
        ({"target_year": 2101}, ["Zieljahr", "„2101“"]),
        ({"tolerance": "-0,1", "tolerance_kind": "absolut"}, ["Toleranz", "ab 0", "„-0,1“"]),
        ({"tolerance": "5"}, ["Toleranz", "relativer Toleranz", "zwischen 0 und 1", "„5“"]),
        ({"tolerance_kind": "prozent"}, ["Toleranzart", "„absolut“ oder „relativ“", "„prozent“"]),
        ({"indicator": "unbekannt"}, ["Indikator", "bekannter Indikator", "„unbekannt“"]),
        ({"indicator": ""}, ["Indikator", "leer"]),
        ({"ags": "99999"}, ["Kreis (AGS)", "bekannter Kreis", "„99999“"]),
        ({"ags": "1508"}, ["Kreis (AGS)", "fünfstelliger", "„1508“", "führende Null"]),
        ({"ags": "150870"}, ["Kreis (AGS)", "fünfstelliger", "„150870“"]),
        ({"ags": None}, ["Kreis (AGS)", "fünfstelliger"]),
        ({"baseline_year": "2028"}, ["Ausgangsjahr", "vor dem Zieljahr 2027", "„2028“"]),
        ({"baseline_year": "2027"}, ["Ausgangsjahr", "vor dem Zieljahr 2027"]),
        ({"baseline_year": ""}, ["Ausgangsjahr", "Jahr des Ausgangswerts"]),
        ({"baseline_value": ""}, ["Ausgangswert", "2022"]),
        ({"agreed_on": "31.02.2024"}, ["Vereinbart am", "Datum", "„31.02.2024“"]),
        ({"note": "x" * 2001}, ["Notiz", "höchstens 2000 Zeichen"]),
    ],
)
def test_validate_rejects_with_german_message(overrides, message_parts):
    target, errors = validate_target(valid_fields(**overrides), INDICATORS, KREISE)
    assert target is None
    assert len(errors) == 1, errors
    for part in message_parts:
        assert part in errors[0]


def test_validate_reports_all_problems_at_once():
    fields = valid_fields(ags="1", indicator="x", target_value="?", target_year="x", tolerance="-1")
    target, errors = validate_target(fields, INDICATORS, KREISE)
    assert target is None
    labels = [error.split(":")[0] for error in errors]
    assert labels == ["Kreis (AGS)", "Indikator", "Zielwert", "Zieljahr", "Toleranz"]


def test_validate_accepts_iso_date_and_date_objects():
    for raw in ("2024-03-14", dt.date(2024, 3, 14), dt.datetime(2024, 3, 14, 10, 30)):
        target, errors = validate_target(valid_fields(agreed_on=raw), INDICATORS, KREISE)
        assert errors == []
        assert target.agreed_on == dt.date(2024, 3, 14)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5,5", 5.5),
        ("-5,5", -5.5),
        ("1.234,5", 1234.5),
        ("1.234.567", 1234567.0),
        ("5.5", 5.5),
        ("1,234.5", 1234.5),
        ("1.234", 1.234),  # a single dot is a decimal point (plain CSV)
        (" 12 ", 12.0),
        ("1\u00a0234,5", 1234.5),
        ("−3,5", -3.5),
        ("1e-5", 1e-5),
        ("0,00001", 1e-5),
        (7, 7.0),
    ],
)
def test_parse_decimal(text, value):
    assert parse_decimal(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "-", "abc", "1,2,3", "1.2.3", "nan", "inf", "Infinity", "1e999", True, 10**400])
def test_parse_decimal_rejects(text):
    with pytest.raises(ValueError):
        parse_decimal(text)


@given(
    value=st.integers(-(10**9), 10**9).map(lambda k: k / 100),
    year=st.integers(2000, 2100),
    tolerance=st.integers(0, 100).map(lambda k: k / 100),
    kind=st.sampled_from(["absolut", "relativ"]),
)
def test_values_typed_in_german_format_parse_back_exactly(value, year, tolerance, kind):
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    fields = valid_fields(target_value=text, target_year=str(year), tolerance=format_de(tolerance), tolerance_kind=kind)
    fields.pop("baseline_value")
    fields.pop("baseline_year")
    target, errors = validate_target(fields, INDICATORS, KREISE)
    assert errors == []
    assert target.target_value == value
    assert target.target_year == year
    assert target.tolerance == tolerance


def test_format_de():
    assert format_de(1234.5) == "1.234,5"
    assert format_de(-0.0001) == "0"
    assert format_de(8.0) == "8"
    assert format_de(-12.345) == "-12,345"


def test_record_round_trip():
    target, _ = validate_target(valid_fields(), INDICATORS, KREISE)
    record = target_to_record(target)
    assert record["agreed_on"] == "2024-03-14"
    assert target_from_record(record | {"deleted": 0}) == target


@given(
    actual=finite,
    polarity=st.sampled_from([-1, 1]),
    target_value=finite,
)
def test_status_gap_is_finite_for_finite_inputs(actual, polarity, target_value):
    assume(abs(actual - target_value) < 1e300)
    result = status(make(target_value, 0.1, "relativ"), actual, polarity)
    assert result.gap is not None and math.isfinite(result.gap)


# --- exact texts, borders and fields (these kill the mutants python -m tests.mutation found alive) ------------

_TEN = make(10.0)
_RISING = [(2018, 4.0), (2019, 5.0), (2020, 6.0), (2021, 7.0), (2022, 8.0)]  # slope 1, 2030: 8 + 8 = 16


@pytest.mark.parametrize(
    ("target", "actual", "polarity", "reason"),
    [
        (None, 5.0, 1, "kein Ziel vereinbart"),
        (_TEN, 5.0, None, "Polarität des Indikators unbekannt: keine Bewertung"),
        (_TEN, 5.0, float("nan"), "Polarität des Indikators unbekannt: keine Bewertung"),
        (_TEN, 5.0, pd.NA, "Polarität des Indikators unbekannt: keine Bewertung"),
        (_TEN, 5.0, 0, "Kontextindikator (Polarität 0): keine Bewertung"),
        (make(float("nan")), 5.0, 1, "Zielwert fehlt oder ist keine Zahl"),
        (_TEN, None, 1, "kein aktueller Wert vorhanden"),
        # lower is better: 9 beats 10 by 1
        (_TEN, 9.0, -1, "Ist-Wert 9 erreicht den Zielwert 10 (niedriger ist besser, Abstand 1)"),
        # 12 misses 10 by 2, more than the agreed 0,5
        (
            make(10.0, 0.5),
            12.0,
            -1,
            "Ist-Wert 12 verfehlt den Zielwert 10 um 2 (niedriger ist besser), mehr als die Toleranz von 0,5",
        ),
    ],
)
def test_status_reason_word_for_word(target, actual, polarity, reason):
    assert status(target, actual, polarity).reason == reason


def test_float_noise_is_one_billionth_of_the_larger_value_at_least_of_one():
    # below 1 the bound is 1e-9 itself: a difference of exactly 1e-9 is noise, 1.5e-9 is not
    assert status(make(0.0), 1e-9, -1).code == "erreicht"
    assert status(make(0.0), 1.5e-9, -1).code == "verfehlt"
    assert status(make(0.0), 5e-10, -1).code == "erreicht"
    # above 1 the bound grows with the larger of the two values (found by search: the difference lies between
    # one billionth of the smaller and of the larger value)
    for actual, target_value, polarity in ((206.555995330854, 206.55599553740998, 1), (458.3114902405156, 458.3114897822041, -1)):  # fmt: skip
        difference = abs(actual - target_value)
        assert 1e-9 * min(actual, target_value) < difference <= 1e-9 * max(actual, target_value)
        assert status(make(target_value), actual, polarity).code == "erreicht"
    # a millionth of 1,000,000 is still noise
    assert status(make(1_000_000.0), 1_000_000.0001, -1).gap == 0.0


@pytest.mark.parametrize(
    ("target", "series", "expected"),
    [
        (
            _TEN,
            _RISING,
            (
                "auf_kurs",
                "●",
                "positive",
                16.0,
                1.0,
                "Trend 2018–2022, geradlinig fortgeschrieben, ergibt für 2030 16: Zielwert 10 erreicht",
            ),  # fmt: skip
        ),
        (
            make(20.0),
            _RISING,
            (
                "richtige_richtung_zu_langsam",
                "◐",
                "warning",
                16.0,
                1.0,
                "Trend 2018–2022, geradlinig fortgeschrieben, ergibt für 2030 16, Zielwert 20 würde verfehlt",
            ),
        ),  # fmt: skip
        (
            _TEN,
            [(y, 12.0 - v) for y, v in _RISING],  # 8, 7, ..., 4: 2030 gives 4 - 8 = -4
            (
                "entfernt_sich",
                "○",
                "negative",
                -4.0,
                -1.0,
                "Trend 2018–2022, geradlinig fortgeschrieben, ergibt für 2030 -4, Zielwert 10 würde verfehlt "
                "(Trend zeigt vom Ziel weg oder stagniert)",
            ),
        ),  # fmt: skip
        (
            make(10.0, year=2020),
            _RISING,
            (
                "keine_bewertung",
                "–",
                "neutral",
                None,
                None,
                "Zieljahr 2020 liegt nicht nach dem letzten Datenjahr 2022: maßgeblich ist der Status",
            ),
        ),  # fmt: skip
        (None, _RISING, ("keine_bewertung", "–", "neutral", None, None, "kein Ziel vereinbart")),
    ],
)
def test_trajectory_word_for_word(target, series, expected):
    t = trajectory(target, series, 1)
    assert (t.code, t.icon, t.tone, t.projected_value, t.slope, t.reason) == expected


def test_trajectory_and_line_use_the_last_five_years_by_default_and_two_values_suffice():
    # 2016 and 2017 lie outside the default window of five calendar years (2018-2022)
    series = [(2016, 100.0), (2017, 100.0)] + _RISING
    assert trajectory(_TEN, series, 1).reason.startswith("Trend 2018–2022, ")
    assert projection_line(series)[0] == (2018, 4.0)
    assert trajectory(_TEN, _RISING[:2], 1).code == "auf_kurs"  # 4, 5: 2030 gives 5 + 11 = 16
    assert trajectory(_TEN, _RISING, 1, n_years=2).reason.startswith("Trend 2021–2022, ")
    assert projection_line(_RISING[-2:]) == [(2021, 7.0), (2022, 8.0)]
    with pytest.raises(ValueError, match="^n_years muss mindestens 2 sein$"):
        trajectory(_TEN, _RISING, 1, n_years=1)


def test_projection_line_ends_at_the_last_data_year_unless_asked_for_later():
    # values far above the years: a mix-up of year and value would show
    series = [(2018, 4000.0), (2019, 4001.0), (2020, 4002.0)]
    assert projection_line(series, until_year=2000) == series
    assert projection_line(series) == series
    assert projection_line(series, until_year=2021)[-1] == (2021, 4003.0)


def test_a_slope_within_float_noise_is_flat():
    # values below 1: the noise bound is 1e-9; a rise of exactly 1e-9 a year is flat, 1.5e-9 is not
    assert trajectory(make(1.0), [(2021, 0.0), (2022, 1e-9)], 1).slope == 0.0
    assert trajectory(make(1.0), [(2021, 0.0), (2022, 1.5e-9)], 1).slope == pytest.approx(1.5e-9, rel=1e-12)
    # around 1,000,000 a ten-thousandth a year is below one billionth of the values: flat
    series = [(2020, 1e6), (2021, 1e6 + 1e-4), (2022, 1e6 + 2e-4)]
    assert trajectory(make(2e6), series, 1).slope == 0.0


@pytest.mark.parametrize(("percentile", "hint"), [(100.0, "günstigstes Viertel"), (100.5, "keine Einordnung")])
def test_benchmark_hint_at_the_top_border(percentile, hint):
    assert benchmark_hint(percentile, 1) == hint


def _errors(**overrides) -> list[tuple[str, str, str]]:
    target, errors = validate_target_fields(valid_fields(**overrides), INDICATORS, KREISE)
    assert (target is None) == bool(errors)
    return [(e.field, e.label, e.message) for e in errors]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (
            {"ags": "1508"},
            (
                "ags",
                "Kreis (AGS)",
                "erwartet wird ein fünfstelliger Kreisschlüssel wie „01001“, eingegeben wurde „1508“ (fehlt die führende Null?)",
            ),  # fmt: skip
        ),
        (
            {"ags": "150870"},
            (
                "ags",
                "Kreis (AGS)",
                "erwartet wird ein fünfstelliger Kreisschlüssel wie „01001“, eingegeben wurde „150870“",
            ),  # fmt: skip
        ),
        (
            {"ags": None},
            ("ags", "Kreis (AGS)", "erwartet wird ein fünfstelliger Kreisschlüssel wie „01001“, eingegeben wurde „“"),
        ),
        (
            {"indicator": ""},
            ("indicator", "Indikator", "erwartet wird die Kennung eines Indikators, das Feld ist leer"),
        ),
        (
            {"indicator": "x" * 60},
            ("indicator", "Indikator", f"erwartet wird ein bekannter Indikator, „{'x' * 60}“ ist unbekannt"),
        ),
        (  # more than 60 characters: the first 57 and "..."
            {"indicator": "y" * 61},
            ("indicator", "Indikator", f"erwartet wird ein bekannter Indikator, „{'y' * 57}...“ ist unbekannt"),
        ),
        (
            {"target_value": "fünf"},
            ("target_value", "Zielwert", "erwartet wird eine endliche Zahl (z. B. 12,5), eingegeben wurde „fünf“"),
        ),
        (
            {"baseline_value": "viel"},
            (
                "baseline_value",
                "Ausgangswert",
                "erwartet wird eine endliche Zahl (z. B. 14,2), eingegeben wurde „viel“",
            ),  # fmt: skip
        ),
        (
            {"tolerance": "wenig"},
            ("tolerance", "Toleranz", "erwartet wird eine endliche Zahl (z. B. 0,5), eingegeben wurde „wenig“"),
        ),
        (
            {"tolerance": "1,5"},
            (
                "tolerance",
                "Toleranz",
                "bei relativer Toleranz erwartet wird ein Anteil zwischen 0 und 1 (z. B. 0,05 für 5 %), "
                "eingegeben wurde „1,5“",
            ),
        ),  # fmt: skip
        (
            {"target_year": ""},
            ("target_year", "Zieljahr", "erwartet wird ein Jahr zwischen 2000 und 2100, das Feld ist leer"),
        ),
        (
            {"baseline_year": ""},
            ("baseline_year", "Ausgangsjahr", "erwartet wird das Jahr des Ausgangswerts, das Feld ist leer"),
        ),
        (
            {"baseline_value": ""},
            ("baseline_value", "Ausgangswert", "erwartet wird der Ausgangswert für 2022, das Feld ist leer"),
        ),
        # a baseline value that is no number is reported once, not again as missing
        (
            {"baseline_value": "abc"},
            (
                "baseline_value",
                "Ausgangswert",
                "erwartet wird eine endliche Zahl (z. B. 14,2), eingegeben wurde „abc“",
            ),  # fmt: skip
        ),
        ({"id": "x"}, ("id", "Nr.", "erwartet wird eine ganze Zahl ab 1, eingegeben wurde „x“")),
        ({"id": "0"}, ("id", "Nr.", "erwartet wird eine ganze Zahl ab 1, eingegeben wurde „0“")),
        ({"version": "1,5"}, ("version", "Version", "erwartet wird eine ganze Zahl ab 1, eingegeben wurde „1,5“")),
        ({"version": -3}, ("version", "Version", "erwartet wird eine ganze Zahl ab 1, eingegeben wurde „-3“")),
    ],
)
def test_each_field_error_word_for_word(overrides, error):
    assert _errors(**overrides) == [error]


def test_free_text_is_checked_with_its_own_label():
    [(field, label, message)] = _errors(note="Hallo <script>alert(1)</script>")
    assert (field, label) == ("note", "Notiz")
    assert message.startswith("erwartet wird Notiz ohne HTML-Auszeichnung (")
    [(field, label, message)] = _errors(agreed_by="<img src=x onerror=alert(1)>")
    assert (field, label) == ("agreed_by", "Vereinbart von")
    assert message.startswith("erwartet wird Vereinbart von ohne HTML-Auszeichnung (")


@pytest.mark.parametrize(
    ("overrides", "field", "value"),
    [
        ({"id": "7"}, "id", 7),
        ({"id": "1"}, "id", 1),
        ({"id": ""}, "id", None),
        ({"version": "3"}, "version", 3),
        ({"version": 1.0}, "version", 1),
        ({"version": None}, "version", 1),
        ({"target_year": 2030.0}, "target_year", 2030),
        ({"target_year": "2030,0"}, "target_year", 2030),
        ({"target_year": "2100"}, "target_year", 2100),
        ({"tolerance": "1"}, "tolerance", 1.0),  # relative: the whole target value is still a share
        ({"note": "x" * 2000}, "note", "x" * 2000),
        ({"note": None}, "note", ""),
        ({"note": float("nan")}, "note", ""),
        ({"agreed_by": None}, "agreed_by", ""),
    ],
)
def test_accepted_field_values(overrides, field, value):
    target, errors = validate_target_fields(valid_fields(**overrides), INDICATORS, KREISE)
    assert errors == []
    assert getattr(target, field) == value


def test_field_error_keeps_field_label_and_message():
    error = FieldError("note", "zu lang")
    assert (error.field, error.label, error.message, str(error)) == ("note", "Notiz", "zu lang", "Notiz: zu lang")
    other = FieldError("spalte_x", "fehlt")
    assert (other.field, other.label, str(other)) == ("spalte_x", "spalte_x", "spalte_x: fehlt")


@pytest.mark.parametrize(("text", "value"), [("1\u202f234,5", 1234.5), ("1 234,5", 1234.5), ("1,5e3", 1500.0)])
def test_parse_decimal_spaces_and_exponent_with_comma(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("raw", ["abc", "1,2,3", float("inf"), 10**400])
def test_parse_errors_carry_the_input(raw):
    with pytest.raises(ValueError) as error:
        parse_decimal(raw)
    assert error.value.args == (raw,)
    with pytest.raises(ValueError) as error:
        parse_date("14/03/2024")
    assert error.value.args == ("14/03/2024",)


def test_record_without_baseline_note_or_author_round_trips():
    record = {"id": 3, "ags": "15087", "indicator": "alq", "target_value": "5.5", "target_year": 2027}
    record |= {"baseline_value": None, "baseline_year": None, "tolerance": 0, "tolerance_kind": "absolut"}
    record |= {"agreed_by": None, "agreed_on": None, "note": None, "version": 2}
    assert target_from_record(record) == Target(3, "15087", "alq", 5.5, 2027, version=2)
    assert target_from_record(record | {"baseline_value": "7.25", "baseline_year": 2022}).baseline_value == 7.25


@pytest.mark.parametrize(
    ("target", "unit", "entered_in", "warnings"),
    [
        (make(-0.5), "%", None, ["Zielwert -0,5 % ist negativ: Werte in „%“ sind nie negativ."]),
        (make(0.0), "%", None, []),  # zero is possible
        (make(100.5), "%", None, ["Zielwert 100,5 % liegt über 100 %: ein Anteil kann nicht größer als 100 % sein."]),
        (make(-3.0), "", None, []),  # no unit: a change or a balance may be negative
        (make(-3.0), "Jahre", None, ["Zielwert -3 Jahre ist negativ: Werte in „Jahre“ sind nie negativ."]),
        (make(-3.0), "je km²", None, ["Zielwert -3 je km² ist negativ: Werte in „je km²“ sind nie negativ."]),
        (make(-3.0), "km²", None, ["Zielwert -3 km² ist negativ: Werte in „km²“ sind nie negativ."]),
        (make(-3.0), "je 100", None, ["Zielwert -3 je 100 ist negativ: Werte in „je 100“ sind nie negativ."]),
        (make(-3.0), "EUR", None, ["Zielwert -3 EUR ist negativ: Werte in „EUR“ sind nie negativ."]),
        (make(float("nan")), "%", None, []),  # no number, nothing to judge
        (make(5.0, year=2026), "%", 2026, []),  # agreed in the target year itself: not in the past
        (make(5.0, year=2025), "%", 2026, ["Das Zieljahr 2025 lag bei der Eingabe (2026) schon in der Vergangenheit."]),
        (
            Target(None, "15087", "alq", 5.0, 2030, baseline_value=-1.0, baseline_year=2020),
            "%",
            None,
            ["Ausgangswert -1 % ist negativ: Werte in „%“ sind nie negativ."],
        ),
    ],
)
def test_plausibility_warning_word_for_word(target, unit, entered_in, warnings):
    assert plausibility_warnings(target, unit, entered_in) == warnings


def test_plausibility_skips_what_is_no_number_and_checks_the_rest():
    no_number = Target(None, "15087", "alq", float("nan"), 2030, baseline_value=-1.0, baseline_year=2020)
    assert plausibility_warnings(no_number, "%", None) == [
        "Ausgangswert -1 % ist negativ: Werte in „%“ sind nie negativ."
    ]
    assert plausibility_warnings(make(float("inf")), "%", None) == []
    assert plausibility_warnings(make(100.0), "%", None) == []  # exactly 100 % is possible
