"""Downloads read back: every format and layout holds the store's values, German number format, sources, safe cells."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from indicators.outputs import exports
from indicators.warehouse.store import Store

HOSTILE_NAME = 'Landkreis Göttingen (Stadt Göttingen); "Test"'
FORMULA_NAME = '=HYPERLINK("http://example.org/x","klick")'
FORMULA_LABEL = "  +SUM(1,2) Quote"
REGIONS = ["15087", "15001", "03159", "01001"]
INDICATORS = ["alq", "jugend_alq", "kreistyp"]
YEARS = (2019, 2023)
CREATED = datetime(2024, 5, 17, 9, 30)


@pytest.fixture(scope="module")
def extract(demo_warehouse):
    """Facts of the demo store plus district and indicator tables with hostile names in them."""
    store = Store(demo_warehouse)
    facts = store.facts(REGIONS + ["DG", "15"], INDICATORS, (2015, 2023))
    districts = store.districts()
    districts.loc[districts["ags"] == "03159", "display_name"] = HOSTILE_NAME
    districts.loc[districts["ags"] == "01001", "display_name"] = FORMULA_NAME
    indicators = store.indicators()
    indicators.loc[indicators["id"] == "jugend_alq", "label"] = FORMULA_LABEL
    return store, facts, districts, indicators


def run(extract, fmt: str, layout: str) -> exports.Download:
    store, facts, districts, indicators = extract
    stem = exports.file_stem(REGIONS, INDICATORS, (2015, 2023), layout, demo=store.is_demo)
    return exports.export(facts, districts, indicators, store.manifest, fmt, layout, stem, created=CREATED)


def unzip(download: exports.Download) -> tuple[str, bytes, str]:
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = archive.namelist()
    assert "QUELLEN.txt" in names and len(names) == 2
    member = next(n for n in names if n != "QUELLEN.txt")
    sources = archive.read("QUELLEN.txt").decode("utf-8-sig")
    return member, archive.read(member), sources


def store_values(facts: pd.DataFrame) -> dict[tuple[str, str, int], float]:
    return {(r.region, r.indicator, int(r.year)): r.value for r in facts.itertuples() if pd.notna(r.value)}


def assert_long_values(table: pd.DataFrame, facts: pd.DataFrame) -> None:
    expected = store_values(facts)
    got = {
        (str(r["AGS"]), str(r["Indikator-Kennung"]), int(r["Jahr"])): float(r["Wert"])
        for _, r in table.iterrows()
        if pd.notna(r["Wert"]) and str(r["Wert"]) != ""
    }
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


@pytest.mark.parametrize("layout", ["lang", "breit"])
def test_german_csv_has_bom_semicolons_and_decimal_commas(extract, layout):
    _, facts, _, _ = extract
    download = run(extract, "csv_de", layout)
    assert download.file_name.endswith("_csv-excel.zip")
    member, data, sources = unzip(download)
    assert member.endswith("_excel.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    header = rows[0]
    if layout == "lang":
        assert header == exports.LONG_COLUMNS
        values = [r[header.index("Wert")] for r in rows[1:]]
        assert all(re.fullmatch(r"-?\d+(,\d+)?", v) for v in values if v), "decimal comma, no thousands separator"
        assert any("," in v for v in values)
        table = pd.read_csv(io.StringIO(text), sep=";", decimal=",", dtype={"AGS": str, "Kreis": str})
        assert_long_values(table, facts)
        # a population-sized value keeps all digits without a thousands separator
        home = table[(table["AGS"] == "15087") & (table["Indikator-Kennung"] == "alq") & (table["Jahr"] == 2023)]
        assert home["Wert"].iloc[0] == pytest.approx(store_value(extract, "15087", "alq", 2023))
    else:
        assert header[:4] == exports.WIDE_KEYS
        table = pd.read_csv(io.StringIO(text), sep=";", decimal=",", dtype={"AGS": str})
        column = exports.wide_header("alq", "Arbeitslosenquote (alle zivilen Erwerbspersonen)", "%")
        row = table[(table["AGS"] == "15087") & (table["Jahr"] == 2021)]
        assert row[column].iloc[0] == pytest.approx(store_value(extract, "15087", "alq", 2021))
        assert len(table) == facts.groupby(["region", "year"]).ngroups
    names = dict(zip(table["AGS"], table["Kreis"], strict=False))
    assert names["03159"] == HOSTILE_NAME
    assert names["01001"] == "'" + FORMULA_NAME
    assert "Quelle:" in sources and "Lizenz:" in sources and exports.DEMO_MARKER in sources


def store_value(extract, region: str, indicator: str, year: int) -> float:
    store = extract[0]
    return store.value(region, indicator, year)


@pytest.mark.parametrize("layout", ["lang", "breit"])
def test_plain_csv_uses_commas_and_decimal_points(extract, layout):
    _, facts, _, _ = extract
    member, data, _ = unzip(run(extract, "csv", layout))
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    table = pd.read_csv(io.StringIO(text), sep=",", dtype={"AGS": str})
    if layout == "lang":
        assert_long_values(table, facts)
        assert set(table["harmonisiert"].astype(str)) <= {"True", "False", "true", "false"}
    else:
        column = exports.wide_header("jugend_alq", FORMULA_LABEL, "%")
        assert ("'" + column) in table.columns, "formula-like header neutralised"
        row = table[(table["AGS"] == "15001") & (table["Jahr"] == 2020)]
        assert row["'" + column].iloc[0] == pytest.approx(store_value(extract, "15001", "jugend_alq", 2020))
    assert dict(zip(table["AGS"], table["Kreis"], strict=False))["03159"] == HOSTILE_NAME


@pytest.mark.parametrize("layout", ["lang", "breit"])
def test_xlsx_has_data_and_sources_sheets_and_no_formulas(extract, layout):
    _, facts, _, _ = extract
    download = run(extract, "xlsx", layout)
    assert download.file_name.endswith(f"_{layout}.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["Daten", "Quellen"]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
    sheet = book["Daten"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    table = pd.DataFrame(rows[1:], columns=header)
    if layout == "lang":
        assert header == exports.LONG_COLUMNS
        assert_long_values(table, facts)
        label_cells = [c for c in sheet["E"] if isinstance(c.value, str) and "SUM(1,2)" in c.value]
        assert label_cells and all(c.data_type == "s" and c.value == "'" + FORMULA_LABEL for c in label_cells)
    else:
        column = exports.wide_header("alq", "Arbeitslosenquote (alle zivilen Erwerbspersonen)", "%")
        row = table[(table["AGS"] == "15087") & (table["Jahr"] == 2023)]
        assert row[column].iloc[0] == pytest.approx(store_value(extract, "15087", "alq", 2023))
        class_column = next(c for c in header if c.endswith("(kreistyp)"))
        assert table[class_column].dropna().map(type).eq(str).all(), "class indicators hold their class text"
    names = dict(zip(table["AGS"], table["Kreis"], strict=False))
    assert names["03159"] == HOSTILE_NAME
    assert names["01001"] == "'" + FORMULA_NAME
    formula_cells = [c for c in sheet["B"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert formula_cells and all(c.data_type == "s" for c in formula_cells)
    sources = [" ".join(str(v) for v in r if v is not None) for r in book["Quellen"].iter_rows(values_only=True)]
    text = "\n".join(sources)
    assert exports.DEMO_MARKER in text
    assert "Lizenz" in text and "Demodaten ohne Aussagekraft" in text
    for indicator in INDICATORS:
        assert any(indicator in line for line in sources), indicator


@pytest.mark.parametrize("layout", ["lang", "breit"])
def test_parquet_keeps_types_and_values(extract, layout):
    _, facts, _, _ = extract
    member, data, sources = unzip(run(extract, "parquet", layout))
    assert member.endswith(".parquet")
    table = pd.read_parquet(io.BytesIO(data))
    assert str(table["AGS"].dtype) in {"string", "str", "object"}
    assert "15087" in set(table["AGS"])
    if layout == "lang":
        assert_long_values(table, facts)
        assert table["unterdrückt"].dtype == bool
        assert dict(zip(table["AGS"], table["Kreis"], strict=False))["01001"] == FORMULA_NAME
    else:
        column = exports.wide_header("alq", "Arbeitslosenquote (alle zivilen Erwerbspersonen)", "%")
        row = table[(table["AGS"] == "DG") & (table["Jahr"] == 2022)]
        assert row[column].iloc[0] == pytest.approx(store_value(extract, "DG", "alq", 2022))
    assert "Demodaten ohne Aussagekraft" in sources


def test_sources_name_stand_and_licence_of_official_files():
    source = "Statistische Ämter des Bundes und der Länder: 13211-02-05-4, Stand 09.07.2024 / 11:01:42"
    facts = pd.DataFrame(
        {
            "region": ["15087", "15087", "15087"],
            "indicator": ["alq", "alq", "anteil_langzeitarbeitslose"],
            "year": [2022, 2023, 2023],
            "value": [9.5, 9.9, 47.6],
            "value_label": [None, None, None],
            "suppressed": [False] * 3,
            "harmonised": [False] * 3,
            "estimated": [False] * 3,
            "break": [False] * 3,
            "source": [source, source, "Eigene Berechnung: Langzeitarbeitslose / Arbeitslose"],
        }
    )
    indicators = pd.DataFrame(
        {
            "id": ["alq", "anteil_langzeitarbeitslose"],
            "label": ["Arbeitslosenquote", "Anteil Langzeitarbeitsloser"],
            "unit": ["%", "%"],
            "licence": ["Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)"] * 2,
        }
    )
    manifest = {
        "demo": False,
        "sources": [
            {
                "file": "13211.csv",
                "publisher": "Statistische Ämter des Bundes und der Länder",
                "stand": "09.07.2024 / 11:01:42",
                "licence": "dl-de/by-2-0",
            },
            {
                "file": "atlas.xlsx",
                "publisher": "Statistisches Bundesamt (Destatis), Deutschlandatlas",
                "stand": "12.12.2024",
                "licence": "© Destatis 2024",
            },
        ],
    }
    table = exports.sources_table(facts, indicators, manifest)
    alq = table[table["Indikator-Kennung"] == "alq"].iloc[0]
    assert alq["Stand"] == "09.07.2024 / 11:01:42"
    assert alq["Lizenz"].startswith("Datenlizenz Deutschland – Namensnennung – Version 2.0")
    own = table[table["Indikator-Kennung"] == "anteil_langzeitarbeitslose"].iloc[0]
    assert own["Lizenz"].startswith("Eigene Berechnung")
    assert len(exports.attribution_lines(manifest)) == 2, "the whole warehouse"
    lines = exports.attribution_lines(manifest, list(facts["source"]))
    assert lines == [
        "Quelle: Statistische Ämter des Bundes und der Länder, Stand 09.07.2024 / 11:01:42; Lizenz: "
        + exports.LICENCE_TEXTS["dl-de/by-2-0"]
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+49 3464", "'+49 3464"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\r=x", "'\r=x"),
        ("   =cmd", "'   =cmd"),
        ("Mansfeld-Südharz", "Mansfeld-Südharz"),
        ("8,50 bis unter 10,00", "8,50 bis unter 10,00"),
        ("", ""),
    ],
)
def test_neutralise(text, expected):
    assert exports.neutralise(text) == expected
    assert exports.neutralise_series(pd.Series([text])).iloc[0] == expected


def test_numbers_have_no_thousands_separator():
    assert exports.number_text(132317.0) == "132317"
    assert exports.number_text(1234.5) == "1234,5"
    assert exports.number_text(1234.5, ".") == "1234.5"
    assert exports.number_text(0.1 + 0.2) == "0,3"
    assert exports.number_text(-0.0) == "0"
    assert exports.number_text(float("nan")) == ""


@pytest.mark.parametrize("layout", ["lang", "breit"])
def test_german_csv_writes_numbers_with_thousands_without_separator(extract, layout):
    """Mansfeld-Südharz 2021 (Destatis Kreisliste): 132.317 inhabitants on 1.449,05 km². German Excel reads a
    thousands dot as part of the number only by luck, so the CSV holds ``132317`` and ``1449,05``."""
    store, _, districts, indicators = extract
    facts = pd.DataFrame(
        {
            "region": ["15087", "15087"],
            "indicator": ["einwohner", "flaeche"],
            "year": [2021, 2021],
            "value": [132317.0, 1449.05],
            "value_label": [None, None],
            "suppressed": [False, False],
            "harmonised": [False, False],
            "estimated": [False, False],
            "break": [False, False],
            "source": ["Destatis 04-kreise_31122021.xlsx"] * 2,
        }
    )
    stem = exports.file_stem(["15087"], ["einwohner", "flaeche"], (2021, 2021), layout)
    download = exports.export(facts, districts, indicators, {"sources": []}, "csv_de", layout, stem, created=CREATED)
    _, data, _ = unzip(download)
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    if layout == "lang":
        cells = {r[header.index("Indikator-Kennung")]: r[header.index("Wert")] for r in rows}
    else:
        [row] = rows
        cells = {
            i: row[next(n for n, h in enumerate(header) if h.endswith(f"({i})"))] for i in ("einwohner", "flaeche")
        }
    assert cells == {"einwohner": "132317", "flaeche": "1449,05"}


def test_file_names_say_what_they_hold_and_stay_short():
    peers = ["15087"] + [f"150{i:02d}" for i in range(1, 14)]
    assert exports.file_stem(peers, ["alq", "jugend_alq"], (2015, 2023), "lang") == (
        "regiomonitor_15087-und-13-weitere_alq-jugend_alq_2015-2023_lang"
    )
    assert (
        exports.file_stem(["15087"], ["alq"], (2023, 2023), "breit", demo=True)
        == "regiomonitor-demo_15087_alq_2023_breit"
    )
    long_ids = [f"genesis__13211_02_05_4__arbeitslosenquote_{i}_sehr_lang" for i in range(3)]
    stem = exports.file_stem(["15087", "15088"], long_ids, (1995, 2023), "lang")
    assert len(stem) <= exports.MAX_STEM and stem.isascii() and re.fullmatch(r"[A-Za-z0-9_.-]+", stem)
    assert stem.startswith("regiomonitor_15087-15088_") and stem.endswith("_1995-2023_lang")
    assert exports.file_name(stem, "csv_de").endswith("_csv-excel.zip")


def test_xlsx_refuses_more_rows_than_a_sheet_holds(extract, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 10)
    with pytest.raises(exports.ExportTooLarge, match="höchstens"):
        run(extract, "xlsx", "lang")
