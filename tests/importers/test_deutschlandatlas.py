"""Deutschlandatlas importer: fixture workbook + description PDF, and the real 2024 release."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators.errors import SourceFileError
from indicators.importers import deutschlandatlas as da
from indicators.importers.base import FACT_COLUMNS

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "deutschlandatlas"
WORKBOOK = FIXTURE_DIR / "Deutschlandatlas-Daten.xlsx"
PDF = FIXTURE_DIR / "Indikatoren_Deutschlandatlas_Stand_2024-12-12.pdf"


def _make_fixtures_module():
    spec = importlib.util.spec_from_file_location("da_make_fixtures", FIXTURE_DIR / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fact(result, region: str, code: str) -> pd.DataFrame:
    facts = result.facts
    return facts[(facts["region"] == region) & (facts["indicator"] == f"deutschlandatlas__{code}")]


def _one(result, region: str, code: str) -> pd.Series:
    rows = _fact(result, region, code)
    assert len(rows) == 1, f"{region} {code}: {len(rows)} rows"
    return rows.iloc[0]


def _spec(result, code: str):
    return next(s for s in result.indicators if s.id == f"deutschlandatlas__{code}")


def _edit_workbook(tmp_path: Path, edit) -> Path:
    """A copy of the fixture workbook, changed by ``edit(workbook)``, without the PDF beside it."""
    target = tmp_path / "Deutschlandatlas-Daten.xlsx"
    wb = openpyxl.load_workbook(WORKBOOK)
    edit(wb)
    wb.save(target)
    return target


@pytest.fixture(scope="module")
def result():
    return da.read(WORKBOOK)


# --- sniff --------------------------------------------------------------------------------------


def test_sniff_accepts_the_workbook():
    assert da.sniff(WORKBOOK)


def test_sniff_rejects_foreign_files(tmp_path):
    csv = tmp_path / "table.csv"
    csv.write_text("GENESIS-Tabelle: 13211-02-05-4;\n", encoding="latin-1")
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Kreise_2021"
    wb.save(other)
    assert not da.sniff(csv)
    assert not da.sniff(other)
    assert not da.sniff(PDF)
    assert not da.sniff(tmp_path / "missing.xlsx")


# --- Kreis sheets -------------------------------------------------------------------------------


def test_facts_have_the_standard_columns(result):
    assert list(result.facts.columns) == FACT_COLUMNS
    assert result.facts["value"].notna().all()
    assert not result.facts.duplicated(["region", "indicator", "year"]).any()


def test_numeric_keys_become_kreis_ags(result):
    assert set(result.regions) == {"01001", "02000", "11000", "15087", "16056", "16063", "16077"}


def test_values_and_years_from_the_pdf(result):
    alq = _one(result, "15087", "alq")
    assert alq["value"] == pytest.approx(9.95)
    assert alq["year"] == 2023
    assert pd.isna(alq["territory_year"])
    assert _one(result, "15087", "schule_oabschl")["year"] == 2022
    hh = _one(result, "15087", "hh_veink")
    assert (hh["value"], hh["year"]) == (pytest.approx(21.41), 2021)


def test_city_states_are_kreise(result):
    assert _one(result, "11000", "alq")["value"] == pytest.approx(9.14)
    assert _one(result, "02000", "alq")["value"] == pytest.approx(7.43)


def test_missing_code_drops_the_value(result):
    assert _fact(result, "16063", "alq").empty
    assert not _fact(result, "16063", "schule_oabschl").empty


def test_old_gebietsstand_keeps_eisenach_and_its_year(result):
    eisenach = _one(result, "16056", "erw_vol")
    assert eisenach["value"] == pytest.approx(-11.17)
    assert eisenach["year"] == 2020
    assert eisenach["territory_year"] == 2020
    teilz = _one(result, "15087", "teilz_insg")
    assert (teilz["year"], teilz["territory_year"]) == (2022, 2020)
    assert pd.isna(_one(result, "15087", "hh_veink")["territory_year"])


def test_rent_classes_are_ordinal(result):
    spec = _spec(result, "preis_miet")
    assert spec.scale == "ordinal"
    assert spec.classes == [
        "bis unter 5,50",
        "5,50 bis unter 7,00",
        "7,00 bis unter 8,50",
        "8,50 bis unter 10,00",
        "11,50 und mehr",
    ]
    row = _one(result, "15087", "preis_miet")
    assert (row["value"], row["value_label"]) == (2.0, "5,50 bis unter 7,00")
    assert _one(result, "16063", "preis_miet")["value"] == 1.0
    assert _one(result, "11000", "preis_miet")["value"] == 5.0


def test_land_price_classes_order_by_lower_bound(result):
    spec = _spec(result, "preis_baul")
    assert spec.classes == ["bis unter 50", "50 bis unter 100", "100 bis unter 200", "500 und mehr"]
    assert _one(result, "02000", "preis_baul")["value_label"] == "500 und mehr"
    assert pd.isna(_one(result, "15087", "alq")["value_label"])
    assert _spec(result, "alq").scale == "ratio"


def test_indicator_specs_from_the_pdf(result):
    alq = _spec(result, "alq")
    assert alq.label == "Arbeitslosenquote"
    assert alq.unit == "%"
    assert "zivilen Erwerbspersonen" in alq.definition
    # the caveat runs over a page break and a compound split at the line end
    assert "jahresdurchschnittliche Angaben. Der Wert für Wohnort-Arbeitsort-Beziehungen" in alq.definition
    assert "Bundesagentur für Arbeit" in alq.source
    assert _spec(result, "hh_veink").unit == "1.000 € je Einwohner/-in"
    assert _spec(result, "preis_miet").unit == "€ je m²"
    assert "Gesamtrechnungen der Länder" in _spec(result, "hh_veink").source
    # heading wrapped before "Indikatorenkürzel:", definition hyphenated across lines
    assert _spec(result, "schule_oabschl").label.startswith("Schulabgängerinnen und Schulabgänger ohne")
    assert "sozialversicherungspflichtig Beschäftigten im Jahr" in _spec(result, "teilz_insg").definition


def test_metadata(result):
    assert result.format == "deutschlandatlas"
    assert result.title == "Daten zum Deutschlandatlas"
    assert result.stand == "12.12.2024"
    assert result.publisher == "Statistisches Bundesamt (Destatis), Deutschlandatlas"
    assert result.licence == (
        "© Statistisches Bundesamt (Destatis) 2024, Vervielfältigung und Verbreitung mit Quellenangabe gestattet"
    )
    assert "KRS1222" in result.table and "KRS1220" in result.table
    assert result.problems == []


def test_without_pdf_the_year_is_the_gebietsstand(tmp_path):
    copy = tmp_path / WORKBOOK.name
    shutil.copy(WORKBOOK, copy)
    result = da.read(copy)
    assert da.NO_PDF_NOTE in result.problems
    alq = _one(result, "15087", "alq")
    assert alq["year"] == 2022
    assert _one(result, "15087", "hh_veink")["year"] == 2021
    assert _one(result, "16056", "erw_vol")["year"] == 2020
    assert _spec(result, "alq").label == "alq"
    assert result.stand == "12.12.2024"  # from the Vorblatt


def test_code_missing_from_pdf_is_reported(tmp_path):
    make = _make_fixtures_module()
    copy = tmp_path / WORKBOOK.name
    shutil.copy(WORKBOOK, copy)
    pages = [[line for line in page if "alq" not in line] for page in make.PAGES]
    make.write_pdf(tmp_path / "Indikatoren_Deutschlandatlas_Stand_2025-01-31.pdf", pages)
    result = da.read(copy)
    assert any("alq" in p and "nicht in der Indikatorenbeschreibung" in p for p in result.problems)
    assert _one(result, "15087", "alq")["year"] == 2022
    assert _one(result, "15087", "hh_veink")["year"] == 2021
    assert result.stand == "12.12.2024"


def test_same_code_in_two_sheets_is_one_indicator(tmp_path):
    def add_alq(wb):
        ws = wb["Deutschlandatlas_KRS1221"]
        ws.cell(1, 5, "alq")
        ws.cell(5, 5, 10.5)  # Mansfeld-Südharz

    path = _edit_workbook(tmp_path, add_alq)
    result = da.read(path)
    assert [s.id for s in result.indicators].count("deutschlandatlas__alq") == 1
    rows = _fact(result, "15087", "alq")
    years = dict(zip(rows["year"], rows["value"], strict=True))
    assert years == {2022: pytest.approx(9.95), 2021: pytest.approx(10.5)}
    shutil.copy(PDF, tmp_path / PDF.name)  # now both sheets claim 2023: the newest Gebietsstand wins
    result = da.read(path)
    assert _one(result, "15087", "alq")["value"] == pytest.approx(9.95)
    assert any("alq" in p and "Deutschlandatlas_KRS1221 übergangen" in p for p in result.problems)


# --- Gemeinde levels ----------------------------------------------------------------------------


def test_gemeinde_level_keeps_8_digit_keys():
    result = da.read_level(WORKBOOK, "GEM")
    assert set(result.regions) == {"01001000", "02000000", "15087010", "15087031", "16077052"}
    assert _one(result, "15087031", "bev_dicht")["value"] == pytest.approx(152.12)
    assert _fact(result, "16077052", "bev_dicht").empty  # -9999
    assert _fact(result, "15087010", "st_einnkr").empty  # -99999
    assert _fact(result, "02000000", "v_5g").empty  # #VALUE!
    assert any("v_5g" in p and "#VALUE!" in p for p in result.problems)
    assert _one(result, "01001000", "v_5g")["year"] == 2024


def test_gemeindeverband_level_pads_to_the_sheet_width():
    result = da.read_level(WORKBOOK, "vbgem")
    regions = set(result.regions)
    assert {"010010000", "150870015"} <= regions  # VBGEM1222: 9 digits
    assert {"01001000", "10041100"} <= regions  # VBGEM1219: 8 digits, text and numbers mixed
    oenv = _one(result, "01001000", "oenv")
    assert (oenv["year"], oenv["territory_year"]) == (2020, 2019)
    assert pd.isna(_one(result, "150870015", "preis_miet_best")["territory_year"])


def test_unknown_level_is_a_programming_error():
    with pytest.raises(ValueError):
        da.read_level(WORKBOOK, "LAN")


# --- malformed input ----------------------------------------------------------------------------


def test_text_in_a_number_column_names_the_cell(tmp_path):
    path = _edit_workbook(tmp_path, lambda wb: wb["Deutschlandatlas_KRS1222"].cell(5, 5, "k.A."))
    with pytest.raises(SourceFileError) as err:
        da.read(path)
    assert "Deutschlandatlas_KRS1222" in str(err.value) and "E5" in str(err.value)
    assert "k.A." in str(err.value)


def test_number_in_a_class_column_is_rejected(tmp_path):
    path = _edit_workbook(tmp_path, lambda wb: wb["Deutschlandatlas_KRS1222"].cell(6, 4, 6.5))
    with pytest.raises(SourceFileError, match="nur Zahlen oder nur Klassen"):
        da.read(path)


def test_missing_header_is_rejected(tmp_path):
    def blank_header(wb):
        for col in range(1, 7):
            wb["Deutschlandatlas_KRS1221"].cell(1, col).value = None

    with pytest.raises(SourceFileError, match="Zeile 1"):
        da.read(_edit_workbook(tmp_path, blank_header))


def test_unknown_key_is_skipped_with_a_note(tmp_path):
    path = _edit_workbook(tmp_path, lambda wb: wb["Deutschlandatlas_KRS1222"].cell(3, 1, "Hamburg"))
    result = da.read(path)
    assert "02000" not in set(_fact(result, "02000", "alq")["region"])
    assert any("Zeile 3" in p and "Hamburg" in p for p in result.problems)


def test_workbook_without_kreis_sheets(tmp_path):
    def drop(wb):
        for name in [n for n in wb.sheetnames if "KRS" in n]:
            del wb[name]

    with pytest.raises(SourceFileError, match="KRS"):
        da.read(_edit_workbook(tmp_path, drop))


def test_broken_file(tmp_path):
    broken = tmp_path / "Deutschlandatlas-Daten.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SourceFileError, match="Excel-Arbeitsmappe"):
        da.read(broken)


# --- PDF text parsing ---------------------------------------------------------------------------


def _describe(definition: str, caveats: str = "") -> da.CodeDescription:
    text = f"Titel | Indikatorenkürzel: x\n{definition}\nGebietsstand: KRS1222\nDatenbasis: Quelle\n"
    if caveats:
        text += f"Methodischer Hinweis: {caveats}\n"
    return da.parse_descriptions(text)["x"]


@pytest.mark.parametrize(
    ("definition", "year"),
    [
        ("Anteil der Waldfläche im Jahr 2022 in %", 2022),
        ("Sportvereine je 100.000 Einwohner/-innen im jahr 2023", 2023),
        ("Gemittelte Entwicklung der Bevölkerungszahl zwischen 2017 und 2022 pro Jahr in %", 2022),
        ("Pkw-Fahrzeit zur nächsten Grundschule in den Jahren 2021-24 in Minuten", 2024),
        ("Bundestagswahlbeteiligung 2021 in Kreisen in %", 2021),
        ("Anteil der Haushalte mit ≥ 1.000 Mbit/s im Juni 2022 in %", 2022),
    ],
)
def test_year_of_a_definition(definition, year):
    assert _describe(definition).year == year


def test_year_from_stichtag_when_the_definition_has_none():
    assert _describe("Anteil der Fläche in %", "Stichtag: 31.12.2022").year == 2022
    assert _describe("Anteil der Fläche in %").year is None


@pytest.mark.parametrize(
    ("definition", "unit"),
    [
        ("Anteil der Waldfläche im Jahr 2022 in %", "%"),
        ("Einwohner/-innen je km² im Jahr 2022", "Einwohner/-innen je km²"),
        ("Steuereinnahmekraft je Einwohner/-in im Jahr 2022 in €", "€ je Einwohner/-in"),
        ("Bruttoinlandsprodukt je erwerbstätige Person im Jahr 2021 in 1.000 €", "1.000 € je erwerbstätige Person"),
        (
            "Fälle von Wohnungseinbruchdiebstahl pro 100.000 Einwohner/-innen im Jahr 2023",
            "je 100.000 Einwohner/-innen",
        ),
        ("Pkw je 1.000 Einwohner/-innen im Jahr 2024", "Pkw je 1.000 Einwohner/-innen"),
        ("Mittlere Pkw-Fahrzeit zur nächsten Apotheke im Jahr 2020 in Minuten", "Minuten"),
        ("Mittlere Pkw-Fahrzeit zur nächsten Praxis im Jahr 2021", ""),
    ],
)
def test_unit_of_a_definition(definition, unit):
    assert _describe(definition).unit == unit


def test_pdf_parse_is_cached_per_file_version(tmp_path):
    first = da.read_descriptions(PDF)
    assert da.read_descriptions(PDF) is first
    copy = tmp_path / PDF.name
    shutil.copy(PDF, copy)
    before = da.read_descriptions(copy)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    after = da.read_descriptions(copy)
    assert after is not before
    assert after.descriptions == before.descriptions


def test_description_pdf_is_found_by_name(tmp_path):
    assert da.find_description_pdf(WORKBOOK) == PDF
    assert da.find_description_pdf(tmp_path / "x.xlsx") is None


# --- real file (offline mirror) -----------------------------------------------------------------


_REAL: dict[Path, tuple] = {}


@pytest.fixture
def real(shared_data):
    """The real workbook, read once per test session."""
    path = shared_data / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx"
    if path not in _REAL:
        _REAL[path] = da.read(path)
    return _REAL[path]


@pytest.mark.integration
def test_real_known_values(real):
    result = real
    alq = _one(result, "15087", "alq")
    assert (alq["value"], alq["year"]) == (pytest.approx(9.95), 2023)
    schule = _one(result, "15087", "schule_oabschl")
    assert (schule["value"], schule["year"]) == (pytest.approx(14.04), 2022)
    hh = _one(result, "15087", "hh_veink")
    assert (hh["value"], hh["year"]) == (pytest.approx(21.41), 2021)


@pytest.mark.integration
def test_real_city_states_and_rent_classes(real):
    result = real
    assert _one(result, "11000", "alq")["value"] == pytest.approx(9.14)
    assert _one(result, "02000", "alq")["value"] == pytest.approx(7.43)
    assert _one(result, "11000", "hh_veink")["value"] == pytest.approx(22.62)
    rent = _one(result, "15087", "preis_miet")
    assert (rent["value"], rent["value_label"]) == (2.0, "5,50 bis unter 7,00")
    assert _one(result, "02000", "preis_miet")["value_label"] == "11,50 und mehr"
    assert _spec(result, "preis_miet").classes[0] == "bis unter 5,50"
    assert _spec(result, "preis_miet").classes[-1] == "11,50 und mehr"
    assert len(_spec(result, "preis_baul").classes) == 6


@pytest.mark.integration
def test_real_territories(real):
    result = real
    facts = result.facts
    assert facts.loc[facts["territory_year"].isna(), "region"].nunique() == 400
    old = facts[facts["territory_year"] == 2020]
    assert set(old["indicator"]) == {f"deutschlandatlas__{c}" for c in ("erw_vol", "teilz_insg", "teilz_w", "teilz_m")}
    assert old["region"].nunique() == 401
    assert _one(result, "16056", "erw_vol")["value"] == pytest.approx(-11.17)


@pytest.mark.integration
def test_real_metadata(real):
    result = real
    assert result.stand == "12.12.2024"
    assert result.problems == []
    assert all(s.label != s.id.split("__")[-1] for s in result.indicators)
    assert _spec(result, "alq").label == "Arbeitslosenquote"


@pytest.mark.integration
def test_real_gemeinde_level(shared_data):
    result = da.read_level(shared_data / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx", "GEM")
    assert _one(result, "11000000", "bev_dicht")["value"] == pytest.approx(4214.08)
    assert _one(result, "15087031", "bev_dicht")["value"] == pytest.approx(52.12)
    assert result.facts["region"].str.len().eq(8).all()
    assert result.facts["region"].nunique() > 10_900
