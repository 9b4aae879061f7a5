"""The shared pieces every importer uses (indicators/importers/base.py): cell parsing, ids, the facts frame.

Expected values are written out by hand; these fast tests are also what mutation testing runs against the module.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from indicators.importers import base


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("9,9", (9.9, False)),
        ("132.317", (132.317, False)),  # no comma: the dot is a decimal point (values as Excel stores them)
        ("132.317,5", (132317.5, False)),  # with a comma the dots are thousands separators
        ("1.234.567,89", (1234567.89, False)),
        ("-0,5", (-0.5, False)),
        ("  7,25 ", (7.25, False)),
        ("12", (12.0, False)),
        ("1e3", (1000.0, False)),
        (9.95, (9.95, False)),
        (132317, (132317.0, False)),
        (0, (0.0, False)),
        (None, (None, False)),
        (float("nan"), (None, False)),
        ("", (None, False)),
        ("   ", (None, False)),
        ("-", (None, False)),
        (".", (None, True)),
        ("x", (None, True)),
        ("...", (None, True)),
        ("/", (None, True)),
        ("*", (None, True)),
    ],
)
def test_parse_number_with_decimal_comma(cell, expected):
    assert base.parse_number(cell) == expected


@pytest.mark.parametrize("cell, expected", [("9.95", 9.95), ("1234.5", 1234.5), ("12", 12.0), (" 3.5 ", 3.5)])
def test_parse_number_with_decimal_point(cell, expected):
    assert base.parse_number(cell, decimal_comma=False) == (expected, False)


def test_parse_number_with_decimal_point_keeps_commas_as_an_error():
    with pytest.raises(ValueError, match="1,5"):
        base.parse_number("1,5", decimal_comma=False)


@pytest.mark.parametrize("cell", ["abc", "9,9 %", "1,2,3", "NaN", "inf", "-inf", "1e999", "1,0e999", "--", "x1"])
def test_parse_number_rejects_text_naming_it(cell):
    with pytest.raises(ValueError) as error:
        base.parse_number(cell)
    # the message is the text as it was read as a number: German dots and commas already turned round
    assert str(error.value) == (cell.replace(".", "").replace(",", ".") if "," in cell else cell)


@pytest.mark.parametrize("cell", [float("inf"), float("-inf")])
def test_parse_number_rejects_infinite_numbers(cell):
    with pytest.raises(ValueError):
        base.parse_number(cell)


def test_parse_number_treats_booleans_as_text():
    with pytest.raises(ValueError, match="True"):
        base.parse_number(True)


def test_special_values_are_worded_and_suppressed_ones_distinguished():
    assert set(base.SPECIAL_VALUES) == {"-", ".", "x", "...", "/", "*"}
    assert base.SUPPRESSED_VALUES == {".", "x", "...", "/", "*"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Arbeitslosenquote bez. abh. zivile", "arbeitslosenquote_bez_abh_zivile"),
        ("Größe Übersicht Ärger Öl", "groesse_uebersicht_aerger_oel"),
        ("über Straße", "ueber_strasse"),
        ("  15 bis unter 25 Jahre  ", "15_bis_unter_25_jahre"),
        ("Café – Zähler (%)", "cafe_zaehler"),
        ("___", ""),
    ],
)
def test_slug(text, expected):
    assert base.slug(text) == expected


def test_derived_indicator_id_is_stable_and_skips_empty_parts():
    assert base.derived_indicator_id("GENESIS", "13211-02-05-4", "Arbeitslose", "", "15 bis unter 25 Jahre") == (
        "genesis__13211_02_05_4__arbeitslose__15_bis_unter_25_jahre"
    )
    assert base.derived_indicator_id("inkar", "", "(%)") == "inkar"


def test_facts_frame_fills_defaults_and_types():
    df = base.facts_frame([{"region": "15087", "indicator": "alq", "year": 2023, "value": 9.9, "extra": 1}])
    assert list(df.columns) == base.FACT_COLUMNS
    row = df.iloc[0]
    assert (row["region"], row["indicator"], row["year"], row["value"]) == ("15087", "alq", 2023, 9.9)
    assert row["suppressed"] is False or row["suppressed"] == False  # noqa: E712  (numpy bool)
    assert not row["estimated"] and pd.isna(row["value_label"]) and pd.isna(row["territory_year"])
    assert str(df["region"].dtype) == "string" and str(df["indicator"].dtype) == "string"
    assert str(df["year"].dtype) == "Int16" and str(df["territory_year"].dtype) == "Int16"
    assert str(df["value"].dtype) == "float64" and str(df["value_label"].dtype) == "string"
    assert df["suppressed"].dtype == bool and df["estimated"].dtype == bool


def test_facts_frame_keeps_given_flags_and_labels():
    df = base.facts_frame(
        [
            {"region": "01001", "indicator": "k", "year": 2020, "value": None, "suppressed": True, "value_label": "a"},
            {"region": "01002", "indicator": "k", "year": 2021, "value": 2, "estimated": True, "territory_year": 2019},
        ]
    )
    assert list(df["suppressed"]) == [True, False] and list(df["estimated"]) == [False, True]
    assert df["value_label"].iloc[0] == "a" and math.isnan(df["value"].iloc[0])
    assert df["territory_year"].iloc[1] == 2019


def test_empty_facts_have_the_columns():
    df = base.empty_facts()
    assert df.empty and list(df.columns) == base.FACT_COLUMNS


def test_import_result_lists_years_and_regions_sorted():
    facts = base.facts_frame(
        [
            {"region": "15087", "indicator": "a", "year": 2023, "value": 1.0},
            {"region": "01001", "indicator": "a", "year": 2019, "value": 2.0},
            {"region": "15087", "indicator": "a", "year": 2019, "value": 3.0},
        ]
    )
    result = base.ImportResult("genesis", "13211", Path("x.csv"), facts, [base.IndicatorSpec("a", "A")])
    assert result.years == [2019, 2023] and all(isinstance(y, int) for y in result.years)
    assert result.regions == ["01001", "15087"]
    spec = result.indicators[0]
    assert (spec.unit, spec.scale, spec.classes) == ("", "ratio", [])
    assert result.problems == [] and result.title == ""


def test_import_result_rows_counts_what_the_file_yields():
    facts = base.facts_frame([{"region": "15087", "indicator": "a", "year": 2023, "value": 1.0}] * 3)
    plain = base.ImportResult("genesis", "t", Path("x.csv"), facts, [])
    assert plain.rows == 3
    published = base.ImportResult("reference", "t", Path("x.csv"), facts, [], published=pd.DataFrame({"v": [1, 2]}))
    assert published.rows == 2, "a published reference counts its own rows, not facts"
    extras = base.ImportResult(
        "bbsr", "t", Path("x.xlsx"), base.empty_facts(), [], extras={"crosswalk": [1, 2, 3, 4], "note": object()}
    )
    assert extras.rows == 4, "every extra that has a length, nothing else"
    assert plain.breaks == [] and plain.extras == {} and plain.published is None


def test_parse_number_names_an_infinite_cell():
    with pytest.raises(ValueError, match="^inf$"):
        base.parse_number(float("inf"))
