"""Destatis GV-ISys importer: Kreis lists (format A) and the Gemeinde extract (format B)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators.errors import SourceFileError
from indicators.importers import destatis
from indicators.importers.base import FACT_COLUMNS

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "destatis"
KREISE_2021 = FIXTURE_DIR / "04-kreise_31122021.xlsx"
KREISE_2018 = FIXTURE_DIR / "04-kreise_31122018.xlsx"
EXTRACT = FIXTURE_DIR / "31122023_Auszug_GV.xlsx"

AREA, POP, MALE, FEMALE, DENSITY = (
    "destatis__flaeche_km2",
    "destatis__bevoelkerung",
    "destatis__bevoelkerung_maennlich",
    "destatis__bevoelkerung_weiblich",
    "destatis__bevoelkerungsdichte",
)


def _value(result, region: str, indicator: str) -> float:
    facts = result.facts
    rows = facts[(facts["region"] == region) & (facts["indicator"] == indicator)]
    assert len(rows) == 1, f"{region} {indicator}: {len(rows)} rows"
    return rows.iloc[0]["value"]


def _edit(source: Path, tmp_path: Path, edit, name: str | None = None) -> Path:
    target = tmp_path / (name or source.name)
    wb = openpyxl.load_workbook(source)
    edit(wb.worksheets[1])
    wb.save(target)
    return target


def _row_of(ws, key: str) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == key)


# --- sniff --------------------------------------------------------------------------------------


def test_sniff_accepts_both_layouts():
    assert destatis.sniff(KREISE_2021)
    assert destatis.sniff(KREISE_2018)
    assert destatis.sniff(EXTRACT)


def test_sniff_rejects_foreign_files(tmp_path):
    text = tmp_path / "kreistypen.csv"
    text.write_text('"Kennziffer";"Name"\n', encoding="latin-1")
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Kennziffer", "Raumeinheit", "Aggregat", "Arbeitslosenquote"])
    wb.save(other)
    assert not destatis.sniff(text)
    assert not destatis.sniff(other)
    assert not destatis.sniff(tmp_path / "missing.xlsx")


def test_the_data_sheet_is_found_by_content_not_position(tmp_path):
    def reorder(path: Path) -> Path:
        wb = openpyxl.load_workbook(path)
        wb.move_sheet(wb.worksheets[1], offset=-1)
        wb.worksheets[0].title = "Tabelle"
        target = tmp_path / path.name
        wb.save(target)
        return target

    assert _value(destatis.read(reorder(KREISE_2021)), "15087", POP) == 132317
    assert _value(destatis.read(reorder(EXTRACT)), "15087", POP) == 28032


# --- format A: Kreis list -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def kreise_2021():
    return destatis.read(KREISE_2021)


def test_kreis_list_facts(kreise_2021):
    facts = kreise_2021.facts
    assert list(facts.columns) == FACT_COLUMNS
    assert set(facts["indicator"]) == {AREA, POP, MALE, FEMALE, DENSITY}
    assert set(facts["year"]) == {2021}
    assert facts["territory_year"].isna().all()  # 31.12.2021 is after the last Kreis reform (July 2021)
    assert _value(kreise_2021, "15087", AREA) == pytest.approx(1449.05)
    assert _value(kreise_2021, "15087", POP) == 132317
    assert _value(kreise_2021, "15087", FEMALE) == 67346
    assert _value(kreise_2021, "15087", DENSITY) == 91


def test_kreis_list_levels(kreise_2021):
    regions = set(kreise_2021.regions)
    assert {"01001", "01051", "02000", "03159", "08111", "11000", "14522", "15087", "15088", "16063"} <= regions
    assert {"01", "02", "03", "08", "11", "14", "15", "16", "DG"} <= regions
    assert not {"031", "081", "0811", "145"} & regions  # Regierungsbezirke and Regionen are dropped
    assert len(regions) == 10 + 9


def _insgesamt_rows(path) -> dict[str, tuple]:
    """Land and Deutschland rows of the Kreis list, read with openpyxl: the Land key row is followed by its
    Kreise and closed by an "Insgesamt" row (column E area, F population)."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book[book.sheetnames[1]].iter_rows(values_only=True))
    finally:
        book.close()
    found, land = {}, None
    for row in rows:
        key = str(row[0]) if row[0] is not None else ""
        if len(key) == 2:
            land = key
        elif row[1] == "Deutschland" and row[2] == "Insgesamt":
            found["DG"] = (row[4], row[5])
        elif row[2] == "Insgesamt" and land:
            found[land] = (row[4], row[5])
    return found


