from datetime import UTC, date, datetime

import pytest

from indicators.domain import formatting as fmt


def test_german_numbers():
    assert fmt.number(1234.5, 1) == "1.234,5"
    assert fmt.number(-0.04, 1) == "0,0"
    assert fmt.number(None) == "–"
    assert fmt.number(float("nan")) == "–"
    assert fmt.number(9.95, 2, "%") == "9,95 %"
    assert fmt.number(1234567, 0) == "1.234.567"


def test_values_and_changes_by_unit():
    assert fmt.value(9.95, "%") == "9,9 %" or fmt.value(9.95, "%") == "10,0 %"
    assert fmt.value(132317, "Anzahl") == "132.317"
    assert fmt.value(3, "Kategorie", "dünn besiedelter ländlicher Kreis") == "dünn besiedelter ländlicher Kreis"
    assert fmt.change(0.4, "%") == "+0,4 Pp."
    assert fmt.change(-120, "Anzahl") == "-120"
    assert fmt.change(0.0, "%") == "±0,0 Pp."


def test_german_dates():
    assert fmt.german_date("2023-12-31") == "31.12.2023"
    assert fmt.german_date(None) == "–"


@pytest.mark.parametrize(
    "args, text",
    [
        ((1234.5,), "1.234,5"),
        ((-1234.5,), "-1.234,5"),
        ((1234567.891, 2), "1.234.567,89"),
        ((0.0,), "0,0"),
        ((-0.4, 0), "0"),
        ((0.4, 1, "", True), "+0,4"),
        ((-0.4, 1, "", True), "-0,4"),
        ((0.0, 1, "", True), "±0,0"),
        ((-0.04, 1, "", True), "±0,0"),
        ((-0.4, 0, "", True), "±0"),
        ((2.0, 0, "%", True), "+2 %"),
        ((None, 1, "%"), "–"),
        (("abc",), "abc"),
        ((12,), "12,0"),
    ],
)
def test_number_cases(args, text):
    assert fmt.number(*args) == text


@pytest.mark.parametrize(
    "unit, value, decimals",
    [
        ("Anzahl", None, 0),
        ("EUR", 5.5, 0),
        ("km²", 1449.05, 1),
        ("je km²", 3.3, 0),
        ("Jahre", 2000.0, 1),
        ("%", None, 1),
        ("%", 999.9, 1),
        ("%", 1000.0, 0),
        ("%", -1000.0, 0),
        ("%", float("nan"), 1),
        ("je 100", 5.0, 1),
        ("Tsd. EUR", 21.4, 2),
        ("Tsd. EUR", 1500.0, 0),
        ("", 3.0, 1),
        ("je 10.000", None, 1),
    ],
)
def test_decimals_by_unit_and_size(unit, value, decimals):
    assert fmt.decimals_for(unit, value) == decimals


@pytest.mark.parametrize(
    "args, kwargs, text",
    [
        ((9.96, "%"), {}, "10,0 %"),
        ((9.96, "%"), {"with_unit": False}, "10,0"),
        ((1449.06, "km²"), {}, "1.449,1 km²"),
        ((21.414, "Tsd. EUR"), {}, "21,41 Tsd. EUR"),
        ((132317, "Anzahl"), {}, "132.317"),
        ((1234.6, "%"), {}, "1.235 %"),
        ((3, "Kategorie"), {}, "3,0"),
        ((3, "Kategorie", "ländlich"), {}, "ländlich"),
        ((None, "%"), {}, "–"),
        ((None, "%", ""), {}, "–"),
    ],
)
def test_value_cases(args, kwargs, text):
    assert fmt.value(*args, **kwargs) == text


@pytest.mark.parametrize(
    "delta, unit, text",
    [
        (0.4, "%", "+0,4 Pp."),
        (-1.25, "%", "-1,2 Pp."),
        (1500.0, "EUR", "+1.500 EUR"),
        (-2.5, "Jahre", "-2,5 Jahre"),
        (0.123, "Tsd. EUR", "+0,12 Tsd. EUR"),
        (2.0, "Kategorie", "+2,0"),
        (float("nan"), "%", "–"),
        (None, "Anzahl", "–"),
        (1234.0, "", "+1.234"),
    ],
)
def test_change_cases(delta, unit, text):
    assert fmt.change(delta, unit) == text


