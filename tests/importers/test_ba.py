"""BA special-evaluation tables: the fixture in the exact BA layout, then the real Kreise_WO_Zeitreihe."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from indicators.errors import SourceFileError
from indicators.importers import ba

FIXTURE = "ba/Kreise_WO_fixture.xlsx"
REAL = "ba/Kreise_WO_Zeitreihe.xlsx"
TOTAL = "ba__svb_kreise_wo_anzahl__insgesamt"
WITHOUT = "ba__svb_kreise_wo_anzahl__1_ohne_berufsausbildung_ohne_berufsabschluss"
UNKNOWN = "ba__svb_kreise_wo_anzahl__abschluss_unbekannt"
SHARE_WITHOUT = "ba__svb_kreise_wo_anteile__1_ohne_berufsausbildung_ohne_berufsabschluss"
SHARE_UNKNOWN = "ba__svb_kreise_wo_anteile__abschluss_unbekannt"


def value(facts, region: str, indicator: str, year: int):
    hit = facts[(facts["region"] == region) & (facts["indicator"] == indicator) & (facts["year"] == year)]
    assert len(hit) <= 1
    return hit.iloc[0] if len(hit) else None


# --------------------------------------------------------------------------------------------------
# fixture


def test_sniff(fixtures: Path) -> None:
    assert ba.sniff(fixtures / FIXTURE)
    assert not ba.sniff(fixtures / "bbsr/ref-kreise-umrech-fixture.xlsx")
    assert not ba.sniff(fixtures / "bbsr/kreistypen_2020.csv")
    assert not ba.sniff(fixtures / "nothing-here.xlsx")


def test_fixture_indicators(fixtures: Path) -> None:
    result = ba.read(fixtures / FIXTURE)
    specs = {s.id: s for s in result.indicators}
    assert set(specs) == {TOTAL, WITHOUT, UNKNOWN, SHARE_WITHOUT, SHARE_UNKNOWN}
    assert specs[TOTAL].unit == "Anzahl" and specs[SHARE_WITHOUT].unit == "%"
    assert specs[TOTAL].label.endswith(": Insgesamt (Anzahl)")
    assert specs[SHARE_WITHOUT].label.endswith(
        ": 1 Ohne Berufsausbildung / Ohne Berufsabschluss (Anteil an Insgesamt in Prozent)"
    )
    # the sub-label renamed in 2012 is one series with a documented break, footnotes 1) and 2) included
    definition = specs[WITHOUT].definition
    assert "„Ohne Berufsausbildung“" in definition and "„Ohne Berufsabschluss“" in definition
    assert "Umstellung im Meldeverfahren" in definition and "ohne Angabe zur Ausbildung" in definition
    assert "ohne Angabe zur Ausbildung" not in specs[UNKNOWN].definition
    assert result.stand == "Datenstand: Februar 2022"
    assert result.publisher == "Statistik der Bundesagentur für Arbeit"
    assert result.licence == ba.LICENCE
    assert result.title.startswith("Sozialversicherungspflichtig Beschäftigte (SvB) am Wohnort")
    assert not result.title.endswith("1)")


def test_fixture_values(fixtures: Path) -> None:
    facts = ba.read(fixtures / FIXTURE).facts
    assert value(facts, "15087", TOTAL, 2013)["value"] == 50212
    assert value(facts, "15260", WITHOUT, 2006)["value"] == 2500
    assert value(facts, "DG", TOTAL, 2006)["value"] == 26384204
    assert value(facts, "02000", TOTAL, 2007)["value"] == 563907
    share = value(facts, "03156", SHARE_WITHOUT, 2006)["value"]
    assert share == pytest.approx(12.0)
    # territory of each Stichtag
    assert (facts["territory_year"] == facts["year"]).all()
    assert sorted(facts["year"].unique()) == [2006, 2007, 2013]


def test_fixture_special_values(fixtures: Path) -> None:
    facts = ba.read(fixtures / FIXTURE).facts
    # BA's "." is "kein Nachweis" (the fixture's legend says so): no value, not a withheld one
    assert value(facts, "15087", TOTAL, 2006) is None
    star = value(facts, "15087", UNKNOWN, 2013)
    assert star["suppressed"] and np.isnan(star["value"])
    assert value(facts, "16056", UNKNOWN, 2007) is None  # '-' nothing there
    # footer rows (Erstellungsdatum, footnotes) are no regions
    assert set(facts["region"]) <= {
        "DG",
        "02000",
        "03152",
        "03156",
        "03159",
        "11000",
        "15087",
        "15260",
        "15266",
        "16056",
        "16063",
    }


def test_fixture_berlin_parts(fixtures: Path) -> None:
    result = ba.read(fixtures / FIXTURE)
    facts = result.facts
    assert not facts["region"].isin(["11100", "11200"]).any()
    berlin = value(facts, "11000", TOTAL, 2006)
    assert berlin["value"] == 520000 + 415659 and not berlin["suppressed"]
    assert value(facts, "11000", TOTAL, 2007)["value"] == 955340
    assert value(facts, "11000", SHARE_WITHOUT, 2006) is None  # "." = kein Nachweis
    assert any("11100" in p and "addiert" in p for p in result.problems)


def test_fixture_bad_cell_raises(fixtures: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    shutil.copy(fixtures / FIXTURE, path)
    book = openpyxl.load_workbook(path)
    book["SvB_Kreise_WO_Anzahl"]["C16"] = "zwölf"
    book.save(path)
    with pytest.raises(SourceFileError) as err:
        ba.read(path)
    assert "bad.xlsx" in str(err.value) and "C16" in str(err.value)


def test_workbook_without_data_sheet_raises(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active["A1"] = "Impressum"
    path = tmp_path / "impressum.xlsx"
    book.save(path)
    assert not ba.sniff(path)
    with pytest.raises(SourceFileError):
        ba.read(path)


def test_not_a_workbook_raises(tmp_path: Path) -> None:
    path = tmp_path / "kaputt.xlsx"
    path.write_bytes(b"PK\x03\x04 nicht wirklich")
    assert not ba.sniff(path)
    with pytest.raises(SourceFileError):
        ba.read(path)


def test_quarterly_stichtage_become_separate_series(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Arbeitslose"
    sheet["A3"] = "Arbeitslose (Anzahl)"
    sheet["A5"] = "Datenstand: März 2024"
    sheet["A9"], sheet["B9"] = "Region", "Insgesamt"
    for i, date in enumerate([dt.datetime(2023, 3, 31), dt.datetime(2023, 9, 30)]):
        sheet.cell(row=10, column=2 + i, value=date)
        sheet.cell(row=11, column=2 + i, value=i + 1)
    sheet.append(["15087 Mansfeld-Südharz", 5000, 4800])
    sheet.append(["Quelle: Statistik der Bundesagentur für Arbeit"])
    path = tmp_path / "quartal.xlsx"
    book.save(path)
    result = ba.read(path)
    assert sorted(s.id for s in result.indicators) == [
        "ba__arbeitslose__insgesamt__stichtag_30_09",
        "ba__arbeitslose__insgesamt__stichtag_31_03",
    ]
    assert len(result.facts) == 2 and result.stand == "Datenstand: März 2024"


# --------------------------------------------------------------------------------------------------
# real file


@functools.cache
def _read_real(path: Path):
    return ba.read(path)


@pytest.fixture
def real(shared_data: Path):
    """The real table, read once per test session (the tests only read the result)."""
    return _read_real(shared_data / REAL)


def _raw_rows(path: Path, sheet: str) -> dict[str, tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {str(r[0]): r for r in book[sheet].iter_rows(min_row=14, values_only=True) if r[0]}
    finally:
        book.close()


@pytest.mark.integration
def test_real_file(real, shared_data: Path) -> None:
    result = real
    assert ba.sniff(shared_data / REAL)
    ids = {s.id for s in result.indicators}
    assert ids == {
        TOTAL,
        WITHOUT,
        UNKNOWN,
        "ba__svb_kreise_wo_anzahl__2_mit_berufsausbildung_anerkannter_berufsabschluss",
        "ba__svb_kreise_wo_anzahl__3_fach_und_hochschulabschluss_akademischer_berufsabschluss",
        SHARE_WITHOUT,
        SHARE_UNKNOWN,
        "ba__svb_kreise_wo_anteile__2_mit_berufsausbildung_anerkannter_berufsabschluss",
        "ba__svb_kreise_wo_anteile__3_fach_und_hochschulabschluss_akademischer_berufsabschluss",
    }
    assert result.stand == "Datenstand: Februar 2022"
    assert result.years == list(range(2002, 2022))


@pytest.mark.integration
def test_real_known_values(real, shared_data: Path) -> None:
    facts = real.facts
    raw = _raw_rows(shared_data / REAL, "SvB_Kreise_WO_Anzahl")
    assert value(facts, "15087", TOTAL, 2010)["value"] == 50514
    for year in range(2002, 2008):  # Mansfeld-Südharz formed 1.7.2007: "." = kein Nachweis, no value
        assert raw["15087 Mansfeld-Südharz"][year - 2001] == "."
        assert value(facts, "15087", TOTAL, year) is None
    assert value(facts, "02000", TOTAL, 2002)["value"] == raw["02000 Hamburg, Freie und Hansestadt"][1]
    assert value(facts, "11000", TOTAL, 2005)["value"] == raw["11000 Berlin, Stadt"][4]
    west, east = raw["11100 Berlin-West, Stadt"], raw["11200 Berlin-Ost, Stadt"]
    assert value(facts, "11000", TOTAL, 2002)["value"] == west[1] + east[1]
    assert value(facts, "DG", TOTAL, 2021)["value"] == raw["Deutschland"][20]
    assert value(facts, "16056", TOTAL, 2021)["value"] == raw["16056 Eisenach, Stadt"][20]
    # 476 region rows over time: 474 Kreise plus Berlin-West and Berlin-Ost
    kreis_rows = [k for k in raw if k[:5].isdigit()]
    assert len(kreis_rows) == 476
    assert facts.loc[facts["region"].str.len() == 5, "region"].nunique() == 474


@pytest.mark.integration
def test_real_shares(real, shared_data: Path) -> None:
    facts = real.facts
    raw = _raw_rows(shared_data / REAL, "SvB_Kreise_WO_Anteile")
    mansfeld = raw["15087 Mansfeld-Südharz"]
    assert value(facts, "15087", SHARE_WITHOUT, 2010)["value"] == pytest.approx(mansfeld[9])
    # 30.06.2012: no qualification data after the reporting change (footnote 1)
    assert raw["15087 Mansfeld-Südharz"][11] == "."
    shares_2012 = facts[(facts["indicator"] == SHARE_WITHOUT) & (facts["year"] == 2012)]
    assert shares_2012.empty  # "." = kein Nachweis: no value and nothing withheld
    assert not facts["suppressed"].any()  # the file uses no "*" at all