def test_land_values_come_from_the_insgesamt_rows(kreise_2021, fixtures):
    """The published Land and Germany rows, not the sum of the Kreise (which differs in this fixture)."""
    published = _insgesamt_rows(fixtures / "destatis" / "04-kreise_31122021.xlsx")
    kreise = kreise_2021.facts.query("indicator == @POP and region.str.len() == 5")
    for land in ("15", "01", "DG"):
        area, population = published[land]
        assert _value(kreise_2021, land, POP) == population
        assert _value(kreise_2021, land, AREA) == pytest.approx(area)
        listed = kreise[kreise["region"].str.startswith(land) | (land == "DG")]["value"].sum()
        assert population != listed  # a reader that sums the Kreise would fail here
    assert published["15"][1] == 132317 + 181503 + 1_855_433  # the two listed Kreise and the rest of the Land


def test_city_states_are_land_and_kreis(kreise_2021):
    assert _value(kreise_2021, "11000", POP) == 3677472
    assert _value(kreise_2021, "11", POP) == 3677472
    assert _value(kreise_2021, "02000", AREA) == pytest.approx(755.09)
    assert _value(kreise_2021, "02", AREA) == pytest.approx(755.09)


def test_city_state_written_as_land_row_only(tmp_path):
    def land_only(ws):
        row = _row_of(ws, "02000")
        values = [ws.cell(row, c).value for c in range(5, 10)]
        ws.delete_rows(row)
        land = _row_of(ws, "02")
        for c, v in enumerate(values, start=5):
            ws.cell(land, c, v)

    result = destatis.read(_edit(KREISE_2021, tmp_path, land_only))
    assert _value(result, "02000", POP) == 1853935
    assert _value(result, "02", POP) == 1853935
    assert any("02000" in p for p in result.problems)


def test_kreis_list_metadata(kreise_2021):
    assert kreise_2021.format == "destatis"
    assert kreise_2021.title == "Kreisfreie Städte und Landkreise nach Fläche, Bevölkerung und Bevölkerungsdichte"
    assert kreise_2021.publisher == "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV-ISys"
    assert kreise_2021.stand == "31.12.2021 (erschienen September 2022)"
    assert kreise_2021.licence == (
        "© Statistisches Bundesamt (Destatis) 2022, Vervielfältigung und Verbreitung mit Quellenangabe gestattet"
    )
    assert kreise_2021.problems == []
    specs = {s.id: s for s in kreise_2021.indicators}
    assert specs[AREA].unit == "km²"
    assert "Rheinland-Pfalz" in specs[AREA].definition  # footnote 1 concerns the area
    assert "Berichtsjahr 2016" in specs[POP].definition  # footnote 2 (marked "Bevölkerung2)")
    assert "Berichtsjahr 2016" not in specs[AREA].definition
    assert specs[POP].source == "Gemeindeverzeichnis-Informationssystem GV-ISys"


def test_dl_de_licence_is_taken_when_the_file_says_so(tmp_path):
    def relicense(ws):
        row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).strip().startswith("Vervielf"))
        ws.cell(row, 1, "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)")

    wb = openpyxl.load_workbook(KREISE_2021)
    cover = wb.worksheets[0]
    for row in range(1, cover.max_row + 1):
        if str(cover.cell(row, 1).value or "").strip().startswith("Vervielf"):
            cover.cell(row, 1).value = None
    target = tmp_path / KREISE_2021.name
    wb.save(target)
    result = destatis.read(_edit(target, tmp_path, relicense))
    assert "dl-de/by-2-0" in result.licence