def test_dates_and_percentiles():
    assert fmt.german_date("") == "–"
    assert fmt.german_date("2023-12-31T10:15:00") == "31.12.2023"
    assert fmt.german_date(date(2024, 3, 5)) == "05.03.2024"
    assert fmt.german_date(datetime(2024, 3, 5, 23, 59)) == "05.03.2024"
    assert fmt.german_date("kein Datum") == "kein Datum"
    assert fmt.percent_rank(75.4) == "75. Perzentil"
    assert fmt.percent_rank(99.6) == "100. Perzentil"
    assert fmt.percent_rank(None) == "–" and fmt.percent_rank(float("nan")) == "–"


def test_defaults_have_no_unit():
    assert fmt.change(0.4) == "+0,4"
    assert fmt.value(5.0) == "5,0"


def test_german_datetime_shows_utc_stamps_in_berlin_time_winter_and_summer():
    # December: CET = UTC+1; July: CEST = UTC+2 (worked out by hand)
    assert fmt.german_datetime("2026-12-04T22:46:17+00:00") == "04.12.2026 23:46"
    assert fmt.german_datetime("2026-07-01T23:30:00+00:00") == "02.07.2026 01:30"
    assert fmt.german_datetime("2026-07-01T23:30:00+00:00", with_time=False) == "02.07.2026"
    assert fmt.german_datetime("2026-03-05T08:15:00") == "05.03.2026 08:15"  # no zone: as stored
    assert fmt.german_datetime("") == "unbekannt"
    assert fmt.german_datetime("gestern") == "gestern"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (None, "unbekannt (vor der Anmeldepflicht)"),
        ("", "unbekannt (vor der Anmeldepflicht)"),
        ("   ", "unbekannt (vor der Anmeldepflicht)"),
        ("lokal", "unbekannt (vor der Anmeldepflicht)"),
        (" lokal ", "unbekannt (vor der Anmeldepflicht)"),
        ("anna", "anna"),
        (" anna ", "anna"),
        ("lokal:root", "root (Systemkonto des Servers, vor der Anmeldepflicht)"),
        ("lokal:a:b", "a:b (Systemkonto des Servers, vor der Anmeldepflicht)"),
        ("lokalx", "lokalx"),
        ("anna:lokal", "anna:lokal"),
        ("LOKAL:root", "LOKAL:root"),
    ],
)
def test_person_names_who_changed_a_target_in_words_for_people(stored, shown):
    assert fmt.person(stored) == shown


@pytest.mark.parametrize(
    ("value", "kwargs", "shown"),
    [
        (1234.5, {}, "1.234,5"),
        (10.0, {}, "10"),
        (100.0, {}, "100"),
        (1.10, {}, "1,1"),
        (2.0 / 3.0, {}, "0,666667"),
        (2.0 / 3.0, {"max_decimals": 2}, "0,67"),
        (0.0012, {}, "0,0012"),
        (1e-7, {}, "0"),
        (None, {}, "–"),
        (float("nan"), {"sign": True}, "–"),
        (-0.5, {"sign": True}, "-0,5"),
        (0.25, {"sign": True}, "+0,25"),
        (1_000_000.0, {"sign": True}, "+1.000.000"),
        (10, {"max_decimals": 0}, "10"),  # no decimal comma: the zeros of the number stay
        (0.0, {"sign": True}, "±0"),
    ],
)
def test_exact_keeps_every_digit_that_matters_in_german_notation(value, kwargs, shown):
    assert fmt.exact(value, **kwargs) == shown


def test_german_datetime_of_datetime_objects_and_nothing():
    assert fmt.german_datetime(None) == "unbekannt"
    assert fmt.german_datetime(datetime(2026, 1, 15, 6, 5, tzinfo=UTC)) == "15.01.2026 07:05"
    assert fmt.german_datetime(datetime(2026, 1, 15, 6, 5)) == "15.01.2026 06:05"
    assert fmt.german_datetime(datetime(2026, 1, 15, 6, 5), with_time=False) == "15.01.2026"
