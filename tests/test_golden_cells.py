"""Golden cells: numbers read straight from the official files, compared with the warehouse and the Excel CSV.

Independent of the importers: every expected value is read here with ``csv``, ``openpyxl`` or ``python_calamine``
(for the old .xls), at a row and column located by its key and header text, and where Kreise merged it is worked
out by hand from the raw cells (Wartburgkreis + Eisenach, Göttingen + Osterode am Harz). The same cells are then
looked up in the warehouse built from ``../shared/data`` and in the German-Excel CSV download of exactly those
cells. Covers every official source, Berlin/Hamburg Land rows and Germany rows. Skips when the mirror is absent.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from indicators.outputs import exports
from indicators.warehouse.store import Store
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Cell:
    source: str  # file, for the failure message
    region: str
    indicator: str
    year: int
    expected: float

    def __str__(self) -> str:
        return f"{self.source}:{self.region}:{self.indicator}:{self.year}"


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", ".")) if "," in text else float(text)


# --------------------------------------------------------------------------------------------- raw readers


GENESIS_13211 = {  # header text of line 2 and 3 of the column header -> catalogue id (column order as published)
    ("Arbeitslose", ""): "arbeitslose",
    ("Arbeitslose", "schwerbehindert"): "arbeitslose_schwerbehindert",
    ("Arbeitslose", "15 bis unter 20 Jahre"): "arbeitslose_15_20",
    ("Arbeitslose", "15 bis unter 25 Jahre"): "arbeitslose_15_25",
    ("Arbeitslose", "55 bis unter 65 Jahre"): "arbeitslose_55_65",
    ("Arbeitslose", "langzeitarbeitslos"): "langzeitarbeitslose",
    ("Arbeitslosenquote bez. abh. zivile Erwerbspers.", ""): "alq_abhaengige",
    ("Arbeitslosenquote bez. auf alle zivile Erwerbsp.", ""): "alq",
    ("Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "Männer"): "alq_maenner",
    ("Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "Frauen"): "alq_frauen",
    ("Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "15 bis unter 25 Jahre"): "jugend_alq",
}
#: Land rows of Regionalstatistik stand for the city states as Kreise too.
CITY_STATES = {"02": "02000", "11": "11000"}


def genesis_cells(path: Path, years: set[str], keys: set[str]) -> list[Cell]:
    with open(path, encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "" and len(r) > 3 and r[3].startswith("Arbeitslose"))
    columns = {j: (rows[head][j], rows[head + 1][j]) for j in range(3, len(rows[head]))}
    wanted = {j: GENESIS_13211[c] for j, c in columns.items() if c in GENESIS_13211}
    cells = []
    for r in rows[head + 3 :]:
        if len(r) < 4 or r[0] not in years or r[1] not in keys:
            continue
        for j, indicator in wanted.items():
            for region in {r[1], CITY_STATES.get(r[1], r[1])}:
                cells.append(Cell(path.name, region, indicator, int(r[0]), _number(r[j])))
    return cells


def genesis_merged(path: Path, year: str, parts: tuple[str, str], new: str) -> list[Cell]:
    """Counts of two old Kreise summed by hand: the new Kreis on today's Gebietsstand."""
    with open(path, encoding="latin-1", newline="") as fh:
        rows = {(r[0], r[1]): r for r in csv.reader(fh, delimiter=";") if len(r) > 3}
    a, b = rows[(year, parts[0])], rows[(year, parts[1])]
    return [
        Cell(path.name, new, indicator, int(year), _number(a[j]) + _number(b[j]))
        for j, indicator in ((3, "arbeitslose"), (9, "langzeitarbeitslose"), (7, "arbeitslose_15_25"))
    ]


def population_12411(path: Path) -> list[Cell]:
    """12411-0018 (uncatalogued): men under 3, 31.12.2019 and 2020, Wartburgkreis = Wartburgkreis + Eisenach."""
    with open(path, encoding="latin-1", newline="") as fh:
        rows = {(r[0], r[1]): r for r in csv.reader(fh, delimiter=";") if len(r) > 3}
    indicator = "genesis__12411_0018__maennlich__unter_3_jahre"
    cells = []
    for year in ("2019", "2020"):
        day = f"31.12.{year}"
        cells.append(Cell(path.name, "15087", indicator, int(year), _number(rows[(day, "15087")][3])))
        merged = _number(rows[(day, "16063")][3]) + _number(rows[(day, "16056")][3])
        cells.append(Cell(path.name, "16063", indicator, int(year), merged))
    return cells