def test_old_gebietsstand_keeps_its_year_and_eisenach():
    result = destatis.read(KREISE_2018)
    assert set(result.facts["territory_year"]) == {2018}
    assert set(result.facts["year"]) == {2018}
    assert _value(result, "16056", POP) == 42370
    assert _value(result, "16063", AREA) == pytest.approx(1307.44)


def test_read_kreis_list():
    frame = destatis.read_kreis_list(KREISE_2018)
    assert list(frame.columns) == ["ags", "kind", "name", "nuts3", "area_km2", "population"]
    assert frame["ags"].is_unique and frame["ags"].str.len().eq(5).all()
    row = frame.set_index("ags").loc["15087"]
    assert (row["kind"], row["name"], row["nuts3"]) == ("Landkreis", "Mansfeld-Südharz", "DEE0A")
    assert (row["area_km2"], row["population"]) == (pytest.approx(1449.05), 132317)
    assert frame.set_index("ags").loc["08111", "kind"] == "Stadtkreis"
    assert "16056" in set(frame["ags"])


def test_suppressed_value_is_kept_as_suppressed(tmp_path):
    def withhold(ws):
        ws.cell(_row_of(ws, "15088"), 7, ".")

    result = destatis.read(_edit(KREISE_2021, tmp_path, withhold))
    facts = result.facts
    row = facts[(facts["region"] == "15088") & (facts["indicator"] == MALE)].iloc[0]
    assert row["suppressed"] and pd.isna(row["value"])
    assert _value(result, "15088", POP) == 181503


def test_text_in_a_number_cell_names_the_cell(tmp_path):
    def garble(ws):
        ws.cell(_row_of(ws, "15087"), 5, "ca. 1449")

    with pytest.raises(SourceFileError) as err:
        destatis.read(_edit(KREISE_2021, tmp_path, garble))
    message = str(err.value)
    assert (
        "04-kreise_31122021.xlsx" in message
        and f"E{_row_of(openpyxl.load_workbook(KREISE_2021).worksheets[1], '15087')}" in message
    )
    assert "ca. 1449" in message


def test_reference_date_from_file_name_when_the_title_has_none(tmp_path):
    def untitle(ws):
        ws.cell(2, 1).value = None

    result = destatis.read(_edit(KREISE_2018, tmp_path, untitle))
    assert set(result.facts["year"]) == {2018}


def test_title_and_file_name_disagree(tmp_path):
    path = tmp_path / "04-kreise_31122020.xlsx"
    shutil.copy(KREISE_2021, path)
    result = destatis.read(path)
    assert set(result.facts["year"]) == {2021}
    assert any("Dateinamen" in p for p in result.problems)


def test_missing_columns_are_rejected(tmp_path):
    def drop_male(ws):
        ws.cell(5, 7).value = None

    with pytest.raises(SourceFileError, match="männlich"):
        destatis.read(_edit(KREISE_2021, tmp_path, drop_male))


def test_foreign_and_broken_workbooks(tmp_path):
    other = tmp_path / "other.xlsx"
    openpyxl.Workbook().save(other)
    with pytest.raises(SourceFileError, match="Tabellenblätter"):
        destatis.read(other)
    broken = tmp_path / "04-kreise_31122021.xlsx"
    broken.write_bytes(b"not a zip file")
    with pytest.raises(SourceFileError, match="Excel-Arbeitsmappe"):
        destatis.read(broken)
    with pytest.raises(SourceFileError, match="Satzart 60"):
        destatis.read_municipalities(KREISE_2021)


# --- format B: Gemeinde extract -----------------------------------------------------------------


