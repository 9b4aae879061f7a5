"""GENESIS / Regionaldatenbank flat CSV importer: hand-made fixtures in the official layout, then the real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.errors import SourceFileError
from indicators.importers import genesis
from indicators.importers.base import FACT_COLUMNS, derived_indicator_id, parse_number

T13211 = "13211-02-05-4"
ALQ = derived_indicator_id("genesis", T13211, "Arbeitslosenquote bez. auf alle zivile Erwerbsp.")
YOUTH = derived_indicator_id(
    "genesis", T13211, "Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "15 bis unter 25 Jahre"
)
ALQ_FOREIGN_OLD = derived_indicator_id(
    "genesis", T13211, "Arbeitslosenquote bez. auf alle zivile Erwerbsp.", "Ausländer"
)
UNEMPLOYED = derived_indicator_id("genesis", T13211, "Arbeitslose")
T13111 = "13111-07-05-4"
EMP_TOTAL = derived_indicator_id("genesis", T13111, "Nationalität", "Insgesamt", "Geschlecht", "Insgesamt")
EMP_FOREIGN_FEMALE_A = derived_indicator_id(
    "genesis",
    T13111,
    "Nationalität",
    "Ausländer(innen)",
    "Geschlecht",
    "weiblich",
    "Land- und Forstwirtschaft, Fischerei (A)",
)
EMP_FOREIGN_FEMALE_J = derived_indicator_id(
    "genesis",
    T13111,
    "Nationalität",
    "Ausländer(innen)",
    "Geschlecht",
    "weiblich",
    "Information und Kommunikation (J)",
)
EMP_FOREIGN_J = derived_indicator_id(
    "genesis",
    T13111,
    "Nationalität",
    "Ausländer(innen)",
    "Geschlecht",
    "Insgesamt",
    "Information und Kommunikation (J)",
)
T12411 = "12411-0018"
POP_M_U3 = derived_indicator_id("genesis", T12411, "männlich", "unter 3 Jahre")
POP_F_75 = derived_indicator_id("genesis", T12411, "weiblich", "75 Jahre und mehr")

LATIN1_SAMPLES = ["13211-02-05-4_2019-2020.csv", "13211-02-05-4_2023.csv", "12411-0018_2015-2016.csv"]


def fact(result, region: str, indicator: str, year: int) -> pd.Series:
    f = result.facts
    rows = f[(f["region"] == region) & (f["indicator"] == indicator) & (f["year"] == year)]
    assert len(rows) == 1, f"{region} {indicator} {year}: {len(rows)} rows"
    return rows.iloc[0]


def value(result, region: str, indicator: str, year: int) -> float:
    return float(fact(result, region, indicator, year)["value"])


def regions_in(result, year: int) -> set[str]:
    return set(result.facts.loc[result.facts["year"] == year, "region"])


@pytest.fixture
def genesis_dir(fixtures: Path) -> Path:
    return fixtures / "genesis"


def write_variant(tmp_path: Path, source: Path, edit, name: str | None = None) -> Path:
    """Copy of a Latin-1 fixture with its text edited, to build broken files without storing them."""
    text = source.read_bytes().decode("latin-1")
    target = tmp_path / (name or source.name)
    target.write_bytes(edit(text).encode("latin-1"))
    return target


# --------------------------------------------------------------------------------------------- recognition


def test_sniff_and_table_code_on_fixtures(genesis_dir: Path):
    codes = {p.name: genesis.table_code(p) for p in genesis_dir.glob("*.csv")}
    assert codes == {
        "13211-02-05-4_2019-2020.csv": T13211,
        "13211-02-05-4_2023.csv": T13211,  # newer "Tabelle:" header
        "12411-0018_2015-2016.csv": T12411,
        "13111-07-05-4_2020.csv": T13111,
    }
    assert all(genesis.sniff(p) for p in genesis_dir.glob("*.csv"))


@pytest.mark.parametrize(
    "content",
    [
        b"Kennziffer;Raumeinheit;Aggregat\n01001;Flensburg;KRS\n",
        b"ags,name\n01001,Flensburg\n",
        b"PK\x03\x04\x14\x00\x06\x00binary zip",
        b"",
        "Tabelle: 13211-02-05-4\nohne Semikolon\n".encode("latin-1"),
    ],
)
def test_sniff_rejects_foreign_files(tmp_path: Path, content: bytes):
    path = tmp_path / "foreign.csv"
    path.write_bytes(content)
    assert genesis.sniff(path) is False


def test_sniff_and_table_code_never_raise_on_missing_file(tmp_path: Path):
    assert genesis.sniff(tmp_path / "missing.csv") is False
    assert genesis.table_code(tmp_path / "missing.csv") is None


# --------------------------------------------------------------------------------------------- 13211 layout


def test_13211_values_and_metadata(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    assert list(result.facts.columns) == FACT_COLUMNS
    assert result.format == "genesis" and result.table == T13211
    assert result.years == [2019, 2020]
    assert value(result, "15087", ALQ, 2020) == pytest.approx(9.8)
    assert value(result, "15087", YOUTH, 2020) == pytest.approx(14.3)
    assert value(result, "15087", UNEMPLOYED, 2019) == 6300
    assert value(result, "DG", ALQ, 2019) == pytest.approx(5.0)
    assert value(result, "01", YOUTH, 2020) == pytest.approx(5.5)
    assert result.publisher == "Statistische Ämter des Bundes und der Länder"
    assert result.licence == "dl-de/by-2-0"
    assert result.stand == "17.08.2021 / 19:38:04"
    assert result.problems == []
    assert result.title.startswith("Arbeitslose nach ausgewählten Personengruppen sowie Arbeitslosenquoten")


def test_13211_indicator_specs(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    specs = {s.id: s for s in result.indicators}
    assert len(specs) == 13
    assert specs[YOUTH].label == "Arbeitslosenquote bez. auf alle zivile Erwerbsp. – 15 bis unter 25 Jahre"
    assert specs[YOUTH].unit == "Prozent"
    assert specs[UNEMPLOYED].label == "Arbeitslose" and specs[UNEMPLOYED].unit == "Anzahl"
    assert YOUTH == "genesis__13211_02_05_4__arbeitslosenquote_bez_auf_alle_zivile_erwerbsp__15_bis_unter_25_jahre"
    assert "Tabelle 13211-02-05-4" in specs[ALQ].definition
    assert "Arbeitsmarktstatistik der Bundesagentur für Arbeit" in specs[ALQ].definition
    assert "Statistische Ämter des Bundes und der Länder" in specs[ALQ].source
    assert set(result.facts["indicator"]) == set(specs)


def test_13211_special_values(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    for region, year, cell in [("15087", 2019, "."), ("16056", 2020, "x"), ("01001", 2019, "/")]:
        row = fact(result, region, ALQ_FOREIGN_OLD, year)
        assert row["suppressed"], cell
        assert pd.isna(row["value"]), cell
    assert not result.facts.loc[result.facts["value"].notna(), "suppressed"].any()
    assert not result.facts["estimated"].any()


def test_13211_regional_levels(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    expected = {"DG", "01", "01001", "02", "02000", "03", "03159", "11", "11000", "15", "15087", "16056"}
    assert regions_in(result, 2020) == expected
    assert regions_in(result, 2019) == expected
    # Regierungsbezirk 031, city parts 03241001 / 11001001 and the dissolved Kreis 03152 (only "-") are gone
    assert not result.facts["region"].isin(["031", "03241", "11001", "03152"]).any()


def test_city_states_appear_as_land_and_kreis(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    for land, kreis, alq in [("11", "11000", 9.7), ("02", "02000", 7.6)]:
        assert value(result, land, ALQ, 2020) == pytest.approx(alq)
        assert value(result, kreis, ALQ, 2020) == pytest.approx(alq)
        land_rows = result.facts[result.facts["region"] == land].drop(columns="region").reset_index(drop=True)
        kreis_rows = result.facts[result.facts["region"] == kreis].drop(columns="region").reset_index(drop=True)
        pd.testing.assert_frame_equal(land_rows, kreis_rows)


def test_territory_year_is_data_year(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2019-2020.csv")
    assert (result.facts["territory_year"] == result.facts["year"]).all()


def test_newer_tabelle_header_and_dissolved_kreis(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13211-02-05-4_2023.csv")
    assert result.table == T13211 and result.years == [2023]
    assert value(result, "15087", ALQ, 2023) == pytest.approx(9.9)
    assert value(result, "15087", YOUTH, 2023) == pytest.approx(11.7)
    assert value(result, "11000", YOUTH, 2023) == pytest.approx(8.7)
    assert value(result, "02000", ALQ, 2023) == pytest.approx(7.4)
    assert "16056" not in regions_in(result, 2023)  # Eisenach: row of "-" after the merger
    assert "16063" in regions_in(result, 2023)
    assert result.stand == "09.07.2026 / 11:01:42"
    foreign = derived_indicator_id("genesis", T13211, "Arbeitslose", "ausländisch")
    assert value(result, "15087", foreign, 2023) == 720


# --------------------------------------------------------------------------------------------- 12411 layout


def test_12411_date_column_and_unit_from_title(genesis_dir: Path):
    result = genesis.read(genesis_dir / "12411-0018_2015-2016.csv")
    assert result.years == [2015, 2016]
    assert value(result, "15087", POP_M_U3, 2015) == 1525
    assert value(result, "15087", POP_F_75, 2016) == 12700
    specs = {s.id: s for s in result.indicators}
    assert len(specs) == 6
    assert specs[POP_M_U3].label == "männlich – unter 3 Jahre"
    assert specs[POP_M_U3].unit == "Anzahl"
    assert regions_in(result, 2015) == {"01001", "02000", "03152", "11000", "15087"}
    assert regions_in(result, 2016) == {"01001", "02000", "03159", "11000", "15087"}


def test_12411_kreis_rows_of_city_states_are_not_doubled(genesis_dir: Path):
    result = genesis.read(genesis_dir / "12411-0018_2015-2016.csv")
    assert value(result, "11000", POP_M_U3, 2016) == 59600
    assert not result.facts["region"].isin(["11", "02"]).any()


def test_12411_footer_without_licence(genesis_dir: Path):
    """Footnote lines that start with a date must not become data; a missing licence is reported."""
    result = genesis.read(genesis_dir / "12411-0018_2015-2016.csv")
    assert result.publisher == "Statistisches Bundesamt (Destatis)"
    assert result.stand == "17.08.2021 / 13:26:54"
    assert result.licence == "dl-de/by-2-0"
    assert any("Lizenz" in p for p in result.problems)
    assert len(result.facts) == 10 * 6


# --------------------------------------------------------------------------------------------- 13111 layout


def test_13111_stichtag_and_extra_dimension(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13111-07-05-4_2020.csv")
    assert result.years == [2020]
    assert value(result, "15087", EMP_TOTAL, 2020) == 41087
    assert value(result, "11000", EMP_TOTAL, 2020) == 1539000
    assert value(result, "02000", EMP_TOTAL, 2020) == 997500
    specs = {s.id: s for s in result.indicators}
    assert len(specs) == 6 * 3
    assert specs[EMP_FOREIGN_J].label == (
        "Nationalität – Ausländer(innen) – Geschlecht – Insgesamt – Information und Kommunikation (J)"
    )
    assert specs[EMP_TOTAL].unit == "Anzahl"
    assert "30.06.2020" not in result.title  # the dated Stichtag line is not part of the title
    assert result.licence == "dl-de/by-2-0" and result.problems == []


def test_13111_dash_means_zero_in_existing_kreis(genesis_dir: Path):
    result = genesis.read(genesis_dir / "13111-07-05-4_2020.csv")
    row = fact(result, "03402", EMP_FOREIGN_FEMALE_A, 2020)
    assert row["value"] == 0 and not row["suppressed"]
    assert fact(result, "15087", EMP_FOREIGN_FEMALE_J, 2020)["suppressed"]
    assert "03152" not in set(result.facts["region"])  # all "-": did not exist in 2020
    assert "11001" not in set(result.facts["region"])


def test_time_in_column_headers(tmp_path: Path):
    """Exports with the years as columns: the year comes from the header, not from the rows."""
    text = (
        "GENESIS-Tabelle: 99999-01\nTesttabelle;;;\nMerkmal;;;\n;;2019;2020\n;;Anzahl;Anzahl\n"
        "15087;  Mansfeld-Südharz;1;2\n15;Sachsen-Anhalt;3;-\n__________\nStand: 01.01.2024\n"
    )
    path = tmp_path / "zeit.csv"
    path.write_bytes(text.encode("latin-1"))
    result = genesis.read(path)
    indicator = derived_indicator_id("genesis", "99999-01")
    assert [(s.id, s.label, s.unit) for s in result.indicators] == [(indicator, "Merkmal", "Anzahl")]
    assert value(result, "15087", indicator, 2019) == 1
    assert value(result, "15087", indicator, 2020) == 2
    assert value(result, "15", indicator, 2020) == 0


# --------------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize("name", LATIN1_SAMPLES)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_copies_read_like_latin1(genesis_dir: Path, tmp_path: Path, name: str, encoding: str):
    source = genesis_dir / name
    copy = tmp_path / name
    copy.write_bytes(source.read_bytes().decode("latin-1").encode(encoding))
    original, converted = genesis.read(source), genesis.read(copy)
    assert genesis.sniff(copy) and genesis.table_code(copy) == original.table
    pd.testing.assert_frame_equal(original.facts, converted.facts)
    assert [s.label for s in original.indicators] == [s.label for s in converted.indicators]
    assert original.title == converted.title and any(c in original.title for c in "äö")


def test_crlf_line_endings(genesis_dir: Path, tmp_path: Path):
    source = genesis_dir / "13211-02-05-4_2019-2020.csv"
    copy = write_variant(tmp_path, source, lambda t: t.replace("\n", "\r\n"))
    pd.testing.assert_frame_equal(genesis.read(source).facts, genesis.read(copy).facts)


# --------------------------------------------------------------------------------------------- malformed files


def _error(path: Path) -> str:
    with pytest.raises(SourceFileError) as info:
        genesis.read(path)
    return str(info.value)


def test_error_missing_table_line(genesis_dir: Path, tmp_path: Path):
    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", lambda t: t.split("\n", 1)[1])
    assert "Zeile 1" in _error(path)


def test_error_wrong_separator(genesis_dir: Path, tmp_path: Path):
    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", lambda t: t.replace(";", "\t"))
    message = _error(path)
    assert "Zeile 2" in message and "„;“" in message


def test_error_truncated_line(genesis_dir: Path, tmp_path: Path):
    def cut(text: str) -> str:
        lines = text.split("\n")
        lines[12] = lines[12][:40]  # file line 13: 2023;11001001;      Berlin-Mitte;.;. ... cut short
        return "\n".join(lines)

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", cut)
    message = _error(path)
    assert "Zeile 13" in message and "16" in message


def test_error_non_numeric_value_names_line_and_column(genesis_dir: Path, tmp_path: Path):
    def edit(t):
        return t.replace(";10,6;9,9;10,4;", ";10,6;9.9x;10,4;")

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", edit)
    message = _error(path)
    assert "Zeile 15" in message  # lines 1-9 are the header block, 10-14 DG and Länder
    assert "Arbeitslosenquote bez. auf alle zivile Erwerbsp." in message
    assert "9.9x" in message


def test_error_no_data_rows(genesis_dir: Path, tmp_path: Path):
    def drop_rows(text: str) -> str:
        return "\n".join(line for line in text.split("\n") if not line.startswith("2023;"))

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", drop_rows)
    assert "Datenzeile" in _error(path)


def test_error_no_column_header_lines(genesis_dir: Path, tmp_path: Path):
    def drop_headers(text: str) -> str:
        return "\n".join(line for line in text.split("\n") if not line.startswith(";;;"))

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", drop_headers)
    message = _error(path)
    assert "Zeile 7" in message and "Spaltenköpfe" in message


def test_error_bad_region_key(genesis_dir: Path, tmp_path: Path):
    def edit(t):
        return t.replace("2023;15087;", "2023;Mansfeld;")

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", edit)
    message = _error(path)
    assert "Zeile 15" in message and "Mansfeld" in message


def test_error_missing_year(genesis_dir: Path, tmp_path: Path):
    def edit(t):
        return t.replace("Stichtag: 30.06.2020", "Stand der Daten")

    path = write_variant(tmp_path, genesis_dir / "13111-07-05-4_2020.csv", edit)
    assert "Stichtag" in _error(path)


def test_error_conflicting_duplicate_rows(genesis_dir: Path, tmp_path: Path):
    line = "2023;15087;      Mansfeld-Südharz, Landkreis;1;1;1;1;1;1;1;1,0;1,0;1,0;1,0;1,0;1,0\n"

    def edit(t):
        return t.replace("2023;16;", line + "2023;16;")

    path = write_variant(tmp_path, genesis_dir / "13211-02-05-4_2023.csv", edit)
    message = _error(path)
    assert "Zeilen 15 und 16" in message and "15087" in message


def test_error_unreadable_path(tmp_path: Path):
    assert "missing.csv" in _error(tmp_path / "missing.csv")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_files_raise_only_source_file_error(genesis_dir: Path, tmp_path_factory, data):
    """Whatever is cut or replaced, the importer either reads the file or names the problem."""
    source = genesis_dir / data.draw(st.sampled_from(sorted(p.name for p in genesis_dir.glob("*.csv"))))
    text = source.read_bytes()
    start = data.draw(st.integers(0, len(text) - 1))
    length = data.draw(st.integers(0, 40))
    insert = data.draw(st.binary(max_size=8) | st.sampled_from([b";", b"\n", b"-", b"x", b"__________\n", b'"']))
    path = tmp_path_factory.mktemp("damaged") / source.name
    path.write_bytes(text[:start] + insert + text[start + length :])
    try:
        result = genesis.read(path)
    except SourceFileError:
        return
    assert list(result.facts.columns) == FACT_COLUMNS


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_numbers_agree_with_parse_number(tmp_path_factory, number):
    cell = f"{number:f}".replace(".", ",")
    text = (
        f"Tabelle: 99999-02\nTest;;\nStichtag: 31.12.2020;;\n;;Wert\n;;EUR\n15087;Mansfeld-Südharz;{cell}\n__________\n"
    )
    path = tmp_path_factory.mktemp("number") / "zahl.csv"
    path.write_bytes(text.encode("latin-1"))
    expected, _ = parse_number(cell)
    assert genesis.read(path).facts["value"].iloc[0] == pytest.approx(expected)


def test_thousands_separator_and_special_values(tmp_path: Path):
    text = (
        "Tabelle: 99999-03\nTest;;;;;;;\nStichtag: 31.12.2020;;;;;;;\n;;a;b;c;d;e;f\n"
        "15087;Mansfeld-Südharz;1.234,5;...;/;*;;-12\n__________\n"
    )
    path = tmp_path / "sonder.csv"
    path.write_bytes(text.encode("latin-1"))
    facts = genesis.read(path).facts.set_index("indicator")
    ids = {c: derived_indicator_id("genesis", "99999-03", c) for c in "abcdef"}
    assert facts.loc[ids["a"], "value"] == 1234.5
    assert facts.loc[[ids["b"], ids["c"], ids["d"]], "suppressed"].all()
    assert ids["e"] not in facts.index  # empty cell: nothing to report
    assert facts.loc[ids["f"], "value"] == -12


# --------------------------------------------------------------------------------------------- real files


@pytest.fixture
def regionalstatistik(shared_data: Path) -> Path:
    folder = shared_data / "regionalstatistik"
    if not folder.is_dir():
        pytest.skip(f"{folder} fehlt im Spiegel")
    return folder


def test_real_files_are_recognised(regionalstatistik: Path):
    files = sorted(regionalstatistik.glob("*.csv"))
    assert files
    for path in files:
        assert genesis.sniff(path), path.name
        assert genesis.table_code(path) == path.name.split("_")[0], path.name


def test_real_13211_known_values(regionalstatistik: Path):
    older = genesis.read(regionalstatistik / "13211-02-05-4_2015-2020.csv")
    newer = genesis.read(regionalstatistik / "13211-02-05-4_2023.csv")
    assert value(older, "15087", ALQ, 2020) == pytest.approx(9.8)
    assert value(older, "15087", YOUTH, 2020) == pytest.approx(14.3)
    assert value(newer, "15087", ALQ, 2023) == pytest.approx(9.9)
    assert value(newer, "15087", YOUTH, 2023) == pytest.approx(11.7)
    # read from the file: "2023;11;  Berlin;187930;...;10,4;9,1;9,4;8,9;17,6;8,7", Hamburg "...;8,2;7,4;...;5,7"
    assert value(newer, "11000", ALQ, 2023) == pytest.approx(9.1)
    assert value(newer, "11000", YOUTH, 2023) == pytest.approx(8.7)
    assert value(newer, "11", UNEMPLOYED, 2023) == 187930
    assert value(newer, "02000", ALQ, 2023) == pytest.approx(7.4)
    assert value(newer, "02000", YOUTH, 2023) == pytest.approx(5.7)
    # "2018;15087;...;.;11,4": the foreign-nationals rate is withheld
    assert fact(older, "15087", ALQ_FOREIGN_OLD, 2018)["suppressed"]
    # "2020;16065;      Kyffhäuserkreis;...;x;8,0"
    assert fact(older, "16065", ALQ_FOREIGN_OLD, 2020)["suppressed"]
    assert older.licence == newer.licence == "dl-de/by-2-0"
    assert newer.publisher == "Statistische Ämter des Bundes und der Länder"
    assert newer.stand == "09.07.2026 / 11:01:42"


def test_real_13211_territories(regionalstatistik: Path):
    older = genesis.read(regionalstatistik / "13211-02-05-4_2015-2020.csv")
    newer = genesis.read(regionalstatistik / "13211-02-05-4_2023.csv")
    assert older.years == [2015, 2016, 2017, 2018, 2019, 2020]

    def kreise(result, year):
        return {r for r in regions_in(result, year) if len(r) == 5}

    # Göttingen merged with Osterode on 1 Nov 2016, Eisenach into Wartburgkreis on 1 Jul 2021
    assert len(kreise(older, 2015)) == 402 and {"03152", "03156"} <= kreise(older, 2015)
    assert len(kreise(older, 2020)) == 401 and "03152" not in kreise(older, 2020)
    assert len(kreise(newer, 2023)) == 400 and "16056" not in kreise(newer, 2023)
    assert len({r for r in regions_in(newer, 2023) if len(r) == 2}) == 17  # DG + 16 Länder
    assert (older.facts["territory_year"] == older.facts["year"]).all()


def test_real_12411_population(regionalstatistik: Path):
    result = genesis.read(regionalstatistik / "12411-0018_2015-2020.csv")
    # "31.12.2015;15087;Mansfeld-Südharz, Landkreis;1525;...;12724"
    assert value(result, "15087", POP_M_U3, 2015) == 1525
    assert value(result, "15087", POP_F_75, 2015) == 12724
    assert len(result.indicators) == 34
    assert {len(regions_in(result, y)) for y in result.years} == {401, 402}
    assert result.publisher == "Statistisches Bundesamt (Destatis)"


def test_real_13111_employees(regionalstatistik: Path):
    result = genesis.read(regionalstatistik / "13111-07-05-4_2020.csv")
    assert result.years == [2020]
    # "15087;      Mansfeld-Südharz, Landkreis;Insgesamt;41087;20103;20984;1063;815;248"
    assert value(result, "15087", EMP_TOTAL, 2020) == 41087
    assert value(result, "11000", EMP_TOTAL, 2020) == 1539285
    assert fact(result, "15087", EMP_FOREIGN_J, 2020)["suppressed"]
    # "03402;      Emden, kreisfreie Stadt;Land- und Forstwirtschaft, Fischerei (A);42;37;5;8;8;-"
    assert value(result, "03402", EMP_FOREIGN_FEMALE_A, 2020) == 0
    assert len(result.indicators) == 6 * 14