def gerda_cells(path: Path) -> list[Cell]:
    """GERDA INKAR compilation: youth unemployment 2021/2022 (no other source those years), GDP in thousand EUR."""
    wanted = {("15087", "2021"), ("15087", "2022"), ("09162", "2021"), ("11000", "2022"), ("02000", "2021")}
    cells = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if (row["county_code"], row["year"]) in wanted:
                year = int(row["year"])
                cells.append(
                    Cell(path.name, row["county_code"], "jugend_alq", year, float(row["youth_unemployment_rate"]))
                )
                if row["gdp_per_capita"]:
                    gdp = 1000 * float(row["gdp_per_capita"])  # thousand EUR although the codebook says EUR
                    cells.append(Cell(path.name, row["county_code"], "bip_je_einwohner", year, gdp))
    return cells


def inkar_xls_cells(path: Path, indicator: str, keys: set[str], years: set[str]) -> list[Cell]:
    import python_calamine

    rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Daten").to_python()
    header_years = [str(c) for c in rows[1]]
    cells = []
    for row in rows[2:]:
        key = str(row[0])
        if key not in keys:
            continue
        for j, year in enumerate(header_years):
            if year in years and row[j] != "":
                cells.append(Cell(path.name, key, indicator, int(year), float(row[j])))
    return cells


def atlas_cells(path: Path) -> list[Cell]:
    """Deutschlandatlas KRS1222: Schuldnerquote (schulden) and rent classes are elsewhere; 8-digit numeric keys."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book["Deutschlandatlas_KRS1222"].iter_rows(values_only=True)
        header = list(next(rows))
        col = header.index("schulden")
        cells = []
        for row in rows:
            key = f"{int(row[0]):08d}"[:5]
            if key in {"15087", "11000", "02000", "09162", "16063", "03159"}:
                cells.append(Cell(path.name, key, "schuldnerquote", 2023, float(row[col])))
        return cells
    finally:
        book.close()


def destatis_cells(path: Path) -> list[Cell]:
    """Kreis list 31.12.2021: population and area of Kreise, city states and the Deutschland row."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        sheet = book[book.sheetnames[1]]
        cells = []
        for row in sheet.iter_rows(min_row=8, values_only=True):
            key = str(row[0]) if row[0] is not None else ""
            region = key if key in {"15087", "11000", "02000", "16063", "03159"} else None
            if row[1] == "Deutschland" and row[2] == "Insgesamt":
                region = "DG"
            if region:
                cells.append(Cell(path.name, region, "einwohner", 2021, float(row[5])))
                cells.append(Cell(path.name, region, "flaeche", 2021, float(row[4])))
        return cells
    finally:
        book.close()