@pytest.fixture(scope="module")
def extract():
    return destatis.read(EXTRACT)


def test_extract_sums_gemeinden_per_kreis(extract):
    assert _value(extract, "15087", POP) == 22609 + 3370 + 2053
    assert _value(extract, "15087", AREA) == pytest.approx(144.74 + 61.03 + 45.62)
    assert _value(extract, "15087", FEMALE) == 11481 + 1706 + 1034
    # a gemeindefreies Gebiet has no inhabitants but belongs to its Kreis' area
    assert _value(extract, "01053", AREA) == pytest.approx(33.18 + 58.49)
    assert _value(extract, "01053", DENSITY) == pytest.approx(31568 / (33.18 + 58.49))


def test_extract_drops_pseudo_kreise(extract):
    assert not {"07000", "13000"} & set(extract.regions)
    assert any("07000" in p and "6,20 km²" in p for p in extract.problems)
    assert any("13000" in p for p in extract.problems)
    # Land totals leave the pseudo-areas out, as the Kreis list does
    assert _value(extract, "07", AREA) == pytest.approx(105.25)
    assert _value(extract, "13", POP) == 210795


def test_extract_years_and_aggregates(extract):
    facts = extract.facts
    assert set(facts["year"]) == {2023}
    assert facts["territory_year"].isna().all()
    assert _value(extract, "11000", POP) == 3782202
    assert _value(extract, "11", POP) == 3782202
    assert _value(extract, "02000", AREA) == pytest.approx(755.09)
    kreise = facts[(facts["indicator"] == POP) & (facts["region"].str.len() == 5)]
    assert _value(extract, "DG", POP) == kreise["value"].sum()
    assert set(extract.regions) == {
        "01001", "01053", "02000", "07111", "08111", "11000", "13003", "15087",
        "01", "02", "07", "08", "11", "13", "15", "DG",
    }  # fmt: skip


def test_extract_metadata(extract):
    assert extract.stand == "31.12.2023 (erschienen Oktober 2024)"
    assert "2024" in extract.licence
    specs = {s.id: s for s in extract.indicators}
    assert "berechnet" in specs[DENSITY].definition
    assert "Postleitzahlen" not in specs[POP].definition + specs[AREA].definition


def test_read_municipalities():
    frame = destatis.read_municipalities(EXTRACT)
    assert {"ags8", "name", "kreis_ags", "area_km2", "population", "lat", "lon"} <= set(frame.columns)
    assert frame["ags8"].is_unique and frame["ags8"].str.len().eq(8).all()
    eisleben = frame.set_index("ags8").loc["15087130"]
    assert eisleben["name"] == "Eisleben, Lutherstadt"
    assert eisleben["kreis_ags"] == "15087"
    assert eisleben["population"] == 22609
    assert (eisleben["lat"], eisleben["lon"]) == (pytest.approx(51.527265), pytest.approx(11.545175))
    assert eisleben["degurba"] == 2
    lux = frame.set_index("ags8").loc["07000999"]
    assert pd.isna(lux["lat"]) and pd.isna(lux["lon"])  # written as "0"


def test_extract_kreis_list_has_kinds_from_textkennzeichen():
    frame = destatis.read_kreis_list(EXTRACT).set_index("ags")
    assert frame.loc["15087", "kind"] == "Landkreis"
    assert frame.loc["08111", "kind"] == "Stadtkreis"
    assert frame.loc["01053", "kind"] == "Kreis"
    assert pd.isna(frame.loc["15087", "nuts3"])


def test_extract_bad_key_part_names_the_cell(tmp_path):
    def garble(ws):
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 8).value == "Wallhausen")
        ws.cell(row, 5, "8X")

    with pytest.raises(SourceFileError, match=r"Zelle E\d+"):
        destatis.read(_edit(EXTRACT, tmp_path, garble))


