"""INKAR long compilation (GERDA): fixture CSV + codebook in the real layout, bad input, and the real file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from indicators.errors import SourceFileError
from indicators.importers import inkar_long
from indicators.importers.base import FACT_COLUMNS

DATA = "county_covariates_sample_1995-2022.csv"
CODEBOOK = "county_covariates_sample_codebook.csv"


def value(result, region: str, column: str, year: int) -> float | None:
    facts = result.facts
    hit = facts[(facts.region == region) & (facts.indicator == f"inkar_long__{column}") & (facts.year == year)]
    assert len(hit) <= 1
    return None if hit.empty else float(hit.value.iloc[0])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(fixtures) -> Path:
    return fixtures / "inkar_long"


@pytest.fixture
def sample(folder):
    return inkar_long.read(folder / DATA)


# --------------------------------------------------------------------------- fixtures


def test_sniff_tells_data_from_codebook(folder, tmp_path):
    assert inkar_long.sniff(folder / DATA)
    assert not inkar_long.sniff(folder / CODEBOOK)
    genesis = write(tmp_path / "genesis.csv", "GENESIS-Tabelle: 13211-02-05-4;;\n;;\n")
    binary = tmp_path / "book.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    for path in (genesis, binary, tmp_path / "missing.csv"):
        assert not inkar_long.sniff(path), path.name


def test_facts_are_long_with_standard_columns(sample):
    assert list(sample.facts.columns) == FACT_COLUMNS
    assert sample.facts.territory_year.isna().all()
    assert not sample.facts.suppressed.any()
    assert sample.regions == ["01001", "02000", "11000", "15087"]
    assert sample.years == [2021, 2022]


def test_values_and_empty_cells(sample):
    assert value(sample, "15087", "youth_unemployment_rate", 2021) == 13.5
    assert value(sample, "15087", "youth_unemployment_rate", 2022) == 12.0
    assert value(sample, "11000", "unemployment_rate", 2021) == 9.5
    assert value(sample, "02000", "gdp_per_capita", 2021) == 60.5
    assert value(sample, "01001", "share_primary_sector", 2021) == 0.0  # a real zero is kept
    assert value(sample, "15087", "unemployment_rate", 2022) is None
    assert value(sample, "01001", "physician_density", 2021) is None
    assert len(sample.facts) == 24  # non-empty indicator cells in the fixture


def test_codebook_gives_labels_units_and_inkar_codes(sample):
    specs = {spec.id: spec for spec in sample.indicators}
    assert list(specs) == [
        "inkar_long__gdp_per_capita",
        "inkar_long__unemployment_rate",
        "inkar_long__youth_unemployment_rate",
        "inkar_long__share_primary_sector",
        "inkar_long__physician_density",
    ]
    rate = specs["inkar_long__unemployment_rate"]
    assert (rate.label, rate.unit, rate.source) == ("Unemployment rate", "%", "INKAR-Kennung q_alo")
    assert "Arbeitslosenquote" in rate.definition and "Labor Market" in rate.definition
    # units stay as the codebook says them, even where the values disagree (catalogue fixes them)
    assert specs["inkar_long__gdp_per_capita"].unit == "EUR"
    physicians = specs["inkar_long__physician_density"]
    assert (physicians.label, physicians.unit) == ("Physicians per 10,000 inhabitants", "je 10.000")
    assert physicians.source == "INKAR-Kennung q_ärzte_bev"


def test_source_and_licence(sample):
    assert sample.format == "inkar_long"
    assert sample.publisher == "BBSR INKAR (Zusammenstellung GERDA)"
    assert sample.licence == "dl-de/by-2-0 (Werte), MIT (Zusammenstellung)"
    assert "2021–2022" in sample.title


def test_kreis_count_is_reported(sample):
    assert any("4 statt 400 Kreise" in p for p in sample.problems)


def test_without_codebook_column_names_are_labels(folder, tmp_path):
    path = shutil.copy(folder / DATA, tmp_path / "data.csv")
    result = inkar_long.read(Path(path))
    spec = next(s for s in result.indicators if s.id == "inkar_long__unemployment_rate")
    assert (spec.label, spec.unit, spec.source) == ("unemployment_rate", "", "")
    assert value(result, "15087", "unemployment_rate", 2021) == 9.5
    assert any("Codebuch" in p for p in result.problems)


def test_column_missing_from_codebook(folder, tmp_path):
    shutil.copy(folder / CODEBOOK, tmp_path / CODEBOOK)
    path = write(tmp_path / DATA, "county_code,year,unemployment_rate,new_indicator\n15087,2021,9.5,1.5\n")
    result = inkar_long.read(path)
    specs = {s.id: s for s in result.indicators}
    assert specs["inkar_long__new_indicator"].label == "new_indicator"
    assert specs["inkar_long__unemployment_rate"].label == "Unemployment rate"
    assert any("new_indicator" in p for p in result.problems)


def test_keys_that_lost_their_leading_zero_and_foreign_keys(tmp_path):
    path = write(
        tmp_path / "keys.csv",
        "\ufeffcounty_code,year,unemployment_rate\n1001,2021,7.5\n101,2021,5.0\n15087,2021,9.5\n\n,2021,3.0\n",
    )
    result = inkar_long.read(path)
    assert result.regions == ["01001", "15087"]
    assert value(result, "01001", "unemployment_rate", 2021) == 7.5
    assert any("Zeile 3" in p and "101" in p for p in result.problems)
    assert any("Zeile 6" in p and "ohne Schlüssel" in p for p in result.problems)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("county_code,jahr,x\n15087,2021,1\n", "Zeile 1"),
        ("kreis,year,x\n15087,2021,1\n", "county_code"),
        ("county_code,year,x,y\n15087,2021,1,2\n15088,2021,1,viel\n", "Zeile 3, Spalte „y“"),
        ("county_code,year,x\n15087,2021,1\n15088,2021.5,1\n", "Zeile 3, Spalte „year“"),
        ("county_code,year,x\n15087,,1\n", "Zeile 2, Spalte „year“"),
        ("county_code,year,x\n15087,2021,1\n15087,2021,2\n", "Kreis 15087, Jahr 2021"),
    ],
)
def test_bad_input_raises_source_file_error(tmp_path, text, where):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(SourceFileError) as info:
        inkar_long.read(path)
    assert where in str(info.value)
    assert "bad.csv" in str(info.value)


def test_wrong_encoding_raises_source_file_error(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("county_code,year,Schlüssel\n15087,2021,1\n".encode("latin-1"))
    with pytest.raises(SourceFileError):
        inkar_long.read(path)


# --------------------------------------------------------------------------- real file


@pytest.fixture
def real_path(shared_data) -> Path:
    paths = sorted((shared_data / "inkar_gerda").glob("*inkar*.csv"))
    if not paths:
        pytest.skip("no GERDA INKAR compilation in the mirror")
    return paths[0]


@pytest.fixture
def real(real_path):
    return inkar_long.read(real_path)


def test_real_sniff(real_path):
    assert inkar_long.sniff(real_path)
    (codebook,) = real_path.parent.glob("*codebook*.csv")
    assert not inkar_long.sniff(codebook)
    assert inkar_long.find_codebook(real_path) == codebook


def test_real_known_values(real):
    assert value(real, "15087", "youth_unemployment_rate", 2020) == 14.25
    assert value(real, "15087", "youth_unemployment_rate", 2022) == 11.36
    assert value(real, "15087", "unemployment_rate", 2020) == 9.75
    assert value(real, "11000", "unemployment_rate", 2020) == 9.69
    assert value(real, "02000", "unemployment_rate", 2020) == 7.55
    assert value(real, "11000", "youth_unemployment_rate", 2022) == 8.76
    assert value(real, "02000", "youth_unemployment_rate", 2022) == 5.37
    assert value(real, "09162", "gdp_per_capita", 2020) == 81.14
    assert value(real, "15087", "unemployment_rate", 2022) is None  # series ends in 2021


def test_real_shape(real, real_path):
    with real_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    filled = sum(1 for row in body for cell in row[2:] if cell != "")
    assert len(real.facts) == filled
    assert len(real.indicators) == len(header) - 2
    assert len(real.regions) == 400
    assert real.years == list(range(1995, 2023))
    assert not real.problems
    assert real.facts.territory_year.isna().all()


def test_real_codebook_metadata(real):
    specs = {s.id: s for s in real.indicators}
    youth = specs["inkar_long__youth_unemployment_rate"]
    assert youth.source == "INKAR-Kennung q_alo_u25"
    assert youth.unit == "%"
    assert all(s.label != s.id.split("__")[1] for s in real.indicators)
