"""INKAR raw exports: fixture workbooks in the real layout, edge cases built on the fly, and the real files."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import xlrd

from indicators.errors import SourceFileError
from indicators.importers import inkar
from indicators.importers.base import FACT_COLUMNS

META_HEADER = ["Indikator", "Langname", "Quelle", "Berechnungsgrundlage", "Anmerkungen"]


def value(result, region: str, indicator: str, year: int) -> float | None:
    facts = result.facts
    hit = facts[(facts.region == region) & (facts.indicator == indicator) & (facts.year == year)]
    assert len(hit) <= 1
    return None if hit.empty else float(hit.value.iloc[0])


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def daten(*rows: list[object], name: str = "Arbeitslose", years=("2020", "2021")) -> list[list[object]]:
    return [
        ["Kennziffer", "Raumeinheit", "Aggregat", *[name] * len(years)],
        [None, None, None, *years],
        *rows,
    ]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def export(fixtures):
    return inkar.read(fixtures / "inkar" / "inkar_export.xlsx")


@pytest.fixture
def counts(fixtures):
    return inkar.read(fixtures / "inkar" / "inkar_counts-pre2012.xlsx")


def test_sniff_accepts_inkar_exports(fixtures):
    for path in (fixtures / "inkar").glob("*.xlsx"):
        assert inkar.sniff(path), path.name


def test_sniff_rejects_foreign_files(tmp_path):
    text = tmp_path / "table.csv"
    text.write_text("Kennziffer;Raumeinheit\n01001;Flensburg\n", encoding="utf-8")
    other = workbook(tmp_path / "other.xlsx", {"Daten": [["KRS1222", "alq"], [1001000, 5.2]]})
    no_data = workbook(tmp_path / "nodata.xlsx", {"Tabelle1": [["Kennziffer", "Raumeinheit"]]})
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (text, other, no_data, broken, tmp_path / "missing.xls"):
        assert not inkar.sniff(path), path.name


def test_facts_have_standard_columns_and_today_gebietsstand(export):
    assert list(export.facts.columns) == FACT_COLUMNS
    assert export.facts.territory_year.isna().all()
    assert not export.facts.suppressed.any()
    assert not export.facts.estimated.any()


def test_several_indicators_in_one_export(export):
    ids = [spec.id for spec in export.indicators]
    assert ids == ["inkar__beschaeftigtenquote", "inkar__haushaltseinkommen"]
    assert value(export, "15087", "inkar__beschaeftigtenquote", 2021) == 64.0
    assert value(export, "01001", "inkar__haushaltseinkommen", 2021) == 1625.75
    # the income indicator starts in 2020, so there is no 2019 value for it
    assert value(export, "15087", "inkar__haushaltseinkommen", 2019) is None


def test_years_as_text_and_keys_without_leading_zero(export):
    assert export.years == [2019, 2020, 2021]
    assert value(export, "09162", "inkar__beschaeftigtenquote", 2020) == 63.5
    assert "9162" not in export.regions


def test_city_states_keep_their_kreis_keys(export):
    assert value(export, "11000", "inkar__beschaeftigtenquote", 2021) == 56.0
    assert value(export, "02000", "inkar__haushaltseinkommen", 2020) == 2100.0


def test_empty_cells_are_missing(export):
    assert value(export, "11000", "inkar__beschaeftigtenquote", 2020) is None
    assert value(export, "11000", "inkar__beschaeftigtenquote", 2019) == 55.0


def test_metadata_gives_label_unit_definition_source(export):
    quote, income = export.indicators
    assert quote.label == "SV Beschäftigte am Wohnort je 100 Einwohner im erwerbsfähigen Alter in %"
    assert quote.unit == "%"
    assert "Berechnung: SV Beschäftigte WO" in quote.definition
    assert quote.definition.startswith("Zahl sozialversicherungspflichtig Beschäftigter")
    assert quote.source.startswith("Laufende Raumbeobachtung des BBSR")
    assert income.unit == "EUR"


def test_remarks_of_another_indicator_are_not_taken_over(export):
    income = export.indicators[1]
    assert "Bruttoarbeitsentgelte" not in income.definition
    assert "verfügbares Einkommen" in income.definition
    assert any("Haushaltseinkommen" in p and "Anmerkungen" in p for p in export.problems)


def test_citation_gives_title_publisher_stand_and_licence(export):
    assert export.publisher == "BBSR"
    assert export.stand == "INKAR Ausgabe 2024"
    assert export.title == "Indikatoren und Karten zur Raum- und Stadtentwicklung. INKAR"
    assert export.licence == "dl-de/by-2-0"
    assert export.format == "inkar"


def test_coverage_problems_name_old_keys_and_kreis_count(export):
    assert any("Zeile 8" in p and "16056" in p for p in export.problems)
    assert any("6 statt 400 Kreise" in p for p in export.problems)


def test_share_metadata_over_count_values_becomes_a_count(counts):
    (spec,) = counts.indicators
    assert spec.id == "inkar__beschaeftigte_am_wohnort_ohne_berufsabschluss__anzahl"
    assert spec.unit == "Anzahl"
    assert spec.label == "Beschäftigte am Wohnort ohne Berufsabschluss (Anzahl)"
    assert "Anteil" in spec.definition  # the misleading metadata stays visible as such
    assert any("Anzahlen" in p for p in counts.problems)
    assert value(counts, "11000", spec.id, 2011) == 152000.0
    assert counts.years == [2009, 2010, 2011]


def test_metadata_matched_despite_different_spelling(counts):
    assert counts.indicators[0].source == "Statistik der Bundesagentur für Arbeit"
    assert any("Beschäftigte am WO ohne Berufsabschluss" in p for p in counts.problems)


def test_missing_citation_sheet_and_extra_notes(counts):
    assert counts.stand == "nicht angegeben (Blatt Quellangabe fehlt)"
    assert counts.publisher == "Statistik der Bundesagentur für Arbeit"
    assert any("Quellangabe" in p for p in counts.problems)
    assert any("Hinweis-RKI" in p and "händisch" in p for p in counts.problems)


# --------------------------------------------------------------------------- edge cases


def test_area_levels_from_aggregat_column(tmp_path):
    path = workbook(
        tmp_path / "levels.xlsx",
        {
            "Daten": daten(
                ["1000", "Bundesrepublik", "Bund", 2600000, 2500000],
                ["15", "Sachsen-Anhalt", "Länder", 90000, 85000],
                ["1501", "Altmark", "Raumordnungsregionen", 9000, 8500],
                ["15087", "Mansfeld-Südharz", "Kreise", 7000, 6300],
                [None, None, None, None, None],
            )
        },
    )
    result = inkar.read(path)
    assert result.regions == ["15", "15087", "DG"]
    assert value(result, "DG", "inkar__arbeitslose", 2021) == 2500000
    assert any("Zeile 5" in p and "1501" in p for p in result.problems)


def test_unit_and_label_without_metadata_sheet(tmp_path):
    path = workbook(tmp_path / "bare.xlsx", {"Daten": daten(["15087", "Mansfeld-Südharz", "Kreise", 1, 2])})
    result = inkar.read(path)
    (spec,) = result.indicators
    assert (spec.id, spec.label, spec.unit) == ("inkar__arbeitslose", "Arbeitslose", "")
    assert any("Metadaten" in p for p in result.problems)


def test_period_year_and_error_cells(tmp_path):
    path = workbook(
        tmp_path / "period.xlsx",
        {"Daten": daten(["15087", "Mansfeld-Südharz", "Kreise", "#DIV/0!", 3.5], years=("2016-2018", "2019-2021"))},
    )
    result = inkar.read(path)
    assert result.years == [2021]
    assert value(result, "15087", "inkar__arbeitslose", 2021) == 3.5
    assert any("D3" in p and "#DIV/0!" in p for p in result.problems)


def test_share_with_a_few_values_over_100_stays_a_share(tmp_path):
    meta = [
        ["Dokumentation"],
        META_HEADER,
        ["Betreuungsquote", "Betreute Kinder in %", "BBSR", "", "Betreute"],
    ]
    rows = [["15087", "A", "Kreise", 95.0, 101.5], ["15088", "B", "Kreise", 90.0, 92.0]]
    path = workbook(tmp_path / "share.xlsx", {"Daten": daten(*rows, name="Betreuungsquote"), "Metadaten": meta})
    result = inkar.read(path)
    (spec,) = result.indicators
    assert (spec.id, spec.unit) == ("inkar__betreuungsquote", "%")
    assert any("1 Werte über 100 %" in p for p in result.problems)


@pytest.mark.parametrize(
    ("langname", "formula", "unit"),
    [
        ("Anteil der Schulabgänger ohne Hauptschulabschluss an den Schulabgängern in %", "", "%"),
        ("SV Beschäftigte am Wohnort je 100 Einwohner im erwerbsfähigen Alter", "SV / E x 100", "%"),
        ("Durchschnittliches Haushaltseinkommen in € je Einwohner", "", "EUR"),
        ("Bruttoinlandsprodukt in 1.000 € je Einwohner", "", "1.000 EUR"),
        ("Ärzte je 10.000 Einwohner", "Ärzte / E x 10000", "je 10.000 Einwohner"),
        ("Pkw-Dichte", "Pkw / E x 1000", "je 1.000"),
        ("Zahl der Arbeitslosen insgesamt", "", "Anzahl"),
        ("Durchschnittsalter der Bevölkerung in Jahren", "", "Jahre"),
        ("Siedlungsdichte", "", ""),
    ],
)
def test_unit_from_text(langname, formula, unit):
    assert inkar.unit_from_text(langname, formula) == unit


@pytest.mark.parametrize(
    ("sheets", "where"),
    [
        ({"Daten": [["Schlüssel", "Raumeinheit", "X"], [None, None, "2020"]]}, "Zelle A1"),
        ({"Daten": daten(["15087", "M", "Kreise", 1, 2], years=("2020", "Jahr"))}, "Zelle E2"),
        ({"Daten": daten(["15087", "M", "Kreise", 1, "viele"])}, "Zelle E3"),
        ({"Daten": daten(["15087", "M", "Kreise", 1, 2], years=("2020", "2020"))}, "Zelle E2"),
        ({"Daten": [["Kennziffer", "Raumeinheit"]]}, "zwei Kopfzeilen"),
        ({"Tabelle1": [["Kennziffer"]]}, "Blatt „Daten“"),
    ],
)
def test_malformed_workbooks_raise_source_file_error(tmp_path, sheets, where):
    path = workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(SourceFileError) as info:
        inkar.read(path)
    assert where in str(info.value)
    assert "bad.xlsx" in str(info.value)


def test_non_excel_file_raises_source_file_error(tmp_path):
    for name, content in (
        ("x.xlsx", b"PK\x03\x04garbage"),
        ("y.xls", b"\xd0\xcf\x11\xe0junk"),
        ("z.xls", b"hi"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(SourceFileError):
            inkar.read(path)


# --------------------------------------------------------------------------- real files


@pytest.fixture
def real(shared_data):
    folder = shared_data / "inkar"
    if not folder.is_dir():
        pytest.skip(f"no INKAR files in {folder}")
    return folder


def test_real_files_import_without_stderr_noise(real, capfd):
    paths = sorted(real.glob("*.xls*"))
    assert len(paths) >= 2
    for path in paths:
        assert inkar.sniff(path), path.name
        result = inkar.read(path)
        assert len(result.regions) == 400, path.name
        assert not any("statt 400" in p or "gehört nicht" in p for p in result.problems), path.name
        assert result.facts.territory_year.isna().all()
    captured = capfd.readouterr()
    assert "OLE2" not in captured.err + captured.out


def test_real_beschaeftigtenquote(real):
    result = inkar.read(real / "A_BeschaeftigtenquoteKreis.xls")
    (spec,) = result.indicators
    assert spec.id == "inkar__beschaeftigtenquote"
    assert spec.unit == "%"
    assert result.stand == "INKAR Ausgabe 2024"
    assert result.publisher == "BBSR"
    assert value(result, "15087", spec.id, 2021) == 64.76
    assert value(result, "11000", spec.id, 2021) == 57.87
    assert value(result, "02000", spec.id, 2021) == 62.63
    assert value(result, "09162", spec.id, 2002) == 56.48
    assert result.years[0] == 1997 and result.years[-1] == 2021


def test_real_schulabgaenger_with_empty_cells(real):
    result = inkar.read(real / "B_SchulabgaengerohneAbschluss.xls")
    (spec,) = result.indicators
    assert spec.id == "inkar__schulabgaenger_ohne_abschluss"
    assert spec.unit == "%"
    assert value(result, "15087", spec.id, 2021) == 8.2
    assert value(result, "11000", spec.id, 2021) == 6.6
    assert value(result, "02000", spec.id, 2021) == 5.88
    assert value(result, "15087", spec.id, 2001) is None  # empty cell in the source
    assert value(result, "15087", spec.id, 2002) == 14.22


def test_real_counts(real):
    result = inkar.read(real / "A_ArbeitslosigkeitKreis.xls")
    (spec,) = result.indicators
    assert (spec.id, spec.unit) == ("inkar__arbeitslose", "Anzahl")
    assert value(result, "15087", spec.id, 2011) == 10988
    assert value(result, "11000", spec.id, 2021) == 198401
    assert value(result, "02000", spec.id, 2021) == 80395
    assert value(result, "09162", spec.id, 2021) == 42452


def test_real_pre2012_counts_get_their_own_id(real):
    result = inkar.read(real / "B_BeschaeftigtemitakadAbschluss-pre2012.xlsx")
    (spec,) = result.indicators
    assert spec.id == "inkar__beschaeftigte_am_wohnort_mit_akademischem_abschluss__anzahl"
    assert spec.unit == "Anzahl"
    assert value(result, "11000", spec.id, 2011) == 231265
    assert value(result, "15087", spec.id, 2002) == 3954
    assert value(result, "02000", spec.id, 2011) == 130339
    shares = inkar.read(real / "B_BeschaeftigtemitakadAbschluss.xls")
    assert shares.indicators[0].unit == "%"
    assert value(shares, "15087", shares.indicators[0].id, 2021) == 8.35


def test_real_household_income_keeps_formula_not_wrong_remarks(real):
    result = inkar.read(real / "E_Haushaltseinkommen.xls")
    (spec,) = result.indicators
    assert spec.unit == "EUR"
    assert "verfügbares Einkommen" in spec.definition
    assert "Bruttoarbeitsentgelte" not in spec.definition
    assert value(result, "15087", spec.id, 2021) == 1783.77
    assert value(result, "11000", spec.id, 2021) == 1884.75


def test_real_values_match_raw_cells(real):
    """Every value of one file against the raw sheet, read independently with xlrd."""
    path = real / "B_SVBeschaeftigte.xls"
    sheet = xlrd.open_workbook(str(path), logfile=io.StringIO()).sheet_by_name("Daten")
    result = inkar.read(path)
    facts = result.facts.set_index(["region", "year"]).value
    checked = 0
    for r in range(2, sheet.nrows):
        for c in range(3, sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype != xlrd.XL_CELL_NUMBER:
                continue
            assert facts[(sheet.cell_value(r, 0), int(sheet.cell_value(1, c)))] == cell.value
            checked += 1
    assert checked == len(result.facts) > 0
