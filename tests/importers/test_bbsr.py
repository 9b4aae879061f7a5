"""BBSR Kreistypen CSV and Umsteigeschlüssel workbook: fixtures in the real layout, then the real files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from indicators.errors import SourceFileError
from indicators.importers import bbsr

KREISTYPEN = "bbsr/kreistypen_2020.csv"
CROSSWALK = "bbsr/ref-kreise-umrech-fixture.xlsx"
REAL_TYPES = "bbsr/kreistypen_2020.csv"
REAL_CROSSWALK = "bbsr/ref-kreise-umrech-2021-1990-2020.xlsx"
TODAY = set(pd.read_csv(Path(__file__).resolve().parents[2] / "indicators/reference/kreise.csv", dtype=str)["ags"])


def _raw_csv_rows(path: Path) -> list[list[str]]:
    lines = path.read_bytes().decode("iso-8859-1").splitlines()
    return [[field.strip('"') for field in line.split(";")] for line in lines]


# --------------------------------------------------------------------------------------------------
# Kreistypen, fixture


def test_sniff_recognises_kreistypen_only(fixtures: Path) -> None:
    assert bbsr.sniff(fixtures / KREISTYPEN)
    assert not bbsr.sniff(fixtures / CROSSWALK)
    assert not bbsr.sniff(fixtures / "does-not-exist.csv")


def test_read_kreistypen_facts(fixtures: Path) -> None:
    result = bbsr.read(fixtures / KREISTYPEN)
    facts = result.facts.set_index("region")
    assert len(facts) == 9
    assert set(facts["indicator"]) == {bbsr.KREISTYP_ID}
    assert set(facts["year"]) == {2020}
    assert set(facts["territory_year"]) == {2020}
    assert facts.loc["15087", "value"] == 4
    assert facts.loc["15087", "value_label"] == "Dünn besiedelter ländlicher Kreis"
    assert facts.loc["02000", "value"] == 1 and facts.loc["11000", "value"] == 1
    assert facts.loc["16056", "value"] == 4  # still in the 2020 Gebietsstand
    spec = result.indicators[0]
    assert spec.scale == "nominal"
    assert spec.classes == [
        "Kreisfreie Großstadt",
        "Städtischer Kreis",
        "Ländlicher Kreis mit Verdichtungsansätzen",
        "Dünn besiedelter ländlicher Kreis",
    ]
    assert "BBSR" in result.publisher and "dl-de/by-2-0" in result.licence


def test_read_kreistypen_on_todays_kreise(fixtures: Path) -> None:
    types = bbsr.read_kreistypen(fixtures / KREISTYPEN)
    assert list(types.columns) == ["ags", "kreistyp", "kreistyp_name"]
    assert "16056" not in set(types["ags"])
    wartburg = types.set_index("ags").loc["16063"]
    assert wartburg["kreistyp"] == 4
    assert any("16056" in p for p in types.attrs["problems"])


def test_new_vintage_takes_years_from_header(fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / KREISTYPEN).read_bytes().decode("iso-8859-1").replace("(2020)", "(2023)")
    lines = [line for line in text.splitlines() if "16056000" not in line]
    path = tmp_path / "kreistypen_2023.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("iso-8859-1"))
    result = bbsr.read(path)
    assert set(result.facts["year"]) == {2023}
    assert set(result.facts["territory_year"]) == {2023}
    assert len(bbsr.read_kreistypen(path)) == 8


@pytest.mark.parametrize(
    "content",
    [
        '"Kreis";"Name"\n"01001000";"Flensburg"\n',
        '"Kreise (2020) Kennziffer";"Kreise (2020) Name";"Siedlungsstruktureller Kreistyp (2020) Kennziffer";'
        '"Siedlungsstruktureller Kreistyp (2020) Name"\n"01001000";"Flensburg";"vier";"Dünn"\n',
        '"Kreise Kennziffer";"Kreise Name";"Siedlungsstruktureller Kreistyp Kennziffer";'
        '"Siedlungsstruktureller Kreistyp Name"\n"01001000";"Flensburg";"4";"Dünn"\n',
        "",
    ],
)
def test_malformed_kreistypen_raise_source_file_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "kreistypen.csv"
    path.write_bytes(content.encode("iso-8859-1"))
    with pytest.raises(SourceFileError) as err:
        bbsr.read(path)
    assert "kreistypen.csv" in str(err.value)


# --------------------------------------------------------------------------------------------------
# Crosswalk, fixture


def test_sniff_crosswalk(fixtures: Path) -> None:
    assert bbsr.sniff_crosswalk(fixtures / CROSSWALK)
    assert not bbsr.sniff_crosswalk(fixtures / KREISTYPEN)
    assert not bbsr.sniff_crosswalk(fixtures / "ba/Kreise_WO_fixture.xlsx")


def test_read_crosswalk_fixture(fixtures: Path) -> None:
    cw = bbsr.read_crosswalk(fixtures / CROSSWALK)
    assert list(cw.columns[:8]) == [
        "year",
        "old_ags",
        "new_ags",
        "w_area",
        "w_pop",
        "w_emp",
        "area_old_km2",
        "pop_old_1000",
    ]
    assert sorted(cw["year"].unique()) == [1996, 2006, 2007, 2016, 2019, 2020]
    # numeric keys without leading zero become 5-digit text
    assert {"02000", "03152", "16056"} <= set(cw["old_ags"])
    # the 1996 sheet has no employment weights
    assert cw.loc[cw["year"] == 1996, "w_emp"].isna().all()
    assert cw.loc[cw["year"] == 2006, "w_emp"].notna().all()
    goe = cw[(cw["year"] == 2006) & (cw["new_ags"] == "03159")].set_index("old_ags")
    assert set(goe.index) == {"03152", "03156"} and (goe["w_pop"] == 1).all()
    # the 2007 sheet names 31.12.2020 as target; it is still the new key column
    assert cw[(cw["year"] == 2007) & (cw["old_ags"] == "16056")]["new_ags"].tolist() == ["16063"]


def test_crosswalk_whole_kreis_figures(fixtures: Path) -> None:
    cw = bbsr.read_crosswalk(fixtures / CROSSWALK)
    split = cw[(cw["year"] == 2006) & (cw["old_ags"] == "16063")]
    # parts 133.1 + 3.5 in the sheet: the whole Kreis has 136.6 thousand
    assert split["pop_old_1000"].tolist() == pytest.approx([136.6, 136.6])
    assert (split["w_pop"] * split["pop_old_1000"]).sum() == pytest.approx(136.6)
    # 2016 repeats the whole Kreis (124.7) in both rows: not summed twice
    repeated = cw[(cw["year"] == 2016) & (cw["old_ags"] == "16063")]
    assert repeated["pop_old_1000"].tolist() == pytest.approx([124.7, 124.7])
    assert repeated["area_old_km2"].tolist() == pytest.approx([1307.5, 1307.5])


def test_crosswalk_repairs_copied_figures(fixtures: Path) -> None:
    cw = bbsr.read_crosswalk(fixtures / CROSSWALK)
    eisenach = cw[(cw["year"] == 2020) & (cw["old_ags"] == "16056")].iloc[0]
    assert eisenach["pop_old_1000"] == pytest.approx(42.3)  # from the 2019 sheet, not 159.9
    assert any("Blatt 2020" in p and "16056" in p for p in cw.attrs["problems"])


def _broken_crosswalk(tmp_path: Path, header: list, row: list) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2010"
    sheet.append(header)
    sheet.append(row)
    path = tmp_path / "umrech.xlsx"
    book.save(path)
    return path


GOOD_HEADER = [
    "Kreise\n 31.12.2010",
    "Kreisname 2010",
    "flächen-\nproportionaler\nUmsteige-schlüssel",
    "bevölkerungs- \nproportionaler \nUmsteige- \nschlüssel",
    "Fläche am 31.12.2010 in km²",
    "Bevölkerung am 31.12.2010 in 1000",
    "Kreise\n 31.12.2021",
    "Kreisname 2021",
]


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (GOOD_HEADER[:2] + GOOD_HEADER[3:], [1001000, "Flensburg", 1, 56.0, 89.0, 1001000, "Flensburg"]),
        (GOOD_HEADER, [1001000, "Flensburg", "eins", 1, 56.0, 89.0, 1001000, "Flensburg"]),
        (GOOD_HEADER, ["Flensburg", "Flensburg", 1, 1, 56.0, 89.0, 1001000, "Flensburg"]),
        (
            GOOD_HEADER[:5] + ["Bevölkerung in Personen"] + GOOD_HEADER[6:],
            [1001000, "F", 1, 1, 56.0, 89.0, 1001000, "F"],
        ),
    ],
)
def test_malformed_crosswalk_raises_source_file_error(tmp_path: Path, header: list, row: list) -> None:
    path = _broken_crosswalk(tmp_path, header, row)
    with pytest.raises(SourceFileError) as err:
        bbsr.read_crosswalk(path)
    assert "umrech.xlsx" in str(err.value) and "Blatt 2010" in str(err.value)


def test_crosswalk_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "umrech.xlsx"
    path.write_text("kein Excel")
    with pytest.raises(SourceFileError):
        bbsr.read_crosswalk(path)


# --------------------------------------------------------------------------------------------------
# real files


@pytest.mark.integration
def test_real_kreistypen(shared_data: Path) -> None:
    path = shared_data / REAL_TYPES
    raw = {row[0][:5]: row for row in _raw_csv_rows(path)[1:]}
    result = bbsr.read(path)
    facts = result.facts.set_index("region")
    assert len(facts) == 401 == len(raw)
    assert facts.loc["15087", "value"] == 4  # README known value
    for ags in ("11000", "02000", "16056", "05111", "09162"):
        assert facts.loc[ags, "value"] == int(raw[ags][2])
    assert facts["value"].value_counts().sort_index().tolist() == [
        sum(1 for r in raw.values() if r[2] == str(k)) for k in (1, 2, 3, 4)
    ]
    types = bbsr.read_kreistypen(path)
    assert len(types) == 400 and set(types["ags"]) == TODAY
    assert types.set_index("ags").loc["16063", "kreistyp"] == int(raw["16063"][2])


@pytest.mark.integration
def test_real_crosswalk(shared_data: Path) -> None:
    cw = bbsr.read_crosswalk(shared_data / REAL_CROSSWALK)
    assert sorted(cw["year"].unique()) == list(range(1990, 2021))
    for year, sheet in cw.groupby("year"):
        assert set(sheet["new_ags"]) <= TODAY, year
        sums = sheet.groupby("old_ags")[["w_area", "w_pop"]].sum()
        assert ((sums - 1).abs() < 1e-6).all().all(), year
        emp = sheet.groupby("old_ags")["w_emp"].sum(min_count=1).dropna()
        assert ((emp - 1).abs() < 1e-6).all(), year
    assert cw.loc[cw["year"] >= 1997, "w_emp"].notna().all()
    eisenach = cw[(cw["year"] == 2020) & (cw["old_ags"] == "16056")]
    assert eisenach["new_ags"].tolist() == ["16063"] and eisenach["w_pop"].tolist() == [1.0]
    mansfeld = cw[(cw["year"] == 2002) & (cw["new_ags"] == "15087")]
    assert set(mansfeld["old_ags"]) == {"15260", "15266"}
    assert cw[(cw["year"] == 2015) & (cw["new_ags"] == "03159")]["old_ags"].tolist() == ["03152", "03156"]


@pytest.mark.integration
def test_real_crosswalk_population_weights(shared_data: Path) -> None:
    path = shared_data / REAL_CROSSWALK
    book = openpyxl.load_workbook(path, read_only=True)
    raw_2018 = [r for r in book["2018"].iter_rows(min_row=2, values_only=True) if r[0] == 16063000]
    raw_2002 = [r for r in book["2002"].iter_rows(min_row=2, values_only=True) if r[0] == 16063000]
    book.close()
    cw = bbsr.read_crosswalk(path)
    wartburg = cw[cw["old_ags"] == "16063"].groupby("year")["pop_old_1000"].first()
    assert wartburg[2018] == pytest.approx(raw_2018[0][6])  # 2018 repeats the whole Kreis per row
    assert wartburg[2002] == pytest.approx(raw_2002[0][6] + raw_2002[1][6])  # 2002 lists the parts
    eisenach_2020 = cw[(cw["year"] == 2020) & (cw["old_ags"] == "16056")]["pop_old_1000"].iloc[0]
    assert eisenach_2020 < 50  # the sheet says 159.9, the merged Wartburgkreis