def ba_cells(path: Path) -> list[Cell]:
    """BA SvB by qualification: 'Abschluss unbekannt' (uncatalogued count), Göttingen + Osterode summed by hand."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book["SvB_Kreise_WO_Anzahl"].iter_rows(values_only=True))
    finally:
        book.close()
    top = next(i for i, r in enumerate(rows) if r[0] == "Region (Wohnort)")
    col = next(j for j, c in enumerate(rows[top + 1]) if c == "Abschluss unbekannt")
    dates = rows[top + 3]
    by_label = {str(r[0]).split()[0]: r for r in rows[top + 5 :] if r[0]}
    indicator = "ba__svb_kreise_wo_anzahl__abschluss_unbekannt"
    cells = []
    for offset in (8, 13):  # columns of 30.06.2010 and 30.06.2015 within the group
        j = col + offset
        year = dates[j].year
        cells.append(Cell(path.name, "DG", indicator, year, float(by_label["Deutschland"][j])))
        cells.append(Cell(path.name, "09162", indicator, year, float(by_label["09162"][j])))
        merged = float(by_label["03152"][j]) + float(by_label["03156"][j])
        cells.append(Cell(path.name, "03159", indicator, year, merged))
    return cells


def kreistyp_cells(path: Path) -> list[Cell]:
    with open(path, encoding="latin-1", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    return [
        Cell(path.name, r[0][:5], "kreistyp", 2020, float(r[2]))
        for r in rows[1:]
        if r[0][:5] in {"15087", "11000", "02000", "09162", "03159"}
    ]


def golden_cells(data: Path) -> list[Cell]:
    rs = data / "regionalstatistik"
    keys = {"DG", "15087", "09162", "01001", "02", "11", "14"}  # unchanged Kreise, Länder, Germany
    cells = genesis_cells(rs / "13211-02-05-4_2015-2020.csv", {"2016", "2020"}, keys)
    cells += genesis_cells(rs / "13211-02-05-4_2023.csv", {"2023"}, keys)
    cells += genesis_merged(rs / "13211-02-05-4_2015-2020.csv", "2019", ("16063", "16056"), "16063")
    cells += genesis_merged(rs / "13211-02-05-4_2015-2020.csv", "2015", ("03152", "03156"), "03159")
    cells += population_12411(rs / "12411-0018_2015-2020.csv")
    cells += gerda_cells(data / "inkar_gerda" / "gerda_county_covariates_inkar_1995-2022.csv")
    kreise = {"15087", "11000", "02000", "09162", "16063", "03159"}
    cells += inkar_xls_cells(
        data / "inkar" / "A_BeschaeftigtenquoteKreis.xls", "beschaeftigtenquote", kreise, {"2005", "2021"}
    )
    cells += inkar_xls_cells(
        data / "inkar" / "B_SchulabgaengerohneAbschluss.xls", "schulabg_ohne_hsa", kreise, {"2021"}
    )
    cells += atlas_cells(data / "deutschlandatlas" / "Deutschlandatlas-Daten.xlsx")
    cells += destatis_cells(data / "destatis" / "04-kreise_31122021.xlsx")
    cells += ba_cells(data / "ba" / "Kreise_WO_Zeitreihe.xlsx")
    cells += kreistyp_cells(data / "bbsr" / "kreistypen_2020.csv")
    return cells


# --------------------------------------------------------------------------------------------- the checks


@pytest.fixture(scope="module")
def cells() -> list[Cell]:
    if not (SHARED_DATA / "README.md").exists():
        pytest.skip(f"offline mirror of official files not found at {SHARED_DATA}")
    found = golden_cells(SHARED_DATA)
    assert len(found) >= 100, len(found)
    return found


@pytest.fixture(scope="module")
def store(real_warehouse) -> Store:
    return Store(real_warehouse)


def test_the_golden_cells_cover_every_source_and_the_special_rows(cells):
    sources = {c.source for c in cells}
    assert len(sources) >= 10
    regions = {c.region for c in cells}
    assert {"DG", "02000", "11000", "16063", "03159"} <= regions


def test_the_warehouse_holds_the_raw_cells(cells, store):
    wrong = []
    for cell in cells:
        got = store.value(cell.region, cell.indicator, cell.year)
        if got is None or got != pytest.approx(cell.expected, rel=1e-9, abs=1e-9):
            wrong.append(f"{cell}: Datei {cell.expected}, Warehouse {got}")
    assert not wrong, "\n".join(wrong)


def test_the_excel_csv_download_holds_the_raw_cells(cells, store):
    regions = sorted({c.region for c in cells})
    indicators = sorted({c.indicator for c in cells})
    facts = store.facts(regions, indicators, (min(c.year for c in cells), max(c.year for c in cells)))
    download = exports.export(
        facts,
        store.districts(),
        store.indicators(),
        store.manifest,
        "csv_de",
        "lang",
        "golden",
        created=datetime(2026, 1, 1),
    )
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    member = next(n for n in archive.namelist() if n.endswith(".csv"))
    text = archive.read(member).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    table = {(r["AGS"], r["Indikator-Kennung"], int(r["Jahr"])): r["Wert"] for r in rows}
    wrong = []
    for cell in cells:
        shown = table.get((cell.region, cell.indicator, cell.year))
        value = None if not shown else float(shown.replace(",", "."))
        if value is None or value != pytest.approx(cell.expected, rel=1e-9, abs=1e-9):
            wrong.append(f"{cell}: Datei {cell.expected}, CSV „{shown}“")
    assert not wrong, "\n".join(wrong)
    assert all("." not in r["Wert"] for r in rows), "German CSV: decimal comma, no thousands separator"


if __name__ == "__main__":  # python -m tests.test_golden_cells: list the cells with their raw values
    for cell in golden_cells(SHARED_DATA):
        print(f"{cell}\t{cell.expected}")