def test_extract_without_population_column_is_rejected(tmp_path):
    def drop(ws):
        ws.cell(4, 10).value = None

    with pytest.raises(SourceFileError, match="population"):
        destatis.read(_edit(EXTRACT, tmp_path, drop))


# --- real files (offline mirror) ----------------------------------------------------------------


@pytest.mark.integration
def test_real_kreise_2021(shared_data):
    result = destatis.read(shared_data / "destatis" / "04-kreise_31122021.xlsx")
    kreise = {r for r in result.regions if len(r) == 5}
    assert len(kreise) == 400
    assert _value(result, "15087", AREA) == pytest.approx(1449.05)
    assert _value(result, "15087", POP) == 132317
    assert _value(result, "11000", POP) == 3677472
    assert _value(result, "02000", AREA) == pytest.approx(755.09)
    assert _value(result, "15", POP) == 2169253
    assert _value(result, "DG", POP) == 83237124
    assert result.facts["territory_year"].isna().all()
    assert result.problems == []
    frame = destatis.read_kreis_list(shared_data / "destatis" / "04-kreise_31122021.xlsx")
    assert len(frame) == 400
    assert frame.set_index("ags").loc["15087", "nuts3"] == "DEE0A"
    assert frame["kind"].value_counts().to_dict() == {
        "Landkreis": 251,
        "Kreisfreie Stadt": 97,
        "Kreis": 42,
        "Stadtkreis": 9,
        "Regionalverband": 1,
    }


@pytest.mark.integration
def test_real_kreise_2018(shared_data):
    result = destatis.read(shared_data / "destatis" / "04-kreise_31122018.xlsx")
    kreise = {r for r in result.regions if len(r) == 5}
    assert len(kreise) == 401
    assert {"16056", "03159"} <= kreise and "03152" not in kreise
    assert set(result.facts["territory_year"]) == {2018}
    assert _value(result, "15087", POP) == 136249
    assert _value(result, "15087", AREA) == pytest.approx(1448.92)
    assert _value(result, "16056", POP) == 42370
    assert _value(result, "DG", AREA) == pytest.approx(357574.84)


@pytest.mark.integration
def test_real_extract_2023(shared_data):
    path = shared_data / "destatis" / "31122023_Auszug_GV.xlsx"
    result = destatis.read(path)
    kreise = {r for r in result.regions if len(r) == 5}
    assert len(kreise) == 400
    assert not {"07000", "13000"} & kreise
    assert _value(result, "15087", POP) == 131071
    assert _value(result, "15087", AREA) == pytest.approx(1456.34)
    assert _value(result, "11000", POP) == 3782202
    assert _value(result, "02000", POP) == 1910160
    assert _value(result, "DG", POP) == 84669326
    assert set(result.facts["year"]) == {2023}
    assert len(result.problems) == 2


@pytest.mark.integration
def test_real_municipalities(shared_data):
    frame = destatis.read_municipalities(shared_data / "destatis" / "31122023_Auszug_GV.xlsx")
    assert len(frame) == 10981
    assert frame["ags8"].is_unique
    eisleben = frame.set_index("ags8").loc["15087130"]
    assert (eisleben["population"], eisleben["area_km2"]) == (22609, pytest.approx(144.74))
    assert eisleben["lat"] == pytest.approx(51.527265)
    assert frame["lat"].between(47, 55.1).sum() == len(frame) - 3
    assert frame.loc[frame["kreis_ags"] == "15087", "population"].sum() == 131071


@pytest.mark.integration
def test_real_sniff(shared_data):
    assert destatis.sniff(shared_data / "destatis" / "04-kreise_31122018.xlsx")
    assert destatis.sniff(shared_data / "destatis" / "31122023_Auszug_GV.xlsx")
    assert not destatis.sniff(shared_data / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx")
    assert not destatis.sniff(shared_data / "bbsr" / "ref-kreise-umrech-2021-1990-2020.xlsx")
    assert not destatis.sniff(shared_data / "ba" / "Kreise_WO_Zeitreihe.xlsx")
